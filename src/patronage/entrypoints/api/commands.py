"""CLI commands of this entry point, registered on the main `patronage` app."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this package's commands to `app` (none yet)."""
