"""Adjustments (J1-J4) as pure decisions: no database."""

from __future__ import annotations

import datetime as dt

import pytest

from patronage.core.adjusting import check_asked, expiry_moves, plan_adjustment
from patronage.core.errors import PatronageError
from patronage.core.lots import LotState

d = dt.date
DAY = d(2024, 3, 1)


def test_points_and_set_balance_together_are_refused() -> None:
    with pytest.raises(PatronageError) as refused:
        check_asked(10, 50)
    assert refused.value.code == "invalid" and refused.value.fields == ["set_balance"]
    with pytest.raises(PatronageError):
        plan_adjustment(0, DAY, points=10, set_balance=50)
    check_asked(10, None)
    check_asked(None, 0)


def test_giving_points_is_available_at_once_with_the_programs_expiry() -> None:
    plan = plan_adjustment(40, DAY, points=25, points_expire_days=365)
    assert (plan.points, plan.expires_on, plan.available_after) == (25, d(2025, 3, 1), 65)
    assert not plan.moves_expiry


def test_given_points_expire_on_the_date_asked_or_never() -> None:
    asked = plan_adjustment(0, DAY, points=5, expires=d(2024, 6, 30), points_expire_days=365)
    assert asked.expires_on == d(2024, 6, 30)  # J3: the given date wins
    assert plan_adjustment(0, DAY, points=5).expires_on is None  # no points_expire_days


def test_set_balance_posts_the_difference() -> None:
    assert plan_adjustment(120, DAY, set_balance=200).points == 80
    down = plan_adjustment(120, DAY, set_balance=20)
    assert (down.points, down.expires_on, down.available_after) == (-100, None, 20)
    assert plan_adjustment(120, DAY, set_balance=120).points == 0
    # in debt: setting the balance to 0 gives what the debt was
    assert plan_adjustment(-30, DAY, set_balance=0).points == 30


def test_taking_more_than_available_needs_allow_negative() -> None:
    assert plan_adjustment(50, DAY, points=-50).points == -50  # all of it: fine
    with pytest.raises(PatronageError) as refused:
        plan_adjustment(50, DAY, points=-51)
    assert refused.value.code == "insufficient_points"
    assert refused.value.message == "taking 51 points is more than the 50 available"
    assert refused.value.fields == ["points"]
    allowed = plan_adjustment(50, DAY, points=-80, allow_negative=True)
    assert (allowed.points, allowed.available_after) == (-80, -30)


def test_in_debt_nothing_can_be_taken_without_allow_negative() -> None:
    with pytest.raises(PatronageError) as refused:
        plan_adjustment(-10, DAY, points=-1)
    assert "at most 0" in refused.value.problems[0].message
    with pytest.raises(PatronageError):
        plan_adjustment(30, DAY, set_balance=-5)


def test_a_zero_adjustment_with_a_date_moves_the_expiry() -> None:
    plan = plan_adjustment(70, DAY, points=0, expires=d(2024, 12, 31))
    assert plan.moves_expiry and plan.expires_on == d(2024, 12, 31) and plan.points == 0
    assert not plan_adjustment(70, DAY, points=0).moves_expiry  # nothing at all
    assert not plan_adjustment(70, DAY, set_balance=70).moves_expiry
    # setting the balance it already has, with a date: the date moves (J4)
    assert plan_adjustment(70, DAY, set_balance=70, expires=d(2025, 1, 1)).moves_expiry


def test_expiry_moves_every_lot_with_points_left() -> None:
    lots = [LotState(1, DAY, DAY, None, 10), LotState(2, DAY, d(2024, 4, 1), DAY, 5),
            LotState(3, DAY, DAY, None, 0)]
    assert expiry_moves(lots) == [1, 2]
