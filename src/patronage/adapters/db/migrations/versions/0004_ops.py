"""ops: cached totals by kind per enrollment, indexes of live rows for the daily run

Revision ID: 0004_ops
Revises: 0001

`enrollment_totals` caches the sum of an enrollment's ledger entries by kind, so that a
balance never sums the whole ledger, and `enrollments.held` the sum of all of them, so the
daily run finds who may reach an award level without summing every lot; both are filled
here from the ledger that exists.
Partial indexes cover only live lots (remaining > 0) and enrollments in debt, and the
open credit memos and coupons by expiry, so the daily run never walks spent history.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import patronage.adapters.db.types  # noqa: F401 - the column types of the tables

revision = "0004_ops"
down_revision = "0001"
branch_labels = ("ops",)
depends_on = None

LIVE = sa.text("remaining > 0")
IN_DEBT = sa.text("debt < 0")
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "enrollment_totals",
        sa.Column("enrollment_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("last_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["enrollment_id"], ["enrollments.id"],
                                name=op.f("fk_enrollment_totals_enrollment_id_enrollments")),
        sa.PrimaryKeyConstraint("enrollment_id", "kind", name=op.f("pk_enrollment_totals")),
    )
    op.execute(
        "INSERT INTO enrollment_totals (enrollment_id, kind, points, last_on) "
        "SELECT enrollment_id, kind, SUM(points), MAX(date) FROM ledger "
        "GROUP BY enrollment_id, kind"
    )
    with op.batch_alter_table("enrollments") as batch:
        batch.add_column(sa.Column("held", sa.BigInteger(), server_default="0", nullable=False))
        batch.create_index("ix_enrollments_program_held", ["program_id", "held"], unique=False)
    op.execute(
        "UPDATE enrollments SET held = COALESCE((SELECT SUM(points) FROM ledger "
        "WHERE ledger.enrollment_id = enrollments.id), 0)"
    )
    op.create_index("ix_lots_live_expires_on", "lots", ["expires_on"], unique=False,
                    sqlite_where=LIVE, postgresql_where=LIVE)
    op.create_index("ix_lots_live_enrollment", "lots", ["enrollment_id"], unique=False,
                    sqlite_where=LIVE, postgresql_where=LIVE)
    op.create_index("ix_enrollments_in_debt", "enrollments", ["id"], unique=False,
                    sqlite_where=IN_DEBT, postgresql_where=IN_DEBT)
    op.create_index("ix_credit_memos_status_expires_on", "credit_memos",
                    ["status", "expires_on"], unique=False)
    op.create_index("ix_coupons_status_expires_on", "coupons", ["status", "expires_on"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_coupons_status_expires_on", table_name="coupons")
    op.drop_index("ix_credit_memos_status_expires_on", table_name="credit_memos")
    op.drop_index("ix_enrollments_in_debt", table_name="enrollments")
    op.drop_index("ix_lots_live_enrollment", table_name="lots")
    op.drop_index("ix_lots_live_expires_on", table_name="lots")
    with op.batch_alter_table("enrollments") as batch:
        batch.drop_index("ix_enrollments_program_held")
        batch.drop_column("held")
    op.drop_table("enrollment_totals")
