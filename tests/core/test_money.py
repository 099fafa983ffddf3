"""Exact money (STYLE rule 2): floats refused, two decimals, named rounding modes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patronage.core.journal import liability_change
from patronage.core.money import (
    ZERO,
    D,
    floor_int,
    fmt,
    from_cents,
    money,
    points_value,
    prorate,
    round_money,
    share,
    to_cents,
    whole_cent_step,
)


@pytest.mark.parametrize("value", [0.1, 25.0, 1e3])
def test_floats_are_refused(value: float) -> None:
    with pytest.raises(TypeError, match="inexact"):
        D(value)
    with pytest.raises(TypeError):
        money(value)


def test_bools_are_refused() -> None:
    with pytest.raises(TypeError):
        D(True)


@pytest.mark.parametrize("value", ["abc", "", "NaN", "Infinity", "-inf"])
def test_non_numbers_and_non_finite_are_refused(value: str) -> None:
    with pytest.raises(ValueError):
        D(value)


def test_d_accepts_strings_ints_and_decimals_exactly() -> None:
    assert D(" 12.345 ") == Decimal("12.345")
    assert D(7) == Decimal(7)
    assert D(Decimal("0.1")) + D("0.2") == Decimal("0.3")


def test_money_has_at_most_two_decimals() -> None:
    assert money("25") == Decimal("25.00")
    assert str(money("25")) == "25.00"
    assert money("0.10") == Decimal("0.10")
    assert money("1.230") == Decimal("1.23")  # a trailing zero is not a third decimal
    with pytest.raises(ValueError, match="two decimals"):
        money("1.005")


def test_round_money_is_half_up() -> None:
    assert round_money(Decimal("1.005")) == Decimal("1.01")
    assert round_money(Decimal("1.004")) == Decimal("1.00")
    assert round_money(Decimal("2.675")) == Decimal("2.68")  # a float would give 2.67
    assert round_money(Decimal("-1.005")) == Decimal("-1.01")


def test_floor_int_never_rounds_up() -> None:
    assert floor_int(Decimal("2.999")) == 2
    assert floor_int(Decimal(250)) == 250
    assert floor_int(Decimal("-0.5")) == -1
    assert isinstance(floor_int(Decimal("3.7")), int)


def test_cents_round_trip() -> None:
    assert to_cents(Decimal("12.34")) == 1234
    assert from_cents(1234) == Decimal("12.34")
    assert from_cents(-5) == Decimal("-0.05")
    assert fmt(Decimal(25)) == "25.00"
    with pytest.raises(ValueError):
        to_cents(Decimal("0.001"))


# --- R1: splitting a line between what is kept and what is returned --------------------------


def test_a_line_returned_unit_by_unit_loses_no_cent() -> None:
    """Issue 19 item 7: 10.00 for 3, returned one by one: 3.33 + 3.34 + 3.33, not 3 x 3.33."""
    ten, three = Decimal("10.00"), Decimal(3)
    pieces = [prorate(ten, three, Decimal(k), Decimal(k + 1)) for k in range(3)]
    assert pieces == [Decimal("3.33"), Decimal("3.34"), Decimal("3.33")]
    assert sum(pieces) == ten
    # two returned, one kept: what is kept is what was sold less what was returned
    assert ten - share(ten, Decimal(2), three) == Decimal("3.33")


def test_share_is_exact_at_both_ends_and_zero_of_nothing() -> None:
    assert share(Decimal("10.00"), Decimal(0), Decimal(3)) == Decimal("0.00")
    assert share(Decimal("10.00"), Decimal(3), Decimal(3)) == Decimal("10.00")
    assert share(Decimal("0.80"), Decimal(5), Decimal(0)) == Decimal("0.00")  # no subtotal
    assert share(Decimal("0.01"), Decimal(1), Decimal(2)) == Decimal("0.01")  # half up


@given(st.integers(min_value=0, max_value=10**11), st.integers(min_value=1, max_value=10**4),
       st.sampled_from([1, 100]), st.data())
def test_kept_plus_returned_is_sold_for_any_sequence_of_returns(
        cents: int, units: int, per: int, data: st.DataObject) -> None:
    """A line of `units / per` (whole or in hundredths) for `cents`, returned in any number
    of partial returns of any sizes, perhaps to the end: each piece is whole cents within
    the amount and within a cent of its exact share, and after every return kept +
    returned == sold."""
    amount, qty = from_cents(cents), Decimal(units) / per
    steps = sorted(set(data.draw(st.lists(st.integers(min_value=1, max_value=units),
                                          max_size=12))))
    returned, before = ZERO, Decimal(0)
    for step in steps:
        after = Decimal(step) / per
        piece = prorate(amount, qty, before, after)
        assert piece == piece.quantize(Decimal("0.01"))
        assert ZERO <= piece <= amount
        assert abs(piece - amount * (after - before) / qty) < Decimal("0.01")  # a fair share
        returned += piece
        kept = amount - share(amount, after, qty)
        assert ZERO <= kept <= amount
        assert kept + returned == amount
        before = after
    if before == qty:
        assert returned == amount


# --- G1, C2: the value of points with a sub-cent point_value ----------------------------------


def test_points_value_rounds_half_cents_half_up() -> None:
    half = Decimal("0.005")
    assert points_value(3, half) == Decimal("0.02")
    assert points_value(2, half) == Decimal("0.01")
    assert points_value(-3, half) == Decimal("-0.02")  # a debt: away from 0, as round_money
    assert points_value(250, Decimal("0.01")) == Decimal("2.50")


def test_whole_cent_step_is_the_fewest_points_worth_whole_cents() -> None:
    assert whole_cent_step(Decimal("0.01")) == 1
    assert whole_cent_step(Decimal("0.05")) == 1
    assert whole_cent_step(Decimal("1.25")) == 1
    assert whole_cent_step(Decimal("0.005")) == 2
    assert whole_cent_step(Decimal("0.001")) == 10
    assert whole_cent_step(Decimal("0.0025")) == 4
    assert whole_cent_step(Decimal("0.0033")) == 100


point_values = st.integers(min_value=1, max_value=5000).map(lambda n: Decimal(n) / 10000)


@given(point_values)
def test_whole_cent_step_multiples_and_only_they_are_whole_cents(pv: Decimal) -> None:
    step = whole_cent_step(pv)
    for k in range(1, 2 * step + 1):
        worth = pv * k
        assert (worth == worth.quantize(Decimal("0.01"))) == (k % step == 0)


@given(point_values, st.lists(st.integers(min_value=-5000, max_value=5000), max_size=30))
def test_booked_liability_never_drifts_half_a_cent(pv: Decimal, deltas: list[int]) -> None:
    """G1: the changes booked one by one add up to the rounded value of what is held, so
    the journal is within half a cent of held x point_value after any sequence of moves;
    with a whole-cent point_value each change is exactly delta x point_value."""
    held, booked = 0, ZERO
    for delta in deltas:
        change = liability_change(pv, held, held + delta)
        assert change == change.quantize(Decimal("0.01"))
        if whole_cent_step(pv) == 1:
            assert change == pv * delta
        held += delta
        booked += change
        assert booked == points_value(held, pv)
        assert abs(booked - pv * held) <= Decimal("0.005")
