"""Status tiers (issue 23 item 1; T1-T9 in docs/decisions.md "Tiers"): the pure rules.

A program may define tiers reached by a qualifying measure (`spend`: the eligible amount
of accrued invoices, net of returns; `points`: the points those invoices earned) within a
window (`rolling` N days, or the `calendar_year`). A tier gives an earning multiplier (an
extra, B1) and optionally a price group. A customer moves up at the invoice that qualifies
(T4), is reviewed when a window ends (T6) and moves down only after the grace (T7).

Standard library only: the service reads the figures and writes what these return.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, Decimal

MEASURES = ("spend", "points")
WINDOWS = ("rolling", "calendar_year")
MAX_MULTIPLIER = Decimal(10)
ONE = Decimal(1)


@dataclass(frozen=True)
class StatusTier:
    """T1: one level: reached at `threshold` (money for `spend`, points for `points`),
    earning `multiplier` times the base points (T3), with an optional price group (T5)."""

    name: str
    threshold: Decimal
    multiplier: Decimal = ONE
    price_group: str | None = None


@dataclass(frozen=True)
class TierRules:
    """T1/T2: a program's tiers, lowest first, and how they are measured and kept."""

    levels: tuple[StatusTier, ...]
    measure: str = "spend"
    window: str = "calendar_year"
    rolling_days: int | None = None
    grace_days: int = 0

    def level(self, name: str | None) -> StatusTier | None:
        return next((x for x in self.levels if x.name == name), None)

    def rank(self, name: str | None) -> int:
        """0 for no tier, 1 for the lowest level, and so on; an unknown name (a level
        removed from the program since) ranks as no tier."""
        for i, x in enumerate(self.levels, start=1):
            if x.name == name:
                return i
        return 0


@dataclass(frozen=True)
class Standing:
    """One enrollment's tier: held since `since`; a move down found by a review is
    pending while `falls_on` is set (to `falls_to`, None: no tier)."""

    tier: str | None = None
    since: dt.date | None = None
    falls_on: dt.date | None = None
    falls_to: str | None = None

    @property
    def pending(self) -> bool:
        return self.falls_on is not None


def window(rules: TierRules, day: dt.date) -> tuple[dt.date, dt.date]:
    """T2: the window holding `day` that qualifying is measured in, both ends included:
    the N days ending on `day`, or 1 January to `day`."""
    if rules.window == "rolling":
        return day - dt.timedelta(days=(rules.rolling_days or 1) - 1), day
    return dt.date(day.year, 1, 1), day


def reviewed_window(rules: TierRules, day: dt.date) -> tuple[dt.date, dt.date] | None:
    """T6: the window the daily run of `day` reviews, None when none ends: every day for a
    rolling window (the one ending that day); on 1 January the year just ended."""
    if rules.window == "rolling":
        return window(rules, day)
    if (day.month, day.day) == (1, 1):
        return dt.date(day.year - 1, 1, 1), dt.date(day.year - 1, 12, 31)
    return None


def reached(rules: TierRules, qualifying: Decimal) -> StatusTier | None:
    """T1: the highest level whose threshold the qualifying figure reaches (equal reaches)."""
    found = None
    for level in rules.levels:
        if qualifying >= level.threshold:
            found = level
    return found


def extra_points(exact: Decimal, multiplier: Decimal) -> int:
    """T3: the tier's extra on top of A4: floor(exact x (multiplier - 1)), where `exact` is
    A4 before its floor (`Rate.exact`); never negative."""
    if multiplier <= ONE or exact <= 0:
        return 0
    return int((exact * (multiplier - ONE)).to_integral_value(rounding=ROUND_FLOOR))


def after_invoice(rules: TierRules, standing: Standing, qualifying: Decimal,
                  day: dt.date) -> Standing:
    """T4: after an invoice accrues on `day` with `qualifying` in the window holding it:
    a higher level is held from that day; reaching the level held (or higher) ends a
    pending move down (T7); reaching a level between ends it no lower than that level."""
    level = reached(rules, qualifying)
    name = level.name if level else None
    held = rules.rank(standing.tier)
    if rules.rank(name) > held:
        return Standing(name, day)
    if standing.pending and rules.rank(name) >= held:
        return replace(standing, falls_on=None, falls_to=None)
    if standing.pending and rules.rank(name) > rules.rank(standing.falls_to):
        return replace(standing, falls_to=name)
    return standing


def on_day(rules: TierRules, standing: Standing, day: dt.date,
           measure: Callable[[dt.date, dt.date], Decimal]) -> Standing:
    """T6/T7: the daily run of `day` for one enrollment holding a tier. `measure(first,
    last)` is the qualifying figure in those days. A review finding a lower level makes
    the move pending until `day + grace_days`; on that day the move happens, to the
    higher of what the review found and what the current window reaches, unless that is
    the level held (then nothing moves). A tier reached after the reviewed window ended
    (a run catching up past days) is not reviewed by it."""
    held = rules.rank(standing.tier)
    if held == 0:
        return standing
    if not standing.pending:
        ends = reviewed_window(rules, day)
        if ends is None or (standing.since is not None and standing.since > ends[1]):
            return standing  # none ends, or the tier was reached after it (a catch-up run)
        level = reached(rules, measure(*ends))
        if rules.rank(level.name if level else None) >= held:
            return standing
        standing = replace(standing, falls_on=day + dt.timedelta(days=rules.grace_days),
                           falls_to=level.name if level else None)
    assert standing.falls_on is not None
    if day < standing.falls_on:
        return standing
    now = reached(rules, measure(*window(rules, day)))
    target = max((standing.falls_to, now.name if now else None), key=rules.rank)
    if rules.rank(target) >= held:
        return replace(standing, falls_on=None, falls_to=None)
    return Standing(target, day) if target is not None else Standing()


def price_group_after(current: str | None, left: StatusTier | None, to: StatusTier | None,
                      up: bool) -> str | None:
    """T5: the customer's price group after moving from `left` to `to`: a move up to a
    level with a price group sets it; otherwise a group that is the left level's becomes
    the new level's (none when it has none); a group set another way is kept."""
    if up and to is not None and to.price_group:
        return to.price_group
    if left is not None and left.price_group and current == left.price_group:
        return to.price_group if to is not None else None
    return current


def problems(rules: TierRules) -> list[tuple[str, str]]:
    """T1/T2: every way the tier settings break the rules, as (field, message), the field
    under `status_tiers`."""
    out: list[tuple[str, str]] = []
    if rules.measure not in MEASURES:
        out.append(("measure", "must be spend or points"))
    if rules.window not in WINDOWS:
        out.append(("window", "must be rolling or calendar_year"))
    if rules.window == "rolling" and not rules.rolling_days:
        out.append(("rolling_days", "a rolling window needs rolling_days"))
    if rules.window == "calendar_year" and rules.rolling_days is not None:
        out.append(("rolling_days", "only for a rolling window"))
    if rules.grace_days < 0:
        out.append(("grace_days", "must not be negative"))
    if not rules.levels:
        out.append(("levels", "tiers need at least one level"))
    last: Decimal | None = None
    for i, level in enumerate(rules.levels):
        if level.threshold <= 0:
            out.append((f"levels.{i}.threshold", "must be more than 0"))
        elif last is not None and level.threshold <= last:
            out.append((f"levels.{i}.threshold", "thresholds must rise"))
        if rules.measure == "points" and level.threshold != level.threshold.to_integral_value():
            out.append((f"levels.{i}.threshold", "a points threshold is a whole number"))
        if not ONE <= level.multiplier <= MAX_MULTIPLIER:
            out.append((f"levels.{i}.multiplier", "must be from 1 to 10"))
        if any(x.name == level.name for x in rules.levels[:i]):
            out.append((f"levels.{i}.name", f"{level.name!r} is named twice"))
        last = level.threshold
    return out
