"""Fixtures of the operations tests: two shops configured alike by `story`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from patronage.entrypoints.ops.scratch import scratch_engine
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from . import story


@pytest.fixture
def two_shops(server_url: str | None) -> Iterator[tuple[Patronage, Patronage]]:
    """Two fresh shops configured alike on the backend under test: online and imported."""
    with scratch_engine(server_url, prefix="test") as a, scratch_engine(server_url,
                                                                        prefix="test") as b:
        online, imported = Patronage(a, FixedClock(story.START)), Patronage(b, FixedClock(
            story.START))
        for shop in (online, imported):
            story.configure(shop, shop.clock)  # type: ignore[arg-type]
        yield online, imported
