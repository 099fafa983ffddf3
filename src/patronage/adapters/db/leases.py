"""Job leases: which process runs a scheduled job now, claimed with a conditional UPDATE.

`claim` first looks (a read, which takes no write lock on SQLite): a lease held by another
process and not expired is left alone without writing. Otherwise one statement takes it,
`UPDATE ... WHERE name = ? AND (holder = me OR expires_at <= now)`, and only the process
whose UPDATE changed the row holds it; the first claim of a name INSERTs the row, and of
two processes inserting at once the primary key refuses one. A holder renews its lease
while the job runs; a process that dies stops renewing, and once `expires_at` passes any
other may claim the job. Times are UTC wall-clock times of the claiming machine: machines
sharing a database keep their clocks in step (NTP), far closer than a lease lasts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from patronage.adapters.db.engine import READ_ONLY
from patronage.adapters.db.tables_ops import job_leases as j


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def peek(engine: Engine, name: str) -> dict[str, Any] | None:
    """The lease row of `name`, or None; read only."""
    with engine.connect() as conn:
        conn.execution_options(**{READ_ONLY: True})
        row = conn.execute(select(j).where(j.c.name == name)).mappings().first()
        conn.rollback()
    return dict(row) if row else None


def claim(engine: Engine, name: str, holder: str, ttl: dt.timedelta,
          now: dt.datetime | None = None) -> bool:
    """Hold `name` until now + ttl if it is free, expired or already ours; True if held.

    A lease of ours with more than half its time left is kept as it is, without a write.
    """
    now = now or utcnow()
    row = peek(engine, name)
    if row is not None:
        if row["holder"] == holder and row["expires_at"] - now > ttl / 2:
            return True
        if row["holder"] != holder and row["expires_at"] > now:
            return False
        with engine.begin() as conn:
            done = conn.execute(update(j).where(and_(
                j.c.name == name, or_(j.c.holder == holder, j.c.expires_at <= now)))
                .values(holder=holder, expires_at=now + ttl))
            return done.rowcount == 1
    try:
        with engine.begin() as conn:
            conn.execute(insert(j).values(name=name, holder=holder, expires_at=now + ttl))
    except IntegrityError:
        return False  # another process inserted it first: theirs
    return True


def release(engine: Engine, name: str, holder: str, now: dt.datetime | None = None) -> bool:
    """Give the lease up now (a clean stop), if it is still ours."""
    with engine.begin() as conn:
        done = conn.execute(update(j).where(and_(j.c.name == name, j.c.holder == holder))
                            .values(expires_at=now or utcnow()))
        return done.rowcount == 1


def record(engine: Engine, name: str, holder: str, started: dt.datetime,
           finished: dt.datetime, error: str | None) -> None:
    """Keep the outcome of a run on the job's row (whoever holds the lease now)."""
    values: dict[str, Any] = {"last_started_at": started}
    if error is None:
        values |= {"last_success_at": finished, "last_error": None,
                   "last_duration_ms": int((finished - started).total_seconds() * 1000)}
    else:
        values |= {"last_error": error[:2000], "last_error_at": finished}
    with engine.begin() as conn:
        conn.execute(update(j).where(j.c.name == name).values(**values))


def jobs(engine: Engine) -> dict[str, dict[str, Any]]:
    """Every job's row by name: holder, expiry and the last run's outcome."""
    with engine.connect() as conn:
        conn.execution_options(**{READ_ONLY: True})
        rows = conn.execute(select(j)).mappings().all()
        conn.rollback()
    return {r["name"]: dict(r) for r in rows}
