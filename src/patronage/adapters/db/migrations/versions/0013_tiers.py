"""core: status tiers (issue 23 item 1; T1-T9 in docs/decisions.md "Tiers"): a program's
tier settings, the tier each enrollment holds, and every move between tiers

Revision ID: 0013_tiers
Revises: 0001

New tables only: a program without a `program_tiers` row has no tiers, as before.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import patronage.adapters.db.types

revision = "0013_tiers"
down_revision = "0001"  # tiers name programs and enrollments, 0001's
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "program_tiers",
        sa.Column("program_id", sa.String(length=100), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("program_id", name=op.f("pk_program_tiers")),
    )
    op.create_table(
        "customer_tiers",
        sa.Column("enrollment_id", Id, autoincrement=False, nullable=False),
        sa.Column("customer_id", sa.String(length=100), nullable=False),
        sa.Column("program_id", sa.String(length=100), nullable=False),
        sa.Column("tier", sa.String(length=50), nullable=True),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("falls_on", sa.Date(), nullable=True),
        sa.Column("falls_to", sa.String(length=50), nullable=True),
        sa.PrimaryKeyConstraint("enrollment_id", name=op.f("pk_customer_tiers")),
    )
    op.create_index("ix_customer_tiers_program", "customer_tiers", ["program_id"], unique=False)
    op.create_table(
        "tier_changes",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("enrollment_id", Id, nullable=False),
        sa.Column("customer_id", sa.String(length=100), nullable=False),
        sa.Column("program_id", sa.String(length=100), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("from_tier", sa.String(length=50), nullable=True),
        sa.Column("to_tier", sa.String(length=50), nullable=True),
        sa.Column("reason", sa.String(length=10), nullable=False),
        sa.Column("qualifying", patronage.adapters.db.types.ExactDecimal(length=40),
                  nullable=False),
        sa.Column("invoice_id", Id, nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_changes")),
    )
    op.create_index("ix_tier_changes_customer", "tier_changes", ["customer_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tier_changes_customer", table_name="tier_changes")
    op.drop_table("tier_changes")
    op.drop_index("ix_customer_tiers_program", table_name="customer_tiers")
    op.drop_table("customer_tiers")
    op.drop_table("program_tiers")
