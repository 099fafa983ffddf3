"""A clock for tests that need a time of day (the scheduler's run time, readiness), which
the service's FixedClock, noon of a day, does not give."""

from __future__ import annotations

import datetime as dt


class WallClock:
    """The shop's clock at a time of day the test sets (`clock.at = ...`)."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def today(self) -> dt.date:
        return self.at.date()

    def now(self) -> dt.datetime:
        return self.at
