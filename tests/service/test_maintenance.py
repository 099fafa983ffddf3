"""M1 through the facade: the run's log, catch-up, and a second run that does nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from patronage.adapters.db import tables as t
from patronage.adapters.db.all_tables import metadata
from patronage.adapters.db.engine import make_engine
from patronage.core.errors import PatronageError
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .support import CENTS, CLUB, make_shop, rows, snapshot

d = dt.date


@pytest.fixture
def shop(app: Patronage) -> Patronage:
    """Jan 1: C1 enrolls and buys 120.00 (120 points, pending until Jan 6, grace 5)."""
    make_shop(app, CLUB)
    app.enroll({"customer": "C1", "program": "club"})
    app.post_invoice({"id": "I1", "customer": "C1", "store": 1,
                      "lines": [{"sku": "X", "qty": "1", "price": "120.00"}]})
    return app


def test_run_is_logged_with_user_store_and_what_it_did(shop: Patronage, clock: FixedClock) -> None:
    clock.set(d(2024, 1, 8))
    out = shop.run_maintenance({"user": "ann", "store": 2})
    assert out.data["days"] == 8  # catch-up from the first activity, Jan 1, to Jan 8
    assert out.data["from"] == "2024-01-01" and out.data["to"] == "2024-01-08"
    assert out.data["awards"] == 1
    [run] = rows(shop, t.maintenance_runs)
    assert (run["for_date"], run["user"], run["store_id"]) == (d(2024, 1, 8), "ann", 2)
    assert run["summary"]["days"] == 8 and run["summary"]["awards"] == 1
    assert [r["day"] for r in rows(shop, t.maintenance_days)] == [
        d(2024, 1, i) for i in range(1, 9)]
    [award] = rows(shop, t.awards)
    assert (award["date"], award["store_id"], award["trigger"]) == (d(2024, 1, 6), 2, "maintenance")
    [memo] = shop.customer("C1").credit_memos
    assert (memo.issued_on, memo.expires, memo.store) == (d(2024, 1, 6), d(2024, 2, 5), 2)
    assert shop.balance("C1").available == 20


def test_second_run_for_the_same_day_changes_nothing(shop: Patronage, clock: FixedClock) -> None:
    clock.set(d(2024, 1, 8))
    shop.run_maintenance({})
    before = snapshot(shop, skip=("maintenance_runs",))
    again = shop.run_maintenance({})
    assert again.data["days"] == 0 and again.data["from"] is None
    assert snapshot(shop, skip=("maintenance_runs",)) == before
    runs = rows(shop, t.maintenance_runs)
    assert len(runs) == 2  # every run is logged, even one with nothing to do
    assert runs[0]["user"] is None and runs[0]["store_id"] is None
    assert runs[1]["summary"]["days"] == 0
    assert [r["id"] for r in runs] == [runs[0]["id"], runs[0]["id"] + 1]  # numbered in turn


def test_a_run_for_an_earlier_day_does_nothing(shop: Patronage, clock: FixedClock) -> None:
    clock.set(d(2024, 1, 8))
    shop.run_maintenance({})
    before = snapshot(shop, skip=("maintenance_runs",))
    assert shop.run_maintenance({"date": "2024-01-03"}).data["days"] == 0
    assert snapshot(shop, skip=("maintenance_runs",)) == before


def test_day_by_day_runs_equal_one_catch_up(app: Patronage, clock: FixedClock) -> None:
    def history(app: Patronage) -> list[tuple[object, ...]]:
        return [(e["date"], e["kind"], e["points"]) for e in rows(app, t.ledger)]

    make_shop(app, {**CLUB, "points_expire_days": 20})
    app.enroll({"customer": "C1", "program": "club"})
    app.post_invoice({"id": "I1", "customer": "C1", "store": 1,
                      "lines": [{"sku": "X", "qty": "1", "price": "130.00"}]})
    for day in range(2, 25):
        clock.set(d(2024, 1, day))
        app.run_maintenance({})
    daily = history(app)
    memos_daily = [(m.issued_on, m.status) for m in app.customer("C1").credit_memos]

    engine = make_engine("sqlite://")
    metadata.create_all(engine)
    other_clock = FixedClock(d(2024, 1, 1))
    other = Patronage(engine, other_clock)
    make_shop(other, {**CLUB, "points_expire_days": 20})
    other.enroll({"customer": "C1", "program": "club"})
    other.post_invoice({"id": "I1", "customer": "C1", "store": 1,
                        "lines": [{"sku": "X", "qty": "1", "price": "130.00"}]})
    other_clock.set(d(2024, 1, 24))  # a run is for a day that has come
    assert other.run_maintenance({"date": "2024-01-24"}).data["days"] == 24
    assert history(other) == daily
    assert [(m.issued_on, m.status) for m in other.customer("C1").credit_memos] == memos_daily
    # the award on Jan 6 used 100; the 30 left expired on Jan 21 (accrual + 20)
    assert daily == [(d(2024, 1, 1), "accrual", 130), (d(2024, 1, 6), "award", -100),
                     (d(2024, 1, 21), "expiry", -30)]
    engine.dispose()


def test_unknown_store_is_refused_and_nothing_is_logged(shop: Patronage) -> None:
    before = snapshot(shop)
    with pytest.raises(PatronageError) as err:
        shop.run_maintenance({"store": 42})
    assert (err.value.code, err.value.fields) == ("not_found", ["store"])
    assert snapshot(shop) == before


def test_memo_expiry_is_journalled_once(shop: Patronage, clock: FixedClock) -> None:
    clock.set(d(2024, 1, 8))
    shop.run_maintenance({})
    clock.set(d(2024, 2, 5))  # the memo issued Jan 6 expires 30 days later
    out = shop.run_maintenance({})
    assert out.data["credit_memos_expired"] == 1
    shop.run_maintenance({})
    assert [m.status for m in shop.customer("C1").credit_memos] == ["expired"]
    assert shop.journal_balances()["store_credit_liability"] == Decimal("0.00")
    assert shop.journal_balances()["4950"] == Decimal("0.00")


def test_late_catch_up_never_pays_a_debt_with_points_expired_before_it(
        app: Patronage, clock: FixedClock) -> None:
    """L1, L5, M1: a debt made today is not paid on a caught-up earlier day with points that
    have expired since; the balance is what daily runs would have given."""
    make_shop(app, {**CENTS, "grace_days": 2, "points_expire_days": 10})
    app.enroll({"customer": "C1", "program": "cents"})
    app.adjust({"customer": "C1", "points": 30})  # available at once, expires Jan 11
    app.post_invoice({"id": "I1", "customer": "C1", "store": 1,
                      "lines": [{"sku": "X", "qty": "1", "price": "12.00"}]})  # 12, Jan 3-11
    app.run_maintenance({})
    clock.set(d(2024, 1, 12))  # no daily runs since Jan 1
    app.void_invoice({"invoice": "I1", "store": 1})  # both lots expired: the 12 become debt
    before = app.balance("C1")
    assert (before.available, before.expired) == (-12, 42)
    app.run_maintenance({})  # catches up Jan 2 .. Jan 12
    after = app.balance("C1")
    assert (after.available, after.expired, after.used) == (-12, 42, 0)
    assert not [e for e in rows(app, t.ledger) if e["kind"] == "debt_payoff"]


def test_late_catch_up_pays_a_debt_only_with_points_there_that_day(
        app: Patronage, clock: FixedClock) -> None:
    """L1, L5, M1: points restored today cannot pay, on a caught-up earlier day, a debt;
    the history stays a history (no lot is ever negative as of any day)."""
    make_shop(app, {**CENTS, "grace_days": 0})
    app.enroll({"customer": "C1", "program": "cents"})
    app.adjust({"customer": "C1", "points": 30})
    app.post_invoice({"id": "I1", "customer": "C1", "store": 1, "redeem": {"rewards": "0.30"},
                      "lines": [{"sku": "LAB", "item_type": "labor", "qty": "1",
                                 "price": "10.00"}]})  # spends the 30, earns nothing
    app.adjust({"customer": "C1", "points": -24, "allow_negative": True})  # a debt of 24
    app.run_maintenance({})
    clock.set(d(2024, 1, 5))
    app.void_invoice({"invoice": "I1", "store": 1})  # the 30 come back today
    app.run_maintenance({})  # catches up Jan 2 .. Jan 5
    payoffs = [(e["date"], e["points"]) for e in rows(app, t.ledger) if e["kind"] == "debt_payoff"]
    assert payoffs == [(d(2024, 1, 5), -24), (d(2024, 1, 5), 24)]
    for day in (d(2024, 1, 2), d(2024, 1, 3), d(2024, 1, 5)):
        b = app.balance("C1", day)
        assert b.pending + b.available == b.earned + b.adjusted - b.used - b.expired - b.forfeited
    assert app.balance("C1", d(2024, 1, 3)).available == -24
    assert app.balance("C1").available == 6


def test_late_catch_up_expires_only_what_the_lot_held_that_day(
        app: Patronage, clock: FixedClock) -> None:
    """L1, L4, M1: points that come back into an expired lot after its expiry date (an award
    cancelled by a void) are written off when they arrive, not back-dated to the expiry."""
    make_shop(app, {**CLUB, "grace_days": 0, "points_expire_days": 10})
    app.enroll({"customer": "C1", "program": "club"})
    app.post_invoice({"id": "I1", "customer": "C1", "store": 1,
                      "lines": [{"sku": "X", "qty": "1", "price": "130.00"}]})  # award uses 100
    app.run_maintenance({})
    clock.set(d(2024, 1, 15))  # no daily runs since Jan 1; the lot expired on Jan 11
    app.void_invoice({"invoice": "I1", "store": 1})  # the award's 100 come back, expired
    out = app.run_maintenance({})
    assert (out.data["points_expired"], out.data["lots_expired"]) == (130, 2)
    expiries = [(e["date"], e["points"]) for e in rows(app, t.ledger) if e["kind"] == "expiry"]
    assert expiries == [(d(2024, 1, 11), -30), (d(2024, 1, 15), -100)]
    for day in (d(2024, 1, 11), d(2024, 1, 12), d(2024, 1, 15)):
        b = app.balance("C1", day)
        assert b.pending + b.available == b.earned + b.adjusted - b.used - b.expired - b.forfeited
    assert app.balance("C1", d(2024, 1, 12)).expired == 30
