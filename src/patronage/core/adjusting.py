"""Adjustments (J1-J4): what one adjustment does to an enrollment's points.

Pure decisions; `service/adjustments.py` loads the enrollment's available points, asks
`plan_adjustment`, and writes what it says (a lot given at once, a debit, or the lots'
new expiry dates) with the adjustment's row. J5's files run the same command per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from patronage.core.dates import add_days
from patronage.core.errors import PatronageError, Problem
from patronage.core.lots import LotState


def check_asked(points: int | None, set_balance: int | None) -> None:
    """J1: an adjustment gives or takes points, or sets the balance: never both."""
    if points is not None and set_balance is not None:
        raise PatronageError("invalid", "give points or set_balance, not both",
                             [Problem("set_balance", "not with points")])


@dataclass(frozen=True)
class AdjustmentPlan:
    """What an adjustment does (J1-J4)."""

    points: int  # J1: the points posted: + given (a new lot), - taken (L2, then debt), 0
    expires_on: dt.date | None  # J3: when given points expire (None: never); J4: the
    #                             date the lots move to
    available_after: int  # the enrollment's available points after it

    @property
    def moves_expiry(self) -> bool:
        """J4: a zero adjustment with a date moves the remaining lots' expiry."""
        return self.points == 0 and self.expires_on is not None


def plan_adjustment(available: int, day: dt.date, *, points: int | None = None,
                    set_balance: int | None = None, expires: dt.date | None = None,
                    allow_negative: bool = False,
                    points_expire_days: int | None = None) -> AdjustmentPlan:
    """J1-J4: the adjustment of an enrollment with `available` points (its debt counted)
    made on `day`.

    J1: `points` given (+) or taken (-), or `set_balance`: the difference to it posted.
    J2: taking more than is available (nothing of a debt) is refused with
    `insufficient_points` unless `allow_negative`: then the rest becomes debt (L5).
    J3: points given are available at once and expire on `expires`, or by the program's
    `points_expire_days` after `day` (never when it has none).
    J4: a zero adjustment with only `expires` moves every remaining lot's expiry there.
    """
    check_asked(points, set_balance)
    delta = set_balance - available if set_balance is not None else (points or 0)
    if delta < 0 and -delta > max(available, 0) and not allow_negative:
        raise PatronageError(
            "insufficient_points",
            f"taking {-delta} points is more than the {available} available",
            [Problem("points", f"at most {max(available, 0)} without allow_negative")])
    if delta > 0:
        expires_on = expires if expires is not None else add_days(day, points_expire_days)
    else:
        expires_on = expires if delta == 0 else None
    return AdjustmentPlan(delta, expires_on, available + delta)


def expiry_moves(lots: Iterable[LotState]) -> list[int]:
    """J4: the lots whose expiry a zero adjustment moves: all the enrollment's lots with
    points left, pending, available or past a date the daily run has not reached yet."""
    return [x.id for x in lots if x.remaining > 0]
