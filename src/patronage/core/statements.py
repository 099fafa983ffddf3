"""Statements (N2): a balance letter to every member of a program (seed 001's year-end
email), sent by email or printed (seed 004's reward letters).

Pure decisions; service/messaging.py `queue_statements` loads the program's open
enrollments (its members), the statements already queued under the same subject, and each
member's balance, credit memos and email address, asks these functions who gets a letter
and what it says, and queues it in the outbox with the `statement` template.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from patronage.core.money import fmt

TEMPLATE = "statement"  # templates/letters/statement.html; also the outbox row's event
M = TypeVar("M", bound=Mapping[Any, Any])  # a member: an enrollment row


class Dated(Protocol):
    """Points expiring on a day (service/views.py `Expiring`)."""

    @property
    def date(self) -> dt.date: ...

    @property
    def points(self) -> int: ...


class Figures(Protocol):
    """A member's balance as of the statement's day (service/views.py `Balance`, L1/L3)."""

    @property
    def pending(self) -> int: ...

    @property
    def available(self) -> int: ...

    @property
    def earned(self) -> int: ...

    @property
    def adjusted(self) -> int: ...

    @property
    def used(self) -> int: ...

    @property
    def expired(self) -> int: ...

    @property
    def value(self) -> Decimal | None: ...

    @property
    def expiring(self) -> Sequence[Dated]: ...


def subject(program_name: str, as_of: dt.date) -> str:
    """N2: a statement's subject, naming the program and the day. With the `statement`
    event it is what makes a statement once per customer, program and day."""
    return f"{program_name}: your statement as of {as_of.isoformat()}"


def already_sent(payloads: Iterable[Mapping[str, Any] | None]) -> set[Any]:
    """N2: the customers who have a statement under the subject already (queued, sent or
    printed), from those statements' payloads."""
    return {(p or {}).get("customer") for p in payloads}


def recipients(members: Sequence[M], already: Collection[Any]) -> list[M]:
    """N2: who gets a statement: every member of the program (its open enrollments, each
    with its `customer_id`, in the order given), but those who have one for the same
    program and day already, so asking again queues nothing new."""
    return [m for m in members if m["customer_id"] not in already]


def address(email: str | None) -> str | None:
    """N2: a customer with an email gets the statement by email; one without (None) gets
    a letter that waits for printing."""
    return email or None


def contents(customer_id: str, program_id: str, as_of: dt.date, figures: Figures,
             memos: Iterable[Mapping[Any, Any]]) -> dict[str, Any]:
    """N2: the figures a statement holds (the template's payload): the member's points
    pending, available, earned, adjusted, used and expired as of `as_of`, their value (a
    points bank's; None otherwise), the points expiring by date, and the store credit
    waiting: each open credit memo's amount, remaining and expiry (used, expired and
    cancelled memos are left out). Money is written as `core.money.fmt` writes it."""
    return {
        "customer": customer_id, "program": program_id, "as_of": as_of.isoformat(),
        "pending": figures.pending, "available": figures.available,
        "earned": figures.earned, "adjusted": figures.adjusted,
        "used": figures.used, "expired": figures.expired,
        "value": None if figures.value is None else fmt(figures.value),
        "expiring": [{"date": x.date.isoformat(), "points": x.points} for x in figures.expiring],
        "credit_memos": [
            {"amount": fmt(m["amount"]), "remaining": fmt(m["remaining"]),
             "expires": m["expires_on"].isoformat() if m["expires_on"] else None}
            for m in memos if m["status"] == "open"],
    }


def tally(members: int, queued: int, by_email: int, ids: list[int]) -> dict[str, Any]:
    """N2: what a statement run did: letters queued, by email or to print, and the
    members skipped because they had theirs already."""
    return {"queued": queued, "by_email": by_email, "to_print": queued - by_email,
            "already_queued": members - queued, "ids": ids}
