"""The web console, mounted by the API server at `/` (not built yet)."""

from __future__ import annotations

from typing import Any


def mount(api: Any, facade: Any) -> None:
    """Add the console's routes to the FastAPI app `api`, serving `facade` (none yet)."""
