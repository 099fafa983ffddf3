"""rewards: coupons keep their reason; credit memos and coupons issued or cancelled by hand

Revision ID: 0007_manual_rewards
Revises: 0001

`coupons.reason` names the account a coupon's issue debits and its forfeit, expiry or
cancel credits back (G1); award coupons have none (the default awards account).
`manual_rewards` records each credit memo or coupon issued or cancelled by hand: who, why,
the caller's id (a repeat is one issue) and a note.

Coupons are journalled from this revision on. A coupon still open here gets its issue
entry now (dated its issue day, on the default awards account, as the engine books award
coupons), so the journal's coupon liability equals the open coupons' value from the start;
coupons already used, expired or cancelled owe nothing and are left unjournalled.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import patronage.adapters.db.types

revision = "0007_manual_rewards"
down_revision = "0001"
branch_labels = ("rewards",)
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DEFAULT_ACCOUNT = "loyalty_awards"  # service/awards.py credit_account(None)


def upgrade() -> None:
    with op.batch_alter_table("coupons") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=50), nullable=True))
    op.create_table(
        "manual_rewards",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("memo_id", Id, nullable=True),
        sa.Column("coupon_id", Id, nullable=True),
        sa.Column("customer_id", sa.String(length=100), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("amount", patronage.adapters.db.types.Money(), nullable=False),
        sa.Column("reason", sa.String(length=50), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("user", sa.String(length=100), nullable=True),
        sa.Column("body_hash", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["coupon_id"], ["coupons.id"],
                                name=op.f("fk_manual_rewards_coupon_id_coupons")),
        sa.ForeignKeyConstraint(["memo_id"], ["credit_memos.id"],
                                name=op.f("fk_manual_rewards_memo_id_credit_memos")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manual_rewards")),
        sa.UniqueConstraint("external_id", name=op.f("uq_manual_rewards_external_id")),
    )
    with op.batch_alter_table("manual_rewards") as batch:
        batch.create_index(batch.f("ix_manual_rewards_coupon_id"), ["coupon_id"], unique=False)
        batch.create_index(batch.f("ix_manual_rewards_customer_id"), ["customer_id"],
                           unique=False)
        batch.create_index(batch.f("ix_manual_rewards_memo_id"), ["memo_id"], unique=False)
    _journal_open_coupons()


def _journal_open_coupons() -> None:
    """The issue entry of every coupon open now (money columns hold integer cents)."""
    conn = op.get_bind()
    meta = sa.MetaData()
    coupons = sa.Table("coupons", meta, autoload_with=conn)
    entries = sa.Table("journal_entries", meta, autoload_with=conn)
    postings = sa.Table("journal_postings", meta, autoload_with=conn)
    rows = conn.execute(sa.select(coupons.c.id, coupons.c.customer_id, coupons.c.issued_on,
                                  sa.type_coerce(coupons.c.amount, sa.BigInteger))
                        .where(coupons.c.status == "open").order_by(coupons.c.id)).all()
    for coupon_id, customer_id, issued_on, cents in rows:
        if not cents:
            continue
        made = conn.execute(sa.insert(entries).values(
            date=issued_on, kind="coupon_issue", reference=f"coupon:{coupon_id}",
            customer_id=customer_id, memo="coupon open when coupons were first journalled"))
        entry_id = made.inserted_primary_key[0] if made.inserted_primary_key else None
        conn.execute(sa.insert(postings), [
            {"entry_id": entry_id, "account": DEFAULT_ACCOUNT, "debit": cents, "credit": 0},
            {"entry_id": entry_id, "account": "coupon_liability", "debit": 0, "credit": cents}])


def downgrade() -> None:
    op.drop_table("manual_rewards")
    with op.batch_alter_table("coupons") as batch:
        batch.drop_column("reason")
