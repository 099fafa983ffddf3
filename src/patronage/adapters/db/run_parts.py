"""The daily run split by customer range: the ranges, and the part rows workers claim.

A run is planned once (under the daily run's advisory lock): the customer ids are cut into
ranges of about equal count, and every due day gets one `run_parts` row per range. A
worker claims the first open part of the earliest day that still has one (`FOR UPDATE SKIP
LOCKED` on PostgreSQL: a part another worker holds is skipped, never waited for), runs that
day for those customers and marks the part done in the same transaction. Ranges compare
ids byte by byte (`COLLATE "C"`; SQLite's own order is the same), so the database and
Python agree on which range holds an id.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, insert, select, true, update
from sqlalchemy.engine import Connection, RowMapping

from patronage.adapters.db import tables as t
from patronage.adapters.db.tables_ops import run_parts as parts_table


@dataclass(frozen=True)
class CustomerRange:
    """Customer ids from `first` (inclusive) to `end` (exclusive); None: no bound."""

    first: str | None = None
    end: str | None = None

    def holds(self, customer_id: str) -> bool:
        return (self.first is None or customer_id >= self.first) and \
            (self.end is None or customer_id < self.end)

    def where(self, column: Any, dialect: str) -> Any:
        """The same test in SQL, on a column of customer ids."""
        ids = column.collate("C") if dialect == "postgresql" else column
        bounds = []
        if self.first is not None:
            bounds.append(ids >= self.first)
        if self.end is not None:
            bounds.append(ids < self.end)
        return and_(true(), *bounds)


def in_range(column: Any, within: CustomerRange | None, dialect: str) -> Any:
    """`within`'s test on `column`, or none (true) for the whole shop."""
    return true() if within is None else within.where(column, dialect)


def customer_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(t.customers)).scalar() or 0)


def run_date(conn: Connection, run_id: int) -> dt.date | None:
    """The day a run goes to (`maintenance_runs.for_date`)."""
    runs = t.maintenance_runs
    return conn.execute(select(runs.c.for_date).where(runs.c.id == run_id)).scalar()


def ranges(conn: Connection, parts: int) -> list[CustomerRange]:
    """The customers cut into `parts` ranges of about equal count (fewer when there are
    fewer customers), in byte order of their ids: one window query over the ids."""
    count = customer_count(conn)
    step = -(-count // max(parts, 1)) if count else 1
    ids = t.customers.c.id
    key = ids.collate("C") if conn.dialect.name == "postgresql" else ids
    ordered = select(ids.label("id"), func.row_number().over(order_by=key).label("n")).subquery()
    cuts = [r[0] for r in conn.execute(
        select(ordered.c.id).where(and_(ordered.c.n > 1, (ordered.c.n - 1) % step == 0))
        .order_by(ordered.c.n))]
    bounds: list[str | None] = [None, *cuts, None]
    return [CustomerRange(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def insert_parts(conn: Connection, run_id: int, days: list[dt.date],
                 cuts: list[CustomerRange], store: int | None, user: str | None) -> None:
    rows = [{"run_id": run_id, "day": day, "part": n, "first_customer": cut.first,
             "end_customer": cut.end, "store_id": store, "user": user}
            for day in days for n, cut in enumerate(cuts)]
    for i in range(0, len(rows), 5000):
        conn.execute(insert(parts_table), rows[i:i + 5000])


def open_run(conn: Connection) -> int | None:
    """The run with parts not done yet, if any (there is at most one: runs are planned
    under the daily run's lock, and a new one only when none is open)."""
    found = conn.execute(select(func.min(parts_table.c.run_id))
                         .where(parts_table.c.done_at.is_(None))).scalar()
    return None if found is None else int(found)


def claim(conn: Connection, run_id: int) -> RowMapping | None:
    """Lock and return an open part of the run's earliest day with open parts, skipping
    those other workers hold; None when there is none free (done, or all held)."""
    p = parts_table
    earliest = select(func.min(p.c.day)).where(
        and_(p.c.run_id == run_id, p.c.done_at.is_(None))).scalar_subquery()
    stmt = (select(p).where(and_(p.c.run_id == run_id, p.c.done_at.is_(None),
                                 p.c.day == earliest))
            .order_by(p.c.part).limit(1))
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return conn.execute(stmt).mappings().first()


def finish(conn: Connection, part: RowMapping, holder: str, at: dt.datetime,
           counts: dict[str, int]) -> None:
    p = parts_table
    conn.execute(update(p).where(and_(p.c.run_id == part["run_id"], p.c.day == part["day"],
                                      p.c.part == part["part"]))
                 .values(done_at=at, holder=holder, counts=counts))


def lock_run(conn: Connection, run_id: int) -> None:
    """Finishing parts one at a time per run (PostgreSQL), so that of two finishing the
    last parts of a day at once, the second sees the first done and marks the day."""
    if conn.dialect.name == "postgresql":
        runs = t.maintenance_runs
        conn.execute(select(runs.c.id).where(runs.c.id == run_id).with_for_update()).all()


def open_parts(conn: Connection, run_id: int, day: dt.date | None = None) -> int:
    p = parts_table
    where = and_(p.c.run_id == run_id, p.c.done_at.is_(None))
    if day is not None:
        where = and_(where, p.c.day == day)
    return int(conn.execute(select(func.count()).select_from(p).where(where)).scalar() or 0)


def tally(conn: Connection, run_id: int) -> tuple[list[dt.date], Counter[str]]:
    """The run's days, and what its parts did, summed."""
    p = parts_table
    rows = conn.execute(select(p.c.day, p.c.counts).where(p.c.run_id == run_id)).all()
    totals: Counter[str] = Counter()
    for _, counts in rows:
        totals.update(counts or {})
    return sorted({day for day, _ in rows}), totals


def parts_of(conn: Connection, run_id: int) -> list[RowMapping]:
    p = parts_table
    return list(conn.execute(select(p).where(p.c.run_id == run_id)
                             .order_by(p.c.day, p.c.part)).mappings())
