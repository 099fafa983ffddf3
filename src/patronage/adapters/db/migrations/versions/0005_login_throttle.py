"""web console: the throttle on failed logins, and the audit of console writes

Revision ID: 0005_login_throttle
Revises: 0003_web

`web_login_throttle` counts failed logins per account and per client address, so that
every server process refuses the same attempts; `web_requests` records each console write
with the user who made it, as `api_requests` does for API keys.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_login_throttle"
down_revision = "0003_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_login_throttle",
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("lockouts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "subject", name=op.f("pk_web_login_throttle")),
    )
    op.create_index("ix_web_login_throttle_last_at", "web_login_throttle", ["last_at"],
                    unique=False)
    op.create_table(
        "web_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_requests")),
    )
    op.create_index("ix_web_requests_at", "web_requests", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_web_requests_at", table_name="web_requests")
    op.drop_table("web_requests")
    op.drop_index("ix_web_login_throttle_last_at", table_name="web_login_throttle")
    op.drop_table("web_login_throttle")
