"""The throttle on console logins: too many failures lock an account, or a client address,
for a while that doubles with each lock in a row.

Counts live in `web_login_throttle`, so every server process sees the same attempts, and
time is the facade's clock, so tests move it instead of sleeping. An attempt is counted
against its account *before* its password is checked, and forgotten when it succeeds: a
burst of guesses sent at once is counted like the same guesses sent one by one. Failures
count against the address after the check; its limit is higher, since the tills of a shop
often reach the server from one address. While either is locked every attempt is refused
unchecked, the right password too. A success clears the account's count; so does a new
password set by an admin.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from patronage.adapters.db.engine import READ_ONLY
from patronage.adapters.db.tables_web import web_login_throttle as th

ACCOUNT, ADDRESS = "account", "address"
LIMITS = {ACCOUNT: 5, ADDRESS: 20}  # failures within WINDOW that lock
WINDOW = dt.timedelta(minutes=15)
FIRST_LOCK = dt.timedelta(minutes=1)  # then 2, 4, 8, ... minutes
LONGEST_LOCK = dt.timedelta(hours=1)
FORGIVEN_AFTER = dt.timedelta(days=1)  # with no failure for this long, locks start over


@dataclass(frozen=True)
class Locked:
    """An account or address refused until `until` (the clock's time)."""

    scope: str
    until: dt.datetime

    def message(self, now: dt.datetime) -> str:
        whom = "this account" if self.scope == ACCOUNT else "this address"
        minutes = max(1, math.ceil((self.until - now).total_seconds() / 60))
        return (f"Too many failed logins for {whom}. Try again after "
                f"{self.until:%H:%M} (in {minutes} minute{'s' if minutes > 1 else ''}).")

    def retry_after(self, now: dt.datetime) -> int:
        return max(1, math.ceil((self.until - now).total_seconds()))


def lock_for(lockouts: int) -> dt.timedelta:
    """How long the `lockouts`-th lock in a row lasts."""
    return min(LONGEST_LOCK, FIRST_LOCK * 2 ** max(0, min(lockouts, 20) - 1))


def _subject(scope: str, value: str) -> tuple[Any, Any]:
    return th.c.scope == scope, th.c.subject == value.strip()[:100]


def _row(conn: Connection, scope: str, value: str) -> Any:
    stmt = select(th).where(and_(*_subject(scope, value)))
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return conn.execute(stmt).mappings().first()


def _locked(row: Any, scope: str, now: dt.datetime) -> Locked | None:
    if row is not None and row["locked_until"] is not None and row["locked_until"] > now:
        return Locked(scope, row["locked_until"])
    return None


def _count(conn: Connection, scope: str, value: str, row: Any, now: dt.datetime) -> Locked | None:
    """One more failure of `value`; the lock it starts, if it reaches the limit."""
    if row is None:
        failures, start, lockouts = 1, now, 0
    else:
        lockouts = row["lockouts"] if row["last_at"] > now - FORGIVEN_AFTER else 0
        fresh = row["window_start"] <= now - WINDOW
        failures, start = (1, now) if fresh else (row["failures"] + 1, row["window_start"])
    until = None
    if failures >= LIMITS[scope]:
        lockouts += 1
        until, failures, start = now + lock_for(lockouts), 0, now
    values = {"failures": failures, "window_start": start, "lockouts": lockouts,
              "locked_until": until, "last_at": now}
    if row is None:
        conn.execute(insert(th).values(scope=scope, subject=value.strip()[:100], **values))
    else:
        conn.execute(update(th).where(and_(*_subject(scope, value))).values(**values))
    return None if until is None else Locked(scope, until)


def _retrying(engine: Engine, work: Any) -> Any:
    """Run `work(conn)` in a transaction; once more if a first failure of the same subject
    was inserted by another request at the same moment."""
    try:
        with engine.begin() as conn:
            return work(conn)
    except IntegrityError:
        with engine.begin() as conn:
            return work(conn)


def admit(engine: Engine, name: str, address: str,
          now: dt.datetime) -> tuple[Locked | None, Locked | None]:
    """Before checking a password: (the lock refusing this attempt, or None; the lock this
    attempt starts on its account should it fail, or None). An admitted attempt is counted
    against the account already."""
    def work(conn: Connection) -> tuple[Locked | None, Locked | None]:
        account = _row(conn, ACCOUNT, name)
        refused = _locked(account, ACCOUNT, now) or _locked(_row(conn, ADDRESS, address),
                                                            ADDRESS, now)
        if refused is not None:
            return refused, None
        return None, _count(conn, ACCOUNT, name, account, now)

    result: tuple[Locked | None, Locked | None] = _retrying(engine, work)
    return result


def failed(engine: Engine, address: str, now: dt.datetime) -> Locked | None:
    """A wrong password from `address`: count it; the lock it starts, if any. Rows quiet for
    a day are dropped here, so the table holds only recent trouble."""
    def work(conn: Connection) -> Locked | None:
        conn.execute(delete(th).where(and_(
            th.c.last_at < now - FORGIVEN_AFTER,
            or_(th.c.locked_until.is_(None), th.c.locked_until < now))))
        return _count(conn, ADDRESS, address, _row(conn, ADDRESS, address), now)

    result: Locked | None = _retrying(engine, work)
    return result


def succeeded(engine: Engine, name: str) -> None:
    """The right password, admitted: the account's count starts over."""
    with engine.begin() as conn:
        conn.execute(delete(th).where(and_(*_subject(ACCOUNT, name))))


def forget(conn: Connection, name: str) -> None:
    """Lift an account's lock (an admin set a new password)."""
    conn.execute(delete(th).where(and_(*_subject(ACCOUNT, name))))


# --- the customer's own page (P6): links that open nothing, counted per address ------------
LINK = "link"
LIMITS[LINK] = 20  # a customer mistypes a link now and then; a guesser tries thousands


def link_refused(engine: Engine, address: str, now: dt.datetime) -> Locked | None:
    """The lock on `address` for bad links, if one holds now."""
    with engine.connect() as conn:
        conn.execution_options(**{READ_ONLY: True})  # a look: no write lock on SQLite
        found = _locked(conn.execute(select(th).where(and_(*_subject(LINK, address))))
                        .mappings().first(), LINK, now)
        conn.rollback()
    return found


def link_failed(engine: Engine, address: str, now: dt.datetime) -> Locked | None:
    """A link from `address` that opened nothing: count it; the lock it starts, if any."""
    result: Locked | None = _retrying(
        engine, lambda conn: _count(conn, LINK, address, _row(conn, LINK, address), now))
    return result
