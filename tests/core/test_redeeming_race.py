"""C4 as core decides it: once the caller holds the customer's lock, is what a redemption
asks still there. Pure: no database (the race itself: tests/service/
test_concurrent_redemption.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patronage.core.errors import PatronageError
from patronage.core.redeeming import check_still_there, still_open

D = Decimal
DAY = dt.date(2024, 3, 1)


def test_asking_what_is_still_there_passes() -> None:
    check_still_there("rewards", D("5.00"), D("5.00"))  # all of it: fine
    check_still_there("credit", D("0"), D("0"))
    check_still_there("credit", D("4.99"), D("5.00"))


def test_rewards_spent_meanwhile_are_refused_with_above_maximum() -> None:
    with pytest.raises(PatronageError) as refused:
        check_still_there("rewards", D("10.00"), D("4.00"))
    err = refused.value
    assert err.code == "above_maximum" and err.fields == ["redeem.rewards"]
    assert err.message == "rewards 10.00 are above the maximum 4.00"


def test_credit_spent_meanwhile_is_refused_with_above_maximum() -> None:
    with pytest.raises(PatronageError) as refused:
        check_still_there("credit", D("5.01"), D("5.00"))
    err = refused.value
    assert err.code == "above_maximum" and err.fields == ["redeem.credit_memos"]
    assert err.message == "credit 5.01 is above the maximum 5.00"


money = st.decimals(min_value=0, max_value=1000, places=2)


@given(st.sampled_from(["rewards", "credit"]), money, money)
def test_refused_exactly_when_more_is_asked_than_is_there(what: str, asked: Decimal,
                                                          there: Decimal) -> None:
    try:
        check_still_there(what, asked, there)
    except PatronageError as err:
        assert asked > there and err.code == "above_maximum"
    else:
        assert asked <= there


def test_a_coupon_used_by_another_redemption_is_no_longer_there() -> None:
    assert still_open("open", None, DAY)
    assert still_open("open", DAY + dt.timedelta(days=1), DAY)
    assert not still_open("used", None, DAY)  # the other redemption committed first
    assert not still_open("expired", None, DAY)
    assert not still_open("open", DAY, DAY)  # expires on the day: gone that day


def test_a_memo_spent_to_nothing_is_no_longer_there() -> None:
    assert still_open("open", None, DAY, D("0.01"))
    assert not still_open("open", None, DAY, D("0"))  # another redemption took all of it
    assert not still_open("used", None, DAY, D("3.00"))
    assert not still_open("open", DAY, DAY, D("3.00"))
