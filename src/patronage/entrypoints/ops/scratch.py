"""Scratch databases: a fresh, empty schema that is thrown away afterwards.

Tests, `patronage bench` and migration checks need a database of their own that never
touches live data. On SQLite that is an in-memory database or a file in a temporary
directory; on PostgreSQL it is a schema with a random name, created, made the connection's
`search_path` through the `options` connect parameter, and dropped with everything in it.
Nothing is ever created in `public`.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from patronage.adapters.db.all_tables import metadata
from patronage.adapters.db.engine import make_engine
from patronage.adapters.db.migrate import upgrade


def is_postgres(url: str | None) -> bool:
    return bool(url) and make_url(str(url)).get_backend_name() == "postgresql"


def _scoped_url(url: str, schema: str) -> str:
    """The URL with `search_path` set to `schema` on every new connection."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    scoped = parsed.update_query_dict({"options": f"-csearch_path={schema}"})
    return scoped.render_as_string(hide_password=False)


@contextmanager
def temporary_schema(url: str, prefix: str = "scratch") -> Iterator[str]:
    """Create a PostgreSQL schema with a random name; yield a URL using it; drop it after."""
    schema = f"{prefix}_{secrets.token_hex(6)}"
    admin = make_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield _scoped_url(url, schema)
        finally:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


@contextmanager
def scratch_url(url: str | None = None, prefix: str = "scratch",
                file: bool = False) -> Iterator[str]:
    """A URL of an empty database: a temporary PostgreSQL schema when `url` is PostgreSQL,
    else SQLite (in memory, or a file in a temporary directory when `file`)."""
    if is_postgres(url):
        with temporary_schema(str(url), prefix) as scoped:
            yield scoped
    elif file:
        with tempfile.TemporaryDirectory(prefix=f"patronage-{prefix}-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'patronage.db'}"
    else:
        yield "sqlite://"


@contextmanager
def scratch_engine(url: str | None = None, prefix: str = "scratch", file: bool = False,
                   migrate: bool = False) -> Iterator[Engine]:
    """An engine on an empty database holding every table (created, or migrated)."""
    with scratch_url(url, prefix, file) as scoped:
        engine = make_engine(scoped)
        try:
            if migrate:
                upgrade(engine)
            else:
                metadata.create_all(engine)
            yield engine
        finally:
            engine.dispose()
