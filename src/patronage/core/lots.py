"""Lots and the first-expiring-first policy (L1, L2, L5).

A lot's remaining points are pending, available or expired as of a day; debits take from
lots in `use_order` and leave any shortfall as debt; available lots pay the debt off
(`plan_payoff`), also on the days the daily run has not done yet (`replay_payoffs`).
Pure functions over small records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from patronage.core.dates import add_days


@dataclass
class LotState:
    """A lot as the rules see it. Never changed, though not frozen (see `earning.Line`)."""

    id: int
    accrual_date: dt.date
    available_on: dt.date
    expires_on: dt.date | None
    remaining: int


def state(lot: LotState, day: dt.date) -> str:
    """L1: expired if day >= expires_on, else pending if day < available_on, else available."""
    if lot.expires_on is not None and day >= lot.expires_on:
        return "expired"
    return "pending" if day < lot.available_on else "available"


def new_lot_dates(day: dt.date, grace_days: int | None, expire_days: int | None,
                  at_once: bool = False,
                  expires_on: dt.date | None = None) -> tuple[dt.date, dt.date | None]:
    """A6 (and J3 for a positive adjustment): the new lot of an accrual on `day` becomes
    available grace_days later (at once when `at_once`, as J3's adjustments are) and
    expires expire_days after `day` unless `expires_on` is given; no expire_days: never.
    Returns (available_on, expires_on)."""
    available_on = day if at_once else add_days(day, grace_days) or day
    return available_on, expires_on if expires_on is not None else add_days(day, expire_days)


def sum_available(lots: Iterable[LotState], day: dt.date) -> int:
    """L1: the remaining points of the lots available on `day` (the debt not counted)."""
    return sum(x.remaining for x in lots if state(x, day) == "available")


def use_order(lot: LotState) -> tuple[dt.date, dt.date, int]:
    """L2: first-expiring first (never last), then oldest accrual, then creation order."""
    return (lot.expires_on or dt.date.max, lot.accrual_date, lot.id)


def plan_debit(lots: list[LotState], points: int, day: dt.date) -> tuple[list[tuple[int, int]], int]:
    """Take `points` from the lots available on `day` by L2: [(lot id, taken)], shortfall."""
    takes: list[tuple[int, int]] = []
    need = points
    for lot in sorted((x for x in lots if state(x, day) == "available"), key=use_order):
        if need <= 0:
            break
        take = min(lot.remaining, need)
        if take > 0:
            takes.append((lot.id, take))
            need -= take
    return takes, need


def plan_payoff(lots: list[LotState], debt: int, day: dt.date,
                then: tuple[list[LotState], int] | None = None) -> list[tuple[int, int]]:
    """L5: what the daily run for `day` takes from which lot to pay the debt: [(lot id, taken)].

    `lots` and `debt` (<= 0) are the enrollment's now. `then`, given on a catch-up day (one
    the ledger has entries after), is its lots and debt as of `day`: only a debt that existed
    then is paid, only with points that were there then and are still there now (L1, M1).
    """
    owed = -debt
    if owed > 0 and then is not None:
        then_lots, debt_then = then
        owed = min(owed, -debt_then)
        now = {x.id: x.remaining for x in lots}
        lots = [replace(x, remaining=min(x.remaining, now.get(x.id, 0))) for x in then_lots]
    if owed <= 0:
        return []
    takes, _ = plan_debit(lots, owed, day)
    return takes


def replay_payoffs(lots: list[LotState], debt: int, moves: Iterable[tuple[dt.date, int | None, int]],
                   last: dt.date | None, first: dt.date,
                   as_of: dt.date) -> list[tuple[dt.date, int, int]]:
    """L1 with L5: the debt payoffs the daily run would make for the days `first`..`as_of`,
    which it has not done yet: [(day, lot id, taken)], day by day by `plan_payoff`.

    `lots` are all the enrollment's lots (empty ones too) with their remaining points now,
    `debt` its debt now, `moves` the net points its entries put on each lot (None: the debt)
    per day, for every day from `first` on, and `last` the day of its latest entry. Each
    payoff counts for the days after it, as the run's own entries would. Only a day that
    starts the replay, has entries or on which a lot becomes available can pay anything:
    on any other day nothing has changed since a day that paid all it could.
    """
    if debt >= 0 or as_of < first:
        return []
    now = {x.id: x.remaining for x in lots}
    later: dict[int | None, int] = {}  # what the entries dated after the day put on each lot
    by_day: dict[dt.date, list[tuple[int | None, int]]] = {}
    for day, lot_id, points in moves:
        if day >= first:
            later[lot_id] = later.get(lot_id, 0) + points
            by_day.setdefault(day, []).append((lot_id, points))
    lots = [x for x in lots if now[x.id] > 0 or x.id in later]  # the others hold nothing
    days = sorted({first} | {x for x in by_day if x <= as_of}
                  | {x.available_on for x in lots if first <= x.available_on <= as_of})
    paid: list[tuple[dt.date, int, int]] = []
    for day in days:
        for lot_id, points in by_day.get(day, ()):
            later[lot_id] -= points
        then = None
        if last is not None and last > day:
            then = ([replace(x, remaining=now[x.id] - later.get(x.id, 0)) for x in lots
                     if now[x.id] - later.get(x.id, 0) > 0], debt - later.get(None, 0))
        live = [replace(x, remaining=now[x.id]) for x in lots if now[x.id] > 0]
        for lot_id, take in plan_payoff(live, debt, day, then):
            now[lot_id] -= take
            debt += take
            paid.append((day, lot_id, take))
        if debt >= 0:
            break
    return paid
