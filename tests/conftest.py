"""Shared fixtures: a fresh shop on an in-memory SQLite database with a fixed clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from patronage.adapters.db.all_tables import metadata
from patronage.adapters.db.engine import make_engine
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.date(2024, 1, 1))


@pytest.fixture
def app(clock: FixedClock) -> Iterator[Patronage]:
    engine = make_engine("sqlite://")
    metadata.create_all(engine)
    yield Patronage(engine, clock)
    engine.dispose()
