"""Time is injected: every command reads one Clock. Tests and the simulator fix it."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def today(self) -> dt.date: ...

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The wall clock, in the shop's local time (the machine's zone)."""

    def today(self) -> dt.date:
        return dt.date.today()

    def now(self) -> dt.datetime:
        return dt.datetime.now().replace(microsecond=0)


class FixedClock:
    """A clock that says what it is told; the simulator moves it day by day."""

    def __init__(self, day: dt.date) -> None:
        self.day = day

    def set(self, day: dt.date) -> None:
        self.day = day

    def today(self) -> dt.date:
        return self.day

    def now(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(12, 0))
