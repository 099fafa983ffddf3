"""K1-K5 (docs/decisions.md, issue 23 item 3): core/campaigns.py's pure rules: when a
campaign applies (window, stores, item filter, tiers, live), the multiplier on the
matching lines' share, bonus points with a minimum quantity, stacking and the budget."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from patronage.core import campaigns as k
from patronage.core.campaigns import Campaign
from patronage.core.earning import Earning, Extra, Line, Rate, Sale
from patronage.core.programs import Filter

DAY = dt.date(2024, 3, 2)
PER_DOLLAR = Rate(currency_per_point=Decimal("1.00"))


def earning(*lines: Line, store: int = 1, day: dt.date = DAY, rate: Rate = PER_DOLLAR,
            earns: tuple[bool, ...] | None = None, discount: Decimal = Decimal(0),
            amounts: tuple[Decimal, ...] | None = None) -> Earning:
    kept = amounts if amounts is not None else tuple(x.amount for x in lines)
    flags = earns if earns is not None else tuple(True for _ in lines)
    eligible = max(Decimal(0), sum((a for a, e in zip(kept, flags, strict=True) if e),
                                   Decimal(0)) - discount)
    return Earning(Sale(day, "sale", store, None), lines, kept, flags, eligible, rate)


def line(price: str, qty: str = "1", item_type: str = "product", sku: str = "X") -> Line:
    return Line(sku=sku, item_type=item_type, qty=Decimal(qty), price=Decimal(price))


def campaign(**settings: object) -> Campaign:
    base: dict[str, object] = {"id": "c", "program_id": "p", "name": "C",
                               "effective": DAY, "multiplier": Decimal(2)}
    return Campaign(**{**base, **settings})  # type: ignore[arg-type]


def test_the_window_is_effective_to_the_day_before_expires() -> None:
    c = campaign(effective=DAY, expires=DAY + dt.timedelta(days=2))
    given = [k.earned(c, earning(line("10.00"), day=DAY + dt.timedelta(days=n)), frozenset())
             for n in (-1, 0, 1, 2)]
    assert given == [0, 10, 10, 0]


def test_stores_and_status() -> None:
    assert k.earned(campaign(stores=(2,)), earning(line("10.00"), store=1), frozenset()) == 0
    assert k.earned(campaign(stores=(1, 2)), earning(line("10.00"), store=2), frozenset()) == 10
    assert k.earned(campaign(status=k.STOPPED), earning(line("10.00")), frozenset()) == 0
    spent = campaign(budget=10, given=10)
    assert (spent.live, spent.state(DAY)) == (False, "spent")


def test_tiers_by_the_tier_extra_given_before() -> None:
    gold = campaign(tiers=("Gold",))
    before = [Extra("tier:gold", 5, "Gold"), Extra("campaign:other", 3)]
    assert k.tier_names(before) == frozenset({"gold"})
    assert k.earned(gold, earning(line("10.00")), k.tier_names(before)) == 10
    assert k.earned(gold, earning(line("10.00")), frozenset({"silver"})) == 0
    assert k.earned(gold, earning(line("10.00")), frozenset()) == 0


def test_the_multiplier_works_on_the_matching_lines_share() -> None:
    tires = campaign(multiplier=Decimal(3), lines=Filter(name="t", item_types=("tire",)))
    sale = earning(line("60.00", item_type="tire"), line("40.00"), discount=Decimal("10.00"))
    # eligible 90.00: exact 90 points; tires 60 of 100 earning: 54 x (3 - 1) = 108
    assert k.earned(tires, sale, frozenset()) == 108
    # a line that does not earn (A2, the program's filters) is never matched
    off = earning(line("60.00", item_type="tire"), line("40.00"), earns=(False, True))
    assert k.earned(tires, off, frozenset()) == 0


def test_exact_points_are_floored_once() -> None:
    thirds = Rate(currency_per_point=Decimal("3.00"))
    # 100.00 / 3 = 33.33..: x 0.5 = 16.66.. -> 16; the base alone floors to 33
    assert k.earned(campaign(multiplier=Decimal("1.5")), earning(line("100.00"), rate=thirds),
                    frozenset()) == 16
    # percent bands: the whole sale's band, 2% of 200.00 at 0.01 = 400 exact
    bands = Rate(tiers=((Decimal("100.00"), Decimal(1)), (None, Decimal(2))),
                 point_value=Decimal("0.01"))
    half = earning(line("100.00", sku="A"), line("100.00", sku="B"), rate=bands)
    only_a = campaign(lines=Filter(name="a", items=("A",)))
    assert k.earned(only_a, half, frozenset()) == 200


def test_bonus_needs_the_minimum_quantity_of_matching_lines() -> None:
    sets = campaign(multiplier=None, bonus_points=50, bonus_min_qty=Decimal(4),
                    lines=Filter(name="t", item_types=("tire",)))
    three = earning(line("10.00", qty="3", item_type="tire"), line("5.00", qty="9"))
    two_and_two = earning(line("10.00", qty="2", item_type="tire"),
                          line("10.00", qty="2", item_type="tire"))
    assert k.earned(sets, three, frozenset()) == 0
    assert k.earned(sets, two_and_two, frozenset()) == 50
    # returned before accrual (R4): 3 of 4 kept by amount is 3 tires
    kept = earning(line("10.00", qty="4", item_type="tire"), amounts=(Decimal("30.00"),))
    assert k.earned(sets, kept, frozenset()) == 0
    assert k.earned(sets, earning(line("0.00", qty="4", item_type="tire")), frozenset()) == 0


def test_both_at_once_and_stacking_adds() -> None:
    both = campaign(multiplier=Decimal(2), bonus_points=7)
    assert k.earned(both, earning(line("10.00")), frozenset()) == 17
    # each on the base: 1.5 and 2 give 5 + 10 on a base of 10, never 1.5 x 2 x 10
    sale = earning(line("10.00"))
    assert [k.earned(c, sale, frozenset()) for c in
            (campaign(multiplier=Decimal("1.5")), campaign(multiplier=Decimal(2)))] == [5, 10]


def test_the_budget_caps_and_stops() -> None:
    assert k.capped(100, None) == 100
    assert k.capped(100, 30) == 30
    assert k.capped(100, 0) == 0
    c = campaign(budget=100, given=70)
    assert (c.left, c.live, c.state(DAY)) == (30, True, "active")
    assert k.given_by((Extra("campaign:c", 12), Extra("campaign:cc", 5), Extra("tier:c", 1)),
                      "c") == 12


def test_nothing_on_an_empty_eligible_amount() -> None:
    assert k.earned(campaign(bonus_points=5), earning(line("10.00"), discount=Decimal(20)),
                    frozenset()) == 0


def test_the_explanation_names_each_extra() -> None:
    from patronage.core.explain import extra_note

    assert extra_note(Extra("campaign:dbl", 120, "Double weekend"), 120) \
        == "campaign Double weekend: +120 points"
    assert extra_note(Extra("tier:Gold", 30, "Gold tier x1.5"), 30) \
        == "Gold tier x1.5: +30 points"
    assert extra_note(Extra("tier:Gold", 30), 30) == "tier Gold: +30 points"
