"""Import every table module so that `metadata` knows the whole schema.

Core tables live in `tables.py`; each entry point that needs its own tables (API keys,
web users) keeps them in its own module here, on the same `metadata`.
"""

from __future__ import annotations

from patronage.adapters.db import tables, tables_api, tables_links, tables_ops, tables_web
from patronage.adapters.db.tables import metadata

__all__ = ["metadata", "tables", "tables_api", "tables_links", "tables_ops", "tables_web"]
