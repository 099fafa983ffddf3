"""Shared fixtures: a fresh, empty shop with a fixed clock, on every database we support.

`app` and `engine` run each test on an in-memory SQLite database and, when
`PATRONAGE_TEST_POSTGRES_URL` is set (CI sets it), again on PostgreSQL, in a schema of its
own (`CREATE SCHEMA`, reached through `search_path`) that is dropped after the test.
Nothing is left in `public`. Test ids end in `[sqlite]` or `[postgresql]`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from patronage.entrypoints.ops.scratch import scratch_engine, scratch_url
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock
from tests.messaging.mailserver import MailServer

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

POSTGRES_URL = os.environ.get("PATRONAGE_TEST_POSTGRES_URL") or None
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
"""The databases every database test runs on."""


def backend_url(backend: str) -> str | None:
    """The server URL of a backend: None for SQLite (in memory), the test PostgreSQL."""
    return POSTGRES_URL if backend == "postgresql" else None


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """`sqlite`, then `postgresql` when the test database is configured."""
    return str(request.param)


@pytest.fixture
def server_url(backend: str) -> str | None:
    """What `simulate`, `bench` and the like take as `--database`: None means in-memory
    SQLite, a PostgreSQL URL means a temporary schema on that server."""
    return backend_url(backend)


@pytest.fixture
def postgres_url() -> str:
    """The test PostgreSQL server's URL; the test is skipped without one."""
    if not POSTGRES_URL:
        pytest.skip("PATRONAGE_TEST_POSTGRES_URL is not set")
    return POSTGRES_URL


@pytest.fixture
def database_url(backend: str) -> Iterator[str]:
    """The URL of an empty database of `backend`: a fresh PostgreSQL schema, dropped after,
    or a SQLite file in a temporary directory (a real file, so several connections see it)."""
    with scratch_url(backend_url(backend), prefix="test", file=True) as url:
        yield url


@pytest.fixture
def engine(backend: str) -> Iterator[Engine]:
    """An engine on an empty database holding every table, for one test."""
    with scratch_engine(backend_url(backend), prefix="test") as eng:
        yield eng


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.date(2024, 1, 1))


@pytest.fixture
def app(engine: Engine, clock: FixedClock) -> Patronage:
    """The service facade on a fresh, empty shop."""
    return Patronage(engine, clock)


@pytest.fixture
def mail() -> Iterator[MailServer]:
    """A real local SMTP server for one test (the outbox, statements, the scheduler)."""
    server = MailServer()
    server.start()
    yield server
    server.stop()
