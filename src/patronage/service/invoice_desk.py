"""The console's invoices (issue 21 item 6): find them by id, customer or date, and read
one whole: its lines with what they earned, the points and where they went, what it
redeemed, its receipt lines, payments and returns.

Every function takes a `Tx` (run it with `Patronage.read`) and answers plain rows, read
through `tx.repo` (adapters/db/read_pages.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from patronage.core.entries import EntryKind
from patronage.core.errors import not_found
from patronage.service.queries import invoice_view
from patronage.service.uow import Tx

Row = dict[str, Any]
PAGE_SIZE = 50


@dataclass(frozen=True)
class Search:
    """What the invoices page was asked: any of an invoice id (or part of one), a
    customer (id, or part of a name), a date range and a store; `page` counts from 1."""

    text: str = ""
    customer: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    store: int | None = None
    page: int = 1


def find_invoices(tx: Tx, search: Search, per_page: int = PAGE_SIZE) -> tuple[list[Row], int]:
    """One page of the matching invoices, newest first, and how many match in all."""
    rows, total = tx.repo.invoices_matching(
        text=search.text, customer=search.customer, start=search.start, end=search.end,
        store=search.store, limit=per_page, offset=(max(search.page, 1) - 1) * per_page)
    return [dict(r) for r in rows], total


def invoice_detail(tx: Tx, store: int, external_id: str) -> Row:
    """Everything the invoice page shows about one invoice."""
    inv = tx.repo.find_invoice(external_id, store)
    if inv is None or inv["store_id"] != store:
        raise not_found("invoice", external_id, "invoice")
    pk = inv["id"]
    customer = tx.repo.customer(inv["customer_id"]) if inv["customer_id"] else None
    lines = [dict(x) | {"left": x["qty"] - x["returned_qty"]} for x in tx.repo.invoice_lines(pk)]
    entries = [dict(e) for e in tx.repo.entries(invoice_id=pk)]
    return {
        "view": invoice_view(inv),
        "row": dict(inv),
        "customer": dict(customer) if customer else None,
        "lines": lines,
        "payments": [dict(p) for p in tx.repo.payments_of(pk)],
        "returns": _returns(tx, pk),
        "entries": entries,
        "memo_uses": _memo_uses(tx, pk),
        "coupons": [dict(c) for c in tx.repo.coupons_of_invoice(pk)],
        "awards": _awards_of_lot(tx, inv["lot_id"]),
        "returnable": any(x["left"] > 0 for x in lines),
    }


def _returns(tx: Tx, pk: int) -> list[Row]:
    found = [dict(x) for x in tx.repo.returns_of_invoice(pk)]
    for ret in found:
        ret["lines"] = [dict(x) for x in tx.repo.lines_of_return(ret["id"])]
    return found


def _memo_uses(tx: Tx, pk: int) -> list[Row]:
    return [dict(x) for x in tx.repo.memo_uses_on_invoice(pk)]


def _awards_of_lot(tx: Tx, lot_id: int | None) -> list[Row]:
    """The awards the invoice's points took part in (a void cancels those still unused)."""
    if lot_id is None:
        return []
    ids = list(dict.fromkeys(e["award_id"]
                             for e in tx.repo.entries(lot_id=lot_id, kind=EntryKind.AWARD)
                             if e["award_id"] is not None))
    return [dict(a) for a in tx.repo.awards_by_ids(ids)] if ids else []
