"""What a simulation prints: one line per check, and the tally behind the exit code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from patronage.core.errors import PatronageError

Out = Callable[[str], object]


@dataclass
class Report:
    """Prints `ok   file:line date what` or `FAIL file:line date what: difference`."""

    out: Out
    passed: int = 0
    failed: int = 0

    def ok(self, where: str, day: dt.date | None, what: str) -> None:
        self.passed += 1
        self.out(f"ok   {_place(where, day)} {what}")

    def fail(self, where: str, day: dt.date | None, what: str, difference: str) -> None:
        self.failed += 1
        self.out(f"FAIL {_place(where, day)} {what}: {difference}")

    def summary(self) -> str:
        return f"{self.passed} passed, {self.failed} failed"


def _place(where: str, day: dt.date | None) -> str:
    return f"{where} {day.isoformat()}" if day else where


def one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception as one readable line: a refusal's code and message, or its type."""
    if isinstance(exc, PatronageError):
        text = f"{exc.code}: {exc.message}"
    else:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        text = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
