"""Wiring: an engine for the configured database, migrated, and the service facade on it."""

from __future__ import annotations

import os

from sqlalchemy.engine import Engine

from patronage.adapters.db.engine import database_url, make_engine, read_database_url
from patronage.adapters.db.migrate import upgrade
from patronage.service.app import Patronage
from patronage.service.clock import Clock


def open_engine(url: str | None = None, migrate: bool = True) -> Engine:
    engine = make_engine(database_url(url))
    if migrate:
        upgrade(engine)
    return engine


def open_app(url: str | None = None, clock: Clock | None = None, migrate: bool = True,
             read_url: str | None = None) -> Patronage:
    """The facade on `url`, its reports on `read_url`. The environment's replica
    (PATRONAGE_READ_DATABASE_URL) serves only the environment's database: a `--database`
    naming another one must not read that one's replica."""
    if read_url is None and url in (None, os.environ.get("PATRONAGE_DATABASE_URL")):
        read_url = read_database_url()
    replica = make_engine(read_url) if read_url else None  # never migrated: it replays the primary
    return Patronage(open_engine(url, migrate), clock, read_engine=replica)
