"""Engines for the embedded default (SQLite) and PostgreSQL, with safe concurrency.

SQLite write transactions begin IMMEDIATE so that two writers never both read a balance
and then spend it (C4); PostgreSQL writers lock the customer's row instead.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool

DEFAULT_URL = "sqlite:///patronage.db"
READ_ONLY = "patronage_read_only"  # execution option: a connection that never writes
LOOKUP = "patronage_lookup"  # execution option: a point read, each statement on its own
WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "DROP", "ALTER", "TRUNCATE")
# A write inside a WITH (a data-modifying CTE, as books.py's one-statement writes are)
WRITE_IN_WITH = re.compile(r"\b(INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM|MERGE\s+INTO)\b",
                           re.IGNORECASE)


def database_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get("PATRONAGE_DATABASE_URL") or DEFAULT_URL


def new_sqlite_file(explicit: str | None = None) -> Path | None:
    """The absolute path of the SQLite file `explicit` (or the default) names, when it does
    not exist yet and opening it will create it; None otherwise."""
    url = make_url(database_url(explicit))
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    path = Path(url.database).resolve()
    return None if path.exists() else path


def read_database_url(explicit: str | None = None) -> str | None:
    """A replica for reports, listings and exports (docs/operations.md, Scaling out), or
    None: every read goes to the primary."""
    return explicit or os.environ.get("PATRONAGE_READ_DATABASE_URL") or None


def make_engine(url: str | None = None) -> Engine:
    url = database_url(url)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=StaticPool if memory else None,
            json_serializer=to_json,
        )
        _sqlite_immediate(engine, wal=not memory)
        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                           json_serializer=to_json)
    return engine


def lookups(engine: Engine) -> Engine:
    """The engine for point reads on the primary (a balance, a quote): on PostgreSQL each
    statement commits on its own (AUTOCOMMIT), which spares the BEGIN and the ROLLBACK, two
    of a balance's six round trips. At READ COMMITTED a transaction gives its statements no
    common snapshot anyway, so a lookup sees what it saw before. A lookup that tried to
    write would keep its write, so any write statement on it is refused (below). SQLite
    keeps its read transaction (one snapshot), as BEGIN costs it no round trip."""
    if is_sqlite(engine):
        return engine
    looking = engine.execution_options(isolation_level="AUTOCOMMIT", **{LOOKUP: True})
    event.listen(looking, "before_cursor_execute", _refuse_writes)
    return looking


def base_engine(engine: Engine) -> Engine:
    """The engine `lookups` was made from (itself for any other): its caches, its isolation."""
    return getattr(engine, "_proxied", engine)


def writes(statement: str) -> bool:
    head = statement.lstrip()[:8].upper()
    return head.startswith(WRITES) or (head.startswith("WITH") and
                                       WRITE_IN_WITH.search(statement) is not None)


def _refuse_writes(conn, _cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
    if conn.get_execution_options().get(LOOKUP) and writes(statement):
        raise RuntimeError(f"a lookup may not write: {statement[:60]}")


def to_json(value: Any) -> str:
    """A JSON column's text: orjson, several times faster than the json module (an import
    writes an event or two per invoice); what orjson refuses (an integer beyond 64 bits)
    the json module writes."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


def _sqlite_immediate(engine: Engine, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # let us issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        if wal:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        # Writers take the write lock up front; readers (marked read_only) read a snapshot.
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
