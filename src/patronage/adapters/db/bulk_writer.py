"""The write-behind repository's buffer rules and its writer: which tables it holds and
writes, in what order, and `Writer`, which sends many rows with one driver executemany.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Date, DateTime, bindparam, insert
from sqlalchemy.engine import Connection

from patronage.adapters.db import tables as t
from patronage.adapters.db.types import Money
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


def to_cents_or_none(value: Any) -> int | None:
    return None if value is None else to_cents(value)


class Writer:
    """Many rows with one driver `executemany` (or, for new rows on PostgreSQL, one COPY)
    each, every value converted by the bind processor SQLAlchemy itself would use (cents,
    dates, JSON), without its per-row cost."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.plans: dict[Any, tuple[str, bool, list[tuple[str, Any]]]] = {}

    def _plan(self, key: Any, make: Callable[[], Any]) -> tuple[str, bool, list[tuple[str, Any]]]:
        plan = self.plans.get(key)
        if plan is None:
            dialect = self.conn.dialect
            compiled = make().compile(dialect=dialect)
            names = list(compiled.positiontup or compiled.binds)
            procs = []
            for n in names:
                kind = compiled.binds[n].type
                proc = kind.dialect_impl(dialect).bind_processor(dialect)
                if isinstance(kind, Money):  # the cents, without the decorator's detour
                    proc = to_cents_or_none
                elif proc is not None and isinstance(kind, (Date, DateTime)):
                    proc = lru_cache(maxsize=4096)(proc)  # a batch shares a few dates
                procs.append((n, proc))
            plan = self.plans[key] = (compiled.string, compiled.positiontup is not None, procs)
        return plan

    def _values(self, key: Any, make: Callable[[], Any],
                params: list[dict[str, Any]]) -> tuple[str, list[str], list[tuple[Any, ...]]]:
        """The rows as tuples in the statement's order, each column converted as a whole
        (`map` over a column costs far less than a loop over cells)."""
        sql, _, procs = self._plan(key, make)
        names = [n for n, _ in procs]
        rows: list[tuple[Any, ...]] = (list(map(itemgetter(*names), params)) if len(names) > 1
                                       else [(r[names[0]],) for r in params])
        convert = [(i, p) for i, (_, p) in enumerate(procs) if p is not None]
        if not convert or not rows:
            return sql, names, rows
        columns: list[Any] = list(zip(*rows, strict=True))
        for i, proc in convert:
            columns[i] = map(proc, columns[i])
        return sql, names, list(zip(*columns, strict=True))

    def _cursor(self) -> Any:
        if not self.conn.in_transaction():
            self.conn.begin()
        return self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]

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
        tbl = t.metadata.tables[table]
        cols = list(rows[0])
        key = ("insert", table, tuple(cols))
        make = lambda: insert(tbl).values(
            {c: bindparam(c, type_=tbl.c[c].type) for c in cols})
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
