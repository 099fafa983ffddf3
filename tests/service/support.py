"""Helpers for service tests: a shop with two programs, and whole-database snapshots."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from patronage.adapters.db.all_tables import metadata
from patronage.service.app import Patronage

CLUB: dict[str, Any] = {
    "id": "club", "name": "Club", "kind": "recurring", "status": "open",
    "effective": "2024-01-01", "grace_days": 5,
    "filters": [{"name": "all"}],
    "multipliers": [{"name": "one per dollar", "currency_per_point": "1.00"}],
    "awards": [{"name": "five", "level": 100,
                "credit_memo": {"amount": "5.00", "expire_days": 30, "reason": "loyalty"}}],
}
CENTS: dict[str, Any] = {
    "id": "cents", "name": "Reward Cents", "kind": "points_bank", "status": "open",
    "effective": "2024-01-01", "point_value": "0.01", "report_in_sale_code": "REWARDS",
    "filters": [{"name": "parts", "exclude_item_types": ["labor"]}],
    "percent_tiers": [{"up_to": "100.00", "percent": "1"}, {"up_to": "500.00", "percent": "2"},
                      {"up_to": None, "percent": "3"}],
}


def make_shop(app: Patronage, *programs: dict[str, Any], customers: tuple[str, ...] = ("C1",),
              **shop: Any) -> None:
    app.configure_shop({"stores": [{"id": 1, "name": "Main"}, {"id": 2, "name": "North"}],
                        "reasons": [{"code": "loyalty", "account": "4950"}], **shop})
    for p in programs or (CLUB, CENTS):
        app.put_program(p)
    for c in customers:
        app.put_customer({"id": c, "name": f"Customer {c}"})


def snapshot(app: Patronage, skip: tuple[str, ...] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (but `skip`), in primary-key order."""
    out = {}
    with app.engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name not in skip:
                order = list(table.primary_key.columns) or list(table.columns)
                out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    return out


def rows(app: Patronage, table: Any) -> list[dict[str, Any]]:
    with app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table)).mappings()]
