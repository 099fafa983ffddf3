"""In-memory storage for service tests (issue 20 item 2): `FakeBooks` is the port
`service.ports.EnrollmentBooks` in dicts and lists, and `fake_tx` a unit of work on it.

Cosmicpython's fake repository: the real handlers run on it, in microseconds, so a story
of enrolling or adjusting is checked without a database. It keeps the books the way the
adapter does (ledger entries appended, never changed) but derives every cache from them
when read (a lot's remaining, an enrollment's debt and held points, the totals by kind):
what L3 says the caches must equal, by construction. What it does not model: locks,
rollback (a refused command must refuse before it writes, which the tests then check),
programs with status tiers, awards granted (W1), the mass commands (E3).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from patronage.core.journal import Posting
from patronage.core.lots import LotState
from patronage.core.programs import Program
from patronage.core.tiers import Standing
from patronage.service import queries
from patronage.service.clock import Clock
from patronage.service.inputs import ProgramIn, parse
from patronage.service.ports import Row
from patronage.service.setup import to_program
from patronage.service.uow import Tx
from patronage.service.views import Balance

T = TypeVar("T")


class FakeBooks:
    """`EnrollmentBooks` in memory: rows are plain dicts, ids count from 1."""

    def __init__(self, programs_per_customer: str = "one") -> None:
        self.shop_row: dict[str, Any] = {"id": 1, "programs_per_customer": programs_per_customer,
                                         "first_activity": None}
        self.stores: list[int] = [1]
        self.customers: dict[str, dict[str, Any]] = {}
        self.cards: dict[str, dict[str, Any]] = {}
        self.notes: list[dict[str, Any]] = []
        self.programs: dict[str, Program] = {}
        self.enrollments: dict[int, dict[str, Any]] = {}
        self.lot_rows: dict[int, dict[str, Any]] = {}  # the lots' dates; points from entries
        self.ledger: list[dict[str, Any]] = []
        self.adjustments: list[dict[str, Any]] = []
        self.journal_entries: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.done_days: list[dt.date] = []

    # --- what a test sets up (the shop's setup commands are outside the port) -----------
    def add_program(self, body: dict[str, Any]) -> Program:
        program = to_program(parse(ProgramIn, body))
        self.programs[program.id] = program
        return program

    def add_customer(self, customer_id: str, **values: Any) -> None:
        self.customers[customer_id] = {"id": customer_id, "name": customer_id, **values}

    def state(self) -> dict[str, Any]:
        """Everything written, for a before/after comparison (service/support's snapshot)."""
        return copy.deepcopy({k: v for k, v in vars(self).items() if k != "programs"})

    # --- the shop, customers, cards, programs ------------------------------------------
    def shop(self) -> Row | None:
        return dict(self.shop_row)

    def note_activity(self, day: dt.date) -> None:
        first = self.shop_row["first_activity"]
        if first is None or day < first:
            self.shop_row["first_activity"] = day

    def lowest_active_store(self) -> int | None:
        return min(self.stores, default=None)

    def customer(self, customer_id: str, lock: bool = False) -> Row | None:
        row = self.customers.get(customer_id)
        return None if row is None else dict(row)

    def add_note(self, customer_id: str, day: dt.date, text: str, user: str | None) -> None:
        self.notes.append({"customer_id": customer_id, "date": day, "text": text, "user": user})

    def card(self, number: str) -> Row | None:
        row = self.cards.get(number)
        return None if row is None else dict(row)

    def add_card(self, number: str | None, customer_id: str, day: dt.date) -> None:
        if number is None or number in self.cards:  # the adapter's primary key
            raise AssertionError(f"card {number!r} inserted twice")
        self.cards[number] = {"number": number, "customer_id": customer_id, "active": True,
                              "added_on": day}

    def deactivate_card(self, number: str) -> None:
        self.cards[number]["active"] = False

    def program(self, program_id: str) -> Program | None:
        return self.programs.get(program_id)

    def tier_standing(self, enrollment_id: int) -> Standing:
        return Standing()  # no standing recorded: no tier (programs here have none)

    # --- enrollments and adjustments ---------------------------------------------------
    def _enrollment_row(self, row: dict[str, Any]) -> Row:
        mine = [e for e in self.ledger if e["enrollment_id"] == row["id"]]
        return {**row, "held": sum(e["points"] for e in mine),
                "debt": sum(e["points"] for e in mine if e["lot_id"] is None)}

    def open_enrollment(self, customer_id: str) -> Row | None:
        found = self.open_enrollments(customer_id)
        return found[0] if found else None

    def open_enrollments(self, customer_id: str) -> list[Row]:
        return [self._enrollment_row(e) for e in self.enrollments.values()
                if e["customer_id"] == customer_id and e["status"] == "open"]

    def enrollment(self, enrollment_id: int) -> Row | None:
        row = self.enrollments.get(enrollment_id)
        return None if row is None else self._enrollment_row(row)

    def insert_enrollment(self, customer_id: str, program_id: str, start: dt.date,
                          period: tuple[dt.date, dt.date] | None) -> int:
        eid = len(self.enrollments) + 1
        self.enrollments[eid] = {
            "id": eid, "customer_id": customer_id, "program_id": program_id, "start_date": start,
            "status": "open", "closed_on": None, "period_start": period[0] if period else None,
            "period_end": period[1] if period else None}
        return eid

    def close_enrollment(self, enrollment_id: int, day: dt.date) -> None:
        self.enrollments[enrollment_id].update(status="closed", closed_on=day)

    def adjustment_by_external_id(self, external_id: str) -> Row | None:
        return next((a for a in self.adjustments if a["external_id"] == external_id), None)

    def insert_adjustment(self, *, enrollment_id: int, customer_id: str, date: dt.date,
                          points: int, set_balance: int | None, expires: dt.date | None,
                          reason: str | None, user: str | None,
                          external_id: str | None) -> None:
        if external_id is not None and self.adjustment_by_external_id(external_id):
            raise AssertionError(f"adjustment {external_id!r} inserted twice")  # unique
        self.adjustments.append({
            "enrollment_id": enrollment_id, "customer_id": customer_id, "date": date,
            "points": points, "set_balance": set_balance, "expires": expires, "reason": reason,
            "user": user, "external_id": external_id})

    # --- the ledger ---------------------------------------------------------------------
    def _sum(self, enrollment_id: int, lot_id: int | None = None,
             through: dt.date | None = None) -> int:
        return sum(e["points"] for e in self.ledger if e["enrollment_id"] == enrollment_id
                   and e["lot_id"] == lot_id and (through is None or e["date"] <= through))

    def _lot(self, row: dict[str, Any], remaining: int) -> LotState:
        return LotState(row["id"], row["accrual_date"], row["available_on"], row["expires_on"],
                        remaining)

    def lots(self, enrollment_id: int, positive_only: bool = True) -> list[LotState]:
        out = [self._lot(r, self._sum(enrollment_id, r["id"])) for r in self.lot_rows.values()
               if r["enrollment_id"] == enrollment_id]
        return [x for x in out if x.remaining > 0 or not positive_only]

    def lot(self, lot_id: int) -> Row | None:
        row = self.lot_rows.get(lot_id)
        if row is None:
            return None
        return {**row, "remaining": self._sum(row["enrollment_id"], lot_id)}

    def open_lot(self, enrollment: Row, kind: str, invoice_id: int | None,
                 day: dt.date, available_on: dt.date, expires_on: dt.date | None, points: int,
                 at: dt.datetime, *, link_invoice: bool = False,
                 **refs: Any) -> tuple[int, int]:
        if link_invoice:
            raise NotImplementedError("the fakes hold no invoices")
        lot_id = len(self.lot_rows) + 1
        self.lot_rows[lot_id] = {
            "id": lot_id, "enrollment_id": enrollment["id"], "customer_id": enrollment["customer_id"],
            "source": kind, "invoice_id": invoice_id, "accrual_date": day,
            "available_on": available_on, "expires_on": expires_on}
        self.entry(enrollment, day, kind, points, lot_id, at, invoice_id=invoice_id, **refs)
        return lot_id, self.debt(enrollment["id"])

    def entry(self, enrollment: Row, day: dt.date, kind: str, points: int,
              lot_id: int | None, at: dt.datetime, **refs: Any) -> None:
        if points == 0:
            return
        self.ledger.append({"id": len(self.ledger) + 1, "enrollment_id": enrollment["id"],
                            "customer_id": enrollment["customer_id"], "date": day,
                            "kind": str(kind), "points": points, "lot_id": lot_id,
                            "recorded_at": at, **refs})

    def set_lot_expiry(self, lot_id: int, expires_on: dt.date | None) -> None:
        self.lot_rows[lot_id]["expires_on"] = expires_on

    def debt(self, enrollment_id: int) -> int:
        return self._sum(enrollment_id, None)

    def _entries(self, enrollment_id: int) -> Iterable[dict[str, Any]]:
        return (e for e in self.ledger if e["enrollment_id"] == enrollment_id)

    def last_entry_date(self, enrollment_id: int) -> dt.date | None:
        return max((e["date"] for e in self._entries(enrollment_id)), default=None)

    def lots_as_of(self, enrollment_id: int, as_of: dt.date) -> tuple[list[LotState], int]:
        then = [self._lot(r, self._sum(enrollment_id, r["id"], as_of))
                for r in self.lot_rows.values() if r["enrollment_id"] == enrollment_id]
        return [x for x in then if x.remaining > 0], self._sum(enrollment_id, None, as_of)

    def ledger_moves(self, enrollment_id: int,
                     since: dt.date) -> list[tuple[dt.date, int | None, int]]:
        net: dict[tuple[dt.date, int | None], int] = {}
        for e in self._entries(enrollment_id):
            if e["date"] >= since:
                net[(e["date"], e["lot_id"])] = net.get((e["date"], e["lot_id"]), 0) + e["points"]
        moves = [(day, lot_id, points) for (day, lot_id), points in net.items() if points]
        return sorted(moves, key=lambda m: (m[0], m[1] is not None, m[1] or 0))

    def balance_figures(self, enrollment_id: int, day: dt.date) -> tuple[
            int, list[tuple[str, int, dt.date]], list[tuple[dt.date | None, int, int]]]:
        totals: dict[str, tuple[int, dt.date]] = {}
        for e in self._entries(enrollment_id):
            points, last = totals.get(e["kind"], (0, e["date"]))
            totals[e["kind"]] = (points + e["points"], max(last, e["date"]))
        live: dict[dt.date | None, tuple[int, int]] = {}
        for lot in self.lots(enrollment_id):
            pending, points = live.get(lot.expires_on, (0, 0))
            early = lot.remaining if lot.available_on > day else 0
            live[lot.expires_on] = (pending + early, points + lot.remaining)
        return (self.debt(enrollment_id),
                [(kind, points, last) for kind, (points, last) in totals.items()],
                [(expires_on, pending, points) for expires_on, (pending, points) in live.items()])

    def spendable_points(self, enrollment_id: int, day: dt.date) -> int:
        debt, _, live = self.balance_figures(enrollment_id, day)
        return debt + sum(points - pending for expires_on, pending, points in live
                          if expires_on is None or day < expires_on)

    def totals_from_entries(self, enrollment_id: int, as_of: dt.date) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self._entries(enrollment_id):
            if e["date"] <= as_of:
                out[e["kind"]] = out.get(e["kind"], 0) + e["points"]
        return out

    def last_done_day(self) -> dt.date | None:
        return max(self.done_days, default=None)

    # --- the journal and events ---------------------------------------------------------
    def journal(self, day: dt.date, kind: str, postings: list[Posting], memo: str,
                reference: str | None = None, customer_id: str | None = None) -> None:
        postings = [p for p in postings if p.debit or p.credit]
        if postings:
            self.journal_entries.append({"date": day, "kind": kind, "postings": postings,
                                         "memo": memo, "reference": reference,
                                         "customer_id": customer_id})

    def record_event(self, kind: str, day: dt.date, customer_id: str | None,
                     payload: dict[str, Any], at: dt.datetime) -> None:
        self.events.append({"type": kind, "date": day, "customer_id": customer_id,
                            "payload": payload, "recorded_at": at})

    # --- what tests read ----------------------------------------------------------------
    def kinds(self, customer_id: str) -> list[tuple[str, int]]:
        """The customer's ledger entries as (kind, points), in order."""
        return [(e["kind"], e["points"]) for e in self.ledger if e["customer_id"] == customer_id]

    def note_texts(self, customer_id: str) -> list[str]:
        return [n["text"] for n in self.notes if n["customer_id"] == customer_id]


def fake_tx(clock: Clock, books: FakeBooks | None = None, day: dt.date | None = None) -> Tx:
    """A unit of work on `books` (new, empty ones without): the command's day and now from
    the clock, as service/uow.py `unit_of_work` gives them. The handlers read `tx.repo`
    as `EnrollmentBooks` only; Tx names the adapter's class, hence the cast."""
    return Tx(cast(Any, books if books is not None else FakeBooks()), day or clock.today(),
              clock.now())


class FakeShop:
    """The facade's few calls the stories use (service/app.py `Patronage`), each command a
    unit of work of its own on the same books, dated by the clock as it is then."""

    def __init__(self, clock: Clock, *programs: dict[str, Any],
                 customers: tuple[str, ...] = ("C1",), programs_per_customer: str = "one") -> None:
        self.clock = clock
        self.books = FakeBooks(programs_per_customer)
        for p in programs:
            self.books.add_program(p)
        for c in customers:
            self.books.add_customer(c)

    def tx(self) -> Tx:
        return fake_tx(self.clock, self.books)

    def run(self, handler: Callable[[Tx, Any], T], body: Any) -> T:
        return handler(self.tx(), body)

    def balance(self, customer_id: str, as_of: dt.date | None = None) -> Balance:
        return queries.balance(self.tx(), customer_id, as_of)
