"""Calendar arithmetic: month clamping and the "effective E, expires X" rule (E <= D < X)."""

from __future__ import annotations

import datetime as dt

import pytest

from patronage.core.dates import add_days, add_months, days_between, in_effect

d = dt.date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (d(2024, 1, 31), 1, d(2024, 2, 29)),  # leap year clamp
        (d(2023, 1, 31), 1, d(2023, 2, 28)),
        (d(2024, 3, 31), 1, d(2024, 4, 30)),
        (d(2024, 1, 15), 12, d(2025, 1, 15)),
        (d(2024, 11, 30), 3, d(2025, 2, 28)),  # across a year end, clamped
        (d(2024, 12, 1), 1, d(2025, 1, 1)),
        (d(2017, 1, 1), 12, d(2018, 1, 1)),  # seed 001's program-end example
        (d(2024, 3, 31), -1, d(2024, 2, 29)),
        (d(2024, 5, 10), 0, d(2024, 5, 10)),
    ],
)
def test_add_months_clamps_to_month_end(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


def test_add_days_none_is_never() -> None:
    assert add_days(d(2024, 1, 1), None) is None
    assert add_days(d(2024, 1, 1), 0) == d(2024, 1, 1)
    assert add_days(d(2017, 6, 10), 10) == d(2017, 6, 20)  # seed 001's grace example
    assert add_days(d(2024, 2, 28), 1) == d(2024, 2, 29)


def test_in_effect_includes_effective_and_excludes_expires() -> None:
    e, x = d(2024, 1, 10), d(2024, 1, 20)
    assert not in_effect(e, x, d(2024, 1, 9))
    assert in_effect(e, x, d(2024, 1, 10))
    assert in_effect(e, x, d(2024, 1, 19))
    assert not in_effect(e, x, d(2024, 1, 20))


def test_in_effect_open_ends() -> None:
    assert in_effect(d(2024, 1, 1), None, d(9999, 12, 31))
    assert in_effect(None, d(2024, 1, 1), d(2023, 12, 31))
    assert not in_effect(None, d(2024, 1, 1), d(2024, 1, 1))
    assert in_effect(None, None, d(2000, 1, 1))


def test_days_between_includes_both_ends() -> None:
    assert days_between(d(2024, 2, 27), d(2024, 3, 1)) == [
        d(2024, 2, 27), d(2024, 2, 28), d(2024, 2, 29), d(2024, 3, 1)]
    assert days_between(d(2024, 1, 1), d(2024, 1, 1)) == [d(2024, 1, 1)]
    assert days_between(d(2024, 1, 2), d(2024, 1, 1)) == []
