"""Read queries the facade lacks: lists that page with cursors, programs, the shop.

Each list answers `(items, next)`: at most `limit` items in a stable order and the key of
the last one when more follow (None at the end). The caller turns keys into opaque
cursors. Everything here reads only; nothing it does is kept. The statements are
`tx.repo`'s (adapters/db/read_pages.py); a list asks for one more than `limit` to know
whether more follow.
"""

from __future__ import annotations

from typing import Any

from patronage.core.errors import PatronageError, Problem, not_found
from patronage.service.app import Patronage
from patronage.service.enrollment import need_customer
from patronage.service.queries import coupon_view, memo_view
from patronage.service.setup import program_to_dict
from patronage.service.uow import Tx

Page = tuple[list[Any], Any]


def _page(rows: list[Any], limit: int, key: str) -> Page:
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1][key] if more and rows else None)


def customers(app: Patronage, limit: int, after: str | None = None, type: str | None = None,
              status: str | None = None, q: str | None = None) -> Page:
    """Customers by id; `q` matches the start of the id, name or email (case as stored)."""
    def work(tx: Tx) -> Page:
        rows = [dict(r) for r in tx.repo.customers_after(after, limit + 1, type=type,
                                                         status=status, q=q)]
        return _page(rows, limit, "id")

    return app.read(work)


def ledger(app: Patronage, customer_id: str, limit: int, after: int | None = None,
           program: str | None = None) -> Page:
    """A customer's ledger entries, every enrollment, oldest first; with `program` (E1),
    only those of the customer's enrollments in it, open or closed (`not_found` for no such
    program, `not_enrolled` when the customer never was in it)."""
    def work(tx: Tx) -> Page:
        need_customer(tx, customer_id)
        if program is not None:
            _need_enrollment_in(tx, customer_id, program)
        rows = [dict(r) for r in tx.repo.ledger_after(customer_id, after, limit + 1, program)]
        return _page(rows, limit, "id")

    return app.read(work)


def _need_enrollment_in(tx: Tx, customer_id: str, program: str) -> None:
    """The ledger's `program` (E1): a program that exists and the customer was ever in."""
    if tx.repo.program(program) is None:
        raise not_found("program", program, "program")
    if not tx.repo.ever_enrolled(customer_id, program):
        raise PatronageError("not_enrolled",
                             f"customer {customer_id!r} was never enrolled in {program!r}",
                             [Problem("program", "not one of the customer's programs")])


def credit_memos(app: Patronage, customer_id: str, limit: int, after: int | None = None) -> Page:
    def work(tx: Tx) -> Page:
        need_customer(tx, customer_id)
        rows = tx.repo.memos_after(customer_id, after, limit + 1)
        items, nxt = _page(rows, limit, "id")
        return [memo_view(r) for r in items], nxt

    return app.read(work)


def coupons(app: Patronage, customer_id: str, limit: int, after: int | None = None) -> Page:
    def work(tx: Tx) -> Page:
        need_customer(tx, customer_id)
        rows = tx.repo.coupons_after(customer_id, after, limit + 1)
        items, nxt = _page(rows, limit, "id")
        return [coupon_view(r) for r in items], nxt

    return app.read(work)


def maintenance_runs(app: Patronage, limit: int, after: int | None = None) -> Page:
    """Maintenance runs, newest first: who ran them, for which day and store, what they did."""
    def work(tx: Tx) -> Page:
        rows = [dict(x) for x in tx.repo.maintenance_runs_before(after, limit + 1)]
        return _page(rows, limit, "id")

    return app.read(work)


def programs(app: Patronage) -> list[dict[str, Any]]:
    return app.read(lambda tx: [program_to_dict(p) for p in tx.repo.programs()])


def program(app: Patronage, program_id: str) -> dict[str, Any]:
    def work(tx: Tx) -> dict[str, Any]:
        p = tx.repo.program(program_id)
        if p is None:
            raise not_found("program", program_id, "program")
        return program_to_dict(p)

    return app.read(work)


def shop(app: Patronage) -> dict[str, Any]:
    """The shop's settings and stores (defaults when the shop was never configured)."""
    def work(tx: Tx) -> dict[str, Any]:
        row = tx.repo.shop()
        stores = tx.repo.stores_in_order()
        return {
            "name": row["name"] if row else "Shop",
            "currency": row["currency"] if row else "USD",
            "allow_credit_for_gift_cards": bool(row["allow_credit_for_gift_cards"]) if row
            else False,
            "programs_per_customer": row["programs_per_customer"] if row else "one",
            "stores": [{"id": s["id"], "name": s["name"], "active": bool(s["active"])}
                       for s in stores],
        }

    return app.read(work)


def store_exists(app: Patronage, store_id: int) -> bool:
    return app.read(lambda tx: tx.repo.store(store_id) is not None)


def customer_of_invoice(app: Patronage, invoice_id: str, store: int | None) -> str | None:
    def work(tx: Tx) -> str | None:
        inv = tx.repo.find_invoice(invoice_id, store)
        return None if inv is None else inv["customer_id"]

    return app.read(work)


def customer_exists(app: Patronage, customer_id: str) -> bool:
    return app.read(lambda tx: tx.repo.has_customer(customer_id))
