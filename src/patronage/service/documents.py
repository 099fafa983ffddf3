"""What an import file is read into: documents, and the rows refused while reading.

Kept apart from `service/bulk.py` and free of the database layer: reading a file needs
nothing of the rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RowError:
    line: int
    code: str
    message: str
    kind: str = ""  # the document's kind, when files of two kinds are imported together


@dataclass
class Doc:
    """One document read from a file: its kind (customer, invoice, payment, adjustment),
    where it starts, how many rows, its date and the body the service takes (None when the
    rows themselves are unreadable: see `error`)."""

    kind: str
    line: int
    rows: int
    day: dt.date | None
    body: dict[str, Any] | None
    error: RowError | None = None
    customer: str | None = None  # what `BulkRepository.prepare` loads beforehand
    invoice: str | None = None
    payment: tuple[int, str] | None = None
    card: str | None = None
