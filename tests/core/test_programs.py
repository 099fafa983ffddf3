"""Program validation (section 2): `problems()` lists every problem at once, by field."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from patronage.core.programs import (
    Award,
    CreditMemo,
    Filter,
    Multiplier,
    Program,
    Tier,
)

d = dt.date
MEMO = CreditMemo(Decimal("5.00"), 30)
EVERYTHING = (Filter("all"),)
ONE_PER_5 = (Multiplier("m", Decimal("5.00")),)


def recurring(**changes: object) -> Program:
    base = Program(id="r", name="R", kind="recurring", status="open", effective=d(2024, 1, 1),
                   filters=EVERYTHING, multipliers=ONE_PER_5,
                   awards=(Award("a", level=100, credit_memo=MEMO),))
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def bank(**changes: object) -> Program:
    base = Program(id="b", name="B", kind="points_bank", status="open", effective=d(2024, 1, 1),
                   point_value=Decimal("0.01"), filters=EVERYTHING,
                   percent_tiers=(Tier(Decimal(100), Decimal(1)), Tier(None, Decimal(2))))
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def program_end(**changes: object) -> Program:
    base = Program(id="p", name="P", kind="program_end", status="open", effective=d(2024, 1, 1),
                   enrollment_basis="enrolled_date", duration_months=12, filters=EVERYTHING,
                   multipliers=ONE_PER_5,
                   awards=(Award("gold", level_from=100, credit_memo=MEMO),))
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def fields(p: Program) -> list[str]:
    return [x.field for x in p.problems()]


@pytest.mark.parametrize("p", [recurring(), bank(), program_end()], ids=["recurring", "bank", "end"])
def test_valid_programs_have_no_problems(p: Program) -> None:
    assert p.problems() == []


def test_every_problem_is_listed_at_once() -> None:
    p = Program(id="x", name="X", kind="recurring", status="open", effective=d(2024, 1, 1),
                expires=d(2024, 1, 1), cash_equivalent_only=True, grace_days=10,
                points_expire_days=10)
    assert fields(p) == ["expires", "filters", "cash_equivalent_only", "multipliers", "awards",
                         "points_expire_days"]
    assert all(x.message for x in p.problems())


def test_filters_required() -> None:
    assert fields(recurring(filters=())) == ["filters"]


def test_exactly_one_earning_method() -> None:
    assert fields(recurring(multipliers=())) == ["multipliers"]
    both = bank(multipliers=ONE_PER_5)
    assert fields(both) == ["percent_tiers"]


def test_percent_tiers_only_for_points_bank() -> None:
    p = recurring(multipliers=(), percent_tiers=(Tier(None, Decimal(1)),))
    assert fields(p) == ["percent_tiers"]


def test_multiplier_rate_must_be_positive() -> None:
    assert fields(recurring(multipliers=(Multiplier("m", Decimal(0)),))) == [
        "multipliers.0.currency_per_point"]


def test_awards_required_unless_points_bank() -> None:
    assert fields(recurring(awards=())) == ["awards"]
    assert fields(program_end(awards=())) == ["awards"]
    assert fields(bank(awards=())) == []


def test_award_needs_an_action() -> None:
    assert fields(recurring(awards=(Award("a", level=100),))) == ["awards.0"]


def test_recurring_award_needs_a_level() -> None:
    assert fields(recurring(awards=(Award("a", credit_memo=MEMO),))) == ["awards.0.level"]
    assert fields(recurring(awards=(Award("a", level=0, credit_memo=MEMO),))) == ["awards.0.level"]


def test_one_recurring_award_in_effect_per_day() -> None:
    first = Award("a", level=100, credit_memo=MEMO, expires=d(2024, 6, 1))
    touching = Award("b", level=80, credit_memo=MEMO, effective=d(2024, 6, 1))
    overlapping = Award("c", level=80, credit_memo=MEMO, effective=d(2024, 5, 31))
    assert fields(recurring(awards=(first, touching))) == []
    assert fields(recurring(awards=(first, overlapping))) == ["awards.1"]
    assert fields(recurring(awards=(Award("a", level=1, credit_memo=MEMO),
                                    Award("b", level=2, credit_memo=MEMO)))) == ["awards.1"]


def test_program_end_tiers() -> None:
    no_from = Award("t", credit_memo=MEMO)
    upside_down = Award("t", level_from=100, level_to=50, credit_memo=MEMO)
    assert fields(program_end(awards=(no_from,))) == ["awards.0.level_from"]
    assert fields(program_end(awards=(upside_down,))) == ["awards.0.level_to"]
    assert fields(program_end(awards=(Award("t", level_from=0, level_to=0, credit_memo=MEMO),))) == []


def test_program_end_profile() -> None:
    assert fields(program_end(enrollment_basis=None)) == ["enrollment_basis"]
    assert fields(program_end(enrollment_basis="calendar")) == ["calendar_start"]
    assert fields(program_end(enrollment_basis="calendar", calendar_start=d(2024, 1, 1))) == []
    assert fields(program_end(duration_months=None)) == ["duration_months"]


def test_price_groups_only_for_program_end() -> None:
    pg = Award("a", level=100, price_group="gold")
    assert fields(recurring(awards=(pg,))) == ["awards.0.price_group"]
    assert fields(program_end(awards=(Award("t", level_from=0, price_group="gold"),))) == []


def test_points_expire_days_must_exceed_grace_days() -> None:
    assert fields(recurring(grace_days=10, points_expire_days=10)) == ["points_expire_days"]
    assert fields(recurring(grace_days=10, points_expire_days=9)) == ["points_expire_days"]
    assert fields(recurring(grace_days=10, points_expire_days=11)) == []
    assert fields(recurring(grace_days=10, points_expire_days=None)) == []


def test_cash_equivalent_only_requires_paid_in_full() -> None:
    assert fields(recurring(cash_equivalent_only=True)) == ["cash_equivalent_only"]
    assert fields(recurring(cash_equivalent_only=True, accrue_on="paid_in_full")) == []


def test_equal_specificity_multipliers_overlapping() -> None:
    general_a = Multiplier("a", Decimal(5), expires=d(2024, 6, 1))
    general_b = Multiplier("b", Decimal(4), effective=d(2024, 5, 1))
    general_later = Multiplier("c", Decimal(4), effective=d(2024, 6, 1))
    named = Multiplier("n", Decimal(2), transaction_types=("job_bill",))
    named_again = Multiplier("n2", Decimal(3), transaction_types=("job_bill", "sale"))
    named_other = Multiplier("o", Decimal(3), transaction_types=("sale",))
    assert fields(recurring(multipliers=(general_a, general_b))) == ["multipliers.1"]
    assert fields(recurring(multipliers=(general_a, general_later))) == []
    assert fields(recurring(multipliers=(general_a, named))) == []  # more specific: allowed
    assert fields(recurring(multipliers=(named, named_again))) == ["multipliers.1"]
    assert fields(recurring(multipliers=(named, named_other))) == []


def test_points_bank_needs_a_point_value() -> None:
    assert fields(bank(point_value=None)) == ["point_value"]
    assert fields(bank(point_value=Decimal(0))) == ["point_value"]


def test_percent_bands_rise_and_only_the_last_is_open() -> None:
    bad = (Tier(None, Decimal(1)), Tier(Decimal(100), Decimal(2)),
           Tier(Decimal(50), Decimal(-1)))
    assert fields(bank(percent_tiers=bad)) == ["percent_tiers.0.up_to", "percent_tiers.2.percent",
                                               "percent_tiers.2.up_to"]


def test_manual_processing_only_for_recurring() -> None:
    assert fields(recurring(award_processing="manual")) == []
    assert fields(program_end(award_processing="manual")) == ["award_processing"]


def test_expires_after_effective() -> None:
    assert fields(recurring(expires=d(2023, 12, 31))) == ["expires"]
    assert fields(recurring(expires=d(2024, 1, 2))) == []


def test_tier_for_and_recurring_award_by_day() -> None:
    low = Award("low", level_from=0, level_to=99, credit_memo=MEMO)
    high = Award("high", level_from=100, credit_memo=MEMO)
    p = program_end(awards=(low, high))
    assert p.tier_for(99, d(2024, 2, 1)) is low
    assert p.tier_for(100, d(2024, 2, 1)) is high
    assert p.tier_for(10**9, d(2024, 2, 1)) is high
    old = Award("old", level=100, credit_memo=MEMO, expires=d(2024, 6, 1))
    new = Award("new", level=50, credit_memo=MEMO, effective=d(2024, 6, 1))
    r = recurring(awards=(old, new))
    assert r.recurring_award(d(2024, 5, 31)) is old
    assert r.recurring_award(d(2024, 6, 1)) is new
