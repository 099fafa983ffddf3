"""Awards (W1-W6, N1, R3) as pure decisions: no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from patronage.core import awards
from patronage.core.lots import LotState, sum_available
from patronage.core.programs import Award, Coupon, CreditMemo, Notify, Program

d = dt.date
TEN = Decimal("10.00")


def recurring(**changes: object) -> Program:
    values: dict = {"id": "club", "name": "Club", "kind": "recurring", "status": "open",
                    "effective": d(2024, 1, 1),
                    "awards": (Award("ten off", level=100, credit_memo=CreditMemo(TEN, 30)),)}
    values.update(changes)
    return Program(**values)


def program_end(**changes: object) -> Program:
    values: dict = {"id": "year", "name": "Year", "kind": "program_end", "status": "open",
                    "effective": d(2017, 1, 1), "duration_months": 12,
                    "awards": (Award("bronze", level_from=100, level_to=199),
                               Award("silver", level_from=200))}
    values.update(changes)
    return Program(**values)


def lot(id: int, accrual: dt.date, expires: dt.date | None, remaining: int) -> LotState:
    return LotState(id, accrual, accrual, expires, remaining)


# --- W1 ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("available", "debt", "level", "grants"), [
    (0, 0, 100, 0),
    (99, 0, 100, 0),
    (100, 0, 100, 1),  # reaching the level is enough
    (199, 0, 100, 1),
    (200, 0, 100, 2),  # seed 002: one $2,000 sale gives two awards
    (250, -60, 100, 1),  # the debt is paid first (L5)
    (150, -60, 100, 0),
    (0, -30, 100, 0),  # in debt: none, never a negative count
    (1000, 0, 80, 12),
])
def test_recurring_grants(available: int, debt: int, level: int, grants: int) -> None:
    assert awards.recurring_grants(available, debt, level) == grants
    assert awards.reaches_level(available, debt, level) is (grants > 0)


def test_only_available_lots_count_toward_the_level() -> None:
    day = d(2024, 6, 1)
    lots = [LotState(1, d(2024, 5, 1), d(2024, 5, 1), None, 60),  # available
            LotState(2, d(2024, 5, 25), d(2024, 6, 2), None, 50),  # pending one more day
            LotState(3, d(2023, 5, 1), d(2023, 5, 1), d(2024, 6, 1), 70)]  # expired that day
    assert sum_available(lots, day) == 60
    assert awards.recurring_grants(sum_available(lots, day), 0, 100) == 0
    assert awards.recurring_grants(sum_available(lots, d(2024, 6, 2)), 0, 100) == 1


def test_recurring_grants_refuses_a_level_of_zero() -> None:
    with pytest.raises(ValueError):
        awards.recurring_grants(100, 0, 0)


def test_recurring_award_by_kind_status_and_processing() -> None:
    day = d(2024, 6, 1)
    assert awards.recurring_award(recurring(), day) == recurring().awards[0]
    assert awards.recurring_award(recurring(status="draft"), day) is None
    assert awards.recurring_award(program_end(), day) is None
    assert awards.recurring_award(recurring(awards=(Award("no level"),)), day) is None
    # W5: a manual program grants only when a manager processes
    manual = recurring(award_processing="manual")
    assert awards.recurring_award(manual, day) is None
    assert awards.recurring_award(manual, day, manual=True) == manual.awards[0]
    # the award in effect on the day (W6: a later award does not act earlier)
    later = Award("twenty off", effective=d(2024, 7, 1), level=200)
    first = Award("ten off", expires=d(2024, 7, 1), level=100)
    changed = recurring(awards=(first, later))
    assert awards.recurring_award(changed, d(2024, 6, 30)) == first
    assert awards.recurring_award(changed, d(2024, 7, 1)) == later


# --- W3 ---------------------------------------------------------------------------------------

def test_period_from_enrollment_date() -> None:
    # seed 001: enrolled 2017-01-01, 12 months: evaluated on 2018-01-01
    assert awards.period_for(program_end(), d(2017, 1, 1)) == (d(2017, 1, 1), d(2018, 1, 1))
    assert awards.period_for(program_end(), d(2017, 3, 31)) == (d(2017, 3, 31), d(2018, 3, 31))


def test_period_on_the_calendar() -> None:
    calendar = program_end(enrollment_basis="calendar", calendar_start=d(2017, 1, 1),
                           duration_months=6)
    assert awards.period_for(calendar, d(2017, 3, 15)) == (d(2017, 1, 1), d(2017, 7, 1))
    assert awards.period_for(calendar, d(2017, 7, 1)) == (d(2017, 7, 1), d(2018, 1, 1))
    assert awards.period_for(calendar, d(2018, 12, 31)) == (d(2018, 7, 1), d(2019, 1, 1))


def test_period_ends_when_the_program_expires() -> None:
    ending = program_end(expires=d(2017, 9, 1))
    assert awards.period_for(ending, d(2017, 1, 1)) == (d(2017, 1, 1), d(2017, 9, 1))
    assert awards.period_for(ending, d(2017, 9, 1)) is None  # nothing left of it
    assert awards.period_for(recurring(), d(2017, 1, 1)) is None
    assert awards.period_for(program_end(duration_months=None), d(2017, 1, 1)) is None


def test_close_period_grants_the_tier_and_closes_its_points() -> None:
    end = d(2018, 1, 1)
    lots = [lot(1, d(2017, 2, 1), None, 120),
            lot(2, d(2017, 5, 1), d(2018, 1, 1), 500),  # expired by the evaluation day
            lot(3, d(2017, 6, 1), d(2018, 1, 2), 100),  # still live on it
            lot(4, d(2018, 1, 1), None, 70)]  # accrued in the next period
    closing = awards.close_period(program_end(), lots, -20, end)
    assert closing.points == 120 + 100 - 20
    assert closing.award is not None and closing.award.name == "silver"
    assert closing.closes == ((1, -120), (3, -100), (None, 20))
    assert closing.next_period == (d(2018, 1, 1), d(2019, 1, 1))


def test_close_period_below_every_tier_and_at_the_program_end() -> None:
    ending = program_end(expires=d(2018, 1, 1))
    closing = awards.close_period(ending, [lot(1, d(2017, 2, 1), None, 99)], 0, d(2018, 1, 1))
    assert closing.points == 99 and closing.award is None
    assert closing.closes == ((1, -99),)
    assert closing.next_period is None  # the program is not in effect on its end


def test_close_period_judges_tiers_on_the_last_day() -> None:
    # a tier that ends on the evaluation day still counts: the period's last day is the day before
    tiers = (Award("old", expires=d(2018, 1, 1), level_from=0),)
    closing = awards.close_period(program_end(awards=tiers), [], 0, d(2018, 1, 1))
    assert closing.award is not None and closing.award.name == "old"


# --- W4, W6 -----------------------------------------------------------------------------------

def test_award_actions_dates_and_price_group() -> None:
    award = Award("gift", level=250, credit_memo=CreditMemo(Decimal("25.00"), 30, "promo"),
                  coupon=Coupon(Decimal("5.00"), 14), price_group="gold")
    actions = awards.award_actions(award, d(2024, 1, 31))
    assert actions.credit_memo == awards.MemoGrant(Decimal("25.00"), "promo", d(2024, 3, 1))
    assert actions.coupon == awards.CouponGrant(Decimal("5.00"), d(2024, 2, 14))
    assert actions.price_group == "gold" and actions.notify is None


def test_award_actions_never_expire_without_expire_days() -> None:
    award = Award("gift", credit_memo=CreditMemo(TEN), coupon=Coupon(TEN))
    actions = awards.award_actions(award, d(2024, 1, 1))
    assert actions.credit_memo is not None and actions.credit_memo.expires_on is None
    assert actions.coupon is not None and actions.coupon.expires_on is None
    assert awards.award_actions(Award("nothing"), d(2024, 1, 1)) == awards.AwardActions(
        None, None, None, None)


# --- N1 ---------------------------------------------------------------------------------------

def test_award_messages_each_address_once_and_a_letter() -> None:
    award = Award("gift", notify=Notify(("e1", "e2"), subscribers=True, letter_template="thanks"))
    out = awards.award_messages(award, ["a@x", "b@x"], ["b@x", "c@x"], "me@x")
    assert [(m.channel, m.recipient, m.template) for m in out] == [
        ("email", "a@x", "award_earned"), ("email", "b@x", "award_earned"),
        ("email", "c@x", "award_earned"), ("letter", "me@x", "thanks")]
    assert {m.subject for m in out} == {"Award earned: gift"}


def test_award_messages_without_subscribers_or_notify() -> None:
    award = Award("gift", notify=Notify(("e1",)))
    assert [m.recipient for m in awards.award_messages(award, ["a@x"], ["s@x"], None)] == ["a@x"]
    assert awards.award_messages(Award("gift"), ["a@x"], [], None) == []


# --- R3 ---------------------------------------------------------------------------------------

def test_cancellable_only_while_everything_given_is_untouched() -> None:
    memo = awards.Given("open", TEN, TEN)
    coupon = awards.Given("open", TEN, TEN)
    assert awards.cancellable("granted", [memo, coupon])
    assert not awards.cancellable("cancelled", [memo])
    assert not awards.cancellable("granted", [])  # a price group or a notice stays
    assert not awards.cancellable("granted", [awards.Given("open", TEN, Decimal("4.00"))])
    assert not awards.cancellable("granted", [memo, awards.Given("used", TEN, TEN)])
    assert not awards.cancellable("granted", [awards.Given("expired", TEN, TEN)])


def test_points_restored_go_back_where_they_came_from() -> None:
    assert awards.points_restored([(3, -60), (None, -40)]) == [(3, 60), (None, 40)]
    assert awards.points_restored([]) == []
