"""Returns and voids as pure rules (core/returns.py): which lines a return takes and its
amount (R1), its tax share (R4), the points kept by the invoice's frozen rate (R1), a
return without an invoice (R2), and what a void gives back (R3)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patronage.core.earning import Line, Rate
from patronage.core.errors import PatronageError
from patronage.core.programs import Filter, Multiplier, Program
from patronage.core.returns import (
    VOIDED,
    ReturnedLine,
    SoldLine,
    coupon_back,
    memo_use_back,
    points_kept,
    points_to_take,
    redemption_back,
    take_lines,
    unlinked_lines,
    unlinked_points,
)

D = Decimal
DAY = dt.date(2024, 3, 1)
PER_DOLLAR = Rate(currency_per_point=D("1.00"))


def sold(*lines: tuple[str, str, str], returned: str = "0") -> list[SoldLine]:
    """Lines numbered from 0: (sku, qty, amount), none returned (or `returned` of each)."""
    return [SoldLine(n, sku, D(qty), D(returned), D(amount)) for n, (sku, qty, amount)
            in enumerate(lines)]


def back(sku: str, qty: str) -> ReturnedLine:
    return ReturnedLine(sku, D(qty))


def test_a_line_returned_one_by_one_gives_back_its_amount_in_cumulative_pieces() -> None:
    lines = sold(("X", "3", "10.00"))
    pieces = []
    for _ in range(3):
        taking = take_lines(lines, [back("X", "1")], D("0"), D("10.00"))
        pieces.append(taking.amount)
        lines = list(taking.applied(lines))
    assert pieces == [D("3.33"), D("3.34"), D("3.33")]  # R1: money.prorate, never piecewise
    assert lines[0].returned_qty == 3 and lines[0].kept == 0


def test_a_return_takes_the_lines_of_its_sku_in_order_at_most_what_each_has_left() -> None:
    lines = [SoldLine(0, "X", D(2), D(1), D("20.00")), SoldLine(1, "Y", D(1), D(0), D("7.00")),
             SoldLine(2, "X", D(4), D(0), D("40.00"))]
    taking = take_lines(lines, [back("X", "3")], D("0"), D("67.00"))
    assert taking.returned == ((0, D(2)), (2, D(2)))  # line 0's last one, then two of line 2
    assert taking.amount == D("10.00") + D("20.00")
    assert taking.before == D("10.00") and taking.after == D("40.00")
    assert taking.lines_amount == D("67.00")
    after = taking.applied(lines)
    assert [x.returned_qty for x in after] == [D(2), D(0), D(2)]
    assert [x.kept for x in after] == [D("0.00"), D("7.00"), D("20.00")]


@pytest.mark.parametrize(("asked", "field"), [
    ([back("X", "3")], "lines.0.qty"),  # two sold
    ([back("X", "1"), back("X", "2")], "lines.1.qty"),  # the second asks what the first took
    ([back("Z", "1")], "lines.0.qty"),  # never sold
])
def test_returning_more_than_is_left_fails_naming_the_line(asked: list[ReturnedLine],
                                                           field: str) -> None:
    with pytest.raises(PatronageError) as caught:
        take_lines(sold(("X", "2", "20.00")), asked, D("0"), D("20.00"))
    assert caught.value.code == "return_exceeds_sale"
    assert caught.value.fields == [field]


def test_the_tax_share_is_by_amount_and_adds_up_to_the_tax() -> None:
    lines = sold(("X", "1", "30.00"), ("Y", "2", "70.00"))
    first = take_lines(lines, [back("Y", "1")], D("7.00"), D("100.00"))
    assert first.amount == D("35.00") and first.tax == D("2.45")  # R4: 35% of the tax
    second = take_lines(list(first.applied(lines)), [back("X", "1"), back("Y", "1")],
                        D("7.00"), D("100.00"))
    assert first.tax + second.tax == D("7.00")


@given(st.lists(st.integers(1, 7), min_size=1, max_size=6), st.integers(1, 100_000),
       st.integers(0, 3_000), st.randoms(use_true_random=False))
def test_every_line_returned_in_any_steps_gives_back_exactly_its_amount_and_tax(
        qtys: list[int], cents: int, tax_cents: int, rnd: random.Random) -> None:
    lines = [SoldLine(n, f"S{n}", D(q), D(0), D(cents * (n + 1)) / 100)
             for n, q in enumerate(qtys)]
    subtotal = sum((x.amount for x in lines), D(0))
    tax = D(tax_cents) / 100
    units = [x.sku for x in lines for _ in range(int(x.qty))]
    rnd.shuffle(units)
    amount = taxed = D(0)
    while units:
        step, units = units[:2], units[2:]
        taking = take_lines(lines, [back(sku, "1") for sku in step], tax, subtotal)
        amount, taxed = amount + taking.amount, taxed + taking.tax
        lines = list(taking.applied(lines))
    assert amount == subtotal and taxed == tax
    assert points_kept(PER_DOLLAR, lines, D(0)) == (0, D(0))


def test_points_kept_are_the_frozen_rates_points_on_the_eligible_amount_kept() -> None:
    lines = [SoldLine(0, "X", D(4), D(1), D("100.00")),  # 75.00 kept
             SoldLine(1, "G", D(1), D(0), D("50.00"), eligible=False),  # a gift card
             SoldLine(2, "Y", D(1), D(0), D("30.50"))]
    assert points_kept(PER_DOLLAR, lines, D("5.00")) == (100, D("100.50"))  # less discount
    assert points_kept(Rate(currency_per_point=D("10.00")), lines, D(0)) == (10, D("105.50"))
    assert points_kept(PER_DOLLAR, lines, D(0), own=frozenset({1, 2})) == (80, D("80.50"))
    assert points_kept(PER_DOLLAR, lines, D("500.00")) == (0, D(0))  # never below zero


def test_the_points_to_take_are_what_the_invoice_no_longer_earns() -> None:
    assert points_to_take(120, 75) == 45
    assert points_to_take(120, VOIDED[0]) == 120  # R3: a void keeps nothing
    assert points_to_take(75, 120) == 0  # never gives points


def test_a_return_without_an_invoice_needs_its_customer_and_prices() -> None:
    with pytest.raises(PatronageError) as caught:
        unlinked_lines(None, [ReturnedLine("X", D(1), D("5.00"))])
    assert caught.value.code == "invalid" and caught.value.fields == ["customer"]
    with pytest.raises(PatronageError) as caught:
        unlinked_lines("C1", [ReturnedLine("X", D(1), D("5.00")), ReturnedLine("Y", D(2))])
    assert caught.value.code == "invalid" and caught.value.fields == ["lines.1.price"]
    customer, lines = unlinked_lines("C1", [ReturnedLine("X", D(2), D("5.25"), "labor")])
    assert customer == "C1"
    assert lines == [Line(sku="X", item_type="labor", qty=D(2), price=D("5.25"))]
    assert lines[0].amount == D("10.50")


def program(status: str = "open", **filter_fields: object) -> Program:
    return Program(id="p", name="P", kind="points_bank", status=status,
                   effective=dt.date(2024, 1, 1),
                   filters=(Filter("f", **filter_fields),),  # type: ignore[arg-type]
                   multipliers=(Multiplier("m", D("2.00")),))


def test_a_return_without_an_invoice_takes_what_its_amount_earns_today() -> None:
    lines = [Line(sku="X", item_type="product", qty=D(3), price=D("10.00")),
             Line(sku="L", item_type="labor", qty=D(1), price=D("9.00"))]
    assert unlinked_points(program(), lines, DAY, 1) == 19  # 39.00 at $2 a point
    assert unlinked_points(program(exclude_item_types=("labor",)), lines, DAY, 1) == 15
    assert unlinked_points(program(status="draft"), lines, DAY, 1) == 0


def test_a_void_gives_back_redeemed_points_unless_the_lot_expired_or_the_enrollment_closed(
) -> None:
    later = DAY + dt.timedelta(days=1)
    assert redemption_back(80, 0, later, DAY) == 80
    assert redemption_back(80, 30, None, DAY) == 50  # R5: returns gave back 30 already
    assert redemption_back(80, 90, None, DAY) == 0
    assert redemption_back(80, 0, DAY, DAY) == 0  # L1: expired on the day
    assert redemption_back(80, 0, later, DAY, enrollment_open=False) == 0  # E2: forfeited


def test_a_void_gives_back_memo_credit_unless_the_memo_expired_or_was_cancelled() -> None:
    later = DAY + dt.timedelta(days=1)
    assert memo_use_back(D("12.50"), "open", later, DAY) == D("12.50")
    assert memo_use_back(D("12.50"), "used", None, DAY) == D("12.50")
    assert memo_use_back(D("12.50"), "open", DAY, DAY) == 0
    assert memo_use_back(D("12.50"), "expired", None, DAY) == 0
    assert memo_use_back(D("12.50"), "cancelled", later, DAY) == 0
    assert memo_use_back(D("0.00"), "open", None, DAY) == 0


def test_a_void_reopens_the_coupons_its_invoice_used_that_have_not_expired() -> None:
    later = DAY + dt.timedelta(days=1)
    assert coupon_back(7, 7, "used", later, DAY)
    assert coupon_back(7, 7, "used", None, DAY)
    assert not coupon_back(7, 8, "used", later, DAY)  # another invoice's
    assert not coupon_back(7, 7, "open", later, DAY)
    assert not coupon_back(7, 7, "used", DAY, DAY)  # expired on the day
