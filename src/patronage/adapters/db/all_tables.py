"""Import every table module so that `metadata` knows the whole schema.

Core tables live in `tables.py`; each entry point that needs its own tables (API keys,
web users) keeps them in its own module here, on the same `metadata`.
"""

from __future__ import annotations

from patronage.adapters.db import tables, tables_api, tables_links, tables_ops, tables_web
from patronage.adapters.db.tables import metadata

__all__ = ["metadata", "tables", "tables_api", "tables_links", "tables_ops", "tables_web"]

# campaigns (issue 23 item 3, 0014_campaigns)
from patronage.adapters.db import tables_campaigns

__all__ += ["tables_campaigns"]

# status tiers (issue 23 item 1, 0013_tiers)
from patronage.adapters.db import tables_tiers

__all__ += ["tables_tiers"]
