"""Why a line earned what it did (issue 21 item 9): the filter that matched, or each reason
none did; the rate and multiplier; the points, as the engine (core/earning.py) works them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patronage.core.earning import (
    Line,
    Sale,
    eligible_amount,
    filter_matches,
    line_eligible,
    rate_for,
)
from patronage.core.explain import Earner, accrual, explain_sale, filter_misses
from patronage.core.programs import Award, CreditMemo, Filter, Multiplier, Program, Tier

DAY = dt.date(2024, 3, 1)
SALE = Sale(date=DAY, type="sale", store=1, job_type=None)
TIRES = Filter("tires", product_lines=("TIRES",), exclude_item_types=("labor",))
BATTERIES = Filter("batteries", product_lines=("BATTERIES",), min_qty=Decimal(2))


def program(*filters: Filter, **changes: object) -> Program:
    base = Program(id="club", name="250 Club", kind="recurring", status="open",
                   effective=dt.date(2024, 1, 1), filters=filters or (TIRES, BATTERIES),
                   multipliers=(Multiplier("base", Decimal("5.00")),
                                Multiplier("job bills", Decimal("2.00"),
                                           transaction_types=("job_bill",))),
                   awards=(Award("a", level=250, credit_memo=CreditMemo(Decimal("25.00"))),))
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def line(sku: str = "T1", product_line: str | None = "TIRES", price: str = "100.00",
         qty: str = "1", item_type: str = "product") -> Line:
    return Line(sku=sku, item_type=item_type, qty=Decimal(qty), price=Decimal(price),
                product_line=product_line)


def member(p: Program | None = None, **changes: object) -> Earner:
    base = Earner(program=p or program(), enrolled_on=dt.date(2024, 1, 1), status="RETAIL")
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_a_matching_line_names_its_filter_rate_and_points() -> None:
    why = explain_sale(member(), SALE, [line(price="62.00")])
    [first] = why.lines
    assert (first.earns, first.filter, first.reasons) == (True, "tires", ())
    assert first.rate == "1 point per 5.00 (multiplier 'base')"
    assert first.points == 12  # floor(62.00 / 5.00)
    assert (why.eligible_amount, why.points) == (Decimal("62.00"), 12)


def test_a_line_no_filter_matched_lists_each_filters_reason() -> None:
    why = explain_sale(member(), SALE, [line(sku="B1", product_line="WIPERS"),
                                        line(sku="L1", item_type="labor")])
    wipers, labor = why.lines
    assert not wipers.earns and wipers.filter is None and wipers.points == 0
    assert wipers.reasons == (
        "no filter matched",
        "product line WIPERS not in filter 'tires' (TIRES)",
        "product line WIPERS not in filter 'batteries' (BATTERIES)",
        "quantity 1 below the minimum 2 of filter 'batteries'",
    )
    assert "item type labor excluded by filter 'tires'" in labor.reasons
    assert why.points == 0


def test_a_status_that_is_not_eligible_is_the_reason_on_every_line() -> None:
    p = program(eligible_statuses=("RETAIL", "FLEET"))
    why = explain_sale(member(p, status="WHOLESALE"), SALE, [line(), line(sku="T2")])
    for each in why.lines:
        assert not each.earns and each.points == 0
        assert each.filter == "tires"  # the filter matched: the status is what stops it
        assert each.reasons == ("status WHOLESALE not eligible (the program takes RETAIL, FLEET)",)
    assert why.points == 0
    assert why.notes == ("status WHOLESALE not eligible (the program takes RETAIL, FLEET)",)


@pytest.mark.parametrize(("who", "sale", "reason"), [
    ({"status_included": False, "status": "BANNED"}, {}, "status BANNED is not included in loyalty"),
    ({"program": None, "enrolled_on": None}, {}, "the customer is not enrolled in a program"),
    ({"has_customer": False}, {}, "the sale has no customer"),
    ({"enrolled_on": dt.date(2024, 3, 2)}, {}, "enrolled on 2024-03-02, after the sale"),
    ({"program": program(status="draft")}, {}, "program '250 Club' is a draft"),
    ({"program": program(expires=DAY)}, {}, "program '250 Club' is not in effect on 2024-03-01"),
    ({"program": program(start_date=dt.date(2024, 4, 1))}, {},
     "the sale is before the program's start date 2024-04-01"),
    ({}, {"type": "layaway"}, "a layaway earns only when it is converted into a sale"),
    ({}, {"type": "gift_card_sale"}, "a gift card sale never earns"),
])
def test_what_stops_the_whole_sale(who: dict[str, object], sale: dict[str, object],
                                   reason: str) -> None:
    earner = dataclasses.replace(member(), **who)  # type: ignore[arg-type]
    why = explain_sale(earner, dataclasses.replace(SALE, **sale),  # type: ignore[arg-type]
                       [line()])
    assert reason in why.lines[0].reasons and reason in why.notes
    assert why.points == 0 and not why.lines[0].earns


def test_gift_card_lines_never_earn() -> None:
    [gift] = explain_sale(member(), SALE, [line(item_type="gift_card")]).lines
    assert gift.reasons == ("item type gift_card never earns",) and not gift.earns


def test_filter_conditions_each_have_a_reason() -> None:
    f = Filter("fleet", effective=dt.date(2024, 1, 1), transaction_types=("sales_order",),
               stores=(2,), job_types=("install",), vendors=("acme",), items=("X",),
               min_qty=Decimal(4))
    job = dataclasses.replace(SALE, type="job_bill", job_type="repair")
    assert filter_misses(f, job, line()) == [
        "type job_bill not in filter 'fleet' (sales_order)",
        "store 1 not in filter 'fleet' (2)",
        "job type repair not in filter 'fleet' (install)",
        "vendor (none) not in filter 'fleet' (acme)",
        "sku T1 not in filter 'fleet' (X)",
        "quantity 1 below the minimum 4 of filter 'fleet'",
    ]
    # job types constrain job bills only; a filter not yet in effect says so and nothing else
    assert not any("job type" in r for r in filter_misses(f, SALE, line()))
    late = dataclasses.replace(f, effective=dt.date(2024, 6, 1))
    assert filter_misses(late, SALE, line()) == ["filter 'fleet' is not in effect on 2024-03-01"]


def test_the_rate_names_the_multiplier_for_the_type_and_the_percent_band() -> None:
    job = dataclasses.replace(SALE, type="job_bill")
    [first] = explain_sale(member(), job, [line(price="9.00")]).lines
    assert first.rate == "1 point per 2.00 (multiplier 'job bills')" and first.points == 4
    bank = program(kind="points_bank", multipliers=(), awards=(), point_value=Decimal("0.01"),
                   percent_tiers=(Tier(Decimal("100.00"), Decimal(1)), Tier(None, Decimal(2))))
    why = explain_sale(member(bank), SALE, [line(price="80.00"), line(sku="T2", price="70.00")])
    assert [x.rate for x in why.lines] == ["2% of 150.00 eligible, at 0.01 a point"] * 2
    assert [x.points for x in why.lines] == [160, 140]  # the band of the sale, not of the line
    assert why.points == 300


def test_the_loyalty_discount_and_the_rounding_are_explained() -> None:
    why = explain_sale(member(), SALE, [line(price="14.00"), line(sku="T2", price="14.00")],
                       loyalty_discount=Decimal("3.00"))
    assert [x.points for x in why.lines] == [2, 2]
    assert why.points == 5  # floor(25.00 / 5.00): once on the sale
    assert why.notes == ("the loyalty discount 3.00 comes off the eligible 28.00 (A3)",
                         ("25.00 eligible at 1 point per 5.00 (multiplier 'base'): 5 points, "
                         "worked out once on the whole sale (A4)"))


def test_accrual_follows_a5() -> None:
    on_invoice = program()
    paid = program(accrue_on="paid_in_full")
    cash = program(accrue_on="paid_in_full", cash_equivalent_only=True)
    assert accrual(on_invoice, Decimal(0), Decimal("10.00"), []).now
    unpaid = accrual(paid, Decimal("4.00"), Decimal("10.00"), ["cash"])
    assert (unpaid.now, unpaid.ever) == (False, True)
    assert unpaid.note == "accrues when paid in full: paid 4.00 of 10.00"
    assert accrual(paid, Decimal("10.00"), Decimal("10.00"), ["rewards"]).now
    never = accrual(cash, Decimal("10.00"), Decimal("10.00"), ["cash", "rewards"])
    assert (never.now, never.ever) == (False, False)
    assert accrual(cash, Decimal("10.00"), Decimal("10.00"), ["cash", "card"]).now


# --- the explanation agrees with the engine, whatever the line -----------------------------
CODES = st.sampled_from(["A", "B", None])
FILTERS = st.builds(
    Filter, name=st.sampled_from(["f1", "f2"]),
    effective=st.sampled_from([None, dt.date(2024, 1, 1), dt.date(2024, 6, 1)]),
    transaction_types=st.sampled_from([(), ("sale",), ("job_bill",)]),
    stores=st.sampled_from([(), (1,), (2,)]), job_types=st.sampled_from([(), ("install",)]),
    vendors=st.sampled_from([(), ("A",)]), product_lines=st.sampled_from([(), ("A", "B")]),
    item_types=st.sampled_from([(), ("product",)]),
    exclude_item_types=st.sampled_from([(), ("labor",)]),
    min_qty=st.sampled_from([None, Decimal(2)]))
LINES = st.builds(
    Line, sku=st.sampled_from(["S1", "S2"]),
    item_type=st.sampled_from(["product", "labor", "gift_card"]),
    qty=st.sampled_from([Decimal(1), Decimal(3)]),
    price=st.sampled_from([Decimal("4.99"), Decimal("120.00")]), vendor=CODES,
    product_line=CODES)
SALES = st.builds(Sale, date=st.just(DAY), type=st.sampled_from(["sale", "job_bill"]),
                  store=st.sampled_from([1, 2]), job_type=st.sampled_from([None, "install"]))


@settings(max_examples=300, deadline=None)
@given(filters=st.lists(FILTERS, min_size=1, max_size=3), lines=st.lists(LINES, max_size=4),
       sale=SALES, discount=st.sampled_from([Decimal(0), Decimal("10.00")]))
def test_the_explanation_agrees_with_the_engine(filters: list[Filter], lines: list[Line],
                                                sale: Sale, discount: Decimal) -> None:
    p = program(*filters)
    why = explain_sale(member(p), sale, lines, discount)
    for x, said in zip(lines, why.lines, strict=True):
        assert said.earns == line_eligible(p, sale, x)
        assert (said.filter is not None) == (x.item_type != "gift_card" and said.earns)
        assert said.earns or said.reasons
    for f in filters:
        for x in lines:
            assert (filter_misses(f, sale, x) == []) == filter_matches(f, sale, x)
    amounts = [(x.amount, line_eligible(p, sale, x)) for x in lines]
    assert why.points == rate_for(p, sale).points(eligible_amount(amounts, discount))
