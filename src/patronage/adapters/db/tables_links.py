"""Tables of the customer's own page (0010_customer_links): the signed links a customer
opens it with, and the key they are signed with when PATRONAGE_SECRET_KEY is not set.

A link's token is never stored: it is signed from the row (core/links.py), so a row alone
opens nothing without the key.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Table

from patronage.adapters.db.tables import Id, metadata

customer_links = Table(
    "customer_links",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("customer_id", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),  # null: live until expires_at
    # the console user or API key that made it; "letters and receipts" for documents' links
    Column("created_by", String(100)),
    Index("ix_customer_links_customer", "customer_id"),
)

customer_link_keys = Table(
    "customer_link_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # 1: the key in use
    Column("secret", String(100), nullable=False),  # URL-safe base64 of 32 random bytes
    Column("created_at", DateTime, nullable=False),
)

__all__ = ["customer_link_keys", "customer_links", "metadata"]
