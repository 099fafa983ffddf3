"""The console's invoices (issue 21 item 6): find them by id, customer or date, and read
one whole: its lines with what they earned, the points and where they went, what it
redeemed, its receipt lines, payments and returns.

Every function takes a `Tx` (run it with `Patronage.read`) and answers plain rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from patronage.adapters.db import tables as t
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
    i, c = t.invoices, t.customers
    where: list[ColumnElement[bool]] = []
    if search.text:
        where.append(func.lower(i.c.external_id).like(f"%{_escaped(search.text.lower())}%",
                                                      escape="\\"))
    if search.customer:
        like = f"%{_escaped(search.customer.lower())}%"
        named = select(c.c.id).where(func.lower(c.c.name).like(like, escape="\\"))
        where.append(or_(i.c.customer_id == search.customer, i.c.customer_id.in_(named)))
    if search.start is not None:
        where.append(i.c.date >= search.start)
    if search.end is not None:
        where.append(i.c.date <= search.end)
    if search.store is not None:
        where.append(i.c.store_id == search.store)
    condition = and_(*where) if where else None
    count = select(func.count()).select_from(i)
    stmt = (select(i.c.id, i.c.external_id, i.c.store_id, i.c.customer_id, i.c.date, i.c.type,
                   i.c.status, i.c.total, i.c.paid, i.c.points, i.c.accrued, c.c.name)
            .outerjoin(c, c.c.id == i.c.customer_id)
            .order_by(i.c.date.desc(), i.c.id.desc())
            .limit(per_page).offset((max(search.page, 1) - 1) * per_page))
    if condition is not None:
        count, stmt = count.where(condition), stmt.where(condition)
    total = int(tx.repo.conn.execute(count).scalar() or 0)
    return [dict(r) for r in tx.repo.all(stmt)], total


def _escaped(text: str) -> str:
    """`text` for a LIKE pattern: its own % and _ match only themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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
        "coupons": [dict(c) for c in tx.repo.all(
            select(t.coupons).where(t.coupons.c.invoice_id == pk).order_by(t.coupons.c.id))],
        "awards": _awards_of_lot(tx, inv["lot_id"]),
        "returnable": any(x["left"] > 0 for x in lines),
    }


def _returns(tx: Tx, pk: int) -> list[Row]:
    r, rl = t.returns, t.return_lines
    found = [dict(x) for x in tx.repo.all(select(r).where(r.c.invoice_id == pk).order_by(r.c.id))]
    for ret in found:
        ret["lines"] = [dict(x) for x in tx.repo.all(
            select(rl).where(rl.c.return_id == ret["id"]).order_by(rl.c.line_no))]
    return found


def _memo_uses(tx: Tx, pk: int) -> list[Row]:
    u, m = t.credit_memo_uses, t.credit_memos
    stmt = (select(u.c.memo_id, u.c.date, u.c.amount, m.c.reason, m.c.remaining, m.c.status)
            .join(m, m.c.id == u.c.memo_id).where(u.c.invoice_id == pk).order_by(u.c.id))
    return [dict(x) for x in tx.repo.all(stmt)]


def _awards_of_lot(tx: Tx, lot_id: int | None) -> list[Row]:
    """The awards the invoice's points took part in (a void cancels those still unused)."""
    if lot_id is None:
        return []
    ids = list(dict.fromkeys(e["award_id"]
                             for e in tx.repo.entries(lot_id=lot_id, kind=EntryKind.AWARD)
                             if e["award_id"] is not None))
    return [dict(a) for a in tx.repo.all(select(t.awards).where(t.awards.c.id.in_(ids))
                                         .order_by(t.awards.c.id))] if ids else []
