"""Progress of a long command: a Rich bar on a terminal, plain lines otherwise (a log, CI).

Both write to stderr, so stdout keeps only the command's result.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Lines:
    """A line every `every` seconds and at the end: `invoices: 5,000/20,000 rows (25%)`."""

    def __init__(self, label: str, out: TextIO, every: float = 5.0) -> None:
        self.label, self.out, self.every = label, out, every
        self.total = self.done = 0
        self.began = self.last = time.monotonic()

    def start(self, total: int) -> None:
        self.total = total
        self.began = self.last = time.monotonic()

    def advance(self, rows: int) -> None:
        self.done += rows
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self.show(now)

    def show(self, now: float) -> None:
        share = f" ({100 * self.done // self.total}%)" if self.total else ""
        rate = self.done / (now - self.began) if now > self.began else 0.0
        print(f"{self.label}: {self.done:,}/{self.total:,} rows{share}, {rate:,.0f} rows/s",
              file=self.out, flush=True)

    def finish(self) -> None:
        if self.done:
            self.show(time.monotonic())


class Bar:
    """A Rich progress bar with rate and time left."""

    def __init__(self, label: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(TextColumn(f"{label}"), BarColumn(), MofNCompleteColumn(),
                                 TaskProgressColumn(), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=False)
        self.task = self.progress.add_task(label, total=None)
        self.pending = 0

    def start(self, total: int) -> None:
        self.progress.update(self.task, total=total)

    def advance(self, rows: int) -> None:
        self.pending += rows
        if self.pending >= 500:  # redrawing per row would cost more than the rows
            self.progress.advance(self.task, self.pending)
            self.pending = 0

    def finish(self) -> None:
        self.progress.advance(self.task, self.pending)
        self.pending = 0


class Silent:
    def start(self, total: int) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass

    def finish(self) -> None:
        pass


@contextmanager
def reporter(label: str, quiet: bool = False, out: TextIO | None = None
             ) -> Iterator[Lines | Bar | Silent]:
    """A bar on a terminal, lines when stderr is a file or a pipe, nothing when quiet."""
    stream = out or sys.stderr
    if quiet:
        yield Silent()
        return
    if stream.isatty():
        bar = Bar(label)
        with bar.progress:
            yield bar
            bar.finish()
        return
    lines = Lines(label, stream)
    yield lines
    lines.finish()
