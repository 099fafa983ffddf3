"""core: campaigns (issue 23 item 3; K1-K7 in docs/decisions.md): bonus multipliers and
fixed bonus points for a date window, stores, an item filter or tiers, with a budget

Revision ID: 0014_campaigns
Revises: 0001

A new table only: a shop without campaigns earns as before.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from patronage.adapters.db.types import ExactDecimal

revision = "0014_campaigns"
down_revision = "0001"  # the programs table is 0001's
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("program_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("expires", sa.Date(), nullable=True),
        sa.Column("stores", sa.JSON(), nullable=False),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=True),
        sa.Column("multiplier", ExactDecimal(length=40), nullable=True),
        sa.Column("bonus_points", sa.Integer(), nullable=True),
        sa.Column("bonus_min_qty", ExactDecimal(length=40), nullable=True),
        sa.Column("budget", sa.BigInteger(), nullable=True),
        sa.Column("given", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("stopped_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"],
                                name=op.f("fk_campaigns_program_id_programs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_index("ix_campaigns_program", "campaigns", ["program_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_campaigns_program", table_name="campaigns")
    op.drop_table("campaigns")
