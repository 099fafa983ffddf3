"""The campaigns of programs (0014_campaigns; issue 23 item 3, K1-K7 in docs/decisions.md).

A row is one campaign: its window, stores, item filter and tiers, what it gives, its budget
and `given`, the points it has given so far: the sum of the extras with source
"campaign:<id>" frozen on invoices' rates at accrual, kept in the same transaction (returns
and voids never lower it, K6; tests/property/test_campaigns.py holds it).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from patronage.adapters.db.tables import metadata
from patronage.adapters.db.types import ExactDecimal

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", String(100), primary_key=True),  # the campaign's id, given by its maker
    Column("program_id", String(100), ForeignKey("programs.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("effective", Date, nullable=False),
    Column("expires", Date),  # null: never
    Column("stores", JSON, nullable=False),  # store ids; []: any
    Column("tiers", JSON, nullable=False),  # tier names; []: any
    Column("criteria", JSON),  # the item filter's lists and min_qty; null: every earning line
    Column("multiplier", ExactDecimal),
    Column("bonus_points", Integer),
    Column("bonus_min_qty", ExactDecimal),
    Column("budget", BigInteger),  # null: no cap
    Column("given", BigInteger, nullable=False, default=0),
    Column("status", String(10), nullable=False),  # active | stopped
    Column("body_hash", String(64), nullable=False),  # C5: the same id with another body
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(100)),
    Column("stopped_on", Date),
    Index("ix_campaigns_program", "program_id"),
)

__all__ = ["campaigns", "metadata"]
