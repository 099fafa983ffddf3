"""A small shop with some history, shared by the ops tests: a points bank (journalled
points), a recurring program (awards with credit memos), debt, expiry and a used memo."""

from __future__ import annotations

import datetime as dt
from typing import Any

from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

SHOP: dict[str, Any] = {
    "stores": [{"id": 1, "name": "Main"}, {"id": 2, "name": "North"}],
    "reasons": [{"code": "LOYALTY", "account": "4950"}],
}
BANK: dict[str, Any] = {
    "id": "bank", "name": "Reward Dollars", "kind": "points_bank", "status": "open",
    "effective": "2023-01-01", "point_value": "0.01", "points_expire_days": 60,
    "filters": [{"name": "parts", "exclude_item_types": ["labor"]}],
    "percent_tiers": [{"up_to": "100.00", "percent": "1"}, {"percent": "2"}],
}
CLUB: dict[str, Any] = {
    "id": "club", "name": "250 Club", "kind": "recurring", "status": "open",
    "effective": "2023-01-01", "points_expire_days": 365,
    "filters": [{"name": "all"}],
    "multipliers": [{"name": "base", "currency_per_point": "5.00"}],
    "awards": [{"name": "25 dollars", "level": 100,
                "credit_memo": {"amount": "25.00", "expire_days": 30, "reason": "LOYALTY"}}],
}


def configure(app: Patronage) -> None:
    app.configure_shop(SHOP)
    app.put_program(BANK)
    app.put_program(CLUB)


def invoice(ext: str, customer: str, day: dt.date, *prices: str, store: int = 1,
            item_type: str = "product") -> dict[str, Any]:
    return {"id": ext, "customer": customer, "store": store, "date": day, "tax": "1.00",
            "lines": [{"sku": f"S{i}", "item_type": item_type, "qty": "1", "price": p}
                      for i, p in enumerate(prices)]}


def history(app: Patronage, clock: FixedClock) -> None:
    """Enroll B1 (bank) and R1 (club), post, redeem, return into debt, expire, award."""
    configure(app)
    day = dt.date(2023, 1, 2)
    clock.set(day)
    for cid, program in (("B1", "bank"), ("R1", "club")):
        app.put_customer({"id": cid, "name": cid})
        app.enroll({"customer": cid, "program": program, "date": day})
    app.post_invoice(invoice("A1", "B1", day, "300.00", "50.00"))
    app.post_invoice(invoice("A2", "R1", day, "400.00", "120.00"))
    app.post_invoice({**invoice("A3", "R1", day, "30.00"), "redeem": {"credit_memos": "20.00"}})
    day = dt.date(2023, 1, 10)
    clock.set(day)
    app.post_invoice({**invoice("A4", "B1", day, "20.00"), "redeem": {"rewards": "3.00"}})
    app.post_return({"id": "R-1", "invoice": "A1", "store": 1, "date": day,
                     "lines": [{"sku": "S0", "qty": "1"}]})
    day = dt.date(2023, 4, 1)
    clock.set(day)
    app.run_maintenance({"date": day})
