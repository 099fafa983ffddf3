"""A program is read from one `programs` row a request; its filters, rates and awards are
kept per process and version (issue 20). Two facades on one database stand for two server
processes: a change made through one is earned by the other at its next post."""

from __future__ import annotations

import datetime as dt
from typing import Any

from patronage.bootstrap import open_app
from patronage.service.clock import FixedClock

DAY = dt.date(2024, 3, 1)


def program(currency_per_point: str, exclude: list[str]) -> dict[str, Any]:
    return {"id": "rewards", "name": "Rewards", "kind": "points_bank", "status": "open",
            "effective": "2024-01-01", "point_value": "0.01",
            "filters": [{"name": "all", "exclude_item_types": exclude}],
            "multipliers": [{"name": "rate", "currency_per_point": currency_per_point}]}


def sale(invoice_id: str) -> dict[str, Any]:
    return {"id": invoice_id, "date": DAY.isoformat(), "store": 1, "customer": "C1",
            "lines": [{"sku": "TIRE", "qty": "1", "price": "100.00"},
                      {"sku": "LAB", "item_type": "labor", "qty": "1", "price": "50.00"}]}


def test_a_change_made_by_another_process_is_earned_at_once(database_url: str) -> None:
    till = open_app(database_url, FixedClock(DAY))
    office = open_app(database_url, FixedClock(DAY), migrate=False)
    try:
        office.configure_shop({"name": "Tires", "stores": [{"id": 1, "name": "Main"}]})
        office.put_program(program("1.00", ["labor"]))
        office.put_customer({"id": "C1", "name": "Ann"})
        office.enroll({"customer": "C1", "program": "rewards"})
        assert till.post_invoice(sale("A")).points == 100  # labour excluded, 1 a dollar

        office.put_program(program("1.00", []))  # only a filter changes: labour now earns
        assert till.post_invoice(sale("B")).points == 150
        office.put_program(program("0.50", []))  # only a rate changes
        assert till.post_invoice(sale("C")).points == 300
    finally:
        till.engine.dispose()
        office.engine.dispose()
