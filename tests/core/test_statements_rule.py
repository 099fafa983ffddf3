"""Statements (N2) as pure decisions: no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from patronage.core import statements
from patronage.service.views import Balance, Expiring

d = dt.date
DAY = d(2024, 1, 31)


def figures(**values: object) -> Balance:
    """A member's balance as the service hands it to N2 (`service/views.py` `Balance`)."""
    return Balance(program="club", program_name="250 Club", as_of=DAY, **values)  # type: ignore[arg-type]


def memo(status: str, remaining: str, expires: dt.date | None = None) -> dict[str, object]:
    return {"amount": Decimal("25.00"), "remaining": Decimal(remaining), "expires_on": expires,
            "status": status}


def test_the_subject_names_the_program_and_the_day() -> None:
    assert statements.subject("250 Club", DAY) == "250 Club: your statement as of 2024-01-31"
    assert statements.subject("250 Club", d(2024, 2, 29)) != statements.subject("250 Club", DAY)


def test_every_member_gets_one_but_those_who_have_one_already() -> None:
    members = [{"customer_id": "C1", "id": 1}, {"customer_id": "C2", "id": 2},
               {"customer_id": "C4", "id": 4}]
    already = statements.already_sent([{"customer": "C2", "program": "club"}, None])
    assert already == {"C2", None}
    chosen = statements.recipients(members, already)
    assert [m["id"] for m in chosen] == [1, 4]  # the members' order is kept
    assert statements.recipients(members, set()) == members
    assert statements.recipients(members, {"C1", "C2", "C4"}) == []  # asked again: nothing


def test_an_email_address_sends_it_none_prints_it() -> None:
    assert statements.address("ann@example.com") == "ann@example.com"
    assert statements.address("") is None
    assert statements.address(None) is None


def test_the_letter_holds_the_members_figures_and_open_store_credit() -> None:
    held = figures(pending=5, available=100, earned=130, adjusted=-10, used=20, expired=0,
                   value=Decimal("1.5"), expiring=[Expiring(d(2024, 6, 30), 40)])
    memos = [memo("open", "25.00", d(2024, 12, 31)), memo("used", "0.00"),
             memo("open", "7.50"), memo("expired", "25.00")]
    letter = statements.contents("C1", "club", DAY, held, memos)
    assert letter == {
        "customer": "C1", "program": "club", "as_of": "2024-01-31",
        "pending": 5, "available": 100, "earned": 130, "adjusted": -10, "used": 20,
        "expired": 0, "value": "1.50",
        "expiring": [{"date": "2024-06-30", "points": 40}],
        "credit_memos": [
            {"amount": "25.00", "remaining": "25.00", "expires": "2024-12-31"},
            {"amount": "25.00", "remaining": "7.50", "expires": None}],
    }
    assert statements.contents("C1", "club", DAY, figures(), [])["value"] is None


def test_the_tally_counts_letters_by_way_and_the_members_skipped() -> None:
    assert statements.tally(3, 2, 1, [7, 8]) == {
        "queued": 2, "by_email": 1, "to_print": 1, "already_queued": 1, "ids": [7, 8]}
