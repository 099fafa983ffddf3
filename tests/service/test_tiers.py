"""Issue 23 item 1 (T1-T9 in docs/decisions.md "Tiers"): status tiers through the service.
The extra frozen on the invoice's rate, the quote, `tier.changed` and the history, the
price group a staff member set kept, the daily run's counts, the balance's `tier`,
refused settings changing nothing, and no statement for a program without tiers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, select

from patronage.adapters.db import tables as t
from patronage.adapters.db import tables_tiers as tt
from patronage.core.errors import PatronageError
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock
from patronage.service.setup import program_to_dict

from .support import make_shop, rows, snapshot

TIERS: dict[str, Any] = {
    "measure": "spend", "window": "calendar_year", "grace_days": 30,
    "levels": [{"name": "silver", "threshold": "500", "multiplier": "1.25"},
               {"name": "gold", "threshold": "2000", "multiplier": "1.5", "price_group": "GOLD"}],
}
BANK: dict[str, Any] = {
    "id": "bank", "name": "Bank", "kind": "points_bank", "status": "open",
    "effective": "2024-01-01", "point_value": "0.01", "report_in_sale_code": "REWARDS",
    "filters": [{"name": "all"}], "multipliers": [{"name": "m", "currency_per_point": "1.00"}],
    "status_tiers": TIERS,
}


def sale(ext: str, price: str, day: str) -> dict[str, Any]:
    return {"id": ext, "customer": "C1", "store": 1, "date": day,
            "lines": [{"sku": "X", "qty": "1", "price": price}]}


def shop(app: Patronage, program: dict[str, Any] = BANK) -> Patronage:
    make_shop(app, program, price_groups=[{"code": "GOLD", "discount_percent": "5"},
                                          {"code": "VIP", "discount_percent": "9"}])
    app.enroll({"customer": "C1", "program": program["id"]})
    return app


def run_to(app: Patronage, clock: FixedClock, day: str) -> dict[str, object]:
    clock.set(dt.date.fromisoformat(day))
    return app.run_maintenance({"date": day}).data


def events(app: Patronage, kind: str) -> list[dict[str, Any]]:
    return [r for r in rows(app, t.events) if r["type"] == kind]


def test_the_extra_is_frozen_on_the_rate_and_the_quote_shows_it(app: Patronage,
                                                                 clock: FixedClock) -> None:
    shop(app)
    clock.set(dt.date(2024, 2, 1))
    app.post_invoice(sale("I1", "2000.00", "2024-02-01"))  # reaches gold, earns the base
    before = snapshot(app)
    quoted = app.quote(sale("Q1", "10.99", "2024-02-01"))
    assert quoted["points"] == 15  # 10 + floor(10.99 x 0.5)
    assert snapshot(app) == before  # a quote writes nothing
    app.post_invoice(sale("I2", "10.99", "2024-02-01"))
    invoice = next(r for r in rows(app, t.invoices) if r["external_id"] == "I2")
    assert invoice["points"] == 15
    assert invoice["rate"]["extras"] == [["tier:gold", 5, "gold tier x1.5"]]
    assert invoice["rate"]["extras_on"] == "10.99"
    first = next(r for r in rows(app, t.invoices) if r["external_id"] == "I1")
    assert "extras" not in first["rate"]  # the crossing invoice earned at no tier (T4)


def test_tier_changed_is_an_event_and_a_history_row_up_and_down(app: Patronage,
                                                                clock: FixedClock) -> None:
    shop(app)
    clock.set(dt.date(2024, 2, 1))
    app.post_invoice(sale("I1", "600.00", "2024-02-01"))
    app.post_invoice(sale("I2", "1500.00", "2024-02-01"))
    (up1, up2) = events(app, "tier.changed")
    assert up1["customer_id"] == "C1" and up1["date"] == dt.date(2024, 2, 1)
    assert up1["payload"] == {"customer": "C1", "program": "bank", "from": None, "to": "silver",
                              "direction": "up", "reason": "invoice", "qualifying": "600.00",
                              "measure": "spend", "date": "2024-02-01", "invoice": "I1"}
    assert (up2["payload"]["from"], up2["payload"]["to"]) == ("silver", "gold")
    assert app.balance("C1").tier == "gold"
    assert app.customer("C1").price_group == "GOLD"
    # 2025-01-01 keeps gold (2024: 2,100.00); 2026-01-01 finds nothing in 2025: pending
    summary = run_to(app, clock, "2026-01-01")
    assert summary["tier_reviews_pending"] == 1
    assert len(events(app, "tier.changed")) == 2  # a pending move is not an event
    summary = run_to(app, clock, "2026-01-31")
    assert summary["tiers_moved_down"] == 1
    down = events(app, "tier.changed")[-1]["payload"]
    assert (down["from"], down["to"], down["direction"], down["reason"]) == \
        ("gold", None, "down", "review")
    assert "invoice" not in down
    history = rows(app, tt.tier_changes)
    assert [(r["from_tier"], r["to_tier"], r["reason"]) for r in history] == \
        [(None, "silver", "invoice"), ("silver", "gold", "invoice"), ("gold", None, "review")]
    assert app.balance("C1").tier is None
    assert app.customer("C1").price_group is None


def test_a_price_group_the_staff_set_is_kept_on_moving_down(app: Patronage,
                                                            clock: FixedClock) -> None:
    shop(app)
    clock.set(dt.date(2024, 2, 1))
    app.post_invoice(sale("I1", "2000.00", "2024-02-01"))
    assert app.customer("C1").price_group == "GOLD"
    app.put_customer({"id": "C1", "price_group": "VIP"})
    run_to(app, clock, "2026-01-31")
    assert app.balance("C1").tier is None
    assert app.customer("C1").price_group == "VIP"


def test_a_closed_enrollment_is_never_reviewed_and_joining_again_starts_with_none(
        app: Patronage, clock: FixedClock) -> None:
    shop(app)
    clock.set(dt.date(2024, 2, 1))
    app.post_invoice(sale("I1", "2000.00", "2024-02-01"))
    app.unenroll({"customer": "C1", "date": "2024-02-02"})
    app.enroll({"customer": "C1", "program": "bank", "date": "2024-02-02"})
    assert app.balance("C1").tier is None
    summary = run_to(app, clock, "2026-01-31")
    assert "tiers_moved_down" not in summary and "tier_reviews_pending" not in summary
    assert len(events(app, "tier.changed")) == 1


@pytest.mark.parametrize(("tiers", "code", "field"), [
    ({**TIERS, "levels": []}, "invalid", "status_tiers.levels"),
    ({**TIERS, "window": "rolling", "rolling_days": 0}, "invalid", "status_tiers.rolling_days"),
    ({**TIERS, "grace_days": -1}, "invalid", "status_tiers.grace_days"),
    ({**TIERS, "measure": "visits"}, "invalid", "status_tiers.measure"),
    ({**TIERS, "levels": list(reversed(TIERS["levels"]))}, "invalid_program",
     "status_tiers.levels.1.threshold"),
    ({**TIERS, "window": "rolling"}, "invalid_program", "status_tiers.rolling_days"),
    ({**TIERS, "levels": [{"name": "x", "threshold": "5", "price_group": "NOPE"}]},
     "invalid_program", "status_tiers.levels.0.price_group"),
])
def test_refused_settings_change_nothing(app: Patronage, tiers: dict[str, Any], code: str,
                                         field: str) -> None:
    shop(app)
    before = snapshot(app)
    with pytest.raises(PatronageError) as caught:
        app.put_program({**BANK, "status_tiers": tiers})
    assert caught.value.code == code
    assert any(f.startswith(field) for f in caught.value.fields), caught.value.fields
    assert snapshot(app) == before


def test_settings_round_trip_and_a_change_keeps_them(app: Patronage) -> None:
    shop(app)
    program = app.run(lambda tx: tx.repo.program("bank"))
    assert program is not None
    stored = program_to_dict(program)
    assert stored["status_tiers"] == {
        "measure": "spend", "window": "calendar_year", "grace_days": 30,
        "levels": [{"name": "silver", "threshold": "500", "multiplier": "1.25"},
                   {"name": "gold", "threshold": "2000", "multiplier": "1.5",
                    "price_group": "GOLD"}]}
    app.change_program("bank", {"name": "Renamed"})
    program = app.run(lambda tx: tx.repo.program("bank"))
    assert program is not None and program.status_tiers is not None
    assert [x.name for x in program.status_tiers.levels] == ["silver", "gold"]
    app.change_program("bank", {"status_tiers": None})
    program = app.run(lambda tx: tx.repo.program("bank"))
    assert program is not None and program.status_tiers is None
    assert rows(app, tt.program_tiers) == []


@contextmanager
def statements(app: Patronage) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(app.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(app.engine, "before_cursor_execute", note)


def test_a_program_without_tiers_costs_no_statement(app: Patronage, clock: FixedClock) -> None:
    shop(app, {k: v for k, v in BANK.items() if k != "status_tiers"})
    clock.set(dt.date(2024, 2, 1))
    app.post_invoice(sale("I0", "5.00", "2024-02-01"))  # the program is read and cached
    with statements(app) as seen:
        app.post_invoice(sale("I1", "2500.00", "2024-02-01"))
        app.balance("C1")
        app.run_maintenance({"date": "2024-02-01"})
    assert not [s for s in seen if "tier" in s.lower()]
    assert app.balance("C1").tier is None


def test_with_tiers_a_post_reads_and_writes_them(app: Patronage, clock: FixedClock) -> None:
    shop(app)
    clock.set(dt.date(2024, 2, 1))
    app.post_invoice(sale("I0", "5.00", "2024-02-01"))
    with statements(app) as seen:
        app.post_invoice(sale("I1", "2500.00", "2024-02-01"))
    assert [s for s in seen if "customer_tiers" in s]
    with app.engine.connect() as conn:
        held = conn.execute(select(tt.customer_tiers.c.tier)).scalars().all()
    assert held == ["gold"]
    assert app.balance("C1").tier == "gold"
    assert app.balances("C1")[0].tier == "gold"
    assert Decimal(rows(app, tt.tier_changes)[0]["qualifying"]) == Decimal("2505.00")


def test_a_post_reads_the_tier_row_once(app: Patronage, clock: FixedClock) -> None:
    """The extra (T3) and the move up after accrual (T4) share one read of the standing."""
    shop(app)
    clock.set(dt.date(2024, 2, 1))
    app.post_invoice(sale("I0", "5.00", "2024-02-01"))
    for ext, price in (("I1", "100.00"), ("I2", "2500.00")):  # no move; a move up
        with statements(app) as seen:
            app.post_invoice(sale(ext, price, "2024-02-01"))
        reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")
                 and "FROM customer_tiers" in s]
        assert len(reads) == 1, reads
    assert app.balance("C1").tier == "gold"
