"""Earning (A2-A4, section 2 filters and rates): eligible lines, amounts and points."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from patronage.core.earning import (
    Line,
    Rate,
    Sale,
    band_percent,
    eligible_amount,
    line_eligible,
    rate_for,
)
from patronage.core.programs import Award, CreditMemo, Filter, Multiplier, Program, Tier

d = dt.date
DAY = d(2024, 3, 1)
SALE = Sale(date=DAY, type="sale", store=1, job_type="install")


def program(*filters: Filter, multipliers: tuple[Multiplier, ...] = (
        Multiplier("m", Decimal("5.00")),)) -> Program:
    return Program(id="p", name="P", kind="recurring", status="open", effective=d(2024, 1, 1),
                   filters=filters, multipliers=multipliers,
                   awards=(Award("a", level=100, credit_memo=CreditMemo(Decimal("5.00"))),))


def line(**changes: object) -> Line:
    base = Line(sku="TIRE", item_type="product", qty=Decimal(1), price=Decimal("100.00"),
                product_line="tires", sub_department="auto", vendor="acme", manufacturer="goodco")
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def eligible(f: Filter, sale: Sale = SALE, **line_changes: object) -> bool:
    return line_eligible(program(f), sale, line(**line_changes))


@pytest.mark.parametrize(
    ("criterion", "match", "sale_change", "line_change"),
    [
        ("transaction_types", ("sale",), {"type": "job_bill"}, {}),
        ("stores", (1,), {"store": 2}, {}),
        ("job_types", ("install",), {"type": "job_bill", "job_type": "repair"}, {}),
        ("vendors", ("acme",), {}, {"vendor": "other"}),
        ("manufacturers", ("goodco",), {}, {"manufacturer": "other"}),
        ("product_lines", ("tires",), {}, {"product_line": "wheels"}),
        ("sub_departments", ("auto",), {}, {"sub_department": "pool"}),
        ("item_types", ("product",), {}, {"item_type": "service"}),
        ("items", ("TIRE",), {}, {"sku": "RIM"}),
    ],
)
def test_each_filter_criterion(criterion: str, match: tuple[object, ...],
                               sale_change: dict[str, object],
                               line_change: dict[str, object]) -> None:
    f = Filter("f", **{criterion: match})  # type: ignore[arg-type]
    assert eligible(f)
    other_sale = dataclasses.replace(SALE, **sale_change)  # type: ignore[arg-type]
    assert not eligible(f, other_sale, **line_change)


def test_job_types_constrain_job_bills_only() -> None:
    """PRODUCT.md section 2: an invoice of another type passes a job_types list."""
    f = Filter("installs", job_types=("install",))
    job_bill = dataclasses.replace(SALE, type="job_bill")
    assert eligible(f, job_bill)
    assert not eligible(f, dataclasses.replace(job_bill, job_type="repair"))
    assert not eligible(f, dataclasses.replace(job_bill, job_type=None))
    for other in ("sale", "sales_order", "my_pos_type"):
        assert eligible(f, dataclasses.replace(SALE, type=other, job_type="repair"))
        assert eligible(f, dataclasses.replace(SALE, type=other, job_type=None))


def test_missing_line_attribute_does_not_match_a_named_list() -> None:
    assert not eligible(Filter("f", vendors=("acme",)), vendor=None)
    assert eligible(Filter("f"), vendor=None)


def test_empty_lists_mean_any() -> None:
    assert eligible(Filter("any"), SALE, item_type="whatever", sku="Z", vendor=None)


def test_min_qty() -> None:
    f = Filter("four or more", min_qty=Decimal(4))
    assert not eligible(f, qty=Decimal("3.99"))
    assert eligible(f, qty=Decimal(4))
    assert eligible(f, qty=Decimal(5))


def test_exclude_item_types() -> None:
    f = Filter("no labor", exclude_item_types=("labor", "shop_supplies"))
    assert eligible(f, item_type="product")
    assert not eligible(f, item_type="labor")
    assert not eligible(f, item_type="shop_supplies")


def test_filter_dates() -> None:
    f = Filter("march", effective=d(2024, 3, 1), expires=d(2024, 4, 1))
    assert eligible(f, dataclasses.replace(SALE, date=d(2024, 3, 1)))
    assert not eligible(f, dataclasses.replace(SALE, date=d(2024, 2, 29)))
    assert not eligible(f, dataclasses.replace(SALE, date=d(2024, 4, 1)))


def test_a_line_matching_any_filter_is_eligible() -> None:
    p = program(Filter("tires", items=("TIRE",)), Filter("labor", item_types=("labor",)))
    assert line_eligible(p, SALE, line(item_type="labor", sku="LAB"))
    assert line_eligible(p, SALE, line())
    assert not line_eligible(p, SALE, line(sku="RIM"))


def test_no_filter_means_nothing_is_eligible() -> None:
    assert not line_eligible(program(), SALE, line())


def test_gift_cards_are_never_eligible() -> None:
    explicit = Filter("gift cards", item_types=("gift_card",))
    assert not eligible(explicit, item_type="gift_card")
    assert not eligible(Filter("all"), item_type="gift_card")


def test_line_amount_is_qty_times_price_less_discount_half_up() -> None:
    assert line(qty=Decimal(3), price=Decimal("19.99"), discount=Decimal("5.00")).amount == \
        Decimal("54.97")
    assert line(qty=Decimal("0.333"), price=Decimal("10.00")).amount == Decimal("3.33")
    assert line(qty=Decimal("0.5"), price=Decimal("0.05")).amount == Decimal("0.03")  # 0.025 up


def test_eligible_amount_less_loyalty_discount_never_below_zero() -> None:
    amounts = [(Decimal("100.00"), True), (Decimal("50.00"), False), (Decimal("20.00"), True)]
    assert eligible_amount(amounts, Decimal("0.00")) == Decimal("120.00")
    assert eligible_amount(amounts, Decimal("30.00")) == Decimal("90.00")
    assert eligible_amount(amounts, Decimal("500.00")) == Decimal("0.00")
    assert eligible_amount([], Decimal("0.00")) == Decimal("0.00")


def test_multiplier_specificity() -> None:
    general = Multiplier("general", Decimal("5.00"))
    jobs = Multiplier("jobs", Decimal("2.00"), transaction_types=("job_bill",))
    p = program(Filter("all"), multipliers=(general, jobs))
    assert rate_for(p, SALE).currency_per_point == Decimal("5.00")
    assert rate_for(p, dataclasses.replace(SALE, type="job_bill")).currency_per_point == \
        Decimal("2.00")
    p2 = program(Filter("all"), multipliers=(jobs, general))  # order does not matter
    assert rate_for(p2, dataclasses.replace(SALE, type="job_bill")).currency_per_point == \
        Decimal("2.00")


def test_multiplier_in_effect_only_and_none_earns_zero() -> None:
    spring = Multiplier("spring", Decimal("1.00"), effective=d(2024, 3, 1), expires=d(2024, 6, 1))
    p = program(Filter("all"), multipliers=(spring,))
    assert rate_for(p, SALE).currency_per_point == Decimal("1.00")
    winter = rate_for(p, dataclasses.replace(SALE, date=d(2024, 2, 1)))
    assert winter.currency_per_point is None
    assert winter.points(Decimal("1000.00")) == 0


@pytest.mark.parametrize(("amount", "points"), [
    ("1250.00", 250), ("12.00", 2), ("4.99", 0), ("5.00", 1), ("9.99", 1), ("0.00", 0),
    ("-5.00", 0)])
def test_a4_multiplier_points(amount: str, points: int) -> None:
    assert Rate(currency_per_point=Decimal("5.00")).points(Decimal(amount)) == points


TIERS = ((Decimal("100.00"), Decimal(1)), (Decimal("500.00"), Decimal(2)),
         (None, Decimal(3)))


@pytest.mark.parametrize(("amount", "percent"), [
    ("0.01", "1"), ("100.00", "1"), ("100.01", "2"), ("500.00", "2"), ("500.01", "3"),
    ("1000000", "3")])
def test_percent_band_boundary_equal_to_up_to_belongs_to_band(amount: str, percent: str) -> None:
    assert band_percent(TIERS, Decimal(amount)) == Decimal(percent)


def test_percent_tiers_apply_the_band_to_the_whole_amount_and_floor() -> None:
    rate = Rate(tiers=TIERS, point_value=Decimal("0.01"))
    assert rate.points(Decimal("300.00")) == 600  # 2% of the whole 300, not marginal
    assert rate.points(Decimal("100.00")) == 100
    assert rate.points(Decimal("100.01")) == 200  # 2.0002 dollars = 200.02 points
    assert rate.points(Decimal("40.00")) == 40
    assert rate.points(Decimal("0.99")) == 0
    nickels = Rate(tiers=((None, Decimal(2)),), point_value=Decimal("0.05"))
    assert nickels.points(Decimal("12.49")) == 4  # 0.2498 / 0.05 = 4.996
    assert nickels.points(Decimal("12.50")) == 5


def test_rate_for_percent_program_and_json_round_trip() -> None:
    p = Program(id="b", name="B", kind="points_bank", status="open", effective=d(2024, 1, 1),
                point_value=Decimal("0.01"), filters=(Filter("all"),),
                percent_tiers=tuple(Tier(u, pct) for u, pct in TIERS))
    rate = rate_for(p, SALE)
    assert rate.tiers == TIERS and rate.point_value == Decimal("0.01")
    assert Rate.from_json(rate.to_json()) == rate
    multiplier = Rate(currency_per_point=Decimal("2.50"))
    assert Rate.from_json(multiplier.to_json()) == multiplier
    assert Rate.from_json(None) == Rate()
    assert Rate().points(Decimal(100)) == 0
