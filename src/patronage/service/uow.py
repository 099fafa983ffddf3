"""The unit of work: one transaction per command, rolled back unless it completes."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from patronage.adapters.db.engine import LOOKUP
from patronage.adapters.db.repository import Repository
from patronage.service.clock import Clock

log = logging.getLogger("patronage.uow")


@dataclass
class Tx:
    """What a handler works with: the repository, the command's day, and the clock's now."""

    repo: Repository
    day: dt.date
    now: dt.datetime
    user: str | None = None


@dataclass
class Rider:
    """What an entry point adds to the units of work of one request (the REST API: that its
    key is still live, and the request's audit row), so that a request is one transaction.
    `check` runs first in the request's first unit of work or read; `write` runs last in
    its first unit of work, before the commit, and `written` turns true once committed."""

    check: Callable[[Tx], None] | None = None
    write: Callable[[Tx], None] | None = None
    checked: bool = False
    written: bool = False

    def first(self, tx: Tx) -> None:
        if self.check is not None and not self.checked:
            self.check(tx)
            self.checked = True


rider: ContextVar[Rider | None] = ContextVar("rider", default=None)


def ride(tx: Tx) -> None:
    """The request's check, if any, at the start of a unit of work or read."""
    extra = rider.get()
    if extra is not None:
        extra.first(tx)


def write_after_lookup(tx: Tx) -> None:
    """A lookup that commits each statement by itself (PostgreSQL, `engine.lookups`) writes
    the request's `write` (its audit row) itself when it has answered, so a quote is one
    connection and no second transaction. Elsewhere a read is rolled back, and the entry
    point writes it afterwards in a unit of work of its own."""
    extra = rider.get()
    conn = tx.repo.conn
    if extra is None or extra.write is None or extra.written \
            or not conn.get_execution_options().get(LOOKUP):
        return
    conn.execution_options(**{LOOKUP: False})  # this one write is the request's own record
    try:
        extra.write(tx)
    except Exception:  # the answer stands: the entry point writes the record afterwards
        log.exception("could not record the request with its lookup")
        return
    extra.written = True


@contextmanager
def unit_of_work(engine: Engine, clock: Clock, day: dt.date | None = None,
                 user: str | None = None) -> Iterator[Tx]:
    extra = rider.get()
    with engine.begin() as conn:  # commits on success, rolls back on any exception
        tx = Tx(Repository(conn), day or clock.today(), clock.now(), user)
        if extra is not None:
            extra.first(tx)
        yield tx
        if extra is not None and extra.write is not None and not extra.written:
            extra.write(tx)
    if extra is not None and extra.write is not None:
        extra.written = True


@contextmanager
def transaction(engine: Engine, now: dt.datetime, keep: bool = True) -> Iterator[Tx]:
    """A transaction of its own outside any command (the outbox's send pass: no request's
    rider): committed when the block ends (`keep`), else thrown away (a read, a render)."""
    if keep:
        with engine.begin() as conn:
            yield Tx(Repository(conn), now.date(), now)
        return
    with engine.connect() as conn:
        try:
            yield Tx(Repository(conn), now.date(), now)
        finally:
            conn.rollback()


@contextmanager
def bulk_unit_of_work(engine: Engine, clock: Clock, day: dt.date | None = None,
                      user: str | None = None) -> Iterator[Tx]:
    """The same, on the write-behind repository (adapters/db/bulk.py), for commands that
    touch many rows (the daily run): same answers, writes sent in batches before commit."""
    from patronage.adapters.db.bulk import BulkRepository

    with engine.begin() as conn:
        repo = BulkRepository(conn)
        tx = Tx(repo, day or clock.today(), clock.now(), user)
        ride(tx)
        yield tx
        repo.flush()
