"""A fresh, empty database for each scenario file; never the live one.

By default an in-memory SQLite database. Given a PostgreSQL URL, a schema with a random
name is created, used through `search_path`, and dropped afterwards, so a scenario can
run on the production engine without touching its data.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from patronage.adapters.db.all_tables import metadata
from patronage.adapters.db.engine import make_engine
from patronage.entrypoints.simulate.runner import Session
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

MEMORY_URLS = ("sqlite://", "sqlite:///:memory:")


@contextmanager
def fresh_engine(database_url: str | None = None) -> Iterator[Engine]:
    """An engine on a new, empty database holding every table; discarded on exit."""
    if database_url is None or database_url in MEMORY_URLS:
        engine = make_engine("sqlite://")
        try:
            metadata.create_all(engine)
            yield engine
        finally:
            engine.dispose()
        return
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError(
            "simulate runs on an in-memory SQLite database or a temporary PostgreSQL schema, "
            f"not on {url.render_as_string(hide_password=True)}"
        )
    with temporary_schema(url) as engine:
        yield engine


@contextmanager
def temporary_schema(url: URL) -> Iterator[Engine]:
    """An engine whose `search_path` is a new schema with a random name, dropped on exit."""
    schema = f"simulate_{secrets.token_hex(8)}"
    admin = make_engine(url.render_as_string(hide_password=False))
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
        engine = make_engine(scoped.render_as_string(hide_password=False))
        try:
            metadata.create_all(engine)
            yield engine
        finally:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@contextmanager
def patronage_session(first_day: dt.date, database_url: str | None = None) -> Iterator[Session]:
    """The real facade on a fresh database, with a fixed clock set to `first_day`."""
    with fresh_engine(database_url) as engine:
        clock = FixedClock(first_day)
        yield Session(Patronage(engine, clock, send_mail=False), clock)
