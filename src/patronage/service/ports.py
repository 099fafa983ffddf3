"""The ports: what the service layer knows of storage (issue 20 item 2).

A port here is the repository pattern as cosmicpython describes it: a handler loads,
decides (core/), and persists, and sees storage only through `tx.repo`'s named methods
("the adjustment with this external id", "lock this campaign's budget"), never through
SQL. Rows come back as read-only mappings (`Row`); adapters/db/ implements the methods
(repository.py, books.py, service_queries.py) with SQLAlchemy, so service/ imports
neither SQLAlchemy nor the adapters (tests/test_static.py counts the modules left).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# A row as a service reads it: column name -> value. `Mapping[Any, Any]` rather than
# `Mapping[str, Any]` so SQLAlchemy's RowMapping (keyed by name or column) is one.
Row = Mapping[Any, Any]
# Rows read in order (a repository's list of rows is one).
Rows = Sequence[Row]
# The customers one part of a split daily run covers (adapters/db/run_parts.py's
# CustomerRange, from `tx.repo.customers_of_part`): services only hand it back to tx.repo.
CustomerRange = Any
