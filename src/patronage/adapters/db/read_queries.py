"""The statements the read side of service/ used to build itself (reports, the console's
look-ups, listings, the invoice desk), as named repository methods (issue 20 item 2: see
service/ports.py).

`ReadQueries` is a mixin of `Repository`, done as `ServiceQueries` is: each method runs the
statement the service ran, unchanged, on `self.conn` and answers the one question its name
says, as rows (`RowMapping`, service/ports.py's `Row`). It reads only. This module holds
the reports' and the console's statements; read_pages.py (`PageQueries`, its base) holds
the paged listings' and the invoice desk's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import BigInteger, and_, case, func, or_, select, type_coerce
from sqlalchemy.engine import RowMapping

from patronage.adapters.db import tables as t
from patronage.adapters.db.read_pages import PageQueries
from patronage.core.entries import EntryKind

CHUNK = 500  # ids per IN (...) list: well under every database's limit on parameters


def _case(cond: Any, value: Any) -> Any:
    return case((cond, value), else_=0)


class ReadQueries(PageQueries):
    # --- reports (G2; core/reporting.py derives the figures) ---------------------------
    def program_rows(self) -> list[RowMapping]:
        """Every program's stored row (its kind and point value among the columns)."""
        return self.all(select(t.programs))

    def balance_sums(self, day: dt.date, soon: dt.date,
                     program: str | None) -> Iterable[RowMapping]:
        """Open enrollments (of `program` when one is named), by program then customer: the
        customer's id, name and email, the enrollment's program_id, start_date and debt, and
        the points left in its lots as of `day` (L1): `pending` (not yet available),
        `available`, and `expiring` by `soon` (None for an enrollment without such lots).
        A lot whose expiry date is `day` or before counts in none of them. Read lazily: the
        caller may stop early."""
        lots, e, c = t.lots, t.enrollments, t.customers
        live = or_(lots.c.expires_on.is_(None), lots.c.expires_on > day)
        pending = func.sum(func.coalesce(
            _case(and_(lots.c.available_on > day, live), lots.c.remaining), 0))
        available = func.sum(func.coalesce(
            _case(and_(lots.c.available_on <= day, live), lots.c.remaining), 0))
        expiring = func.sum(func.coalesce(
            _case(and_(live, lots.c.expires_on <= soon), lots.c.remaining), 0))
        per_lot = (
            select(lots.c.enrollment_id, pending.label("pending"),
                   available.label("available"), expiring.label("expiring"))
            .where(lots.c.remaining > 0).group_by(lots.c.enrollment_id).subquery()
        )
        stmt = (
            select(c.c.id, c.c.name, c.c.email, e.c.program_id, e.c.start_date, e.c.debt,
                   per_lot.c.pending, per_lot.c.available, per_lot.c.expiring)
            .join(e, e.c.customer_id == c.c.id)
            .outerjoin(per_lot, per_lot.c.enrollment_id == e.c.id)
            .where(e.c.status == "open")
            .order_by(e.c.program_id, c.c.id)
        )
        if program:
            stmt = stmt.where(e.c.program_id == program)
        return self.conn.execute(stmt).mappings()

    def credit_liability_by_reason(self) -> list[RowMapping]:
        """Open credit memos with money left, per reason (by reason): the reason's account,
        how many (`memos`) and their remaining amounts summed in cents (`cents`)."""
        m, r = t.credit_memos, t.reasons
        stmt = (
            select(m.c.reason, r.c.account, func.count().label("memos"),
                   func.sum(type_coerce(m.c.remaining, BigInteger)).label("cents"))
            .outerjoin(r, r.c.code == m.c.reason)
            .where(and_(m.c.status == "open", m.c.remaining > 0))
            .group_by(m.c.reason, r.c.account).order_by(m.c.reason)
        )
        return self.all(stmt)

    def open_credit_memos(self, reason: str | None = None) -> list[RowMapping]:
        """Open credit memos with money left (of `reason` when given), by reason then id,
        each with its customer's name and email."""
        m, c = t.credit_memos, t.customers
        stmt = (
            select(m, c.c.name, c.c.email).join(c, c.c.id == m.c.customer_id)
            .where(and_(m.c.status == "open", m.c.remaining > 0)).order_by(m.c.reason, m.c.id)
        )
        if reason is not None:
            stmt = stmt.where(m.c.reason == reason)
        return self.all(stmt)

    def awards_dated(self, start: dt.date, end: dt.date,
                     program: str | None = None) -> list[RowMapping]:
        """Awards dated in [start, end] (of `program` when named), by date then id, each
        with its customer's name as `customer_name`."""
        a, c = t.awards, t.customers
        stmt = (
            select(a, c.c.name.label("customer_name")).join(c, c.c.id == a.c.customer_id)
            .where(and_(a.c.date >= start, a.c.date <= end)).order_by(a.c.date, a.c.id)
        )
        if program:
            stmt = stmt.where(a.c.program_id == program)
        return self.all(stmt)

    def points_by_day_and_kind(self, end: dt.date,
                               program: str | None = None) -> list[RowMapping]:
        """The ledger's points summed per day and kind (`date`, `kind`, `points`) up to
        `end`, debt payoffs left out (they net to zero, L5); of `program`'s enrollments
        when named. In no order."""
        led, e = t.ledger, t.enrollments
        stmt = (
            select(led.c.date, led.c.kind, func.sum(led.c.points).label("points"))
            .where(and_(led.c.date <= end, led.c.kind != EntryKind.DEBT_PAYOFF))
            .group_by(led.c.date, led.c.kind)
        )
        if program:
            stmt = stmt.join(e, e.c.id == led.c.enrollment_id).where(e.c.program_id == program)
        return self.all(stmt)

    def postings_to(self, account: str, end: dt.date) -> list[RowMapping]:
        """The account's postings (`date`, `debit`, `credit`) of entries dated up to
        `end`, in no order."""
        je, jp = t.journal_entries, t.journal_postings
        return self.all(
            select(je.c.date, jp.c.debit, jp.c.credit).join(je, je.c.id == jp.c.entry_id)
            .where(and_(jp.c.account == account, je.c.date <= end)))

    def lots_expiring_between(self, day: dt.date, until: dt.date,
                              program: str | None = None) -> list[RowMapping]:
        """Lots with points left of open enrollments (of `program` when named) expiring
        after `day` and by `until`: customer_id, name, program_id, expires_on, remaining;
        by customer then expiry date."""
        lots, e, c = t.lots, t.enrollments, t.customers
        stmt = (
            select(lots.c.customer_id, c.c.name, e.c.program_id, lots.c.expires_on,
                   lots.c.remaining)
            .join(e, e.c.id == lots.c.enrollment_id).join(c, c.c.id == lots.c.customer_id)
            .where(and_(lots.c.remaining > 0, e.c.status == "open", lots.c.expires_on > day,
                        lots.c.expires_on <= until))
            .order_by(lots.c.customer_id, lots.c.expires_on)
        )
        if program:
            stmt = stmt.where(e.c.program_id == program)
        return self.all(stmt)

    def journal_postings_between(self, start: dt.date, end: dt.date) -> list[RowMapping]:
        """Every posting of the journal entries dated in [start, end], with its entry's id,
        date, kind, memo, reference and customer_id; by date, entry, posting."""
        je, jp = t.journal_entries, t.journal_postings
        stmt = (
            select(je.c.id, je.c.date, je.c.kind, je.c.memo, je.c.reference,
                   je.c.customer_id, jp.c.account, jp.c.debit, jp.c.credit)
            .join(jp, jp.c.entry_id == je.c.id)
            .where(and_(je.c.date >= start, je.c.date <= end))
            .order_by(je.c.date, je.c.id, jp.c.id)
        )
        return self.all(stmt)

    # --- the console's look-ups --------------------------------------------------------
    def newest_entries_of(self, customer_id: str, limit: int) -> list[RowMapping]:
        """The customer's newest `limit` ledger entries (all enrollments, debt payoffs left
        out), newest first, each with its enrollment's program_id."""
        led, e = t.ledger, t.enrollments
        stmt = (
            select(led.c.id, led.c.date, led.c.kind, led.c.points, led.c.ref, led.c.reason,
                   led.c.user, e.c.program_id)
            .join(e, e.c.id == led.c.enrollment_id)
            .where(and_(led.c.customer_id == customer_id,
                        led.c.kind != EntryKind.DEBT_PAYOFF))
            .order_by(led.c.id.desc()).limit(limit)
        )
        return self.all(stmt)

    def enrollments_newest_first(self, customer_id: str) -> list[RowMapping]:
        """Every enrollment of the customer, open or closed, newest first."""
        e = t.enrollments
        return self.all(select(e).where(e.c.customer_id == customer_id).order_by(e.c.id.desc()))

    def maintenance_runs_newest_first(self, limit: int) -> list[RowMapping]:
        m = t.maintenance_runs
        return self.all(select(m).order_by(m.c.id.desc()).limit(limit))

    def outbox_messages(self, *, status: str | None, limit: int, channel: str | None,
                        ids: list[int] | None, after_id: int | None) -> list[RowMapping]:
        """Outbox messages newest first, at most `limit`, narrowed by each filter given
        (`status` and `channel` when not empty)."""
        o = t.outbox
        stmt = select(o).order_by(o.c.id.desc()).limit(limit)
        if after_id is not None:
            stmt = stmt.where(o.c.id > after_id)
        if status:
            stmt = stmt.where(o.c.status == status)
        if channel:
            stmt = stmt.where(o.c.channel == channel)
        if ids is not None:
            stmt = stmt.where(o.c.id.in_(ids))
        return self.all(stmt)

    def setup_lists(self) -> dict[str, list[RowMapping]]:
        """Every list the set-up page edits, each in its key's order: stores, statuses,
        reasons, price_groups, employees, subscribers."""
        def rows(table: Any, order: Any) -> list[RowMapping]:
            return self.all(select(table).order_by(order))

        return {
            "stores": self.stores_in_order(),
            "statuses": rows(t.statuses, t.statuses.c.code),
            "reasons": rows(t.reasons, t.reasons.c.code),
            "price_groups": rows(t.price_groups, t.price_groups.c.code),
            "employees": rows(t.employees, t.employees.c.id),
            "subscribers": rows(t.event_subscribers, t.event_subscribers.c.id),
        }

    def last_maintenance_run(self) -> RowMapping | None:
        m = t.maintenance_runs
        return self.one(select(m).order_by(m.c.id.desc()))

    def dashboard_counts(self) -> dict[str, int]:
        """How many customers, open enrollments (`enrolled`), programs, and queued
        outbox messages there are."""
        def count(stmt: Any) -> int:
            return int(self.conn.execute(stmt).scalar() or 0)

        e, o = t.enrollments, t.outbox
        return {
            "customers": count(select(func.count()).select_from(t.customers)),
            "enrolled": count(select(func.count()).select_from(e).where(e.c.status == "open")),
            "programs": count(select(func.count()).select_from(t.programs)),
            "queued": count(select(func.count()).select_from(o).where(o.c.status == "queued")),
        }

    def customers_with_open_program(self, ids: list[str]) -> list[RowMapping]:
        """The customers among `ids` (id, name, email, type, status) with their open
        enrollment's program_id (None without one); in no order, unknown ids left out."""
        c, e = t.customers, t.enrollments
        found: list[RowMapping] = []
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            stmt = (select(c.c.id, c.c.name, c.c.email, c.c.type, c.c.status, e.c.program_id)
                    .outerjoin(e, and_(e.c.customer_id == c.c.id, e.c.status == "open"))
                    .where(c.c.id.in_(chunk)))
            found += self.all(stmt)
        return found
