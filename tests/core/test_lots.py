"""Lots (L1, L2, L5): state by date, first-expiring-first order, shortfall as debt."""

from __future__ import annotations

import datetime as dt

from patronage.core.lots import LotState, plan_debit, state, use_order

d = dt.date


def lot(id: int, accrual: dt.date, available: dt.date, expires: dt.date | None,
        remaining: int) -> LotState:
    return LotState(id, accrual, available, expires, remaining)


def test_state_boundaries() -> None:
    x = lot(1, d(2017, 6, 10), d(2017, 6, 20), d(2017, 7, 10), 50)
    assert state(x, d(2017, 6, 10)) == "pending"
    assert state(x, d(2017, 6, 19)) == "pending"
    assert state(x, d(2017, 6, 20)) == "available"
    assert state(x, d(2017, 7, 9)) == "available"
    assert state(x, d(2017, 7, 10)) == "expired"


def test_never_expiring_lot_stays_available() -> None:
    x = lot(1, d(2024, 1, 1), d(2024, 1, 1), None, 5)
    assert state(x, d(2024, 1, 1)) == "available"
    assert state(x, d(9999, 12, 31)) == "available"


def test_expiry_wins_over_pending() -> None:
    x = lot(1, d(2024, 1, 1), d(2024, 1, 10), d(2024, 1, 5), 5)  # expires (moved) while pending
    assert state(x, d(2024, 1, 5)) == "expired"
    assert state(x, d(2024, 1, 4)) == "pending"


def test_use_order_first_expiring_then_oldest_then_creation_never_last() -> None:
    lots = [
        lot(1, d(2024, 1, 1), d(2024, 1, 1), None, 10),
        lot(2, d(2024, 1, 3), d(2024, 1, 3), d(2024, 3, 1), 10),
        lot(3, d(2024, 1, 2), d(2024, 1, 2), d(2024, 3, 1), 10),
        lot(4, d(2024, 1, 2), d(2024, 1, 2), d(2024, 2, 1), 10),
        lot(5, d(2024, 1, 2), d(2024, 1, 2), d(2024, 3, 1), 10),
        lot(0, d(2024, 1, 5), d(2024, 1, 5), None, 10),
    ]
    assert [x.id for x in sorted(lots, key=use_order)] == [4, 3, 5, 2, 1, 0]


def test_plan_debit_takes_available_lots_in_order() -> None:
    day = d(2024, 1, 10)
    lots = [
        lot(1, d(2024, 1, 1), d(2024, 1, 1), None, 30),
        lot(2, d(2024, 1, 2), d(2024, 1, 2), d(2024, 2, 1), 20),
        lot(3, d(2024, 1, 9), d(2024, 1, 12), d(2024, 2, 1), 100),  # pending: untouched
        lot(4, d(2023, 12, 1), d(2023, 12, 1), d(2024, 1, 10), 100),  # expired today: untouched
    ]
    assert plan_debit(lots, 25, day) == ([(2, 20), (1, 5)], 0)
    assert plan_debit(lots, 50, day) == ([(2, 20), (1, 30)], 0)


def test_plan_debit_leaves_the_shortfall() -> None:
    day = d(2024, 1, 10)
    lots = [lot(1, d(2024, 1, 1), d(2024, 1, 1), None, 30),
            lot(3, d(2024, 1, 9), d(2024, 1, 12), None, 100)]
    assert plan_debit(lots, 45, day) == ([(1, 30)], 15)
    assert plan_debit([], 7, day) == ([], 7)
    assert plan_debit(lots, 0, day) == ([], 0)


def test_plan_debit_skips_empty_lots() -> None:
    day = d(2024, 1, 10)
    lots = [lot(1, d(2024, 1, 1), d(2024, 1, 1), d(2024, 1, 20), 0),
            lot(2, d(2024, 1, 2), d(2024, 1, 2), None, 5)]
    assert plan_debit(lots, 3, day) == ([(2, 3)], 0)
