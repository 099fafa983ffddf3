"""Reference data, customers and cards, POS documents, awards, credit memos, coupons,
journal and events of the write-behind repository (see `bulk.py`): the same answers as
`Repository`, from memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from patronage.adapters.db import tables as t
from patronage.adapters.db.bulk_writer import CENT, MONEY, SlowPath
from patronage.adapters.db.repository import Repository
from patronage.adapters.db.tables_campaigns import campaigns
from patronage.core.journal import Posting
from patronage.core.programs import Program


class BulkDocuments(Repository):
    """The base of `BulkRepository`, whose memory (`c`), buffer and undo it uses."""

    if TYPE_CHECKING:  # defined by BulkRepository
        c: dict[str, dict[Any, Any]]
        rows: dict[str, list[dict[str, Any]]]
        in_item: bool
        ref: dict[str, Any] | None

        def flush(self, tables: set[str] | None = None) -> None: ...
        def _query(self, stmt: Any) -> list[dict[str, Any]]: ...
        def _add(self, table: str, values: dict[str, Any]) -> dict[str, Any]: ...
        def _set(self, row: dict[str, Any], key: str, value: Any) -> None: ...
        def _put(self, cache: dict[Any, Any], key: Any, value: Any) -> None: ...
        def _append(self, items: list[Any], value: Any) -> None: ...
        def _mark(self, table: str, key: Any, **values: Any) -> None: ...
        def is_new(self, row: dict[str, Any]) -> bool: ...
        def _lower(self, table: str, expires_on: dt.date | None) -> None: ...
        def _due(self, table: str, key: Any, row: dict[str, Any] | None,
                 values: dict[str, Any]) -> None: ...
        def _load_documents(self, pks: list[int]) -> None: ...
        def prepare(self, customers: Iterable[str] = (), invoices: Iterable[str] = (),
                    payments: Iterable[tuple[int, str]] = (), documents: bool = False,
                    cards: Iterable[str] = ()) -> None: ...

    # --- reference data --------------------------------------------------------------------
    def reference(self) -> None:
        """Load the small tables whole (shop, stores, statuses, reasons, programs), once
        after every `forget`, so no item ever misses them."""
        if self.ref is not None:
            return
        if self.in_item:
            raise SlowPath
        self.flush()
        ref: dict[str, Any] = {"shop": super().shop(), "lowest": super().lowest_active_store()}
        ref["shop"] = None if ref["shop"] is None else dict(ref["shop"])
        for key, table, col in (("store", t.stores, "id"), ("status", t.statuses, "code"),
                                ("reason", t.reasons, "code")):
            ref[key] = {r[col]: r for r in self._query(select(table))}
        programs = Repository.programs(self)
        ref["programs"] = programs
        ref["program"] = {p.id: p for p in programs}
        self.ref = ref

    def load_campaigns(self) -> None:
        """The active campaigns of every program, in one statement, once after every
        `forget`: `prepare` loads them before a window of invoices, so an item that earns
        never misses them (the daily run, which earns nothing, never reads them)."""
        if self.ref is None:
            self.reference()
        assert self.ref is not None
        if "campaigns" in self.ref:
            return
        if self.in_item:
            raise SlowPath
        found: dict[str, list[Any]] = {}
        for row in self._query(select(campaigns).where(campaigns.c.status == "active")
                               .order_by(campaigns.c.id)):
            found.setdefault(row["program_id"], []).append(row)
        self.ref["campaigns"] = found

    def active_campaigns(self, program_id: str) -> Any:
        self.load_campaigns()
        return self._ref("campaigns").get(program_id, [])

    def _ref(self, key: str) -> Any:
        if self.ref is None:
            self.reference()
        return self.ref[key]  # type: ignore[index]

    def shop(self) -> Any:
        return self._ref("shop")

    def note_activity(self, day: dt.date) -> None:
        row = self.shop()
        if row is None:
            return super().note_activity(day)
        if row["first_activity"] is None or day < row["first_activity"]:
            self._set(row, "first_activity", day)
            self._mark("shop", 1, first_activity=day)

    def store(self, store_id: int) -> Any:
        return self._ref("store").get(store_id)

    def lowest_active_store(self) -> int | None:
        return self._ref("lowest")  # type: ignore[no-any-return]

    def status_included(self, code: str | None) -> bool:
        row = None if code is None else self._ref("status").get(code)
        return True if row is None else bool(row["include_in_loyalty"])

    def status_codes(self) -> set[str]:
        return set(self._ref("status"))

    def reason(self, code: str) -> Any:
        return self._ref("reason").get(code)

    def program(self, program_id: str) -> Program | None:
        return self._ref("program").get(program_id)  # type: ignore[no-any-return]

    def programs(self) -> list[Program]:
        return list(self._ref("programs"))

    def upsert(self, table: t.Table, key: str, values: dict[str, Any]) -> None:
        if table.name != "customers":
            return super().upsert(table, key, values)
        row: Any = self.customer(values[key])
        if row is None:
            row = self._add("customers", values)
            self._put(self.c["customer"], row["id"], row)
        else:
            for name, value in values.items():
                self._set(row, name, value)
            if not self.is_new(row):
                self._mark("customers", row["id"], **values)

    def card(self, number: str) -> Any:
        if number not in self.c["card"]:
            self.prepare(cards=[number])
        return self.c["card"][number]

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

    def set_lines_eligible(self, pk: int, line_nos: list[int]) -> None:
        rows = self.c["lines"].get(pk)
        wanted = set(line_nos)
        for row in rows if rows is not None else self.invoice_lines(pk):
            if row["line_no"] in wanted:
                self._set(row, "eligible", True)
                if not self.is_new(row):
                    self._mark("invoice_lines", (pk, row["line_no"]), eligible=True)

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
        self._due("credit_memos", row["id"], row, row)
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
        self._due("credit_memos", memo_id, row, {"status": status})

    def insert_coupon(self, values: dict[str, Any]) -> int:
        coupons = self._owned("coupons", values["customer_id"])
        row = self._add("coupons", values)
        self._append(coupons, row)
        self._put(self.c["coupon"], row["id"], row)
        self._due("coupons", row["id"], row, row)
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
        self._due("coupons", coupon_id, row, values)

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
