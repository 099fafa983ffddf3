"""Adjustments in bulk from a file (J5: porting balances from an old program), row by row.

The file's shape is read by `entrypoints/ops/files.py` (columns, numbers, dates, the id of
a row written without one); each row is then one J1-J4 adjustment (core/adjusting.py),
made by `service/adjustments.py` `adjust`. Decided here, pure, over plain frozen records:
which rows are tried, the date of a row that names none, each refusal with its line and
code, what was applied or only repeated (C5), and whether the file is kept: only when no
row is refused (docs/decisions.md, "Bulk files").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from patronage.core.errors import PatronageError


@dataclass(frozen=True)
class Refusal:
    """J5: a row refused, by the file's line (the header is line 1), with the stable code
    and message of the error, as `file:line: code: message` prints it."""

    line: int
    code: str
    message: str


@dataclass(frozen=True)
class FileRow:
    """One row of an adjustments file as read: its line, what it asks (the body `adjust`
    takes; None when the row could not be read) and the reading's refusal, if any."""

    line: int
    body: Mapping[str, Any] | None
    refused: Refusal | None = None


@dataclass(frozen=True)
class Applied:
    """A row that was applied: its line, the adjustment's answer (its balance after it),
    and whether it was only a repeat of one made before (C5: a known id)."""

    line: int
    answer: dict[str, Any]

    @property
    def repeated(self) -> bool:
        return bool(self.answer.get("repeated"))


@dataclass(frozen=True)
class FileOutcome:
    """J5: every row's fate, in file order: those applied and those refused."""

    applied: tuple[Applied, ...] = ()
    refused: tuple[Refusal, ...] = ()

    @property
    def done(self) -> int:
        """New adjustments made."""
        return sum(not a.repeated for a in self.applied)

    @property
    def repeated(self) -> int:
        """Rows whose id was known already (C5): the file run again."""
        return sum(a.repeated for a in self.applied)

    def kept(self, keep: bool = True) -> bool:
        """J5: the file is kept whole or not at all: only when no row is refused (and the
        caller means to keep it: the console's preview tries it and keeps nothing)."""
        return keep and not self.refused


def row_asks(body: Mapping[str, Any], day: dt.date | None) -> dict[str, Any]:
    """J5: what a row asks of `adjust`: the row itself, dated `day` (the file's date, when
    given) unless it names its own date."""
    return dict(body) if day is None or "date" in body else {**body, "date": day}


def refusal(line: int, err: PatronageError) -> Refusal:
    """J5: a row the adjustment refused, by its line, with the error's code and message."""
    return Refusal(line, err.code, err.message)


def adjust_file(rows: Iterable[FileRow], day: dt.date | None,
                adjust: Callable[[dict[str, Any]], dict[str, Any]]) -> FileOutcome:
    """J5: one pass over the file's rows, in order. A row the reading refused (or could
    not read: `invalid`) is refused by its line; each other is given to `adjust` as
    `row_asks` says, and a `PatronageError` it raises refuses that row by its line
    (`refusal`) and the pass goes on, so every refusal of the file is reported at once.
    `adjust` must undo its own row when it refuses it (the service runs each row in a
    savepoint); whether the applied rows are kept is `FileOutcome.kept`."""
    applied: list[Applied] = []
    refused: list[Refusal] = []
    for row in rows:
        if row.refused is not None or row.body is None:  # tried only when read whole
            refused.append(row.refused or Refusal(row.line, "invalid", "unreadable"))
            continue
        try:
            answer = adjust(row_asks(row.body, day))
        except PatronageError as err:
            refused.append(refusal(row.line, err))
            continue
        applied.append(Applied(row.line, answer))
    return FileOutcome(tuple(applied), tuple(refused))
