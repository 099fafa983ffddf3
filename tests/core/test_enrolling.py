"""Enrollment (E1-E4) as pure decisions: no database."""

from __future__ import annotations

import datetime as dt

import pytest

from patronage.core import enrolling
from patronage.core.enrolling import Candidate, Card, Selection
from patronage.core.errors import PatronageError
from patronage.core.lots import LotState
from patronage.core.programs import Program

d = dt.date


def program(**changes: object) -> Program:
    values: dict = {"id": "club", "name": "250 Club", "kind": "recurring", "status": "open",
                    "effective": d(2024, 1, 1), "expires": d(2025, 1, 1)}
    values.update(changes)
    return Program(**values)


# --- E1 -----------------------------------------------------------------------------------------

def test_only_open_programs_in_effect_take_enrollments() -> None:
    enrolling.check_open(program(), d(2024, 1, 1))
    enrolling.check_open(program(), d(2024, 12, 31))
    for bad, day in [(program(status="draft"), d(2024, 6, 1)),
                     (program(status="closed"), d(2024, 6, 1)),
                     (program(), d(2023, 12, 31)), (program(), d(2025, 1, 1))]:
        with pytest.raises(PatronageError) as caught:
            enrolling.check_open(bad, day)
        assert caught.value.code == "program_not_open" and caught.value.fields == ["program"]


def test_enrolling_with_and_without_a_current_enrollment() -> None:
    assert enrolling.closes_current("c1", "club", None, False) is False
    assert enrolling.closes_current("c1", "club", "other", True) is True
    with pytest.raises(PatronageError) as caught:
        enrolling.closes_current("c1", "club", "other", False)
    assert caught.value.code == "already_enrolled" and caught.value.fields == ["customer"]


def test_enrolling_into_the_current_program_changes_nothing_even_with_close_current() -> None:
    for close_current in (False, True):
        with pytest.raises(PatronageError) as caught:
            enrolling.closes_current("c1", "club", "club", close_current)
        assert caught.value.code == "already_enrolled" and caught.value.fields == ["program"]
        assert "nothing changed" in caught.value.message


# --- E2 -----------------------------------------------------------------------------------------

def test_expired_lots_are_written_off_before_the_forfeit() -> None:
    day = d(2024, 6, 1)
    lots = [LotState(1, d(2024, 1, 1), d(2024, 1, 1), d(2024, 6, 1), 10),  # expires that day
            LotState(2, d(2024, 1, 1), d(2024, 1, 1), d(2024, 6, 2), 20),
            LotState(3, d(2024, 5, 30), d(2024, 6, 10), None, 30)]  # pending
    assert enrolling.expired_first(lots, day) == [1]


def test_forfeiture_takes_every_lot_pending_too_and_clears_the_debt() -> None:
    lots = [LotState(2, d(2024, 1, 1), d(2024, 1, 1), None, 100),
            LotState(3, d(2024, 5, 30), d(2024, 6, 10), None, 50)]
    gone = enrolling.forfeiture(lots, 0, pending=50, available=100)
    assert gone.entries == ((2, -100), (3, -50))
    assert (gone.total, gone.pending) == (150, 50)
    # E2's own example
    assert gone.note("250 Club") == "Left 250 Club with 150 points, 50 of them pending"


def test_forfeiture_of_a_debt() -> None:
    gone = enrolling.forfeiture([LotState(3, d(2024, 5, 30), d(2024, 6, 10), None, 50)], -20,
                                pending=50, available=-20)
    assert gone.entries == ((3, -50), (None, 20))
    assert gone.total == 30
    empty = enrolling.forfeiture([], 0, 0, 0)
    assert empty.entries == () and empty.note("X") == "Left X with 0 points, 0 of them pending"


# --- E3 -----------------------------------------------------------------------------------------

ANN = Candidate("ann", "retail", "active", frozenset({"club"}), d(2024, 3, 1))
BOB = Candidate("bob", "trade", "active", frozenset(), None)
CY = Candidate("cy", "retail", "inactive", frozenset({"gold"}), d(2023, 1, 1))


@pytest.mark.parametrize(("selection", "chosen"), [
    (Selection(), ["ann", "bob", "cy"]),
    (Selection(type="retail"), ["ann", "cy"]),
    (Selection(status="active"), ["ann", "bob"]),
    (Selection(enrolled=True), ["ann", "cy"]),
    (Selection(enrolled=False), ["bob"]),
    (Selection(program="club"), ["ann"]),
    (Selection(purchased_since=d(2024, 3, 1)), ["ann"]),  # on the day counts
    (Selection(purchased_since=d(2024, 3, 2)), []),
    (Selection(purchased_since=d(2022, 1, 1)), ["ann", "cy"]),  # never bought: never chosen
    (Selection(type="retail", status="active", enrolled=True), ["ann"]),
    (Selection(program="club", enrolled=False), []),
])
def test_selection(selection: Selection, chosen: list[str]) -> None:
    assert [c.id for c in (ANN, BOB, CY) if enrolling.selected(c, selection)] == chosen


def test_leave_out_keeps_the_order() -> None:
    assert enrolling.leave_out(["c", "a", "b"], ["a"]) == ["c", "b"]
    assert enrolling.leave_out(["a"], []) == ["a"]
    assert enrolling.leave_out([], ["a"]) == []


# --- E4 -----------------------------------------------------------------------------------------

def test_a_card_request_adds_or_deactivates_exactly_one() -> None:
    enrolling.check_card_request("123", None)
    enrolling.check_card_request(None, "123")
    for add, deactivate in [(None, None), ("", ""), ("1", "2")]:
        with pytest.raises(PatronageError) as caught:
            enrolling.check_card_request(add, deactivate)
        assert caught.value.code == "invalid"


def test_adding_a_card() -> None:
    assert enrolling.adds_card(None, "123", "ann") is True
    assert enrolling.adds_card(Card("123", "ann", True), "123", "ann") is False  # already hers
    for taken in (Card("123", "bob", True), Card("123", "bob", False),
                  Card("123", "ann", False)):  # a deactivated number is never reused
        with pytest.raises(PatronageError) as caught:
            enrolling.adds_card(taken, "123", "ann")
        assert caught.value.code == "card_in_use" and caught.value.fields == ["add"]


def test_scanning_a_card_finds_its_customer_unless_inactive() -> None:
    assert enrolling.card_owner(Card("123", "ann", True), "123") == "ann"
    with pytest.raises(PatronageError) as caught:
        enrolling.card_owner(Card("123", "ann", False), "123")
    assert caught.value.code == "card_inactive"
    with pytest.raises(PatronageError) as caught:
        enrolling.card_owner(None, "999")
    assert caught.value.code == "not_found"
