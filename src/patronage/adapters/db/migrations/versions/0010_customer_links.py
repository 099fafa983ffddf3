"""links: the customer's own page by signed link (issue 23 item 5)

Revision ID: 0010_customer_links
Revises: 0001

`customer_links` keeps each link a customer's page opens with (its expiry, and when it was
revoked); `customer_link_keys` the key links are signed with when PATRONAGE_SECRET_KEY is
not set, made on first use. New tables only: nothing existing changes.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_customer_links"
down_revision = "0001"  # links name customers, 0001's
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "customer_links",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_links")),
    )
    op.create_index("ix_customer_links_customer", "customer_links", ["customer_id"],
                    unique=False)
    op.create_table(
        "customer_link_keys",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_link_keys")),
    )


def downgrade() -> None:
    op.drop_table("customer_link_keys")
    op.drop_index("ix_customer_links_customer", table_name="customer_links")
    op.drop_table("customer_links")
