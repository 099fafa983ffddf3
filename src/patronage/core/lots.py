"""Lots and the first-expiring-first policy (L1, L2, L5).

A lot's remaining points are pending, available or expired as of a day; debits take from
lots in `use_order` and leave any shortfall as debt. Pure functions over small records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class LotState:
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
