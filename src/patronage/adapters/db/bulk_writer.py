"""The write-behind repository's buffer rules and its writer: which tables it holds and
writes, in what order, and `Writer`, which sends many rows with one driver executemany.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, bindparam, insert
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
