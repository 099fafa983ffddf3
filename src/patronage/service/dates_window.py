"""The window of dates a command may carry (section 12; docs/decisions.md, "Dates").

A document (invoice, payment, return, void, conversion, adjustment, enrollment, card,
award processing) is dated within [today - 10 years, today + 1 day]: history ten years
back may be imported, and a POS a time zone ahead may be a day early. A daily run is for
a day of the same window that has come (never tomorrow): a typo of a year must not mark
the years to it done, nor a date of year 1 make the next run catch up 700,000 days.

"Today" is the command's clock (`tx.now`), not the wall clock: the simulator and the bench
fix it, and an import, whose `tx.day` is each document's own date, still has the clock's.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from patronage.core.dates import add_months
from patronage.core.errors import PatronageError, Problem

if TYPE_CHECKING:
    from patronage.service.uow import Tx

YEARS_BACK = 10
DAYS_AHEAD = 1


def window(today: dt.date, ahead: int = DAYS_AHEAD) -> tuple[dt.date, dt.date]:
    """The first and last day a command on `today` may name."""
    return add_months(today, -12 * YEARS_BACK), today + dt.timedelta(days=ahead)


def check_date(tx: Tx, day: dt.date | None, field: str = "date", ahead: int = DAYS_AHEAD) -> None:
    """Refuse (`invalid`) a command dated outside the window; no date means `tx.day`."""
    day = day or tx.day
    first, last = window(tx.now.date(), ahead)
    if first <= day <= last:
        return
    if day > last:
        why = "is in the future" if ahead == 0 else f"is more than {ahead} day(s) ahead"
    else:
        why = f"is more than {YEARS_BACK} years ago"
    raise PatronageError("invalid", f"{field} {day.isoformat()} {why}: dates from "
                         f"{first.isoformat()} to {last.isoformat()} are accepted",
                         [Problem(field, f"from {first.isoformat()} to {last.isoformat()}")])


def in_window(today: dt.date, day: dt.date) -> bool:
    first, last = window(today)
    return first <= day <= last


def check_run_date(tx: Tx, day: dt.date | None) -> None:
    """A daily run (M1) is for a day that has come: at most `tx.day` (an import's catch-up
    runs to each document's day, which may be tomorrow), within the window."""
    ahead = min(DAYS_AHEAD, max(0, (tx.day - tx.now.date()).days))
    check_date(tx, day or tx.day, ahead=ahead)
