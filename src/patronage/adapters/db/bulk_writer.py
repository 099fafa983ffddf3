"""The write-behind repository's buffer rules and its writer: which tables it holds and
writes, in what order, and `Writer`, which sends many rows with one driver executemany.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Boolean, Date, DateTime, bindparam, event, insert
from sqlalchemy.engine import Connection

from patronage.adapters.db import tables as t
from patronage.adapters.db.types import ExactDecimal, Money
from patronage.core.money import to_cents

CENT = Decimal("0.01")
MISSING: Any = object()
CHUNK = 2000  # ids per IN (...) list
CACHED = frozenset({"shop", "stores", "statuses", "reasons", "customers", "programs",
                    "program_filters", "program_rates", "program_awards", "enrollments",
                    "lots", "invoices", "invoice_lines", "payments", "awards",
                    "credit_memos", "coupons"})
# Insert order respects foreign keys; tables with explicit ids get them allocated here.
INSERTS = ("customers", "enrollments", "cards", "customer_notes", "invoices", "invoice_lines",
           "payments", "lots", "ledger", "awards", "credit_memos", "coupons", "journal_entries",
           "journal_postings", "events", "outbox", "maintenance_runs", "maintenance_days")
ALLOCATED = frozenset({"enrollments", "invoices", "lots", "awards", "credit_memos", "coupons",
                       "journal_entries", "maintenance_runs"})
BUFFERED = frozenset({"cards", "customer_notes"})  # plain INSERTs an item may make
# History an item writes and nothing reads back soon: handed to the writing thread (SQLite)
# between items, where the other tables wait for the batch's flush (their rows are often
# changed again in memory first: a lot spent, an invoice accrued)
BEHIND = ("invoice_lines", "ledger", "journal_entries", "journal_postings", "events")
MONEY = {name: frozenset(c.name for c in t.metadata.tables[name].columns
                         if isinstance(c.type, Money)) for name in INSERTS}


def _full(name: str) -> dict[str, Any]:
    """A table's columns with the value a missing one takes (its scalar default, or None);
    an autoincremented id is left to the database unless this module allocates it."""
    out = {}
    for col in t.metadata.tables[name].columns:
        if col.primary_key and col.name == "id" and name not in ALLOCATED:
            continue
        default: Any = col.default
        out[col.name] = default.arg if default is not None and default.is_scalar else None
    return out


FULL = {name: _full(name) for name in INSERTS}


def _parents(name: str) -> frozenset[str]:
    """The buffered tables a row of `name` refers to, directly or not (flushed before it)."""
    out: set[str] = set()
    todo = [name]
    while todo:
        for fk in t.metadata.tables[todo.pop()].foreign_keys:
            parent = fk.column.table.name
            if parent in INSERTS and parent not in out and parent != name:
                out.add(parent)
                todo.append(parent)
    return frozenset(out)


PARENTS = {name: _parents(name) for name in INSERTS}


Convert = Callable[[list[dict[str, Any]]], list[tuple[Any, ...]]]


def _converter(columns: list[tuple[str, str, Any]], native_flags: bool) -> Convert:
    """A function that turns rows (dicts) into the driver's tuples, written out for one
    statement's columns `(name, how, bind processor)` and compiled once: a value that needs
    nothing is looked up, money becomes its cents (`to_cents`, with its usual case inline),
    an exact decimal its text (as `ExactDecimal` stores it), a flag what the dialect's
    Boolean makes of True and False (`native_flags`: kept, else 1 and 0), anything else goes
    through the bind processor SQLAlchemy itself would use. One pass, no call for most
    cells."""
    env: dict[str, Any] = {"Decimal": Decimal, "to_cents": to_cents}
    cells = []
    for i, (name, how, proc) in enumerate(columns):
        v, get = f"v{i}", f"r[{name!r}]"
        if how == "plain":
            cells.append(get)
        elif how == "cents":
            cells.append(f"(None if ({v} := {get}) is None else (w{i} if type({v}) is Decimal "
                         f"and {v}.is_finite() and (s{i} := {v}.scaleb(2)) == (w{i} := int(s{i})) "
                         f"else to_cents({v})))")
        elif how == "text":
            cells.append(f"(None if ({v} := {get}) is None else str({v}))")
        elif how == "flag":  # True and False as the driver takes them; anything else: `proc`
            env[f"p{i}"] = proc
            yes, no = ("True", "False") if native_flags else ("1", "0")
            cells.append(f"(None if ({v} := {get}) is None else {yes} if {v} is True "
                         f"else {no} if {v} is False else p{i}({v}))")
        else:
            env[f"p{i}"] = proc
            cells.append(f"p{i}({get})")
    source = f"def convert(rows):\n    return [({', '.join(cells)},) for r in rows]\n"
    exec(compile(source, "<patronage.bulk_writer>", "exec"), env)  # noqa: S102 - our own text
    return env["convert"]  # type: ignore[no-any-return]


SWITCH = 0.0002  # seconds: the interpreter's switch interval while a writing thread runs


def _no_json(value: Any) -> Any:
    raise TypeError  # a date, a datetime or anything else orjson would write its own way


class Behind:
    """A thread that inserts rows while this one goes on (SQLite).

    SQLite has one writer per database, so the second core cannot write on another
    connection; but the driver lets go of the GIL while SQLite works. An executemany takes
    the GIL back for every row, and with this thread busy it gets it only every switch
    interval (20,000 rows took a minute); so each table's rows go as *one* statement,
    `INSERT ... SELECT json_extract(value, '$[i]') ... FROM json_each(?)`, the rows as one
    JSON array, and SQLite inserts all of them without the GIL. The values are those the
    executemany would bind (the same converter; a JSON array's integers, texts and nulls
    are stored as the same SQLite values); rows orjson would write its own way (a date, a
    big integer), or with a NUL character (SQLite's JSON text would end there), go by
    executemany instead.

    The connection is never used by two threads at once: every use of it here (any
    statement, commit or rollback, seen by the connection's events, and the writer's own
    executemany) first waits until the thread has done all it was given (`wait`), and a
    failure there is raised then. While it runs, the interpreter's switch interval is
    `SWITCH` instead of 5 ms: the thread needs the GIL for a moment after each job, and
    this thread, never waiting on anything, would otherwise keep it that long each time."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.raw: Any = conn.connection.driver_connection
        self.jobs: queue.Queue[list[tuple[str, bytes]] | None] = queue.Queue()
        self.job: list[tuple[str, bytes]] = []
        self.error: BaseException | None = None
        self.rows = 0  # handed to the thread
        self.interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH)
        self.thread = threading.Thread(target=self._work, name="patronage-writer", daemon=True)
        self.thread.start()
        self._listeners = [(name, lambda *a, **k: self.wait()) for name in (
            "before_cursor_execute", "commit", "rollback", "savepoint", "rollback_savepoint",
            "release_savepoint")]
        for name, fn in self._listeners:
            event.listen(conn, name, fn)

    def _work(self) -> None:
        while (job := self.jobs.get()) is not None:
            try:
                if self.error is None:
                    cursor = self.raw.cursor()
                    try:
                        for sql, blob in job:
                            cursor.execute(sql, (blob,))
                    finally:
                        cursor.close()
            except BaseException as exc:  # noqa: BLE001 - raised in the importing thread
                self.error = exc
            finally:
                self.jobs.task_done()
        self.jobs.task_done()

    def put(self, sql: str, rows: list[tuple[Any, ...]]) -> bool:
        """Add the insert of `rows` to the next job; False if they cannot go as JSON
        (insert them here)."""
        try:
            blob = orjson.dumps(rows, default=_no_json, option=orjson.OPT_PASSTHROUGH_DATETIME)
        except TypeError:
            return False
        if b"\\u0000" in blob:  # SQLite's JSON text would end there: NUL is kept by binding
            return False
        self.job.append((sql, blob))
        self.rows += len(rows)
        return True

    def send(self) -> None:
        """The statements put since the last job, as one job (the thread takes the GIL
        once for all of them)."""
        if self.job:
            self.jobs.put(self.job)
            self.job = []

    def wait(self) -> None:
        """Until the thread has done everything it was given; its failure, if any."""
        self.send()
        self.jobs.join()
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def close(self) -> None:
        """Wait, then end the thread and stop watching the connection."""
        try:
            self.wait()
        finally:
            self.jobs.put(None)
            self.thread.join()
            for name, fn in self._listeners:
                event.remove(self.conn, name, fn)
            sys.setswitchinterval(self.interval)


def _inserting(table: str, cols: list[str]) -> tuple[Any, Callable[[], Any]]:
    """The plan key and the statement of new `table` rows with these columns."""
    tbl = t.metadata.tables[table]
    return ("insert", table, tuple(cols)), lambda: insert(tbl).values(
        {c: bindparam(c, type_=tbl.c[c].type) for c in cols})


class Writer:
    """Many rows with one driver `executemany` (or, for new rows on PostgreSQL, one COPY)
    each, every value converted as SQLAlchemy's bind processor would (cents, dates, JSON),
    without its per-row cost."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.plans: dict[Any, tuple[str, bool, list[str], Convert]] = {}
        self.behind: Behind | None = None
        self.as_json: dict[Any, str] = {}  # the writing thread's statements, by insert

    def _plan(self, key: Any, make: Callable[[], Any]) -> tuple[str, bool, list[str], Convert]:
        plan = self.plans.get(key)
        if plan is None:
            dialect = self.conn.dialect
            compiled = make().compile(dialect=dialect)
            names = list(compiled.positiontup or compiled.binds)
            columns: list[tuple[str, str, Any]] = []
            for n in names:
                kind = compiled.binds[n].type
                proc = kind.dialect_impl(dialect).bind_processor(dialect)
                if isinstance(kind, Money):  # the cents, without the decorator's detour
                    columns.append((n, "cents", None))
                elif isinstance(kind, ExactDecimal) and kind.impl_instance.bind_processor(
                        dialect) is None:
                    columns.append((n, "text", None))
                elif proc is None:
                    columns.append((n, "plain", None))
                elif isinstance(kind, Boolean):
                    columns.append((n, "flag", proc))
                elif isinstance(kind, (Date, DateTime)):  # a batch shares a few dates
                    columns.append((n, "call", lru_cache(maxsize=4096)(proc)))
                else:
                    columns.append((n, "call", proc))
            plan = self.plans[key] = (compiled.string, compiled.positiontup is not None, names,
                                      _converter(columns, dialect.supports_native_boolean))
        return plan

    def _values(self, key: Any, make: Callable[[], Any],
                params: list[dict[str, Any]]) -> tuple[str, list[str], list[tuple[Any, ...]]]:
        """The rows as tuples in the statement's order, each value converted."""
        sql, _, names, convert = self._plan(key, make)
        return sql, names, convert(params)

    def _cursor(self) -> Any:
        if not self.conn.in_transaction():
            self.conn.begin()
        if self.behind is not None:
            self.behind.wait()
        return self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]

    def start_behind(self) -> None:
        """From now on `insert_behind` hands rows to a writing thread (SQLite only)."""
        if self.behind is None and self.conn.dialect.name == "sqlite":
            behind = Behind(self.conn)
            behind.jobs.put([])  # can the thread use the connection? (check_same_thread)
            try:
                behind.wait()
            except Exception:  # noqa: BLE001 - then this thread writes everything itself
                behind.close()
                return
            self.behind = behind

    def stop_behind(self) -> None:
        behind, self.behind = self.behind, None
        if behind is not None:
            behind.close()

    def insert_behind(self, table: str, rows: list[dict[str, Any]]) -> None:
        """New rows of a table, inserted by the writing thread when there is one."""
        if self.behind is None:
            self.insert(table, rows)
            return
        key, make = _inserting(table, list(rows[0]))
        _, names, values = self._values(key, make, rows)
        sql = self.as_json.get(key)
        if sql is None:
            picks = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(names)))
            columns = ", ".join(f'"{n}"' for n in names)
            sql = self.as_json[key] = \
                f'INSERT INTO "{table}" ({columns}) SELECT {picks} FROM json_each(?)'
        if not self.conn.in_transaction():
            self.conn.begin()
        if not self.behind.put(sql, values):
            self.insert(table, rows)

    def send_behind(self) -> None:
        if self.behind is not None:
            self.behind.send()

    def many(self, key: Any, make: Callable[[], Any], params: list[dict[str, Any]]) -> None:
        """Run the statement `make()` (compiled once per `key`) for every dict in `params`."""
        sql, names, rows = self._values(key, make, params)
        positional = self.plans[key][1]
        cursor = self._cursor()
        try:
            cursor.executemany(sql, rows if positional else
                               [dict(zip(names, r, strict=True)) for r in rows])
        finally:
            cursor.close()

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        """New rows of a table: COPY on PostgreSQL, executemany on SQLite."""
        key, make = _inserting(table, list(rows[0]))
        if self.conn.dialect.name != "postgresql":
            self.many(key, make, rows)
            return
        _, names, values = self._values(key, make, rows)
        columns = ", ".join(f'"{n}"' for n in names)
        cursor = self._cursor()
        try:
            with cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                for row in values:
                    copy.write_row(row)
        finally:
            cursor.close()


class SlowPath(Exception):
    """An item needed the database: undo it and run it on the plain repository."""
