"""Tables of the web console: its users, their server-side sessions, the throttle on
failed logins and the audit of what each user wrote.

A password is kept only as an argon2 hash; a session only as the SHA-256 of its cookie
token, so a copy of the database lets nobody log in.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table

from patronage.adapters.db.tables import metadata

web_users = Table(
    "web_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),  # cashier | manager | admin
    Column("password_hash", String(200), nullable=False),
    Column("store_id", Integer),  # the store the user works at (W2, W5)
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("web_users.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Index("ix_web_sessions_expires_at", "expires_at"),
)

# 0005_login_throttle: failed logins per account and per client address, in the database so
# that every server process counts the same attempts (entrypoints/web/throttle.py)
web_login_throttle = Table(
    "web_login_throttle",
    metadata,
    Column("scope", String(10), primary_key=True),  # account | address
    Column("subject", String(100), primary_key=True),  # the user name, or the address
    Column("failures", Integer, nullable=False),  # in the window that began at window_start
    Column("window_start", DateTime, nullable=False),
    Column("lockouts", Integer, nullable=False),  # in a row: each one locks for longer
    Column("locked_until", DateTime),
    Column("last_at", DateTime, nullable=False),  # the last attempt counted
    Index("ix_web_login_throttle_last_at", "last_at"),
)

# 0005_login_throttle: every console write and who made it, as api_requests is for keys
web_requests = Table(
    "web_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("user_name", String(100), nullable=False),
    Column("method", String(10), nullable=False),
    Column("path", String(500), nullable=False),
    Column("status", Integer, nullable=False),
    Column("outcome", String(500)),  # the message the user was shown
    Index("ix_web_requests_at", "at"),
)

__all__ = ["metadata", "web_login_throttle", "web_requests", "web_sessions", "web_users"]
