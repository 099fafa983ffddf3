"""core/tiers.py: the rules of status tiers (issue 23 item 1; T1-T7 in docs/decisions.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from patronage.core import tiers
from patronage.core.programs import Filter, Multiplier, Program
from patronage.core.tiers import Standing, StatusTier, TierRules

D = Decimal
SILVER = StatusTier("silver", D("500"), D("1.25"))
GOLD = StatusTier("gold", D("2000"), D("1.5"), "GOLD")
YEAR = TierRules((SILVER, GOLD), grace_days=30)
ROLLING = TierRules((SILVER, GOLD), window="rolling", rolling_days=30, grace_days=5)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def fixed(figures: dict[tuple[str, str], str]) -> Callable[[dt.date, dt.date], Decimal]:
    """A measure answering given figures by window (any other window: 0)."""
    def measure(first: dt.date, last: dt.date) -> Decimal:
        return D(figures.get((first.isoformat(), last.isoformat()), "0"))
    return measure


# --- T1, T2 ------------------------------------------------------------------------------
def test_reached_is_the_highest_level_whose_threshold_is_met_equal_included() -> None:
    assert tiers.reached(YEAR, D("499.99")) is None
    assert tiers.reached(YEAR, D("500.00")) == SILVER
    assert tiers.reached(YEAR, D("1999.99")) == SILVER
    assert tiers.reached(YEAR, D("2500")) == GOLD  # passes silver: the highest


def test_windows_rolling_counts_both_ends_calendar_starts_1_january() -> None:
    assert tiers.window(ROLLING, day("2024-03-31")) == (day("2024-03-02"), day("2024-03-31"))
    assert tiers.window(YEAR, day("2024-03-31")) == (day("2024-01-01"), day("2024-03-31"))


def test_reviewed_window_every_day_when_rolling_1_january_for_the_year() -> None:
    assert tiers.reviewed_window(ROLLING, day("2024-06-05")) == tiers.window(ROLLING, day("2024-06-05"))
    assert tiers.reviewed_window(YEAR, day("2025-01-01")) == (day("2024-01-01"), day("2024-12-31"))
    assert tiers.reviewed_window(YEAR, day("2025-01-02")) is None
    assert tiers.reviewed_window(YEAR, day("2024-12-31")) is None


# --- T3 ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("exact", "multiplier", "extra"), [
    ("1400", "1.25", 350), ("100.01", "1.25", 25), ("10.99", "1.5", 5), ("80.5", "2", 80),
    ("1000", "1", 0), ("0", "3", 0), ("0.99", "1.5", 0), ("3.333333", "1.5", 1),
])
def test_extra_is_the_floor_of_exact_times_multiplier_less_one(exact: str, multiplier: str,
                                                              extra: int) -> None:
    assert tiers.extra_points(D(exact), D(multiplier)) == extra


# --- T4 ----------------------------------------------------------------------------------
def test_an_invoice_moves_up_from_its_day_never_down() -> None:
    none = Standing()
    assert tiers.after_invoice(YEAR, none, D("499.99"), day("2024-02-01")) == none
    assert tiers.after_invoice(YEAR, none, D("599.99"), day("2024-02-02")) == \
        Standing("silver", day("2024-02-02"))
    gold = Standing("gold", day("2024-02-04"))
    assert tiers.after_invoice(YEAR, gold, D("600"), day("2024-03-01")) == gold


def test_an_invoice_during_the_grace_cancels_or_raises_the_pending_move() -> None:
    pending = Standing("gold", day("2024-02-04"), day("2026-01-31"), None)
    assert tiers.after_invoice(YEAR, pending, D("2000"), day("2026-01-10")) == \
        Standing("gold", day("2024-02-04"))  # reached the tier held: nothing pending
    assert tiers.after_invoice(YEAR, pending, D("600"), day("2026-01-10")) == \
        Standing("gold", day("2024-02-04"), day("2026-01-31"), "silver")
    assert tiers.after_invoice(YEAR, pending, D("100"), day("2026-01-10")) == pending


# --- T6, T7 ------------------------------------------------------------------------------
def test_calendar_review_makes_the_move_pending_then_moves_after_the_grace() -> None:
    gold = Standing("gold", day("2024-02-04"))
    measure = fixed({("2025-01-01", "2025-12-31"): "300"})
    pending = tiers.on_day(YEAR, gold, day("2026-01-01"), measure)
    assert pending == Standing("gold", day("2024-02-04"), day("2026-01-31"), None)
    assert tiers.on_day(YEAR, pending, day("2026-01-30"), measure) == pending
    assert tiers.on_day(YEAR, pending, day("2026-01-31"), measure) == Standing()


def test_a_review_finding_the_tier_held_changes_nothing_and_other_days_review_nothing() -> None:
    gold = Standing("gold", day("2024-02-04"))
    kept = fixed({("2024-01-01", "2024-12-31"): "2110.99"})
    assert tiers.on_day(YEAR, gold, day("2025-01-01"), kept) == gold
    assert tiers.on_day(YEAR, gold, day("2025-06-01"), fixed({})) == gold
    assert tiers.on_day(YEAR, Standing(), day("2025-01-01"), fixed({})) == Standing()


def test_the_move_goes_to_the_higher_of_the_review_and_the_window_of_the_day() -> None:
    pending = Standing("gold", day("2024-02-04"), day("2026-01-31"), None)
    now = fixed({("2026-01-01", "2026-01-31"): "700"})
    assert tiers.on_day(YEAR, pending, day("2026-01-31"), now) == \
        Standing("silver", day("2026-01-31"))
    bronze_found = Standing("gold", day("2024-02-04"), day("2026-01-31"), "silver")
    assert tiers.on_day(YEAR, bronze_found, day("2026-01-31"), fixed({})) == \
        Standing("silver", day("2026-01-31"))
    back = fixed({("2026-01-01", "2026-01-31"): "2000"})
    assert tiers.on_day(YEAR, pending, day("2026-01-31"), back) == \
        Standing("gold", day("2024-02-04"))


def test_no_grace_moves_down_in_the_reviewing_run() -> None:
    rules = TierRules((SILVER, GOLD))
    gold = Standing("gold", day("2024-02-04"))
    measure = fixed({("2024-01-01", "2024-12-31"): "600"})
    assert tiers.on_day(rules, gold, day("2025-01-01"), measure) == \
        Standing("silver", day("2025-01-01"))


def test_rolling_review_uses_the_window_ending_on_the_day() -> None:
    gold = Standing("gold", day("2024-03-20"))
    measure = fixed({("2024-03-02", "2024-03-31"): "600", ("2024-03-07", "2024-04-05"): "600"})
    pending = tiers.on_day(ROLLING, gold, day("2024-03-31"), measure)
    assert pending == Standing("gold", day("2024-03-20"), day("2024-04-05"), "silver")
    assert tiers.on_day(ROLLING, pending, day("2024-04-05"), measure) == \
        Standing("silver", day("2024-04-05"))


# --- T5 ----------------------------------------------------------------------------------
BRONZE = StatusTier("bronze", D("100"))
SILVER_GROUP = StatusTier("silver", D("500"), price_group="SILVER")
PLATINUM = StatusTier("platinum", D("5000"))


@pytest.mark.parametrize(("current", "left", "to", "up", "after"), [
    (None, None, SILVER_GROUP, True, "SILVER"),  # reaching a level with a group sets it
    ("VIP", None, SILVER_GROUP, True, "SILVER"),  # whatever the customer had
    ("VIP", None, BRONZE, True, "VIP"),  # a level without a group keeps the customer's
    ("SILVER", SILVER_GROUP, GOLD, True, "GOLD"),
    ("GOLD", GOLD, PLATINUM, True, None),  # the left level's group goes with it
    ("GOLD", GOLD, SILVER_GROUP, False, "SILVER"),  # down: the new level's
    ("GOLD", GOLD, None, False, None),
    ("VIP", GOLD, None, False, "VIP"),  # set another way since: kept
    ("VIP", BRONZE, SILVER_GROUP, False, "VIP"),  # down to a group: only from the left's
])
def test_price_group_after_a_move(current: str | None, left: StatusTier | None,
                                  to: StatusTier | None, up: bool, after: str | None) -> None:
    assert tiers.price_group_after(current, left, to, up) == after


# --- settings ----------------------------------------------------------------------------
@pytest.mark.parametrize(("rules", "field"), [
    (TierRules(()), "levels"),
    (TierRules((GOLD, SILVER)), "levels.1.threshold"),
    (TierRules((SILVER, StatusTier("silver", D("900")))), "levels.1.name"),
    (TierRules((StatusTier("a", D("0")),)), "levels.0.threshold"),
    (TierRules((StatusTier("a", D("10"), D("0.5")),)), "levels.0.multiplier"),
    (TierRules((StatusTier("a", D("10"), D("11")),)), "levels.0.multiplier"),
    (TierRules((StatusTier("a", D("10.5")),), measure="points"), "levels.0.threshold"),
    (TierRules((SILVER,), window="rolling"), "rolling_days"),
    (TierRules((SILVER,), rolling_days=30), "rolling_days"),
    (TierRules((SILVER,), measure="visits"), "measure"),
])
def test_settings_that_break_the_rules(rules: TierRules, field: str) -> None:
    assert field in [name for name, _ in tiers.problems(rules)]


def test_good_settings_have_no_problem_and_open_with_the_program() -> None:
    assert tiers.problems(YEAR) == []
    assert tiers.problems(ROLLING) == []
    program = Program(id="p", name="P", kind="points_bank", status="open",
                      effective=day("2024-01-01"), point_value=D("0.01"),
                      filters=(Filter("all"),), multipliers=(Multiplier("m", D("1")),),
                      status_tiers=TierRules((GOLD, SILVER)))
    assert [p.field for p in program.problems()] == ["status_tiers.levels.1.threshold"]


def test_a_catch_up_run_never_reviews_a_tier_reached_after_the_window() -> None:
    reached_later = Standing("gold", day("2024-02-01"))
    assert tiers.on_day(YEAR, reached_later, day("2024-01-01"), fixed({})) == reached_later
    reached_1_january = Standing("gold", day("2025-01-01"))
    assert tiers.on_day(YEAR, reached_1_january, day("2025-01-01"), fixed({})) == \
        reached_1_january
    assert tiers.on_day(ROLLING, Standing("gold", day("2024-03-02")), day("2024-03-01"),
                        fixed({})) == Standing("gold", day("2024-03-02"))
