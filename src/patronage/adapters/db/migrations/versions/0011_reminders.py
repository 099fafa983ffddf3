"""core: expiry reminders (issue 23 item 4) and returns that give back redeemed points
(issue 23 item 6): three program settings and the table of reminders queued

Revision ID: 0011_reminders
Revises: 0001

The program columns default to "off" (no reminder days, no give-back), so existing
programs behave as before.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_reminders"
down_revision = "0001"  # the programs table is 0001's
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programs") as batch:
        batch.add_column(sa.Column("remind_points_expiring_days", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("remind_credit_expiring_days", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("return_restores_redemption", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "reminders",
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=100), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("queued_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "subject_id", "days", name=op.f("pk_reminders")),
    )


def downgrade() -> None:
    op.drop_table("reminders")
    with op.batch_alter_table("programs") as batch:
        batch.drop_column("return_restores_redemption")
        batch.drop_column("remind_credit_expiring_days")
        batch.drop_column("remind_points_expiring_days")
