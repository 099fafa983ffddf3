"""The ports: what the service layer knows of storage (issue 20 item 2).

A port here is the repository pattern as cosmicpython describes it: a handler loads,
decides (core/), and persists, and sees storage only through `tx.repo`'s named methods
("the adjustment with this external id", "lock this campaign's budget"), never through
SQL. Rows come back as read-only mappings (`Row`); adapters/db/ implements the methods
(repository.py and its mixins: books.py, service_queries.py, read_queries.py,
read_pages.py, outbox_queries.py, link_queries.py, check_queries.py) with SQLAlchemy, so
service/ imports neither SQLAlchemy nor the adapters (tests/test_static.py counts the
modules left). `EnrollmentBooks` is the first port written as a Protocol: the repository
and tests/fakes.py's in-memory `FakeBooks` both meet it (tests/test_ports.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from typing import Any, Protocol

from patronage.core.journal import Posting
from patronage.core.lots import LotState
from patronage.core.programs import Program
from patronage.core.tiers import Standing

# A row as a service reads it: column name -> value. `Mapping[Any, Any]` rather than
# `Mapping[str, Any]` so SQLAlchemy's RowMapping (keyed by name or column) is one.
Row = Mapping[Any, Any]
# Rows read in order (a repository's list of rows is one).
Rows = Sequence[Row]
# The customers one part of a split daily run covers (adapters/db/run_parts.py's
# CustomerRange, from `tx.repo.customers_of_part`): services only hand it back to tx.repo.
CustomerRange = Any
# A database a service opens transactions of its own on (adapters/db/engine.py's Engine,
# from the entry point): services only hand it to service/uow.py `transaction`.
Database = Any


class Mailer(Protocol):
    """One connection to a mail server (adapters/smtp.py `SmtpMailer`)."""

    def connect(self) -> None: ...

    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


class MailSettings(Protocol):
    """Where mail goes (adapters/smtp.py `SmtpSettings`, built by the entry point)."""

    @property
    def configured(self) -> bool: ...

    @property
    def from_address(self) -> str: ...

    def mailer(self) -> Mailer: ...


class EnrollmentBooks(Protocol):
    """What enrolling (E1, E2), cards (E4), adjusting (J1-J4) and a balance (L1, L3) ask of
    storage: enrollment.py `enroll`, `unenroll`, `card`, `find_by_card`; adjustments.py
    `adjust`; queries.py `balance`, with what they call in ledger.py and memberships.py.
    Not here: E3's mass commands (savepoints, a selection in SQL) and W1's `awards.grant`,
    which a positive adjustment reaching an award level calls. The signatures are
    adapters/db's (tests/test_ports.py holds them to it); tests/fakes.py's `FakeBooks`
    is the in-memory one."""

    # the shop, customers, cards, programs (repository.py, service_queries.py)
    def shop(self) -> Row | None: ...

    def note_activity(self, day: dt.date) -> None: ...

    def lowest_active_store(self) -> int | None: ...

    def customer(self, customer_id: str, lock: bool = False) -> Row | None: ...

    def add_note(self, customer_id: str, day: dt.date, text: str, user: str | None) -> None: ...

    def card(self, number: str) -> Row | None: ...

    def add_card(self, number: str | None, customer_id: str, day: dt.date) -> None: ...

    def deactivate_card(self, number: str) -> None: ...

    def program(self, program_id: str) -> Program | None: ...

    def tier_standing(self, enrollment_id: int) -> Standing: ...

    # enrollments and adjustments
    def open_enrollment(self, customer_id: str) -> Row | None: ...

    def open_enrollments(self, customer_id: str) -> Rows: ...

    def enrollment(self, enrollment_id: int) -> Row | None: ...

    def insert_enrollment(self, customer_id: str, program_id: str, start: dt.date,
                          period: tuple[dt.date, dt.date] | None) -> int: ...

    def close_enrollment(self, enrollment_id: int, day: dt.date) -> None: ...

    def adjustment_by_external_id(self, external_id: str) -> Row | None: ...

    def insert_adjustment(self, *, enrollment_id: int, customer_id: str, date: dt.date,
                          points: int, set_balance: int | None, expires: dt.date | None,
                          reason: str | None, user: str | None,
                          external_id: str | None) -> None: ...

    # the ledger: lots, entries and their caches (books.py)
    def lots(self, enrollment_id: int, positive_only: bool = True) -> list[LotState]: ...

    def lot(self, lot_id: int) -> Row | None: ...

    def open_lot(self, enrollment: Row, kind: str, invoice_id: int | None,
                 day: dt.date, available_on: dt.date, expires_on: dt.date | None, points: int,
                 at: dt.datetime, *, link_invoice: bool = False,
                 **refs: Any) -> tuple[int, int]: ...

    def entry(self, enrollment: Row, day: dt.date, kind: str, points: int,
              lot_id: int | None, at: dt.datetime, **refs: Any) -> None: ...

    def set_lot_expiry(self, lot_id: int, expires_on: dt.date | None) -> None: ...

    def debt(self, enrollment_id: int) -> int: ...

    def last_entry_date(self, enrollment_id: int) -> dt.date | None: ...

    def lots_as_of(self, enrollment_id: int, as_of: dt.date) -> tuple[list[LotState], int]: ...

    def ledger_moves(self, enrollment_id: int,
                     since: dt.date) -> list[tuple[dt.date, int | None, int]]: ...

    def balance_figures(self, enrollment_id: int, day: dt.date) -> tuple[
            int, list[tuple[str, int, dt.date]], list[tuple[dt.date | None, int, int]]]: ...

    def spendable_points(self, enrollment_id: int, day: dt.date) -> int: ...

    def totals_from_entries(self, enrollment_id: int, as_of: dt.date) -> dict[str, int]: ...

    def last_done_day(self) -> dt.date | None: ...

    # the journal (G1) and events
    def journal(self, day: dt.date, kind: str, postings: list[Posting], memo: str,
                reference: str | None = None, customer_id: str | None = None) -> None: ...

    def record_event(self, kind: str, day: dt.date, customer_id: str | None,
                     payload: dict[str, Any], at: dt.datetime) -> None: ...
