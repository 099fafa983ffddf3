"""Tables of status tiers (issue 23 item 1; 0013_tiers; T1-T9 in docs/decisions.md).

`program_tiers` holds a program's tier settings (one row a program that has tiers, read
with the program and cached with it); `customer_tiers` the tier each enrollment holds and
a move down pending; `tier_changes` every move, append-only: what the console's history,
the reports and `tier.changed` tell.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Date, DateTime, Index, String, Table

from patronage.adapters.db.tables import Id, metadata
from patronage.adapters.db.types import ExactDecimal

program_tiers = Table(
    "program_tiers",
    metadata,
    Column("program_id", String(100), primary_key=True),
    # {"measure", "window", "rolling_days", "grace_days", "levels": [{"name", "threshold",
    # "multiplier", "price_group"}]}: core/tiers.py TierRules
    Column("rules", JSON, nullable=False),
)

customer_tiers = Table(
    "customer_tiers",
    metadata,
    Column("enrollment_id", Id, primary_key=True, autoincrement=False),
    Column("customer_id", String(100), nullable=False),
    Column("program_id", String(100), nullable=False),
    Column("tier", String(50)),  # null: no tier (held once, moved down since)
    Column("since", Date),
    Column("falls_on", Date),  # T7: a move down pending until this day; null: none
    Column("falls_to", String(50)),
    Index("ix_customer_tiers_program", "program_id"),
)

tier_changes = Table(
    "tier_changes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("enrollment_id", Id, nullable=False),
    Column("customer_id", String(100), nullable=False),
    Column("program_id", String(100), nullable=False),
    Column("date", Date, nullable=False),
    Column("from_tier", String(50)),
    Column("to_tier", String(50)),
    Column("reason", String(10), nullable=False),  # invoice | review
    Column("qualifying", ExactDecimal, nullable=False),
    Column("invoice_id", Id),
    Column("recorded_at", DateTime, nullable=False),
    Index("ix_tier_changes_customer", "customer_id"),
)

__all__ = ["customer_tiers", "metadata", "program_tiers", "tier_changes"]
