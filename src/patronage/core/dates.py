"""Calendar arithmetic and the "effective E, expires X" rule (E <= D < X, X may be never)."""

from __future__ import annotations

import calendar
import datetime as dt


def add_days(day: dt.date, days: int | None) -> dt.date | None:
    """`day + days`, or None (never) when `days` is None."""
    return None if days is None else day + dt.timedelta(days=days)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1 = Feb 28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def in_effect(effective: dt.date | None, expires: dt.date | None, day: dt.date) -> bool:
    return (effective is None or effective <= day) and (expires is None or day < expires)


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every day from `start` to `end`, both included."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
