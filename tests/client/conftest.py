"""The client's tests reuse the API tests' real servers (`patronage serve` on a free port)."""

from __future__ import annotations

from tests.api.conftest import start_server

__all__ = ["start_server"]
