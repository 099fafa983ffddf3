"""The POS documents, awards, credit memos, coupons, journal and events of the
write-behind repository (see `bulk.py`): the same answers as `Books`, from memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, insert
from sqlalchemy.engine import Connection

from patronage.adapters.db import tables as t
from patronage.adapters.db.types import Money
from patronage.core.journal import Posting

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
           "journal_postings", "events", "outbox")
ALLOCATED = frozenset({"enrollments", "invoices", "lots", "awards", "credit_memos", "coupons",
                       "journal_entries"})
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
        out[col.name] = col.default.arg if col.default is not None and col.default.is_scalar \
            else None
    return out


FULL = {name: _full(name) for name in INSERTS}


class Writer:
    """Many rows with one driver `executemany` each, every value converted by the bind
    processor SQLAlchemy itself would use (cents, dates, JSON), without its per-row cost."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.plans: dict[Any, tuple[str, bool, list[tuple[str, Any]]]] = {}

    def _plan(self, key: Any, make: Callable[[], Any]) -> tuple[str, bool, list[tuple[str, Any]]]:
        plan = self.plans.get(key)
        if plan is None:
            dialect = self.conn.dialect
            compiled = make().compile(dialect=dialect)
            names = list(compiled.positiontup or compiled.binds)
            procs = [(n, compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect))
                     for n in names]
            plan = self.plans[key] = (compiled.string, compiled.positiontup is not None, procs)
        return plan

    def many(self, key: Any, make: Callable[[], Any], params: list[dict[str, Any]]) -> None:
        """Run the statement `make()` (compiled once per `key`) for every dict in `params`."""
        sql, positional, procs = self._plan(key, make)
        names = [n for n, _ in procs]
        convert = [(i, p) for i, (_, p) in enumerate(procs) if p is not None]
        get = itemgetter(*names)
        rows: list[Any] = []
        for r in params:
            values = list(get(r)) if len(names) > 1 else [r[names[0]]]
            for i, p in convert:
                values[i] = p(values[i])
            rows.append(values if positional else dict(zip(names, values, strict=True)))
        if not self.conn.in_transaction():
            self.conn.begin()
        cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(sql, rows)
        finally:
            cursor.close()

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        tbl = t.metadata.tables[table]
        cols = list(rows[0])
        self.many(("insert", table, tuple(cols)),
                  lambda: insert(tbl).values({c: bindparam(c, type_=tbl.c[c].type) for c in cols}),
                  rows)


class SlowPath(Exception):
    """An item needed the database: undo it and run it on the plain repository."""



class BulkDocuments:
    """Mixed into `BulkRepository`, whose memory (`c`), buffer and undo it uses."""

    # --- POS documents -------------------------------------------------------------------------
    def find_invoice(self, external_id: str, store: int | None = None,
                     lock: bool = False) -> Any:
        if external_id not in self.c["by_ext"]:
            self.prepare(invoices=[external_id])
        rows = self.c["by_ext"][external_id]
        if store is not None and len(rows) > 1:
            rows = [r for r in rows if r["store_id"] == store]
        return rows[0] if rows else None

    def invoice_by_pk(self, pk: int) -> Any:
        found = self.c["invoice"].get(pk)
        return found if found is not None else super().invoice_by_pk(pk)

    def insert_invoice(self, values: dict[str, Any]) -> int:
        if values["external_id"] not in self.c["by_ext"]:
            self.prepare(invoices=[values["external_id"]])
        row = self._add("invoices", values)
        pk = row["id"]
        self._put(self.c["invoice"], pk, row)
        self._append(self.c["by_ext"][values["external_id"]], row)
        self._put(self.c["lines"], pk, [])
        self._put(self.c["payments"], pk, [])
        return int(pk)

    def update_invoice(self, pk: int, **values: Any) -> None:
        row = self.c["invoice"].get(pk)
        if row is None:
            return super().update_invoice(pk, **values)
        for name in MONEY["invoices"] & values.keys():
            values[name] = Decimal(values[name]).quantize(CENT)
        for key, value in values.items():
            self._set(row, key, value)
        if not self.is_new(row):
            self._mark("invoices", pk, **values)

    def invoice_lines(self, pk: int) -> list[Any]:
        if pk not in self.c["lines"]:
            if self.in_item:
                raise SlowPath
            self._load_documents([pk])
        return list(self.c["lines"][pk])

    def insert_lines(self, rows: list[dict[str, Any]]) -> None:
        for values in rows:
            row = self._add("invoice_lines", values)
            row_list = self.c["lines"].get(values["invoice_id"])
            if row_list is not None:
                self._append(row_list, row)

    def set_line_eligible(self, pk: int, line_no: int) -> None:
        for row in self.invoice_lines(pk):
            if row["line_no"] == line_no:
                self._set(row, "eligible", True)
                if not self.is_new(row):
                    self._mark("invoice_lines", (pk, line_no), eligible=True)

    def find_payment(self, store: int, external_id: str) -> Any:
        if (store, external_id) not in self.c["payment"]:
            if self.in_item:
                raise SlowPath
            self.prepare(payments=[(store, external_id)])
        return self.c["payment"][(store, external_id)]

    def insert_payment(self, values: dict[str, Any]) -> None:
        row = self._add("payments", values)
        found = self.c["payments"].get(values["invoice_id"])
        if found is not None:
            self._append(found, row)
        if values.get("external_id") is not None:
            self._put(self.c["payment"], (values["store_id"], values["external_id"]), row)

    def payments_of(self, pk: int) -> list[Any]:
        if pk not in self.c["payments"]:
            if self.in_item:
                raise SlowPath
            self._load_documents([pk])
        return list(self.c["payments"][pk])

    # --- awards, credit memos, coupons ----------------------------------------------------------
    def insert_award(self, values: dict[str, Any]) -> int:
        row = self._add("awards", values)
        self._put(self.c["award"], row["id"], row)
        return int(row["id"])

    def award(self, award_id: int) -> Any:
        found = self.c["award"].get(award_id)
        return found if found is not None else super().award(award_id)

    def _owned(self, key: str, customer_id: str) -> list[Any]:
        if customer_id not in self.c[key]:
            self.prepare([customer_id])
        return self.c[key][customer_id]  # type: ignore[no-any-return]

    def insert_memo(self, values: dict[str, Any]) -> int:
        memos = self._owned("memos", values["customer_id"])
        row = self._add("credit_memos", values)
        self._append(memos, row)
        self._put(self.c["memo"], row["id"], row)
        return int(row["id"])

    def memos(self, customer_id: str) -> list[Any]:
        return list(self._owned("memos", customer_id))

    def memo(self, memo_id: int) -> Any:
        found = self.c["memo"].get(memo_id)
        return found if found is not None else super().memo(memo_id)

    def set_memo_status(self, memo_id: int, status: str) -> None:
        row = self.c["memo"].get(memo_id)
        if row is not None:
            self._set(row, "status", status)
        if row is None or not self.is_new(row):
            self._mark("credit_memos", memo_id, status=status)

    def insert_coupon(self, values: dict[str, Any]) -> int:
        coupons = self._owned("coupons", values["customer_id"])
        row = self._add("coupons", values)
        self._append(coupons, row)
        self._put(self.c["coupon"], row["id"], row)
        return int(row["id"])

    def coupons(self, customer_id: str) -> list[Any]:
        return list(self._owned("coupons", customer_id))

    def update_coupon(self, coupon_id: int, **values: Any) -> None:
        row = self.c["coupon"].get(coupon_id)
        for name in MONEY["coupons"] & values.keys():
            if values[name] is not None:
                values[name] = Decimal(values[name]).quantize(CENT)
        if row is not None:
            for key, value in values.items():
                self._set(row, key, value)
        if row is None or not self.is_new(row):
            self._mark("coupons", coupon_id, **values)

    # --- journal, outbox, events ---------------------------------------------------------------
    def journal(self, day: dt.date, kind: str, postings: list[Posting], memo: str,
                reference: str | None = None, customer_id: str | None = None) -> None:
        postings = [p for p in postings if p.debit or p.credit]
        if not postings:
            return
        entry = self._add("journal_entries", {"date": day, "kind": kind, "memo": memo,
                                              "reference": reference, "customer_id": customer_id})
        for p in postings:
            self._add("journal_postings", {"entry_id": entry["id"], "account": p.account,
                                           "debit": p.debit, "credit": p.credit})

    def enqueue(self, values: dict[str, Any]) -> None:
        self._add("outbox", {"status": "queued", "attempts": 0, **values})

    def record_event(self, kind: str, day: dt.date, customer_id: str | None,
                     payload: dict[str, Any], at: dt.datetime) -> None:
        self._add("events", {"type": kind, "date": day, "customer_id": customer_id,
                             "payload": payload, "recorded_at": at})
