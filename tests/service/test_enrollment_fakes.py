"""Enrollment (E1, E2) and cards (E4) on the fake books (tests/fakes.py): the stories of
tests/service/test_enrollment.py and the e1/e2/e4 scenarios, through the real handlers,
without a database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from patronage.core.errors import PatronageError
from patronage.service import ledger
from patronage.service.adjustments import adjust
from patronage.service.clock import FixedClock
from patronage.service.enrollment import card, enroll, find_by_card, unenroll
from patronage.service.uow import Tx
from tests.fakes import FakeShop

from .support import CENTS

# The e2 scenario's club: 10 grace days; its award out of reach (W1 is outside the fake).
CLUB = {"id": "club", "name": "Hundred Club", "kind": "recurring", "status": "open",
        "effective": "2024-01-01", "grace_days": 10, "filters": [{"name": "all"}],
        "multipliers": [{"name": "dollar", "currency_per_point": "1.00"}],
        "awards": [{"name": "far", "level": 100000, "credit_memo": {"amount": "5.00"}}]}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.date(2024, 1, 1))


def refused(code: str, shop: FakeShop, handler: Callable[[Tx, Any], object],
            body: dict[str, object]) -> str:
    """Run a command that must be refused with `code`, writing nothing; its message."""
    before = shop.books.state()
    with pytest.raises(PatronageError) as err:
        shop.run(handler, body)
    assert err.value.code == code, err.value
    assert shop.books.state() == before  # refused before it wrote (no rollback here)
    return err.value.message


def test_e1_one_open_enrollment_and_into_the_current_program_nothing_changes(
        clock: FixedClock) -> None:
    shop = FakeShop(clock, CLUB, CENTS)
    shop.run(enroll, {"customer": "C1", "program": "cents"})
    shop.run(adjust, {"customer": "C1", "points": 40, "reason": "welcome"})
    message = refused("already_enrolled", shop, enroll,
                      {"customer": "C1", "program": "cents", "close_current": True})
    assert "nothing changed" in message
    refused("already_enrolled", shop, enroll, {"customer": "C1", "program": "club"})
    assert shop.balance("C1").available == 40 and shop.books.note_texts("C1") == []

    clock.set(dt.date(2024, 1, 3))
    shop.run(enroll, {"customer": "C1", "program": "club", "close_current": True})
    b = shop.balance("C1")
    assert (b.program, b.available, b.earned, b.adjusted) == ("club", 0, 0, 0)
    assert shop.books.note_texts("C1") == ["Left Reward Cents with 40 points, 0 of them pending"]
    assert [e["status"] for e in shop.books.enrollments.values()] == ["closed", "open"]
    assert shop.books.kinds("C1") == [("adjustment", 40), ("forfeit", -40)]
    # G1: the points bank's liability rose by 0.40 and fell by it again
    assert [(j["kind"], j["postings"][0].debit) for j in shop.books.journal_entries] == [
        ("adjustment", Decimal("0.40")), ("forfeit", Decimal("0.40"))]


def test_e2_unenroll_forfeits_pending_too_and_writes_the_note(clock: FixedClock) -> None:
    shop = FakeShop(clock, CLUB)
    shop.run(enroll, {"customer": "C1", "program": "club"})
    shop.run(adjust, {"customer": "C1", "points": 40, "reason": "welcome"})
    clock.set(dt.date(2024, 1, 20))
    tx = shop.tx()  # what an invoice of 60.00 earns: a lot pending until 01-30 (A6)
    enrollment = tx.repo.open_enrollment("C1")
    program = tx.repo.program("club")
    assert enrollment is not None and program is not None
    ledger.accrue(tx, enrollment, program, 60, tx.day)
    b = shop.balance("C1")
    assert (b.available, b.pending) == (40, 60)

    clock.set(dt.date(2024, 1, 25))
    out = shop.run(unenroll, {"customer": "C1"})
    assert out == "Left Hundred Club with 100 points, 60 of them pending"
    assert shop.books.note_texts("C1") == [out]
    assert shop.balance("C1").program is None
    assert [p for k, p in shop.books.kinds("C1") if k == "forfeit"] == [-40, -60]
    assert shop.books.enrollment(1) == {**shop.books.enrollments[1], "held": 0, "debt": 0}
    assert shop.books.enrollments[1]["closed_on"] == dt.date(2024, 1, 25)
    refused("not_enrolled", shop, unenroll, {"customer": "C1"})

    clock.set(dt.date(2024, 2, 1))
    shop.run(enroll, {"customer": "C1", "program": "club"})  # a new enrollment starts at 0
    b = shop.balance("C1")
    assert (b.program, b.pending, b.available, b.earned) == ("club", 0, 0, 0)


def test_e4_cards_find_deactivate_and_inactive(clock: FixedClock) -> None:
    shop = FakeShop(clock, customers=("C1", "C2"))
    shop.run(card, {"customer": "C1", "add": "4000-1"})
    shop.run(card, {"customer": "C1", "add": "4000-2"})
    assert shop.run(find_by_card, "4000-1") == "C1"
    assert shop.run(find_by_card, "4000-2") == "C1"
    refused("card_in_use", shop, card, {"customer": "C2", "add": "4000-1"})
    before = shop.books.state()
    shop.run(card, {"customer": "C1", "add": "4000-1"})  # again to its owner: harmless
    assert shop.books.state() == before
    shop.run(card, {"deactivate": "4000-1"})
    with pytest.raises(PatronageError) as err:
        shop.run(find_by_card, "4000-1")
    assert (err.value.code, err.value.fields) == ("card_inactive", ["card"])
    refused("card_in_use", shop, card, {"customer": "C2", "add": "4000-1"})  # stays taken
    assert shop.run(find_by_card, "4000-2") == "C1"
    assert [(c["number"], c["customer_id"], c["active"]) for c in shop.books.cards.values()] \
        == [("4000-1", "C1", False), ("4000-2", "C1", True)]
    with pytest.raises(PatronageError) as err:
        shop.run(find_by_card, "9999")
    assert err.value.code == "not_found"
    refused("not_found", shop, card, {"deactivate": "9999"})
    refused("invalid", shop, card, {"customer": "C1"})
