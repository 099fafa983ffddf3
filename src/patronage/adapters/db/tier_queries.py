"""Reads and writes of status tiers (issue 23 item 1, 0013_tiers): the tier an enrollment
holds, the qualifying figure of a window, and the history of moves. Holds no rules
(core/tiers.py has them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    and_,
    exists,
    func,
    insert,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.engine import Connection, RowMapping

from patronage.adapters.db import tables as t
from patronage.adapters.db import tables_tiers as tt
from patronage.adapters.db.run_parts import CustomerRange, in_range
from patronage.core.money import ZERO
from patronage.core.tiers import Standing

CHUNK = 500  # enrollments measured in one statement by the daily run


def standing(conn: Connection, enrollment_id: int) -> Standing:
    """The tier the enrollment holds (none when it never reached one)."""
    row = conn.execute(select(tt.customer_tiers)
                       .where(tt.customer_tiers.c.enrollment_id == enrollment_id)).mappings().first()
    return Standing() if row is None else standing_of(row)


def standing_of(row: RowMapping) -> Standing:
    return Standing(row["tier"], row["since"], row["falls_on"], row["falls_to"])


def save_standing(conn: Connection, enrollment_id: int, customer_id: str, program_id: str,
                  now: Standing) -> None:
    c = tt.customer_tiers
    values = {"tier": now.tier, "since": now.since, "falls_on": now.falls_on,
              "falls_to": now.falls_to}
    done = conn.execute(update(c).where(c.c.enrollment_id == enrollment_id).values(**values))
    if not done.rowcount:
        conn.execute(insert(c).values(enrollment_id=enrollment_id, customer_id=customer_id,
                                      program_id=program_id, **values))


def qualifying(conn: Connection, measure: str, pairs: Iterable[tuple[int, str]],
               first: dt.date, last: dt.date) -> dict[int, Decimal]:
    """T1/T2: each enrollment's qualifying figure over the days `first` to `last` (by
    accrual date): `spend` sums the eligible amount of its accrued invoices as it stands
    now (returns taken off), `points` their points; voided invoices count nothing.
    `pairs` are (enrollment id, customer id): invoices are found by their customer's
    index. E1 `many`: each program's share (`invoice_earnings`) is its own."""
    pairs = list(pairs)
    out = {eid: ZERO for eid, _ in pairs}
    for i in range(0, len(pairs), CHUNK):
        part = pairs[i:i + CHUNK]
        eids = [eid for eid, _ in part]
        customers = sorted({cid for _, cid in part})
        inv, share = t.invoices, t.invoice_earnings
        share_value = share.c.eligible_amount if measure == "spend" else share.c.points
        inv_value = inv.c.eligible_amount if measure == "spend" else inv.c.points
        shares = (select(share.c.enrollment_id.label("eid"), share_value.label("value"))
                  .select_from(inv.join(share, share.c.invoice_id == inv.c.id))
                  .where(inv.c.customer_id.in_(customers), share.c.enrollment_id.in_(eids),
                         inv.c.status == "posted", share.c.accrual_date >= first,
                         share.c.accrual_date <= last))
        alone = (select(inv.c.enrollment_id.label("eid"), inv_value.label("value"))
                 .where(inv.c.customer_id.in_(customers), inv.c.enrollment_id.in_(eids),
                        inv.c.status == "posted", inv.c.accrued.is_(True),
                        inv.c.accrual_date >= first, inv.c.accrual_date <= last,
                        ~exists().where(share.c.invoice_id == inv.c.id)))
        both = union_all(shares, alone).subquery()
        total = type_coerce(func.sum(both.c.value), BigInteger)  # cents, or points
        rows = conn.execute(select(both.c.eid, total).group_by(both.c.eid))
        for eid, total in rows:
            out[int(eid)] = _figure(total, measure)
    return out


def _figure(total: Any, measure: str) -> Decimal:
    """A sum as the database gives it: money is stored in cents (adapters/db/types.py)."""
    if total is None:
        return ZERO
    if measure == "spend":
        return (Decimal(int(total)) / 100).quantize(Decimal("0.01"))
    return Decimal(int(total))


def holders(conn: Connection, program_id: str, day: dt.date, review_all: bool,
            within: CustomerRange | None) -> list[RowMapping]:
    """The open enrollments of the program holding a tier that the daily run of `day`
    looks at: all of them on a review day, else those with a move down due."""
    c, e = tt.customer_tiers, t.enrollments
    due = c.c.tier.is_not(None) if review_all else and_(c.c.tier.is_not(None),
                                                        c.c.falls_on <= day)
    stmt = (select(c).join(e, e.c.id == c.c.enrollment_id)
            .where(c.c.program_id == program_id, e.c.status == "open", due,
                   in_range(c.c.customer_id, within, conn.dialect.name))
            .order_by(c.c.customer_id, c.c.enrollment_id))
    return list(conn.execute(stmt).mappings())


def record_change(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(tt.tier_changes).values(**values))


def changes_of(conn: Connection, customer_id: str) -> list[RowMapping]:
    """The customer's moves between tiers, newest first (the console's history)."""
    x = tt.tier_changes
    return list(conn.execute(select(x).where(x.c.customer_id == customer_id)
                             .order_by(x.c.id.desc())).mappings())


def tiers_of(conn: Connection, customer_id: str) -> dict[int, Standing]:
    """Each enrollment's tier of the customer (by enrollment id)."""
    c = tt.customer_tiers
    rows = conn.execute(select(c).where(c.c.customer_id == customer_id)).mappings()
    return {int(r["enrollment_id"]): standing_of(r) for r in rows}


def count_by_tier(conn: Connection, program_id: str | None = None) -> list[tuple[str, str, int]]:
    """(program, tier, open enrollments holding it), for the reports."""
    c, e = tt.customer_tiers, t.enrollments
    stmt = (select(c.c.program_id, c.c.tier, func.count())
            .join(e, e.c.id == c.c.enrollment_id)
            .where(e.c.status == "open", c.c.tier.is_not(None))
            .group_by(c.c.program_id, c.c.tier).order_by(c.c.program_id, c.c.tier))
    if program_id is not None:
        stmt = stmt.where(c.c.program_id == program_id)
    return [(str(p), str(tier), int(n)) for p, tier, n in conn.execute(stmt)]
