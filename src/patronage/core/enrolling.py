"""Enrollment (E1-E4): who may enroll where, what closing an enrollment forfeits, which
customers a mass enrollment chooses, and the loyalty card rules.

Pure decisions over small records; `service/enrollment.py` loads (under the customer's
lock), asks these, and writes the entries, note, rows and events they call for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from patronage.core.errors import PatronageError, Problem, not_found
from patronage.core.lots import LotState, state
from patronage.core.programs import Program

# --- E1: enrolling ----------------------------------------------------------------------------


def check_open(program: Program, day: dt.date) -> None:
    """Section 2 (`program_not_open`): only an open program in effect on `day` takes
    enrollments; a draft, a closed program or one not in effect refuses."""
    if program.status != "open" or not program.in_effect(day):
        raise PatronageError(
            "program_not_open",
            f"program {program.id!r} is {program.status} and "
            f"{'in effect' if program.in_effect(day) else 'not in effect'} on {day}",
            [Problem("program", "not open for enrollment on that date")],
        )


def closes_current(customer_id: str, program_id: str, current: str | None,
                   close_current: bool) -> bool:
    """E1: whether enrolling `customer_id` into `program_id` first closes the enrollment it
    has in `current` (a program id; None: none to consider). Into the program it is in,
    nothing changes, close_current or not (closing would forfeit every point only to
    enroll again); into another, `close_current` must be asked for."""
    if current is None:
        return False
    if current == program_id:
        raise PatronageError(
            "already_enrolled",
            f"customer {customer_id!r} is already enrolled in {program_id!r}; nothing changed",
            [Problem("program", "the customer's current program")],
        )
    if not close_current:
        raise PatronageError(
            "already_enrolled",
            f"customer {customer_id!r} is already enrolled in {current!r}",
            [Problem("customer", "has an open enrollment; ask to close it first")],
        )
    return True


# --- E2: closing --------------------------------------------------------------------------------


def expired_first(lots: Iterable[LotState], day: dt.date) -> list[int]:
    """E2 with L4: the lots past their expiry on the closing day, written off as expired
    (not forfeited) before the rest is forfeited."""
    return [x.id for x in lots if state(x, day) == "expired"]


@dataclass(frozen=True)
class Forfeiture:
    """E2: what closing an enrollment forfeits."""

    entries: tuple[tuple[int | None, int], ...]  # forfeit entries: (lot id, None for the
    #                                               debt; points), each lot emptied
    total: int  # the points held before closing, pending included, less any debt
    pending: int  # of which still pending

    def note(self, program_name: str) -> str:
        """E2: the customer note naming the program and the total as one number."""
        return f"Left {program_name} with {self.total} points, {self.pending} of them pending"


def forfeiture(lots: Iterable[LotState], debt: int, pending: int, available: int) -> Forfeiture:
    """E2: every remaining point is forfeited, pending too, and a debt is cleared.

    `lots` are the enrollment's lots with points (those expired by the day already written
    off), `debt` its debt (<= 0), `pending` and `available` its balance on the closing day
    (L1: available with the debt counted)."""
    entries: list[tuple[int | None, int]] = [(x.id, -x.remaining) for x in lots]
    if debt:
        entries.append((None, -debt))
    return Forfeiture(tuple(entries), pending + available, pending)


# --- E3: mass enrollment ------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """E3: the criteria of a mass enrollment (None: any)."""

    type: str | None = None
    status: str | None = None
    enrolled: bool | None = None  # has an open enrollment (in any program) or not
    program: str | None = None  # has an open enrollment in this program
    purchased_since: dt.date | None = None  # has a posted invoice dated on or after it


@dataclass(frozen=True)
class Candidate:
    """A customer as a mass enrollment's criteria see it."""

    id: str
    type: str | None
    status: str | None
    programs: frozenset[str]  # the programs of its open enrollments
    last_purchase: dt.date | None  # the date of its latest posted invoice


def selected(customer: Candidate, selection: Selection) -> bool:
    """E3: whether `customer` meets every criterion given. service/enrollment.py's
    `select_customers` asks the same in SQL, over all the shop's customers at once."""
    s = selection
    return ((s.type is None or customer.type == s.type)
            and (s.status is None or customer.status == s.status)
            and (s.program is None or s.program in customer.programs)
            and (s.enrolled is None or bool(customer.programs) == s.enrolled)
            and (s.purchased_since is None or (customer.last_purchase is not None
                                               and customer.last_purchase >= s.purchased_since)))


def leave_out(customers: Sequence[str], exclude: Collection[str]) -> list[str]:
    """E3: the previewed list less the customers left out, in its order."""
    skip = set(exclude)
    return [x for x in customers if x not in skip]


# --- E4: loyalty cards --------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """A loyalty card number and whose it is."""

    number: str
    customer_id: str
    active: bool


def check_card_request(add: str | None, deactivate: str | None) -> None:
    """E4: a card request adds a number or deactivates one, exactly one of them."""
    if bool(add) == bool(deactivate):
        raise PatronageError("invalid", "give exactly one of add or deactivate",
                             [Problem("add", "add a number, or deactivate one")])


def adds_card(existing: Card | None, number: str, customer_id: str) -> bool:
    """E4: whether `number` is added to `customer_id` (False: it is already that
    customer's active card, nothing to do). A number issued before, to anyone else or
    deactivated, is refused with `card_in_use`: a lost card's number is never reused."""
    if existing is None:
        return True
    if existing.customer_id == customer_id and existing.active:
        return False
    raise PatronageError("card_in_use", f"card {number} is already in use",
                         [Problem("add", "this number belongs to a card already issued")])


def card_owner(card: Card | None, number: str) -> str:
    """E4: the customer a scanned card finds; an unknown card (`not_found`) or an
    inactive one (`card_inactive`) finds nobody."""
    if card is None:
        raise not_found("card", number, "card")
    if not card.active:
        raise PatronageError("card_inactive", f"card {number} has been deactivated",
                             [Problem("card", "this card is no longer active")])
    return card.customer_id
