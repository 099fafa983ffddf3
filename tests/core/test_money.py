"""Exact money (STYLE rule 2): floats refused, two decimals, named rounding modes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from patronage.core.money import D, floor_int, fmt, from_cents, money, round_money, to_cents


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
