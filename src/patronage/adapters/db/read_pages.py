"""The statements of the API's paged listings (service/listing.py) and the console's
invoice desk (service/invoice_desk.py), as named repository methods (issue 20 item 2).

`PageQueries` is the base of read_queries.py's `ReadQueries`, a mixin of `Repository`:
each method runs the statement the service ran, unchanged, on `self.conn`. A listing
method answers at most `limit` rows after the key `after` (None: from the start); the
service asks one more than a page to know whether another follows.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.engine import Connection, RowMapping

from patronage.adapters.db import tables as t


def _like_escaped(text: str) -> str:
    """`text` for a LIKE pattern: its own \\, % and _ match only themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class PageQueries:
    conn: Connection

    if TYPE_CHECKING:  # Books's and Repository's
        def one(self, stmt: Any) -> RowMapping | None: ...

        def all(self, stmt: Any) -> list[RowMapping]: ...

    # --- listing ------------------------------------------------------------------------
    def customers_after(self, after: str | None, limit: int, *, type: str | None,
                        status: str | None, q: str | None) -> list[RowMapping]:
        """Customers by id (id, name, email, type, status, price_group) of the `type` and
        `status` given; `q` matches the start of the id, name or email (case as stored)."""
        c = t.customers
        stmt = select(c.c.id, c.c.name, c.c.email, c.c.type, c.c.status, c.c.price_group)
        if after is not None:
            stmt = stmt.where(c.c.id > after)
        if type is not None:
            stmt = stmt.where(c.c.type == type)
        if status is not None:
            stmt = stmt.where(c.c.status == status)
        if q:
            like = _like_escaped(q) + "%"
            stmt = stmt.where(c.c.id.like(like, escape="\\") | c.c.name.like(like, escape="\\")
                              | c.c.email.like(like, escape="\\"))
        return self.all(stmt.order_by(c.c.id).limit(limit))

    def ledger_after(self, customer_id: str, after: int | None, limit: int,
                     program: str | None) -> list[RowMapping]:
        """The customer's ledger entries by id, every enrollment (only those in `program`
        when named): id, date, kind, points, lot, invoice (its external id), award, ref,
        user, reason, recorded_at and program."""
        g, e, inv = t.ledger, t.enrollments, t.invoices
        stmt = (
            select(g.c.id, g.c.date, g.c.kind, g.c.points, g.c.lot_id.label("lot"),
                   inv.c.external_id.label("invoice"), g.c.award_id.label("award"), g.c.ref,
                   g.c.user, g.c.reason, g.c.recorded_at, e.c.program_id.label("program"))
            .join(e, e.c.id == g.c.enrollment_id)
            .outerjoin(inv, inv.c.id == g.c.invoice_id)
            .where(g.c.customer_id == customer_id)
        )
        if after is not None:
            stmt = stmt.where(g.c.id > after)
        if program is not None:
            stmt = stmt.where(e.c.program_id == program)
        return self.all(stmt.order_by(g.c.id).limit(limit))

    def ever_enrolled(self, customer_id: str, program: str) -> bool:
        """Whether the customer has or had an enrollment in `program`."""
        e = t.enrollments
        return self.one(select(e.c.id).where(and_(e.c.customer_id == customer_id,
                                                  e.c.program_id == program)).limit(1)) \
            is not None

    def memos_after(self, customer_id: str, after: int | None, limit: int) -> list[RowMapping]:
        """The customer's credit memos by id."""
        m = t.credit_memos
        stmt = select(m).where(m.c.customer_id == customer_id)
        if after is not None:
            stmt = stmt.where(m.c.id > after)
        return self.all(stmt.order_by(m.c.id).limit(limit))

    def coupons_after(self, customer_id: str, after: int | None,
                      limit: int) -> list[RowMapping]:
        """The customer's coupons by id."""
        c = t.coupons
        stmt = select(c).where(c.c.customer_id == customer_id)
        if after is not None:
            stmt = stmt.where(c.c.id > after)
        return self.all(stmt.order_by(c.c.id).limit(limit))

    def maintenance_runs_before(self, before: int | None, limit: int) -> list[RowMapping]:
        """Maintenance runs newest first (id, for_date, user, store, started_at, summary),
        those older than the run `before` when given."""
        r = t.maintenance_runs
        stmt = select(r.c.id, r.c.for_date, r.c.user, r.c.store_id.label("store"),
                      r.c.started_at, r.c.summary)
        if before is not None:
            stmt = stmt.where(r.c.id < before)
        return self.all(stmt.order_by(r.c.id.desc()).limit(limit))

    def stores_in_order(self) -> list[RowMapping]:
        """Every store, by id."""
        return self.all(select(t.stores).order_by(t.stores.c.id))

    def has_customer(self, customer_id: str) -> bool:
        return self.one(select(t.customers.c.id).where(
            and_(t.customers.c.id == customer_id))) is not None

    # --- the invoice desk -----------------------------------------------------------------
    def invoices_matching(self, *, text: str, customer: str, start: dt.date | None,
                          end: dt.date | None, store: int | None, limit: int,
                          offset: int) -> tuple[list[RowMapping], int]:
        """`limit` invoices from `offset` among those matching, newest first, each with its
        customer's name; and how many match in all. Each filter given narrows: `text` is
        part of the external id (any case), `customer` the customer's id or part of their
        name (any case), `start`/`end` the date range, `store` the store."""
        i, c = t.invoices, t.customers
        where: list[ColumnElement[bool]] = []
        if text:
            where.append(func.lower(i.c.external_id).like(f"%{_like_escaped(text.lower())}%",
                                                          escape="\\"))
        if customer:
            like = f"%{_like_escaped(customer.lower())}%"
            named = select(c.c.id).where(func.lower(c.c.name).like(like, escape="\\"))
            where.append(or_(i.c.customer_id == customer, i.c.customer_id.in_(named)))
        if start is not None:
            where.append(i.c.date >= start)
        if end is not None:
            where.append(i.c.date <= end)
        if store is not None:
            where.append(i.c.store_id == store)
        condition = and_(*where) if where else None
        count = select(func.count()).select_from(i)
        stmt = (select(i.c.id, i.c.external_id, i.c.store_id, i.c.customer_id, i.c.date,
                       i.c.type, i.c.status, i.c.total, i.c.paid, i.c.points, i.c.accrued,
                       c.c.name)
                .outerjoin(c, c.c.id == i.c.customer_id)
                .order_by(i.c.date.desc(), i.c.id.desc())
                .limit(limit).offset(offset))
        if condition is not None:
            count, stmt = count.where(condition), stmt.where(condition)
        total = int(self.conn.execute(count).scalar() or 0)
        return self.all(stmt), total

    def coupons_of_invoice(self, invoice_pk: int) -> list[RowMapping]:
        """The coupons the invoice issued, by id."""
        cp = t.coupons
        return self.all(select(cp).where(cp.c.invoice_id == invoice_pk).order_by(cp.c.id))

    def returns_of_invoice(self, invoice_pk: int) -> list[RowMapping]:
        r = t.returns
        return self.all(select(r).where(r.c.invoice_id == invoice_pk).order_by(r.c.id))

    def lines_of_return(self, return_id: int) -> list[RowMapping]:
        rl = t.return_lines
        return self.all(select(rl).where(rl.c.return_id == return_id).order_by(rl.c.line_no))

    def memo_uses_on_invoice(self, invoice_pk: int) -> list[RowMapping]:
        """The credit memo uses paying the invoice, by id: memo_id, date, amount, and the
        memo's reason, remaining and status."""
        u, m = t.credit_memo_uses, t.credit_memos
        stmt = (select(u.c.memo_id, u.c.date, u.c.amount, m.c.reason, m.c.remaining,
                       m.c.status)
                .join(m, m.c.id == u.c.memo_id).where(u.c.invoice_id == invoice_pk)
                .order_by(u.c.id))
        return self.all(stmt)

    def awards_by_ids(self, ids: list[int]) -> list[RowMapping]:
        """The awards with these ids, by id."""
        return self.all(select(t.awards).where(t.awards.c.id.in_(ids)).order_by(t.awards.c.id))
