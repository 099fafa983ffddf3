"""core: redemption rules of a points bank (issue 23 item 2; R6-R8 in docs/decisions.md):
a minimum, steps of points and a maximum share of the invoice

Revision ID: 0012_redemption_rules
Revises: 0001

The columns default to "no rule" (0, 1, 100), so existing programs redeem as before.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_redemption_rules"
down_revision = "0001"  # the programs table is 0001's
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programs") as batch:
        batch.add_column(sa.Column("redeem_min_points", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("redeem_step_points", sa.Integer(), nullable=False,
                                   server_default="1"))
        batch.add_column(sa.Column("redeem_max_share_percent", sa.Integer(), nullable=False,
                                   server_default="100"))


def downgrade() -> None:
    with op.batch_alter_table("programs") as batch:
        batch.drop_column("redeem_max_share_percent")
        batch.drop_column("redeem_step_points")
        batch.drop_column("redeem_min_points")
