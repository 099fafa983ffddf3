"""Tables of the REST API: keys, the audit of write requests, idempotency records, webhooks.

Keys are stored as the SHA-256 of a high-entropy random token, never the token itself.
Webhook deliveries are an outbox fed from the core `events` table: `webhook_cursor` holds
the last event id fanned out, and each delivery is unique per (webhook, event) so that a
pass run twice never delivers one event twice to one receiver.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from patronage.adapters.db.tables import Id, metadata

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(10), nullable=False),  # cashier | manager | admin
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),  # shown in lists to tell keys apart
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
)

api_requests = Table(
    "api_requests",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("key_id", BigInteger),
    Column("key_name", String(100)),
    Column("method", String(10), nullable=False),
    Column("path", String(500), nullable=False),
    Column("status", Integer, nullable=False),
    Column("idempotency_key", String(200)),
    Index("ix_api_requests_at", "at"),
)

api_idempotency = Table(
    "api_idempotency",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key_id", BigInteger, nullable=False),
    Column("idem_key", String(200), nullable=False),
    Column("method", String(10), nullable=False),
    Column("path", String(500), nullable=False),
    Column("body_hash", String(64), nullable=False),
    Column("status", Integer),  # null while the first request is still running
    Column("response", Text),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("key_id", "idem_key", name="uq_api_idempotency_key_id_idem_key"),
    Index("ix_api_idempotency_created_at", "created_at"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("url", String(2000), nullable=False),
    Column("events", JSON, nullable=False),  # event types; empty: all
    Column("secret", String(200), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("after_event_id", BigInteger, nullable=False),  # events up to here predate it
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(100)),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("webhook_id", Id, ForeignKey("webhooks.id"), nullable=False),
    Column("event_id", BigInteger, nullable=False),
    Column("event_type", String(50), nullable=False),
    Column("body", Text, nullable=False),  # the exact bytes signed and sent
    Column("status", String(10), nullable=False),  # pending | delivered | cancelled
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("locked_until", DateTime),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("created_at", DateTime, nullable=False),
    Column("delivered_at", DateTime),
    UniqueConstraint("webhook_id", "event_id",
                     name="uq_webhook_deliveries_webhook_id_event_id"),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
)

webhook_cursor = Table(
    "webhook_cursor",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_event_id", BigInteger, nullable=False),
)

__all__ = [
    "api_idempotency",
    "api_keys",
    "api_requests",
    "metadata",
    "webhook_cursor",
    "webhook_deliveries",
    "webhooks",
]
