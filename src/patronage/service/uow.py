"""The unit of work: one transaction per command, rolled back unless it completes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from patronage.adapters.db.repository import Repository
from patronage.service.clock import Clock


@dataclass
class Tx:
    """What a handler works with: the repository, the command's day, and the clock's now."""

    repo: Repository
    day: dt.date
    now: dt.datetime
    user: str | None = None


@contextmanager
def unit_of_work(engine: Engine, clock: Clock, day: dt.date | None = None,
                 user: str | None = None) -> Iterator[Tx]:
    with engine.begin() as conn:  # commits on success, rolls back on any exception
        yield Tx(Repository(conn), day or clock.today(), clock.now(), user)


@contextmanager
def bulk_unit_of_work(engine: Engine, clock: Clock, day: dt.date | None = None,
                      user: str | None = None) -> Iterator[Tx]:
    """The same, on the write-behind repository (adapters/db/bulk.py), for commands that
    touch many rows (the daily run): same answers, writes sent in batches before commit."""
    from patronage.adapters.db.bulk import BulkRepository

    with engine.begin() as conn:
        repo = BulkRepository(conn)
        yield Tx(repo, day or clock.today(), clock.now(), user)
        repo.flush()
