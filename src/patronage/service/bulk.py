"""Bulk import: customers, invoices, payments and adjustments from files, by the rules of
the online path.

Each document (a customer row, an invoice's rows, a payment, an adjustment) is posted by
the same service function the POS and the CLI call (`invoices.post_invoice`, ...), so the
points, lots, awards and journal are those of the online path. What differs is only how
rows reach the database:

- Documents are taken in date order (stable: file order within a day). Before the first
  document of a day D the daily run catches up to D, exactly as the shop's own scheduler
  would have done before that day's first sale (`maintenance.run` for D), so awards are
  granted and lots expire on the days they fall due, not at the end of the import.
- Many documents share one transaction (`batch`); each is its own *item*: it either
  happens whole or not at all (an in-memory undo, or a savepoint), never half an invoice.
- Items run on `BulkRepository`, which answers from memory and writes with one
  executemany per table; an item that needs anything else is undone and run again on the
  plain repository in a savepoint (`SlowPath`), so the result never depends on the path.
- Idempotent: a document whose id is known is recognised by the service itself (C5) and
  counted as `repeated`; a different body under a known id is a `conflict` row.
- A refused document is reported with its line number; `on_error="stop"` stops there
  (everything before it is kept and committed), `"skip"` goes on.
"""

from __future__ import annotations

import datetime as dt
import gc
import heapq
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.engine import Connection

from patronage.adapters.db import tables as t
from patronage.adapters.db.bulk import MISSING, BulkRepository, SlowPath
from patronage.adapters.db.repository import Repository
from patronage.core.adjustment_files import FileRow, Refusal, adjust_file
from patronage.core.errors import PatronageError
from patronage.service import adjustments, enrollment, invoices, maintenance, setup
from patronage.service.app import Patronage
from patronage.service.dates_window import in_window
from patronage.service.documents import Doc, RowError
from patronage.service.uow import Tx

USER = "import"


class Progress(Protocol):
    def start(self, total: int) -> None: ...

    def advance(self, rows: int) -> None: ...


class NoProgress:
    def start(self, total: int) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass


@dataclass
class Result:
    kind: str
    rows: int = 0
    documents: int = 0
    done: int = 0
    repeated: int = 0
    errors: list[RowError] = field(default_factory=list)
    stopped: bool = False
    seconds: float = 0.0
    slow: int = 0  # items that took the plain repository (see the module docstring)
    maintenance_runs: int = 0

    def summary(self) -> str:
        rate = self.rows / self.seconds if self.seconds else 0.0
        text = (f"{self.kind}: {self.done} imported, {self.repeated} already there, "
                f"{len(self.errors)} refused, from {self.rows} rows in {self.seconds:.1f}s "
                f"({rate:,.0f} rows/s)")
        return text + (" - stopped at the first refusal" if self.stopped else "")


Post = Callable[[Tx, dict[str, Any]], Any]
Known = Callable[[BulkRepository, dict[str, Any]], bool]
ORDER = {"customer": 0, "adjustment": 1, "invoice": 2, "payment": 3}  # within one day
BATCH = 5000  # documents per transaction: the reads, marks and commits of one are shared
FIRST_WINDOW = 100  # documents: the first progress is shown after a small window
GROWTH = 1.5  # each window after it half as large again, up to a batch


class Importer:
    """Posts documents through a `BulkRepository`, a batch per transaction."""

    def __init__(self, app: Patronage, conn: Connection, result: Result, on_error: str,
                 batch: int, progress: Progress) -> None:
        self.app, self.conn, self.result = app, conn, result
        self.on_error, self.batch, self.progress = on_error, batch, progress
        self.bulk = BulkRepository(conn)
        self.prepared = -1  # `bulk.forgotten` when the current window was prepared
        self.pending = self.commits = 0
        self.done_to: Any = MISSING  # the last day the daily run has done
        self.holding = False  # this transaction holds the daily run's lock

    def hold_daily_run(self) -> None:
        """Take the daily run's lock first in each transaction, before any customer's: a
        scheduled run (which takes that lock, then customers') then waits for the batch
        instead of deadlocking with it (PostgreSQL; SQLite's writers are serial already)."""
        if not self.holding:
            self.bulk.lock_daily_run()
            self.holding = True

    def tx(self, repo: Repository, day: dt.date | None) -> Tx:
        return Tx(repo, day or self.app.clock.today(), self.app.clock.now(), USER)

    def catch_up(self, day: dt.date) -> None:
        """The daily run for `day` (catching up missed days), before the day's documents."""
        if not in_window(self.app.clock.today(), day):
            return  # none for a day out of the window: its documents are refused, by line
        self.hold_daily_run()
        if self.done_to is MISSING:
            self.done_to = self.bulk.last_done_day()
        if self.done_to is not None and self.done_to >= day:
            return
        # as the scheduler runs it (no user), so awards carry what they would have online
        maintenance.run(self.tx(self.bulk, day), {"date": day})
        self.done_to = day
        self.result.maintenance_runs += 1

    def item(self, doc: Doc) -> Any:
        """One document, whole or not at all."""
        assert doc.body is not None
        post = _poster(doc)
        self.bulk.begin_item()
        try:
            out = post(self.tx(self.bulk, doc.day), doc.body)
        except SlowPath:
            self.bulk.end_item(ok=False)
            return self.slow(post, doc)  # type: ignore[arg-type]
        except BaseException:
            self.bulk.end_item(ok=False)
            raise
        self.bulk.end_item(ok=True)
        return out

    def slow(self, post: Post, doc: Doc) -> Any:
        assert doc.body is not None
        self.bulk.flush()
        self.result.slow += 1
        try:
            with self.conn.begin_nested():
                return post(self.tx(Repository(self.conn), doc.day), doc.body)
        finally:
            self.bulk.written(None)

    def run(self, docs: Iterable[Doc], dated: bool = True, total: int | None = None) -> None:
        """Post `docs` in date order (in a day: customers, adjustments, invoices, payments;
        then file order), the daily run catching up before each new day. With `total` (the
        rows to come) the documents are taken as they come, already in date order: a file
        of any size then never has to fit in memory."""
        if total is None:
            docs = sorted(docs, key=_order) if dated else list(docs)
            total = sum(d.rows for d in docs)
        self.progress.start(total)
        last: dt.date | None = None
        stream = iter(docs)
        # a window of documents, often several days, is prepared (read) at once; the daily
        # run still comes between the days, before each day's first document
        size = min(self.batch, FIRST_WINDOW)  # the first comes soon, however large a batch
        while window := list(islice(stream, size)):
            size = min(self.batch, int(size * GROWTH))
            self.bulk.prepare(customers=[d.customer for d in window if d.customer],
                              invoices=[d.invoice for d in window if d.invoice],
                              payments=[d.payment for d in window if d.payment],
                              documents=any(d.payment for d in window),
                              cards=[d.card for d in window if d.card])
            self.prepared = self.bulk.forgotten  # memory holds the window until it is dropped
            for doc in window:
                if dated and doc.day is not None and doc.day != last:
                    if last is not None and doc.day < last:
                        raise ValueError(f"documents out of date order: {doc.day} after {last}")
                    last = doc.day
                    self.catch_up(doc.day)
                if not self.one(doc):
                    self.commit()
                    self.result.stopped = True
                    return
            self.commit(force=False)
        self.commit()

    def one(self, doc: Doc) -> bool:
        """Post one document; False when the import must stop."""
        r = self.result
        r.documents += 1
        r.rows += doc.rows
        self.progress.advance(doc.rows)
        error = doc.error
        if error is None:
            self.hold_daily_run()
            try:
                if self.bulk.forgotten != self.prepared:  # (an SQL write dropped memory)
                    self.bulk.prepare([doc.customer] if doc.customer else (),
                                      [doc.invoice] if doc.invoice else (),
                                      [doc.payment] if doc.payment else (),
                                      documents=doc.payment is not None,
                                      cards=[doc.card] if doc.card else ())
                known = POSTS[doc.kind][1](self.bulk, doc.body or {})
                self.item(doc)
                r.repeated += known
                r.done += not known
                self.pending += 1
            except PatronageError as err:
                error = RowError(doc.line + _line_offset(err), err.code, err.message, doc.kind)
        if error is not None:
            r.errors.append(error if error.kind else RowError(error.line, error.code,
                                                              error.message, doc.kind))
            return self.on_error != "stop"
        return True

    def commit(self, force: bool = True) -> None:
        if force or self.pending >= self.batch:
            self.bulk.flush()
            self.conn.commit()
            self.holding = False
            # memory starts again with each transaction: another process may write between
            # two (a till posting for a customer of the last batch), and memory stays bounded
            self.bulk.forget()
            self.pending = 0
            self.commits += 1
            if self.commits in (4, 40, 400):  # the tables have grown: plan with the truth
                self.analyze()

    def analyze(self) -> None:
        """Fresh statistics for the query planner (the daily run's set queries depend on
        them), as autovacuum would give them later."""
        if self.conn.dialect.name == "postgresql":
            for table in ("customers", "enrollments", "lots", "invoices", "credit_memos",
                          "coupons", "enrollment_totals"):
                self.conn.exec_driver_sql(f"ANALYZE {table}")
        else:
            self.conn.exec_driver_sql("PRAGMA optimize")
        self.conn.commit()


def _poster(doc: Doc) -> Post:
    return POSTS[doc.kind][0]


def _line_offset(err: PatronageError) -> int:
    """A problem in `lines.N...` of an invoice is on the N-th row of the document."""
    for problem in err.problems:
        parts = problem.field.split(".")
        if len(parts) > 1 and parts[0] == "lines" and parts[1].isdigit():
            return int(parts[1])
    return 0


def _order(doc: Doc) -> tuple[dt.date, int]:
    return doc.day or dt.date.min, ORDER[doc.kind]


@contextmanager
def _rare_collections() -> Iterator[None]:
    """Python's cycle collector less often while importing: a batch holds hundreds of
    thousands of young rows that are all still in use, and scanning them again and again
    buys nothing (nothing of the import's makes cycles that must be freed early). A
    collection comes once 500,000 more containers are alive than at the last one; at
    50,000 the collector took about 5 % of the bench's import (0.6 s of 12), now 1 %."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], 500_000), before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def run_import(label: str, app: Patronage, docs: Iterable[Doc], on_error: str = "skip",
               batch: int = BATCH, progress: Progress | None = None,
               dated: bool = True, total: int | None = None) -> Result:
    """Import documents of any kinds (see the module docstring); one result for all.
    `total`: the documents come in date order and hold that many rows (see `run`)."""
    result = Result(label)
    began = time.perf_counter()
    with _rare_collections(), app.engine.connect() as conn:
        imp = Importer(app, conn, result, on_error, batch, progress or NoProgress())
        try:
            imp.run(docs, dated, total)
        except BaseException:
            conn.rollback()
            raise
        imp.analyze()
    result.seconds = time.perf_counter() - began
    return result


# --- the four kinds of document -------------------------------------------------------------


def _customer(tx: Tx, body: dict[str, Any]) -> str:
    """A customer row: add or update, enroll (unless already in that program), give the
    card (unless it is already theirs)."""
    data = dict(body)
    program, enrolled_on, card = data.pop("program", None), data.pop("enrolled_on", None), \
        data.pop("card", None)
    setup.put_customer(tx, data)
    if program:
        current = tx.repo.open_enrollment(data["id"])
        if current is None or current["program_id"] != program:
            enrollment.enroll(tx, {"customer": data["id"], "program": program,
                                   "date": enrolled_on, "user": USER})
    if card:
        enrollment.card(tx, {"customer": data["id"], "add": card, "date": enrolled_on})
    return str(data["id"])


POSTS: dict[str, tuple[Post, Known]] = {
    "customer": (_customer, lambda repo, b: repo.customer(b["id"]) is not None),
    "invoice": (invoices.post_invoice,
                lambda repo, b: repo.find_invoice(b["id"], b["store"]) is not None),
    "payment": (invoices.post_payment,
                lambda repo, b: repo.find_payment(b["store"], b["id"]) is not None),
    "adjustment": (adjustments.adjust, lambda repo, b: _adjusted(repo, b.get("id"))),
}


def _adjusted(repo: Repository, external_id: str | None) -> bool:
    """Whether the adjustment with this id was made (a row of an adjustments file always
    has one: its own, or one derived from the file)."""
    return external_id is not None and repo.one(select(t.adjustments.c.id).where(
        t.adjustments.c.external_id == external_id)) is not None


def import_customers(app: Patronage, docs: Iterable[Doc], on_error: str = "skip",
                     batch: int = BATCH, progress: Progress | None = None,
                     total: int | None = None) -> Result:
    """Customers in file order (enrollment dates are their own; no daily run needed)."""
    return run_import("customers", app, docs, on_error, batch, progress, dated=False,
                      total=total)


def import_invoices(app: Patronage, docs: Iterable[Doc], on_error: str = "skip",
                    batch: int = BATCH, progress: Progress | None = None,
                    payments: Iterable[Doc] = (), total: int | None = None) -> Result:
    """Invoices (and, merged by date, their payments), each by `invoices.post_invoice` or
    `post_payment` on its own date, the daily run catching up first. With `total`, both
    streams are in date order and are merged as they come."""
    merged = heapq.merge(docs, payments, key=_order) if total is not None else [*docs, *payments]
    return run_import("invoices", app, merged, on_error, batch, progress, total=total)


def import_payments(app: Patronage, docs: Iterable[Doc], on_error: str = "skip",
                    batch: int = BATCH, progress: Progress | None = None,
                    total: int | None = None) -> Result:
    """Payments in date order, each by `invoices.post_payment` (A5: paid in full). Dated
    before the last daily run, they accrue as a late payment would: import them with
    their invoices (`payments=`) to replay history exactly."""
    return run_import("payments", app, docs, on_error, batch, progress, total=total)


def import_adjustments(app: Patronage, docs: Iterable[Doc], on_error: str = "skip",
                       batch: int = BATCH, progress: Progress | None = None,
                       total: int | None = None) -> Result:
    """Adjustments (J5) in date order; a row with an id is applied once however often
    the file is imported."""
    return run_import("adjustments", app, docs, on_error, batch, progress, total=total)


class _NothingKept(Exception):
    """Rolls back `apply_adjustments`' transaction."""


def apply_adjustments(app: Patronage, docs: Iterable[Doc], day: dt.date | None = None,
                      keep: bool = True,
                      answers: list[tuple[int, dict[str, Any]]] | None = None) -> Result:
    """`patronage adjust --file` (J5, decided row by row in core/adjustment_files.py):
    every adjustment of the file in one transaction, kept only when none is refused
    (docs/decisions.md, "Bulk files"). Each row is tried in a
    savepoint, so every refusal of the file is reported at once, with its line; `day` is
    the date of rows that name none. A known id is a repeat (C5), so the file can be run
    again. `keep=False` tries the file and keeps nothing (the console's preview);
    `answers` collects each applied row's (line, answer), its balance after it."""
    result = Result("adjustments")
    began = time.perf_counter()
    docs = list(docs)  # all read (a row that cannot be read is refused) before any is tried

    def apply(tx: Tx) -> None:
        def one(body: dict[str, Any]) -> dict[str, Any]:
            with tx.repo.conn.begin_nested():  # a refused row undoes itself
                return adjustments.adjust(tx, body)

        result.documents += len(docs)
        result.rows += sum(doc.rows for doc in docs)
        rows = [FileRow(doc.line, doc.body, None if doc.error is None else
                        Refusal(doc.error.line, doc.error.code, doc.error.message))
                for doc in docs]
        outcome = adjust_file(rows, day, one)  # J5: core/adjustment_files.py
        result.errors.extend(RowError(r.line, r.code, r.message) for r in outcome.refused)
        result.repeated += outcome.repeated
        result.done += outcome.done
        if answers is not None:
            answers.extend((a.line, a.answer) for a in outcome.applied)
        if not outcome.kept(keep):
            raise _NothingKept

    try:
        app.run(apply)
    except _NothingKept:
        result.stopped = bool(result.errors)
    result.seconds = time.perf_counter() - began
    return result


IMPORTS: dict[str, Callable[..., Result]] = {
    "customers": import_customers,
    "invoices": import_invoices,
    "payments": import_payments,
    "adjustments": import_adjustments,
}
