"""Debt payoff (L5) by the daily run's rule, and its replay for the days the run has not
done yet (L1): `plan_payoff`, `replay_payoffs`."""

from __future__ import annotations

import datetime as dt

from patronage.core.lots import LotState, plan_payoff, replay_payoffs

d = dt.date
JAN = [d(2024, 1, i) for i in range(1, 32)]


def lot(id: int, available: dt.date, expires: dt.date | None, remaining: int) -> LotState:
    return LotState(id, d(2024, 1, 1), available, expires, remaining)


def test_payoff_takes_available_lots_first_expiring_first_up_to_the_debt() -> None:
    lots = [lot(1, d(2024, 1, 1), None, 50), lot(2, d(2024, 1, 2), d(2024, 2, 1), 20),
            lot(3, d(2024, 1, 9), None, 100)]  # pending on Jan 5
    assert plan_payoff(lots, -30, d(2024, 1, 5)) == [(2, 20), (1, 10)]
    assert plan_payoff(lots, -500, d(2024, 1, 5)) == [(2, 20), (1, 50)]
    assert plan_payoff(lots, 0, d(2024, 1, 5)) == []


def test_payoff_on_a_catch_up_day_counts_only_what_was_there_then_and_still_is() -> None:
    now = [lot(1, d(2024, 1, 1), None, 10), lot(2, d(2024, 1, 1), None, 40)]
    then = [lot(1, d(2024, 1, 1), None, 100)]  # lot 2 came later; 90 of lot 1 went since
    assert plan_payoff(now, -50, d(2024, 1, 5), (then, -50)) == [(1, 10)]
    assert plan_payoff(now, -50, d(2024, 1, 5), (then, -5)) == [(1, 5)]  # the debt was 5 then
    assert plan_payoff(now, -50, d(2024, 1, 5), (then, 0)) == []


def test_replay_pays_on_the_day_a_lot_becomes_available_before_it_expires() -> None:
    lots = [lot(7, d(2024, 1, 5), d(2024, 1, 8), 100)]
    moves = [(d(2024, 1, 1), None, -30), (d(2024, 1, 2), 7, 100)]
    assert replay_payoffs(lots, -30, moves, d(2024, 1, 2), d(2024, 1, 1), d(2024, 1, 10)) == [
        (d(2024, 1, 5), 7, 30)]
    # as of a day before it became available: nothing yet
    assert replay_payoffs(lots, -30, moves, d(2024, 1, 2), d(2024, 1, 1), d(2024, 1, 4)) == []
    # no debt, nothing to replay
    assert replay_payoffs(lots, 0, moves[1:], d(2024, 1, 2), d(2024, 1, 1), d(2024, 1, 10)) == []


def test_replay_starts_at_the_first_day_not_run() -> None:
    """A lot available before the first day replayed pays on that first day."""
    lots = [lot(7, d(2024, 1, 3), None, 100)]
    moves = [(d(2024, 1, 6), None, -30)]
    assert replay_payoffs(lots, -30, moves, d(2024, 1, 6), d(2024, 1, 4), d(2024, 1, 10)) == [
        (d(2024, 1, 6), 7, 30)]
    assert replay_payoffs(lots, -30, moves, d(2024, 1, 6), d(2024, 1, 11), d(2024, 1, 10)) == []


def test_replay_on_catch_up_days_sees_the_entries_dated_after_them() -> None:
    """Owed 30 since Jan 1; the lot (100, available Jan 5) lost 90 to a debit on Jan 6:
    on Jan 5 only the 10 still there pay; a second lot, available Jan 7, pays the rest."""
    lots = [lot(1, d(2024, 1, 5), d(2024, 1, 8), 10), lot(2, d(2024, 1, 7), None, 50)]
    moves = [(d(2024, 1, 1), None, -30), (d(2024, 1, 2), 1, 100), (d(2024, 1, 3), 2, 50),
             (d(2024, 1, 6), 1, -90)]
    assert replay_payoffs(lots, -30, moves, d(2024, 1, 6), d(2024, 1, 1), d(2024, 1, 9)) == [
        (d(2024, 1, 5), 1, 10), (d(2024, 1, 7), 2, 20)]


def test_replay_pays_a_debt_only_from_the_day_it_exists() -> None:
    """A debt taken on Jan 6 is not paid on Jan 5 (the lot's available day), but on Jan 6."""
    lots = [lot(1, d(2024, 1, 5), d(2024, 1, 8), 100)]
    moves = [(d(2024, 1, 2), 1, 100), (d(2024, 1, 6), None, -30)]
    assert replay_payoffs(lots, -30, moves, d(2024, 1, 6), d(2024, 1, 1), d(2024, 1, 9)) == [
        (d(2024, 1, 6), 1, 30)]
