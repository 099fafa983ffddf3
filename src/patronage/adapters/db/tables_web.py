"""Tables of the web entry point, on the shared metadata (none yet)."""

from __future__ import annotations

from patronage.adapters.db.tables import metadata

__all__ = ["metadata"]
