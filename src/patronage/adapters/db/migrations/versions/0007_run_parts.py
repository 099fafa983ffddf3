"""ops: the daily run split by customer range, one row per day and part

Revision ID: 0007_run_parts
Revises: 0006_job_leases
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_run_parts"
down_revision = "0006_job_leases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_parts",
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("first_customer", sa.String(length=100), nullable=True),
        sa.Column("end_customer", sa.String(length=100), nullable=True),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("user", sa.String(length=100), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("holder", sa.String(length=200), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", "day", "part", name=op.f("pk_run_parts")),
    )


def downgrade() -> None:
    op.drop_table("run_parts")
