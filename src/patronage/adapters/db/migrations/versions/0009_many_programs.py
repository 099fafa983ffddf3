"""core: several programs per customer (issue 21 item 1): the shop's
`programs_per_customer` and an invoice's share in each program it earns in

Revision ID: 0009_many_programs
Revises: 0001

The shop keeps "one" (seed 001's rule E1, as before); `invoice_earnings` starts empty, as
no invoice earned in several programs before.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_many_programs"
down_revision = "0001"  # the shop, invoices and enrollments tables are 0001's
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("shop") as batch:
        batch.add_column(sa.Column("programs_per_customer", sa.String(length=4), nullable=False,
                                   server_default="one"))
    op.create_table(
        "invoice_earnings",
        sa.Column("invoice_id", ID, nullable=False),
        sa.Column("enrollment_id", ID, nullable=False),
        sa.Column("program_id", sa.String(length=100), nullable=False),
        sa.Column("accrual_date", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("lot_id", ID, nullable=True),
        sa.Column("rate", sa.JSON(), nullable=False),
        sa.Column("eligible_amount", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["enrollment_id"], ["enrollments.id"],
                                name=op.f("fk_invoice_earnings_enrollment_id_enrollments")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"],
                                name=op.f("fk_invoice_earnings_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("invoice_id", "enrollment_id", name=op.f("pk_invoice_earnings")),
    )


def downgrade() -> None:
    op.drop_table("invoice_earnings")
    with op.batch_alter_table("shop") as batch:
        batch.drop_column("programs_per_customer")
