"""Wiring: an engine for the configured database, migrated, and the service facade on it."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from patronage.adapters.db.engine import database_url, make_engine
from patronage.adapters.db.migrate import upgrade
from patronage.service.app import Patronage
from patronage.service.clock import Clock


def open_engine(url: str | None = None, migrate: bool = True) -> Engine:
    engine = make_engine(database_url(url))
    if migrate:
        upgrade(engine)
    return engine


def open_app(url: str | None = None, clock: Clock | None = None, migrate: bool = True) -> Patronage:
    return Patronage(open_engine(url, migrate), clock)
