"""B1: extras (tiers, campaigns) frozen on an invoice's rate, kept in proportion on returns."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from patronage.core.earning import Extra, Rate

D = Decimal
BASE = Rate(currency_per_point=D("1"))


def test_points_are_base_plus_extras_given_on_the_whole_amount() -> None:
    rate = BASE.with_extras((Extra("tier:gold", 50, "Gold"), Extra("campaign:1", 120)), D("100.00"))
    assert rate.base_points(D("100.00")) == 100
    assert rate.points(D("100.00")) == 270


def test_a_return_keeps_each_extra_in_proportion_and_a_void_keeps_none() -> None:
    rate = BASE.with_extras((Extra("campaign:1", 50),), D("100.00"))
    assert rate.points(D("60.00")) == 60 + 30
    assert rate.points(D("33.33")) == 33 + 16  # floor(50 x 3333 / 10000)
    assert rate.points(D("0")) == 0
    assert rate.points(D("250.00")) == 250 + 50  # never more than was given


def test_times_multiplies_before_dividing() -> None:
    rate = Rate(currency_per_point=D("3"))
    assert rate.base_points(D("10.00")) == 3
    assert rate.times(D("10.00"), D("3")) == 10  # (10 / 3) x 3 would floor to 9
    assert rate.times(D("10.00"), D("0.5")) == 1
    assert rate.times(D("10.00"), D("0")) == 0
    percent = Rate(tiers=((None, D("5")),), point_value=D("0.01"))
    assert percent.base_points(D("10.00")) == 50
    assert percent.times(D("10.00"), D("0.5")) == 25


def test_json_round_trip_and_old_rates_unchanged() -> None:
    plain = BASE.to_json()
    assert "extras" not in plain  # rates stored before B1 read and compare as they were
    assert Rate.from_json(plain) == BASE
    rate = BASE.with_extras((Extra("tier:gold", 7, "Gold"),), D("12.34"))
    assert Rate.from_json(rate.to_json()) == rate


@given(st.integers(0, 10_000), st.integers(1, 10**7),
       st.lists(st.integers(0, 10**7), min_size=1, max_size=6))
def test_returns_in_any_steps_take_back_exactly_what_was_given(extra: int, on_cents: int,
                                                               steps: list[int]) -> None:
    """Cumulative: the points kept only fall as more is returned, and all returned is 0."""
    on = D(on_cents) / 100
    rate = BASE.with_extras((Extra("campaign:1", extra),), on)
    kept_cents = on_cents
    last = rate.points(on)
    assert last == rate.base_points(on) + extra
    for step in steps:
        kept_cents = max(0, kept_cents - step)
        now = rate.points(D(kept_cents) / 100)
        assert now <= last
        last = now
    assert rate.points(D(0)) == 0
