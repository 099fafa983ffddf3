"""Time is injected: every command reads one Clock. Tests and the simulator fix it."""

from __future__ import annotations

import datetime as dt
import os
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def today(self) -> dt.date: ...

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The wall clock in the shop's time zone: PATRONAGE_TIMEZONE (an IANA name such as
    America/Chicago), else the machine's zone. Business dates are that zone's dates."""

    def __init__(self, zone: str | None = None) -> None:
        name = zone or os.environ.get("PATRONAGE_TIMEZONE")
        self.zone = ZoneInfo(name) if name else None

    def today(self) -> dt.date:
        return self.now().date()

    def now(self) -> dt.datetime:
        return dt.datetime.now(self.zone).replace(microsecond=0, tzinfo=None)


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
