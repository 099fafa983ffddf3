"""A write-behind repository for bulk work (imports, the daily run): the same methods with
the same answers as `Repository`, but the rows a batch touches live in memory and its
writes are sent with one executemany per table when the batch is flushed.

The rules never know: services call `tx.repo.entry(...)`, `tx.repo.lots(...)` as always.
Two modes keep it exact:
- In an *item* (one invoice, one payment) nothing may reach the database: every read it
  makes must be in memory (prepared beforehand with `prepare`) and every write is buffered
  with an undo step. Anything else raises `SlowPath`; the caller undoes the item and runs it
  again on a plain `Repository` inside a savepoint.
- Outside items (the daily run) a method without a fast version runs its SQL as usual, but
  the buffer is flushed first, and a write to a table held in memory clears the memory.
Rows in memory are plain dicts with the values the database would give back.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, and_, any_, bindparam, func, literal_column, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.sql import visitors

from patronage.adapters.db import tables as t
from patronage.adapters.db.books import LIVE, totals_upsert
from patronage.adapters.db.bulk_documents import BulkDocuments
from patronage.adapters.db.bulk_writer import (
    ALLOCATED,
    BUFFERED,
    CACHED,
    CENT,
    CHUNK,
    FULL,
    INSERTS,
    MISSING,
    MONEY,
    PARENTS,
    SlowPath,
    Writer,
)
from patronage.adapters.db.run_parts import CustomerRange
from patronage.core.awards import reaches_level
from patronage.core.entries import EntryKind
from patronage.core.lots import LotState, state, sum_available

HORIZON = dt.timedelta(days=31)  # how far ahead the daily run's memos and coupons due are held


def _chunks(items: Iterable[Any]) -> Iterable[list[Any]]:
    batch = list(dict.fromkeys(items))
    for i in range(0, len(batch), CHUNK):
        yield batch[i:i + CHUNK]


def _updater(table: Table, keys: list[str], cols: tuple[str, ...]) -> Callable[[], Any]:
    """`UPDATE table SET cols WHERE keys` with parameters k_<key> and v_<col>."""
    return lambda: (update(table).where(and_(*(table.c[k] == bindparam(f"k_{k}") for k in keys)))
                    .values({c: bindparam(f"v_{c}", type_=table.c[c].type) for c in cols}))


def _insert_values(stmt: Any) -> dict[str, Any]:
    """The values of `insert(table).values(...)`, without compiling it (that costs more
    than the whole row)."""
    values = getattr(stmt, "_values", None)
    if not values:
        return dict(stmt.compile().params)
    return {getattr(k, "key", k): getattr(v, "value", v) for k, v in values.items()}


class Guard:
    """The connection as inherited methods see it (see the module docstring)."""

    def __init__(self, conn: Connection, bulk: BulkRepository) -> None:
        self._conn, self._bulk = conn, bulk

    def execute(self, stmt: Any, *args: Any, **kw: Any) -> Any:
        table: Any = getattr(stmt, "table", None)
        write = not getattr(stmt, "is_select", False)
        if self._bulk.in_item and getattr(stmt, "is_insert", False) and not args and \
                getattr(table, "name", None) in BUFFERED:
            return self._bulk.buffer_insert(table.name, _insert_values(stmt))
        self._bulk.before_sql(stmt)
        result = self._conn.execute(stmt, *args, **kw)
        if write:
            self._bulk.written(getattr(table, "name", None))
        return result

    def exec_driver_sql(self, *args: Any, **kw: Any) -> Any:
        self._bulk.before_sql()
        result = self._conn.exec_driver_sql(*args, **kw)
        self._bulk.written(None)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class BulkRepository(BulkDocuments):
    def __init__(self, conn: Connection) -> None:
        self.raw = conn
        self.conn = Guard(conn, self)  # type: ignore[assignment]
        self.writer = Writer(conn)
        self.postgres = conn.dialect.name == "postgresql"
        self.in_item = False
        # an item's undo steps: a function to call, or (mapping, key, old value) to restore
        self._undo: list[Any] = []
        self.slow_items = 0
        self._next_id: dict[str, list[int]] = {}
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in INSERTS}
        self._buffers = list(self.rows.values())  # the same lists (only ever cleared)
        self.totals: dict[tuple[int, str], list[Any]] = {}
        self.dirty: dict[str, dict[Any, dict[str, Any]]] = {}
        self.fresh: set[int] = set()
        self.runs: dict[int, dict[str, Any]] = {}  # maintenance runs of this repository
        self.forgotten = 0  # how many times memory was dropped
        self.forget()

    # --- memory, undo and flushing ---------------------------------------------------------
    def forget(self) -> None:
        """Drop every cached row (the buffer must be empty or flushed)."""
        self.forgotten += 1  # a caller that prepared rows knows by it whether they are held
        self._memo: dict[Any, Any] = {}  # the plain repository's shop and programs too
        self.c: dict[str, dict[Any, Any]] = {name: {} for name in (
            "customer", "card", "last", "open", "enrollment",
            "lots", "lot", "by_ext", "invoice", "lines", "payments", "payment", "memos",
            "memo", "coupons", "coupon", "award")}
        self.ref: dict[str, Any] | None = None
        # what the daily run asks, as far as memory can answer it (see "the daily run's
        # questions"): by table, dropped with the rest of memory or by any SQL write there
        self.marks: dict[str, dict[Any, Any]] = {}
        self.scope: CustomerRange | None = None  # the customers the marks below are of
        if not self.postgres:  # SQLite ids come from MAX(id): another writer may have moved it
            self._next_id.clear()

    def written(self, table: str | None) -> None:
        """SQL of an inherited method wrote to `table` (None: unknown)."""
        if table is None or table in ALLOCATED:
            # ids again from MAX(id) (SQLite) or the sequence (PostgreSQL: the rest of a
            # block is left as a gap), so they keep the order rows were written in
            self._next_id.clear()
        if table is None or table in CACHED:
            self.forget()
        else:
            self.marks.pop(table, None)

    def before_sql(self, stmt: Any = None) -> None:
        """Before SQL of our own or of an inherited method: never in an item; else flush
        what it could read (everything for a write or plain text)."""
        if self.in_item:
            raise SlowPath
        reads = getattr(stmt, "is_select", False)
        self.flush({x.name for x in visitors.iterate(stmt) if isinstance(x, Table)}
                   if reads else None)

    def begin_item(self) -> None:
        self.in_item, self._undo = True, []
        buffers = self._buffers
        marks = tuple(map(len, buffers))

        def cut_back() -> None:  # the item's new rows leave the buffer
            for rows, mark in zip(buffers, marks, strict=True):
                for row in rows[mark:]:
                    self.fresh.discard(id(row))
                del rows[mark:]

        self._undo.append(cut_back)

    def end_item(self, ok: bool) -> None:
        self.in_item = False
        if not ok:
            for step in reversed(self._undo):
                if type(step) is tuple:
                    where, key, old = step
                    if old is MISSING:
                        where.pop(key, None)
                    else:
                        where[key] = old
                else:
                    step()
        self._undo = []

    def _set(self, row: dict[str, Any], key: str, value: Any) -> None:
        if self.in_item:
            self._undo.append((row, key, row.get(key, MISSING)))
        row[key] = value

    def _put(self, cache: dict[Any, Any], key: Any, value: Any) -> None:
        if self.in_item:
            self._undo.append((cache, key, cache.get(key, MISSING)))
        cache[key] = value

    def _append(self, items: list[Any], value: Any) -> None:
        if self.in_item:
            self._undo.append(items.pop)
        items.append(value)

    def _mark(self, table: str, key: Any, **values: Any) -> None:
        """Remember an update of a row that exists in the database."""
        rows = self.dirty.setdefault(table, {})
        self._put(rows, key, {**rows.get(key, {}), **values})

    def _add(self, table: str, values: dict[str, Any]) -> dict[str, Any]:
        """Buffer a new row, complete with defaults (and its id where one is allocated)."""
        row = {**FULL[table], **values}
        for name in MONEY[table]:
            value = row[name]
            if value is not None:
                row[name] = (value if type(value) is Decimal else Decimal(value)).quantize(CENT)
        if table in ALLOCATED:
            row["id"] = self._allocate(table)
        self.rows[table].append(row)  # an item's rows are cut back by its first undo step
        self.fresh.add(id(row))
        return row

    def buffer_insert(self, table: str, values: dict[str, Any]) -> None:
        """A plain INSERT of an item into a table only ever read outside items."""
        row = self._add(table, values)
        if table == "cards":
            self._put(self.c["card"], row["number"], row)

    def is_new(self, row: dict[str, Any]) -> bool:
        """Is this row still only in the buffer (so an update needs no UPDATE)?"""
        return id(row) in self.fresh

    def _allocate(self, table: str) -> int:
        free = self._next_id.get(table)
        if self.postgres:
            if not free:
                many = 1 if table == "maintenance_runs" else 500  # one run at a time: no gaps
                free = [r[0] for r in self.raw.execute(text(
                    f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                    f"FROM generate_series(1, {many})"))]
                free.reverse()
                self._next_id[table] = free
            return free.pop()
        if free is None:
            top = self.raw.execute(select(func.max(t.metadata.tables[table].c.id))).scalar()
            free = self._next_id[table] = [int(top or 0)]
        free[0] += 1
        return free[0]

    def flush(self, tables: set[str] | None = None) -> None:
        """Send the buffered inserts, updates and totals to the database: all of them, or
        what a read of `tables` could see (their inserts, after those of the tables they
        refer to); the rest, mostly history no read of the daily run looks at, waits."""
        need: set[str] | None = None
        if tables is not None:
            if self.totals and "enrollment_totals" in tables:
                tables = tables | {"enrollments"}
            need = set()
            for name in tables:
                if name in PARENTS and self.rows[name]:
                    need |= {name, *PARENTS[name]}
        for name in INSERTS:
            rows = self.rows[name]
            if rows and (need is None or name in need):
                self.writer.insert(name, rows)
                if need is not None:  # (all of them: `fresh` is emptied at once below)
                    self.fresh.difference_update(map(id, rows))
                rows.clear()
        if need is None:
            self.fresh.clear()
        for name in list(self.dirty):
            if tables is not None and name not in tables:
                continue
            changes = self.dirty.pop(name)
            table = t.metadata.tables[name]
            keys = [c.name for c in table.primary_key.columns]
            groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for key, values in changes.items():
                pk = key if isinstance(key, tuple) else (key,)
                groups.setdefault(tuple(sorted(values)), []).append(
                    {**{f"k_{k}": v for k, v in zip(keys, pk, strict=True)},
                     **{f"v_{c}": v for c, v in values.items()}})
            for cols, params in groups.items():
                self.writer.many(("update", name, cols), _updater(table, keys, cols), params)
        if self.totals and (tables is None or "enrollment_totals" in tables):
            self.writer.many("totals", lambda: totals_upsert(self.raw.dialect.name), [
                {"enrollment_id": eid, "kind": kind, "points": v[0], "last_on": v[1]}
                for (eid, kind), v in self.totals.items()])
            self.totals = {}

    # --- loading rows into memory ------------------------------------------------------------
    def _among(self, column: Any, ids: list[Any]) -> Any:
        """`column IN ids`, the ids sent as one value: a JSON array that SQLite's json_each
        reads, or a PostgreSQL array. The statement is then the same whatever the ids, so
        it is compiled once, where an IN list of its own parameters was rendered again for
        every chunk (1.7 % of the import's instructions on SQLite)."""
        if self.postgres:
            return column == any_(bindparam(None, ids, type_=ARRAY(column.type)))
        return column.in_(select(literal_column("value")).select_from(
            func.json_each(bindparam(None, json.dumps(ids)))))

    def _query(self, stmt: Any) -> list[dict[str, Any]]:
        self.before_sql(stmt)
        result = self.raw.execute(stmt)
        keys = list(result.keys())
        return [dict(zip(keys, r, strict=True)) for r in result]

    def prepare(self, customers: Iterable[str] = (), invoices: Iterable[str] = (),
                payments: Iterable[tuple[int, str]] = (), documents: bool = False,
                cards: Iterable[str] = ()) -> None:
        """Load what items about these customers, invoice ids, payment keys and card
        numbers will read: the customers (locked on PostgreSQL), their open enrollments,
        live lots, memos and coupons; the invoices (with lines and payments when
        `documents`); the cards; the campaigns, for a window of invoices or payments."""
        self.reference()
        if invoices or payments:  # they may earn
            self.load_campaigns()
        c = self.c
        numbers = [x for x in dict.fromkeys(cards) if x not in c["card"]]
        for ids in _chunks(numbers):
            found = {r["number"]: r for r in self._query(
                select(t.cards).where(self._among(t.cards.c.number, ids)))}
            for number in ids:
                c["card"][number] = found.get(number)
        want = [x for x in dict.fromkeys(customers) if x is not None and x not in c["customer"]]
        for ids in _chunks(want):
            stmt = (select(t.customers).where(self._among(t.customers.c.id, ids))
                    .order_by(t.customers.c.id))
            found = {r["id"]: r for r in self._query(stmt.with_for_update() if self.postgres
                                                      else stmt)}
            for cid in ids:
                c["customer"][cid] = found.get(cid)
                c["open"][cid] = None
                c["memos"][cid], c["coupons"][cid] = [], []
            e = t.enrollments
            opened = self._query(select(e).where(and_(self._among(e.c.customer_id, ids),
                                                      e.c.status == "open")))
            for row in opened:  # one held already (warmed by the daily run) stays the one
                row = c["enrollment"].setdefault(row["id"], row)
                c["open"][row["customer_id"]] = row
            self._load_lots([row["id"] for row in opened])
            for table, key, one in ((t.credit_memos, "memos", "memo"),
                                    (t.coupons, "coupons", "coupon")):
                for row in self._query(select(table).where(self._among(table.c.customer_id, ids))
                                       .order_by(table.c.id)):
                    c[key][row["customer_id"]].append(row)
                    c[one][row["id"]] = row
        exts = [x for x in dict.fromkeys(invoices) if x not in c["by_ext"]]
        for ids in _chunks(exts):
            rows = self._query(select(t.invoices).where(self._among(t.invoices.c.external_id, ids))
                               .order_by(t.invoices.c.id))
            for ext in ids:
                c["by_ext"][ext] = []
            for row in rows:
                c["by_ext"][row["external_id"]].append(row)
                c["invoice"][row["id"]] = row
            if documents and rows:
                self._load_documents([row["id"] for row in rows])
                self.prepare(customers=[r["customer_id"] for r in rows if r["customer_id"]])
        for store, ext in payments:
            if (store, ext) not in c["payment"]:
                p = t.payments
                paid = self._query(select(p).where(and_(p.c.store_id == store,
                                                        p.c.external_id == ext)))
                c["payment"][(store, ext)] = paid[0] if paid else None

    def _load_documents(self, pks: list[int]) -> None:
        il, p = t.invoice_lines, t.payments
        for pk in pks:
            self.c["lines"][pk], self.c["payments"][pk] = [], []
        for row in self._query(select(il).where(self._among(il.c.invoice_id, pks))
                               .order_by(il.c.invoice_id, il.c.line_no)):
            self.c["lines"][row["invoice_id"]].append(row)
        for row in self._query(select(p).where(self._among(p.c.invoice_id, pks)).order_by(p.c.id)):
            self.c["payments"][row["invoice_id"]].append(row)

    def _load_lots(self, enrollment_ids: Iterable[int]) -> None:
        want = [x for x in enrollment_ids if x not in self.c["lots"]]
        for ids in _chunks(want):
            for eid in ids:
                self.c["lots"][eid], self.c["last"][eid] = {}, None
            rows = self._query(select(t.lots).where(
                and_(self._among(t.lots.c.enrollment_id, ids), LIVE)))
            for row in rows:
                self.c["lots"][row["enrollment_id"]][row["id"]] = row
                self.c["lot"][row["id"]] = row
            tot = t.enrollment_totals  # the date of each one's latest entry
            for row in self._query(select(tot.c.enrollment_id, func.max(tot.c.last_on)
                                          .label("last"))
                                   .where(self._among(tot.c.enrollment_id, ids))
                                   .group_by(tot.c.enrollment_id)):
                self.c["last"][row["enrollment_id"]] = row["last"]

    def warm(self, enrollment_ids: Iterable[int]) -> None:
        """Load enrollments and their live lots, many at a time (the daily run's sets), with
        their customers (and memos and coupons: an award issues a memo or a coupon). The
        customers are locked first (PostgreSQL), the rest read after: a till's write that
        committed before the lock is read, and none can come after it."""
        every = list(dict.fromkeys(enrollment_ids))
        want = [x for x in every if x not in self.c["enrollment"]]
        owners = [held["customer_id"] for x in every
                  if (held := self.c["enrollment"].get(x)) is not None]
        e = t.enrollments
        for ids in _chunks(want):
            owners += [r["customer_id"] for r in self._query(
                select(e.c.customer_id).where(self._among(e.c.id, ids)))]
        self.prepare(owners)  # locks them, then loads their open enrollments and live lots
        for ids in _chunks([x for x in want if x not in self.c["enrollment"]]):
            for row in self._query(select(e).where(self._among(e.c.id, ids))):
                self.c["enrollment"][row["id"]] = row
        self._load_lots(every)

    def customer(self, customer_id: str, lock: bool = False) -> Any:
        if customer_id not in self.c["customer"]:
            self.prepare([customer_id])  # loads (and locks) it, or raises SlowPath in an item
        return self.c["customer"][customer_id]

    # --- enrollments and lots ----------------------------------------------------------------
    def open_enrollment(self, customer_id: str) -> Any:
        self.customer(customer_id)
        return self.c["open"].get(customer_id)

    def insert_enrollment(self, customer_id: str, program_id: str, start: dt.date,
                          period: tuple[dt.date, dt.date] | None) -> int:
        self.customer(customer_id)
        row = self._add("enrollments", {
            "customer_id": customer_id, "program_id": program_id, "start_date": start,
            "status": "open", "period_start": period[0] if period else None,
            "period_end": period[1] if period else None, "debt": 0, "held": 0})
        self._put(self.c["enrollment"], row["id"], row)
        self._put(self.c["open"], customer_id, row)
        self._put(self.c["lots"], row["id"], {})
        self._put(self.c["last"], row["id"], None)
        return int(row["id"])

    def enrollment(self, enrollment_id: int) -> Any:
        if enrollment_id not in self.c["enrollment"]:
            if self.in_item:
                raise SlowPath
            self.warm([enrollment_id])
        return self.c["enrollment"].get(enrollment_id)

    def _lots_of(self, enrollment_id: int) -> dict[int, dict[str, Any]]:
        if enrollment_id not in self.c["lots"]:
            if self.in_item:
                raise SlowPath
            self._load_lots([enrollment_id])
        return self.c["lots"][enrollment_id]  # type: ignore[no-any-return]

    def lots(self, enrollment_id: int, positive_only: bool = True) -> list[LotState]:
        if not positive_only:
            return super().lots(enrollment_id, positive_only)
        rows = sorted(self._lots_of(enrollment_id).values(), key=lambda r: r["id"])
        return [LotState(r["id"], r["accrual_date"], r["available_on"], r["expires_on"],
                         r["remaining"]) for r in rows if r["remaining"] > 0]

    def available_points(self, enrollment_id: int, day: dt.date) -> int:
        """`Books.available_points` over the lots this write-behind holds."""
        return sum(x.remaining for x in self.lots(enrollment_id) if state(x, day) == "available")

    def lot(self, lot_id: int) -> Any:
        found = self.c["lot"].get(lot_id)
        return found if found is not None else super().lot(lot_id)

    def insert_lot(self, enrollment: Any, source: str, invoice_id: int | None,
                   accrual: dt.date, available_on: dt.date, expires_on: dt.date | None) -> int:
        lots = self._lots_of(enrollment["id"])
        row = self._add("lots", {
            "enrollment_id": enrollment["id"], "customer_id": enrollment["customer_id"],
            "source": source, "invoice_id": invoice_id, "accrual_date": accrual,
            "available_on": available_on, "expires_on": expires_on, "points": 0, "remaining": 0})
        self._put(lots, row["id"], row)
        self._put(self.c["lot"], row["id"], row)
        return int(row["id"])

    def open_lot(self, enrollment: Any, kind: str, invoice_id: int | None, day: dt.date,
                 available_on: dt.date, expires_on: dt.date | None, points: int,
                 at: dt.datetime, *, link_invoice: bool = False,
                 **refs: Any) -> tuple[int, int]:
        """`Books.open_lot` in the write-behind: the lot, then its entry."""
        lot_id = self.insert_lot(enrollment, kind, invoice_id, day, available_on, expires_on)
        self.entry(enrollment, day, kind, points, lot_id, at, invoice_id=invoice_id, **refs)
        if link_invoice and invoice_id is not None:
            self.update_invoice(invoice_id, lot_id=lot_id)
        return lot_id, self.debt(enrollment["id"])

    def entry(self, enrollment: Any, day: dt.date, kind: str, points: int,
              lot_id: int | None, at: dt.datetime, **refs: Any) -> None:
        if points == 0:
            return
        eid = enrollment["id"]
        owner = self.enrollment(eid)
        self._set(owner, "held", owner["held"] + points)
        if lot_id is None:
            self._set(owner, "debt", owner["debt"] + points)
        if not self.is_new(owner):
            self._mark("enrollments", eid, debt=owner["debt"], held=owner["held"])
        if lot_id is not None:
            target = self.c["lot"].get(lot_id)
            if target is None:  # a spent lot (a restore, a cancelled award)
                if self.in_item:
                    raise SlowPath
                row = super().lot(lot_id)
                if row is None:
                    raise LookupError(f"no lot {lot_id}")
                target = self.c["lot"][lot_id] = dict(row)
                if eid in self.c["lots"]:  # it may come alive again
                    self.c["lots"][eid][lot_id] = target
            values = {"remaining": target["remaining"] + points}
            if kind in EntryKind.lot_growing_kinds():  # accrual, adjustment
                values["points"] = target["points"] + points
            for key, value in values.items():
                self._set(target, key, value)
            if not self.is_new(target):
                self._mark("lots", lot_id, **values)
            if values["remaining"] > 0 and target["expires_on"] is not None:
                self._lower("lots", target["expires_on"])
        if sets := self.marks.get("enrollments"):
            self._holding(sets, owner)
        self.rows["ledger"].append({
            "enrollment_id": eid, "customer_id": enrollment["customer_id"], "date": day,
            "kind": kind, "points": points, "lot_id": lot_id, "invoice_id": None,
            "award_id": None, "ref": None, "user": None, "reason": None, "recorded_at": at,
            **refs})
        last = self.c["last"].get(eid, MISSING)
        if last is not MISSING and (last is None or day > last):
            self._put(self.c["last"], eid, day)
        total = self.totals.get((eid, kind))
        if total is None:
            self._put(self.totals, (eid, kind), [points, day])
        else:
            old = list(total)
            if self.in_item:
                self._undo.append(lambda: total.__setitem__(slice(None), old))
            total[0] += points
            total[1] = max(total[1], day)

    def last_entry_date(self, enrollment_id: int) -> dt.date | None:
        self._lots_of(enrollment_id)  # loads the date with the lots
        return self.c["last"].get(enrollment_id)  # type: ignore[no-any-return]

    def debt(self, enrollment_id: int) -> int:
        row = self.enrollment(enrollment_id)
        return int(row["debt"]) if row is not None else 0

    def balance_figures(self, enrollment_id: int, day: dt.date) -> Any:
        return (*self.debt_and_totals(enrollment_id), self.live_points(enrollment_id, day))

    def spendable_points(self, enrollment_id: int, day: dt.date) -> int:
        return self.available_points(enrollment_id, day) + self.debt(enrollment_id)

    def debt_and_totals(self, enrollment_id: int) -> tuple[int, list[tuple[str, int, dt.date]]]:
        """The totals as the database has them (read through the guard, as before), the
        debt as this write-behind holds it."""
        _, cached = super().debt_and_totals(enrollment_id)
        return self.debt(enrollment_id), cached

    # --- the daily run's own log: buffered like the rest --------------------------------------
    def insert_run(self, values: dict[str, Any]) -> int:
        row = self._add("maintenance_runs", values)
        self.runs[row["id"]] = row
        return int(row["id"])

    def update_run(self, run_id: int, summary: dict[str, Any]) -> None:
        row = self.runs.get(run_id)
        if row is None or not self.is_new(row):
            return super().update_run(run_id, summary)
        row["summary"] = summary

    def mark_day(self, day: dt.date, run_id: int) -> None:
        self._add("maintenance_days", {"day": day, "run_id": run_id})
        marks = self.marks.get("maintenance_days")
        if marks is not None and "last" in marks:
            marks["last"] = day if marks["last"] is None else max(marks["last"], day)

    # --- the daily run's questions -------------------------------------------------------------
    # Asked every day of a catch-up, mostly with nothing to find. Each is answered from a
    # *mark*, loaded with one query and kept true by this class's own writes: the earliest
    # expiry of a live lot, open memo or open coupon (before it, nothing expires); who is in
    # debt; who holds a recurring award's level. The sets only grow between loads (an undone
    # item may leave an id too many), so the rows they name are judged again from memory by
    # the rule itself (`core.lots.state`). Marks go with the memory: at every commit (another
    # process may write between transactions) and at any SQL write to their table.
    def _mark_of(self, table: str, key: Any, load: Callable[[], Any]) -> Any:
        marks = self.marks.setdefault(table, {})
        if key not in marks:
            marks[key] = load()
        return marks[key]

    def _lower(self, table: str, expires_on: dt.date | None) -> None:
        """A row of `table` is live (open) again or new, expiring on `expires_on`."""
        marks = self.marks.get(table)
        if marks and "floor" in marks and expires_on is not None and expires_on < marks["floor"]:
            marks["floor"] = expires_on

    def _due(self, table: str, key: Any, row: dict[str, Any] | None,
             values: dict[str, Any]) -> None:
        """Memo or coupon `key` was added or changed (`values`; `row`, when in memory): keep
        the open ones due within the horizon (see `_open_expiring`) a superset of the truth.
        One that may be open again, with an expiry not in memory, loads the mark again."""
        marks = self.marks.get(table)
        if not marks or "due" not in marks:
            return
        horizon, when, by_day, _ = marks["due"]
        status = values.get("status", row["status"] if row is not None else None)
        if status == "open" or "expires_on" in values:
            if row is None:  # open again, its expiry not in memory: load the mark again
                del marks["due"]
                return
            if row["status"] != "open":
                return
            day = row["expires_on"]
            if day is not None and day <= horizon and when.get(key) != day:
                when[key] = day
                by_day.setdefault(day, set()).add(key)
        elif status is not None and not self.in_item and key in when:
            # closed (used, expired, cancelled); inside an item it stays: the item may be undone
            by_day.get(when.pop(key), set()).discard(key)

    def _floor(self, table: Table, live: Any) -> dt.date:
        """The earliest expiry among `table`'s `live` rows (date.max if none)."""
        def load() -> dt.date:
            found = self._query(select(func.min(table.c.expires_on).label("floor")).where(live))
            return found[0]["floor"] if found and found[0]["floor"] is not None else dt.date.max
        return self._mark_of(table.name, "floor", load)  # type: ignore[no-any-return]

    def _holding(self, marks: dict[Any, Any], owner: dict[str, Any]) -> None:
        """An entry of `owner`: it may be in debt now, or hold a level (to be judged again
        from today: its points moved)."""
        if self.scope is not None and not self.scope.holds(owner["customer_id"]):
            return  # the marks are of another range's customers
        for key, ids in marks.items():
            if key == "debtors":
                if owner["debt"] < 0:
                    ids.add(owner["id"])
            elif owner["program_id"] == key[1] and owner["held"] >= key[2]:
                ids[owner["id"]] = dt.date.min

    def _scoped(self, within: CustomerRange | None) -> None:
        """The daily run split by customer range asks for one range per transaction: the
        marks are loaded for that range's customers; asked for another, they go."""
        if within != self.scope:
            for table in ("enrollments", "credit_memos", "coupons"):
                self.marks.pop(table, None)
            self.scope = within

    def last_done_day(self) -> dt.date | None:
        return self._mark_of(  # type: ignore[no-any-return]
            "maintenance_days", "last", lambda: super(BulkRepository, self).last_done_day())

    def lots_expiring(self, day: dt.date, within: CustomerRange | None = None) -> list[Any]:
        if day < self._floor(t.lots, LIVE):  # (of every customer's lots: still a floor)
            return []
        rows = super().lots_expiring(day, within)
        self.marks.get("lots", {}).pop("floor", None)  # they expire now: load it again
        self.warm(r["enrollment_id"] for r in rows)
        # as read under the owners' locks: a lot spent since the query is no longer held
        return [held for r in rows if (held := self.c["lot"].get(r["id"])) is not None]

    def _open_expiring(self, table: Table, day: dt.date) -> list[Any]:
        """Open memos or coupons due by `day`, in id order: none unless the mark holds one,
        else those of the mark's that are open and due (judged in memory when held there,
        else by the row the mark was loaded with, else by SQL). The mark: the open ones due
        by a horizon (`HORIZON` after the day it was loaded), by day, with their rows as
        loaded, kept by `_due` (a superset of the truth); loaded again once the days pass
        the horizon."""
        marks = self.marks.setdefault(table.name, {})
        if "due" not in marks or day > marks["due"][0]:
            horizon = day + HORIZON
            found = self._query(select(table).where(
                and_(table.c.status == "open", table.c.expires_on <= horizon,
                     self._within(table.c.customer_id, self.scope))))
            by_day: dict[dt.date, set[int]] = {}
            for r in found:
                by_day.setdefault(r["expires_on"], set()).add(r["id"])
            marks["due"] = (horizon, {r["id"]: r["expires_on"] for r in found}, by_day,
                            {r["id"]: r for r in found})
        _, when, by_day, loaded = marks["due"]
        past = [d for d in by_day if d <= day]
        if not any(by_day[d] for d in past):
            return []
        # each is judged in memory (memory is its truth: no flush, no query), else by its
        # row as the mark was loaded (a row changed since is in memory, or has left the
        # mark: see `_due`), else (one added to the mark since, not in memory) by SQL
        memory = self.c["memo" if table is t.credit_memos else "coupon"]
        rows, unknown = [], []
        for key in sorted(set().union(*(by_day[d] for d in past))):
            row = memory.get(key) or loaded.get(key)
            if row is None:
                unknown.append(key)
            elif row["status"] == "open" and row["expires_on"] is not None \
                    and row["expires_on"] <= day:
                rows.append(row)
        for ids in _chunks(unknown):
            rows += self._query(select(table).where(
                self._among(table.c.id, ids), table.c.status == "open", table.c.expires_on <= day)
                .order_by(table.c.id))
        rows.sort(key=lambda r: r["id"])
        if self.scope is not None:
            rows = [r for r in rows if self.scope.holds(r["customer_id"])]
        open_now = {r["id"] for r in rows}  # they stay until they are closed (expired)
        for d in past:  # any other is no longer open, or is due later now (and held there)
            held = by_day[d]
            left = by_day[d] = {key for key in held if key in open_now}
            for key in held - left:
                if when.get(key) == d:
                    del when[key]
            if not left:
                del by_day[d]
        return rows

    def memos_expiring(self, day: dt.date, within: CustomerRange | None = None) -> list[Any]:
        self._scoped(within)
        return self._open_expiring(t.credit_memos, day)

    def coupons_expiring(self, day: dt.date, within: CustomerRange | None = None) -> list[Any]:
        self._scoped(within)
        return self._open_expiring(t.coupons, day)

    def enrollments_in_debt_with_lots_on(self, day: dt.date,
                                         within: CustomerRange | None = None) -> list[int]:
        self._scoped(within)
        e = t.enrollments
        debtors: set[int] = self._mark_of("enrollments", "debtors", lambda: {
            r["id"] for r in self._query(select(e.c.id).where(
                e.c.debt < literal_column("0"), self._within(e.c.customer_id, within)))})
        if not debtors:
            return []
        self.warm(sorted(debtors))
        rows = self.c["enrollment"]
        return [eid for eid in sorted(debtors) if eid in rows and rows[eid]["debt"] < 0
                and any(state(x, day) == "available" for x in self.lots(eid))]

    def enrollments_reaching(self, program_id: str, level: int, day: dt.date,
                             within: CustomerRange | None = None) -> list[int]:
        """Those holding the level in any state (held >= available + debt) are judged by
        L1; one that does not reach it waits until its next pending lot becomes available
        (before then, with no entry of its own, its available points cannot grow)."""
        def load() -> dict[int, dt.date]:  # each with the first day to judge it on
            e = t.enrollments
            holding = and_(e.c.program_id == program_id, e.c.held >= level, e.c.status == "open",
                           self._within(e.c.customer_id, within))
            return {r["id"]: dt.date.min for r in self._query(select(e.c.id).where(holding))}

        self._scoped(within)

        holders: dict[int, dt.date] = self._mark_of("enrollments", ("holders", program_id, level),
                                                    load)
        due = sorted(eid for eid, when in holders.items() if when <= day)
        if not due:
            return []
        self.warm(due)
        out = []
        for eid in due:
            row = self.c["enrollment"].get(eid)
            if row is None or row["program_id"] != program_id or row["status"] != "open" \
                    or row["held"] < level:
                if not self.in_item:  # (an undone item's entry may come back: keep it)
                    del holders[eid]  # an entry brings it back when it holds the level
                continue
            lots = self.lots(eid)
            if reaches_level(sum_available(lots, day), row["debt"], level):  # W1 (core.awards)
                out.append(eid)
            else:
                holders[eid] = min((x.available_on for x in lots if x.available_on > day),
                                   default=dt.date.max)
        return out
