"""Adjustments (J1-J4, C5) on the fake books (tests/fakes.py): the stories of
tests/service/test_adjust_and_programs.py and the j2, j3_j4 scenarios, through the real
handler, without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from patronage.core.errors import PatronageError
from patronage.service import ledger
from patronage.service.adjustments import adjust
from patronage.service.clock import FixedClock
from patronage.service.enrollment import enroll
from tests.fakes import FakeShop

from .support import CENTS

# The j scenarios' club: 1 point per $1.00, its award out of reach (W1 is outside the fake).
CLUB = {"id": "club", "name": "Club", "kind": "recurring", "status": "open",
        "effective": "2024-01-01", "filters": [{"name": "all"}],
        "multipliers": [{"name": "m", "currency_per_point": "1.00"}],
        "awards": [{"name": "a", "level": 100000, "credit_memo": {"amount": "5.00"}}]}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.date(2024, 1, 1))


def enrolled(clock: FixedClock, program: dict[str, object], *customers: str) -> FakeShop:
    shop = FakeShop(clock, program, customers=customers or ("C1",))
    for c in customers or ("C1",):
        shop.run(enroll, {"customer": c, "program": program["id"]})
    return shop


def test_j1_with_external_id_applies_once(clock: FixedClock) -> None:
    shop = enrolled(clock, CENTS)
    body = {"customer": "C1", "points": 250, "reason": "port", "user": "mgr", "id": "OLD-17"}
    assert shop.run(adjust, body) == {"adjustment": "OLD-17", "points": 250, "available": 250}
    before = shop.books.state()
    again = shop.run(adjust, body)
    assert again["repeated"] is True and again["points"] == 250
    assert shop.books.state() == before
    b = shop.balance("C1")
    assert (b.available, b.adjusted) == (250, 250)
    [row] = shop.books.adjustments
    assert (row["external_id"], row["points"], row["user"], row["reason"]) == (
        "OLD-17", 250, "mgr", "port")
    shop.run(adjust, {"customer": "C1", "points": 5})  # without an id, each one counts
    shop.run(adjust, {"customer": "C1", "points": 5})
    assert shop.balance("C1").available == 260


def test_j1_j2_refusals_record_nothing_and_allow_negative_makes_a_debt(
        clock: FixedClock) -> None:
    shop = enrolled(clock, CENTS, "C1")
    shop.books.add_customer("C2")
    shop.run(adjust, {"customer": "C1", "points": 10})
    before = shop.books.state()
    for body, code, fields in [
        ({"customer": "C1", "points": -11, "id": "X1"}, "insufficient_points", ["points"]),
        ({"customer": "C2", "points": 5, "id": "X1"}, "not_enrolled", ["customer"]),
        ({"customer": "C1", "points": 5, "set_balance": 3}, "invalid", ["set_balance"]),
        ({"customer": "C9", "points": 5}, "not_found", ["customer"]),
        ({"customer": "C1", "points": "many"}, "invalid", ["points"]),
    ]:
        with pytest.raises(PatronageError) as err:
            shop.run(adjust, body)
        assert (err.value.code, err.value.fields) == (code, fields), body
        assert shop.books.state() == before  # refused before it wrote
    out = shop.run(adjust, {"customer": "C1", "points": -11, "id": "X1", "allow_negative": True})
    assert out["points"] == -11  # the refused id stayed free
    b = shop.balance("C1")
    assert (b.available, b.adjusted) == (-1, -1)
    assert shop.books.debt(1) == -1  # L5: what no lot held


def test_j1_set_balance_posts_the_difference(clock: FixedClock) -> None:
    shop = enrolled(clock, CENTS)
    shop.run(adjust, {"customer": "C1", "points": 40})
    assert shop.run(adjust, {"customer": "C1", "set_balance": 100})["points"] == 60
    assert shop.run(adjust, {"customer": "C1", "set_balance": 25})["points"] == -75
    b = shop.balance("C1")
    assert (b.available, b.adjusted, b.value) == (25, 25, Decimal("0.25"))


def test_j2_pending_points_are_not_available_unless_allow_negative(clock: FixedClock) -> None:
    shop = enrolled(clock, {**CLUB, "grace_days": 5})
    clock.set(dt.date(2024, 1, 2))
    tx = shop.tx()  # an invoice of 100.00: 100 points pending until 01-07
    enrollment, program = tx.repo.open_enrollment("C1"), tx.repo.program("club")
    assert enrollment is not None and program is not None
    ledger.accrue(tx, enrollment, program, 100, tx.day)
    clock.set(dt.date(2024, 1, 3))
    with pytest.raises(PatronageError) as err:
        shop.run(adjust, {"customer": "C1", "points": -50, "reason": "correction"})
    assert err.value.code == "insufficient_points"
    b = shop.balance("C1")
    assert (b.pending, b.available, b.adjusted) == (100, 0, 0)
    clock.set(dt.date(2024, 1, 7))
    with pytest.raises(PatronageError) as err:
        shop.run(adjust, {"customer": "C1", "points": -150, "reason": "correction"})
    assert err.value.code == "insufficient_points"
    shop.run(adjust, {"customer": "C1", "points": -150, "allow_negative": True,
                      "reason": "correction", "user": "mgr"})
    b = shop.balance("C1")
    assert (b.pending, b.available, b.adjusted) == (0, -50, -150)


def test_j3_j4_adjustment_expiry_and_the_move_of_dates(clock: FixedClock) -> None:
    clock.set(dt.date(2024, 3, 1))
    shop = enrolled(clock, {**CLUB, "grace_days": 10, "points_expire_days": 60},
                    "C1", "C2", "C3")
    mgr = {"user": "mgr"}
    shop.run(adjust, {"customer": "C1", "points": 100, "reason": "goodwill", **mgr})  # 04-30
    shop.run(adjust, {"customer": "C1", "points": 50, "expires": "2024-03-15", **mgr})
    b = shop.balance("C1")
    assert (b.pending, b.available, b.adjusted) == (0, 150, 150)  # J3: at once
    shop.run(adjust, {"customer": "C2", "points": 100, "reason": "porting", **mgr})
    clock.set(dt.date(2024, 3, 10))
    shop.run(adjust, {"customer": "C2", "points": 40, "reason": "porting", **mgr})
    out = shop.run(adjust, {"customer": "C2", "points": 0, "expires": "2024-06-01", **mgr})
    assert out["points"] == 0
    shop.run(adjust, {"customer": "C3", "points": 80, "reason": "porting", **mgr})
    shop.run(adjust, {"customer": "C3", "points": 0, "expires": "2024-03-20", **mgr})
    assert {x.expires_on for x in shop.books.lots(2)} == {dt.date(2024, 6, 1)}  # J4
    assert [x.remaining for x in shop.books.lots(2)] == [100, 40]  # only the dates moved

    def figures(cid: str, day: str) -> tuple[int, int]:
        b = shop.balance(cid, dt.date.fromisoformat(day))
        return b.available, b.expired

    assert figures("C1", "2024-03-14") == (150, 0)
    assert figures("C1", "2024-03-15") == (100, 50)
    assert figures("C1", "2024-04-29") == (100, 50)
    assert figures("C1", "2024-04-30") == (0, 150)
    assert figures("C2", "2024-04-30") == (140, 0)  # would have expired without the move
    assert figures("C2", "2024-05-31") == (140, 0)
    assert figures("C2", "2024-06-01") == (0, 140)
    assert figures("C3", "2024-03-19") == (80, 0)
    assert figures("C3", "2024-03-20") == (0, 80)  # earlier, too


def test_c5_known_id_with_another_request_is_a_conflict(clock: FixedClock) -> None:
    shop = enrolled(clock, CENTS, "C1", "C2")
    body = {"customer": "C1", "points": 250, "reason": "port", "id": "OLD-17",
            "expires": "2027-12-31"}
    shop.run(adjust, body)
    shop.run(adjust, {"customer": "C1", "set_balance": 40, "id": "SET-1"})
    before = shop.books.state()
    for changed in ({**body, "points": 260}, {**body, "customer": "C2"},
                    {**body, "reason": "other"}, {**body, "expires": "2028-01-31"},
                    {**body, "date": "2020-01-01"},
                    {"customer": "C1", "set_balance": 41, "id": "SET-1"},
                    {"customer": "C1", "points": 40, "id": "SET-1"}):
        with pytest.raises(PatronageError) as err:
            shop.run(adjust, changed)
        assert err.value.code == "conflict", changed
        assert shop.books.state() == before
    assert shop.run(adjust, {**body, "user": "someone else"})["repeated"] is True
    assert shop.run(adjust, {"customer": "C1", "set_balance": 40, "id": "SET-1"})["repeated"]
