"""Tables of the web console: its users and their server-side sessions.

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

__all__ = ["metadata", "web_sessions", "web_users"]
