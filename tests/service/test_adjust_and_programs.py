"""Adjustments by external id (J1, J5) and program changes that keep granted awards (W6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from patronage.adapters.db import tables as t
from patronage.core.errors import PatronageError
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .support import CENTS, CLUB, make_shop, rows, snapshot


def test_adjust_with_external_id_applies_once(app: Patronage) -> None:
    make_shop(app, CENTS)
    app.enroll({"customer": "C1", "program": "cents"})
    body = {"customer": "C1", "points": 250, "reason": "port", "user": "mgr", "id": "OLD-17"}
    first = app.adjust(body)
    assert first.data == {"adjustment": "OLD-17", "points": 250, "available": 250}
    before = snapshot(app)
    again = app.adjust(body)
    assert again.data["repeated"] is True and again.data["points"] == 250
    assert snapshot(app) == before
    assert app.balance("C1").available == 250
    assert app.balance("C1").adjusted == 250
    [row] = rows(app, t.adjustments)
    assert (row["external_id"], row["points"], row["user"], row["reason"]) == (
        "OLD-17", 250, "mgr", "port")
    # without an id, each adjustment counts
    app.adjust({"customer": "C1", "points": 5})
    app.adjust({"customer": "C1", "points": 5})
    assert app.balance("C1").available == 260


def test_adjust_refusals_record_nothing(app: Patronage) -> None:
    make_shop(app, CENTS, customers=("C1", "C2"))
    app.enroll({"customer": "C1", "program": "cents"})
    app.adjust({"customer": "C1", "points": 10})
    before = snapshot(app)
    cases = [
        ({"customer": "C1", "points": -11, "id": "X1"}, "insufficient_points", ["points"]),
        ({"customer": "C2", "points": 5, "id": "X1"}, "not_enrolled", ["customer"]),
        ({"customer": "C1", "points": 5, "set_balance": 3}, "invalid", ["set_balance"]),
        ({"customer": "C9", "points": 5}, "not_found", ["customer"]),
        ({"customer": "C1", "points": "many"}, "invalid", ["points"]),
    ]
    for body, code, fields in cases:
        with pytest.raises(PatronageError) as err:
            app.adjust(body)
        assert (err.value.code, err.value.fields) == (code, fields), body
        assert snapshot(app) == before
    # a refused id stays free
    assert app.adjust({"customer": "C1", "points": -11, "id": "X1",
                       "allow_negative": True}).data["points"] == -11
    assert app.balance("C1").available == -1


def test_set_balance_posts_the_difference(app: Patronage) -> None:
    make_shop(app, CENTS)
    app.enroll({"customer": "C1", "program": "cents"})
    app.adjust({"customer": "C1", "points": 40})
    assert app.adjust({"customer": "C1", "set_balance": 100}).data["points"] == 60
    assert app.adjust({"customer": "C1", "set_balance": 25}).data["points"] == -75
    b = app.balance("C1")
    assert (b.available, b.adjusted, b.value) == (25, 25, Decimal("0.25"))


def test_program_change_never_changes_granted_awards(app: Patronage, clock: FixedClock) -> None:
    make_shop(app, CLUB)
    app.enroll({"customer": "C1", "program": "club"})
    app.adjust({"customer": "C1", "points": 100})  # award at once: $5.00 memo, 30 days
    granted = (rows(app, t.awards), rows(app, t.credit_memos), rows(app, t.coupons))
    assert [m["amount"] for m in granted[1]] == [Decimal("5.00")]

    clock.set(dt.date(2024, 1, 10))
    app.change_program("club", {"awards": [{"name": "coupon", "level": 50,
                                            "coupon": {"amount": "8.00", "expire_days": 7}}]})
    assert (rows(app, t.awards), rows(app, t.credit_memos), rows(app, t.coupons)) == granted

    app.adjust({"customer": "C1", "points": 50})  # the new award: a coupon at 50
    awards = rows(app, t.awards)
    assert [(a["name"], a["points"], a["actions"]) for a in awards] == [
        ("five", 100, {"credit_memo": {"amount": "5.00", "expire_days": 30, "reason": "loyalty"}}),
        ("coupon", 50, {"coupon": {"amount": "8.00", "expire_days": 7}}),
    ]
    view = app.customer("C1")
    assert [(m.amount, m.expires, m.status) for m in view.credit_memos] == [
        (Decimal("5.00"), dt.date(2024, 1, 31), "open")]
    assert [(c.amount, c.expires) for c in view.coupons] == [
        (Decimal("8.00"), dt.date(2024, 1, 17))]


def test_program_change_that_breaks_section_2_is_refused_whole(app: Patronage) -> None:
    make_shop(app, CLUB)
    before = snapshot(app)
    with pytest.raises(PatronageError) as err:
        app.change_program("club", {"filters": [], "awards": []})
    assert err.value.code == "invalid_program"
    assert set(err.value.fields) == {"filters", "awards"}
    assert snapshot(app) == before


def test_program_change_keeps_the_rule_frozen_on_old_invoices(app: Patronage) -> None:
    make_shop(app, {**CLUB, "grace_days": 0})
    app.enroll({"customer": "C1", "program": "club"})
    app.post_invoice({"id": "I1", "customer": "C1", "store": 1,
                      "lines": [{"sku": "X", "qty": "2", "price": "40.00"}]})  # 80 points
    app.change_program("club", {"multipliers": [{"name": "m", "currency_per_point": "10.00"}]})
    out = app.post_return({"id": "R1", "invoice": "I1", "store": 1,
                           "lines": [{"sku": "X", "qty": "1"}]})
    assert out.data["points_taken"] == 40  # recomputed at 1.00 per point, not 10.00
    assert app.invoice("I1").points == 40


def test_adjust_known_id_with_another_request_is_a_conflict(app: Patronage) -> None:
    """C5: a file row re-sent with the same id but other figures is refused, changing
    nothing; the same row again (whoever runs it, on whatever day) is a repeat."""
    make_shop(app, CENTS, customers=("C1", "C2"))
    app.enroll({"customer": "C1", "program": "cents"})
    app.enroll({"customer": "C2", "program": "cents"})
    body = {"customer": "C1", "points": 250, "reason": "port", "id": "OLD-17",
            "expires": "2027-12-31"}
    app.adjust(body)
    app.adjust({"customer": "C1", "set_balance": 40, "id": "SET-1"})
    before = snapshot(app)
    for changed in ({**body, "points": 260}, {**body, "customer": "C2"},
                    {**body, "reason": "other"}, {**body, "expires": "2028-01-31"},
                    {**body, "date": "2020-01-01"},
                    {"customer": "C1", "set_balance": 41, "id": "SET-1"},
                    {"customer": "C1", "points": 40, "id": "SET-1"}):
        with pytest.raises(PatronageError) as err:
            app.adjust(changed)
        assert err.value.code == "conflict", changed
        assert snapshot(app) == before
    assert app.adjust({**body, "user": "someone else"}).data["repeated"] is True
    assert app.adjust({"customer": "C1", "set_balance": 40, "id": "SET-1"}).data["repeated"]
    assert snapshot(app) == before
