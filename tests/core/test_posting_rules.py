"""A6, W2, C3 and C5 as core decides them (issue 20): the new lot's dates, when an award is
checked, how credit memos pay, and a document posted twice. Pure: no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patronage.core.awards import checks_at_accrual
from patronage.core.documents import is_repeat
from patronage.core.errors import PatronageError
from patronage.core.lots import new_lot_dates
from patronage.core.programs import Program
from patronage.core.redeeming import credit_maximum, memo_order, spread_credit

D = Decimal
DAY = dt.date(2024, 3, 1)


def bank(**changes: object) -> Program:
    values: dict = {"id": "bank", "name": "Bank", "kind": "points_bank", "status": "open",
                    "effective": dt.date(2024, 1, 1)}
    values.update(changes)
    return Program(**values)


def test_a6_a_new_lot_waits_its_grace_and_expires_from_its_accrual() -> None:
    assert new_lot_dates(DAY, 14, 365) == (dt.date(2024, 3, 15), dt.date(2025, 3, 1))
    assert new_lot_dates(DAY, 0, None) == (DAY, None)  # no expiry: never
    assert new_lot_dates(DAY, 14, 365, at_once=True) == (DAY, dt.date(2025, 3, 1))  # J3
    assert new_lot_dates(DAY, 14, 365, expires_on=dt.date(2024, 6, 30)) == \
        (dt.date(2024, 3, 15), dt.date(2024, 6, 30))


def test_w2_an_award_is_checked_at_accrual_only_without_grace() -> None:
    assert checks_at_accrual(bank(grace_days=0))
    assert not checks_at_accrual(bank(grace_days=7))


def test_c3_credit_is_at_most_what_memos_hold_and_what_is_owed() -> None:
    assert credit_maximum(D("50.00"), D("80.00")) == D("50.00")
    assert credit_maximum(D("50.00"), D("20.00")) == D("20.00")
    assert credit_maximum(D("50.00"), D("-5.00")) == D("0")


def test_c3_memos_pay_first_expiring_first_then_oldest() -> None:
    never = memo_order(None, dt.date(2023, 1, 1), 1)
    soon = memo_order(dt.date(2024, 4, 1), dt.date(2024, 2, 1), 3)
    later = memo_order(dt.date(2024, 5, 1), dt.date(2023, 6, 1), 2)
    same_day_older = memo_order(dt.date(2024, 4, 1), dt.date(2024, 1, 1), 4)
    assert sorted([never, soon, later, same_day_older]) == [same_day_older, soon, later, never]
    assert spread_credit([D("10.00"), D("25.00"), D("5.00")], D("30.00")) == \
        [D("10.00"), D("20.00"), D("0")]


@given(st.lists(st.integers(1, 10_000), max_size=6), st.integers(0, 60_000))
def test_c3_a_spread_takes_exactly_the_amount_never_more_than_a_memo_holds(
        cents: list[int], asked: int) -> None:
    held = [D(c) / 100 for c in cents]
    amount = min(D(asked) / 100, sum(held, D(0)))  # the caller checks the maximum
    uses = spread_credit(held, amount)
    assert sum(uses, D(0)) == amount
    assert all(D(0) <= u <= h for u, h in zip(uses, held, strict=True))
    first_short = next((i for i, (u, h) in enumerate(zip(uses, held, strict=True)) if u < h), None)
    if first_short is not None:  # in order: after a memo not used up, none is touched
        assert all(u == 0 for u in uses[first_short + 1:])


def test_c5_the_same_body_is_a_repeat_and_another_body_a_conflict() -> None:
    assert is_repeat("invoice", "INV-1", "abc", "abc")
    with pytest.raises(PatronageError) as refused:
        is_repeat("invoice", "INV-1", "abc", "abd")
    assert refused.value.code == "conflict"
    assert "INV-1" in str(refused.value)
