"""core: customers' postal address and phone; comments on programs, filters, multipliers
and awards (issue 21 items 4 and 5)

Revision ID: 0008_contact_comments
Revises: 0001

Every new column is nullable, so existing rows need no value: a customer without an
address, a program without comments.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_contact_comments"
down_revision = "0001"  # customers and the program tables are 0001's
branch_labels = None
depends_on = None

CONTACT = (("phone", 50), ("address_line1", 200), ("address_line2", 200), ("city", 100),
           ("region", 100), ("postal_code", 20), ("country", 100))
WHITEBOARDS = ("program_filters", "program_rates", "program_awards")


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        for name, length in CONTACT:
            batch.add_column(sa.Column(name, sa.String(length=length), nullable=True))
    with op.batch_alter_table("programs") as batch:
        batch.add_column(sa.Column("comments", sa.Text(), nullable=True))
    for table in WHITEBOARDS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("whiteboard", sa.Text(), nullable=True))


def downgrade() -> None:
    for table in WHITEBOARDS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("whiteboard")
    with op.batch_alter_table("programs") as batch:
        batch.drop_column("comments")
    with op.batch_alter_table("customers") as batch:
        for name, _ in reversed(CONTACT):
            batch.drop_column(name)
