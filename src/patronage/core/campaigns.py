"""Campaigns (issue 23 item 3; K1-K7 in docs/decisions.md): points on top of A4's for a
date window, stores, an item filter and tiers, frozen on the invoice's rate as B1 extras.

A campaign gives, on a sale it applies to (K1):
- a *multiplier* m (K2): floor(exact base points of the matching lines' share of the
  eligible amount x (m - 1)), so "double points" (m = 2) gives the base once more;
- *bonus points* per qualifying invoice (K3): a fixed number when the matching lines'
  quantity reaches `bonus_min_qty` ("50 points on any set of 4 tires").
Campaigns stack by adding (K4): each one's extra is worked out on the base points alone,
never on another campaign's or the tier's extra. A budget (K5) caps what a campaign gives
over its life: it gives at most what is left, and at zero it gives nothing more.

Pure: standard library and the core only. The service (service/campaigns.py) finds the
campaigns, locks a budgeted one and counts what it gave.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from patronage.core.dates import in_effect
from patronage.core.earning import Earning, Extra, filter_matches
from patronage.core.money import ZERO, floor_int
from patronage.core.programs import Filter

SOURCE = "campaign:"  # an Extra's source: "campaign:<id>"
TIER_SOURCE = "tier:"  # the tier's Extra (service/tiers.py): "tier:<name>"
ACTIVE, STOPPED = "active", "stopped"


@dataclass(frozen=True)
class Campaign:
    """One campaign of a program (every field as the `campaigns` row keeps it).

    `effective`/`expires`: the sale dates it covers (E <= D < X, X may be never).
    `stores`, `tiers`: empty means any. `lines`: the item filter a line must match
    (None: every earning line). `multiplier` (> 1) and `bonus_points` (> 0): what it
    gives, one or both. `budget`: the most points it gives in all (None: no cap);
    `given`: what it has given so far. `status`: active, or stopped by hand."""

    id: str
    program_id: str
    name: str
    effective: dt.date
    expires: dt.date | None = None
    stores: tuple[int, ...] = ()
    tiers: tuple[str, ...] = ()
    lines: Filter | None = None
    multiplier: Decimal | None = None
    bonus_points: int | None = None
    bonus_min_qty: Decimal | None = None
    budget: int | None = None
    given: int = 0
    status: str = ACTIVE

    @property
    def source(self) -> str:
        return SOURCE + self.id

    @property
    def left(self) -> int | None:
        """K5: the points its budget still allows (None: no cap)."""
        return None if self.budget is None else max(0, self.budget - self.given)

    @property
    def live(self) -> bool:
        """Not stopped by hand and not spent (K5); the dates are the sale's to judge."""
        return self.status == ACTIVE and self.left != 0

    def state(self, day: dt.date) -> str:
        """How the console and REST show it on `day`: stopped, spent, scheduled, ended
        or active."""
        if self.status != ACTIVE:
            return self.status
        if self.left == 0:
            return "spent"
        if day < self.effective:
            return "scheduled"
        if self.expires is not None and day >= self.expires:
            return "ended"
        return ACTIVE


def tier_names(before: Sequence[Extra]) -> frozenset[str]:
    """The customer's tiers as the tier extras name them ("tier:Gold" -> "gold")."""
    return frozenset(x.source[len(TIER_SOURCE):].casefold() for x in before
                     if x.source.startswith(TIER_SOURCE))


def applies(campaign: Campaign, earning: Earning, tiers: frozenset[str]) -> bool:
    """K1: live, the sale dated in its window, at one of its stores, the customer in one
    of its tiers (the tier extras of `before`, source "tier:<name>"; a tier that gives
    0 points counts when service/tiers.py lists its extra all the same)."""
    sale = earning.sale
    return (campaign.live
            and in_effect(campaign.effective, campaign.expires, sale.date)
            and (not campaign.stores or sale.store in campaign.stores)
            and (not campaign.tiers or any(t.casefold() in tiers for t in campaign.tiers)))


def matching(campaign: Campaign, earning: Earning) -> list[int]:
    """The indexes of the earning lines with something kept that its filter matches."""
    return [i for i, line in enumerate(earning.lines)
            if earning.earns[i] and earning.amounts[i] > 0
            and (campaign.lines is None or filter_matches(campaign.lines, earning.sale, line))]


def multiplied(campaign: Campaign, earning: Earning, found: Sequence[int]) -> int:
    """K2: floor(exact base points x matching share x (m - 1)). The matching lines' share
    of the eligible amount is their kept amount over every earning line's, so a loyalty
    discount (A3) comes off in proportion and a percent band stays the whole sale's."""
    m = campaign.multiplier
    if m is None or m <= 1 or not found:
        return 0
    earning_total = sum((a for a, e in zip(earning.amounts, earning.earns, strict=True) if e),
                        ZERO)
    if earning_total <= 0:
        return 0
    matched = sum((earning.amounts[i] for i in found), ZERO)
    # divided last, so that every line matching gives exactly the base x (m - 1)
    return floor_int(earning.rate.exact(earning.eligible) * matched * (m - 1) / earning_total)


def bonus(campaign: Campaign, earning: Earning, found: Sequence[int]) -> int:
    """K3: the fixed points when matching lines are found and their quantity (less what
    was returned, in proportion to the amount kept) reaches the minimum."""
    if not campaign.bonus_points or not found:
        return 0
    if campaign.bonus_min_qty is not None:
        qty = sum((kept_qty(earning, i) for i in found), ZERO)
        if qty < campaign.bonus_min_qty:
            return 0
    return campaign.bonus_points


def kept_qty(earning: Earning, i: int) -> Decimal:
    line = earning.lines[i]
    amount = line.amount
    if amount <= 0 or earning.amounts[i] >= amount:
        return line.qty
    return line.qty * earning.amounts[i] / amount


def earned(campaign: Campaign, earning: Earning, tiers: frozenset[str]) -> int:
    """K1-K3: what the campaign gives on the sale before its budget (0: nothing)."""
    if earning.eligible <= 0 or not applies(campaign, earning, tiers):
        return 0
    found = matching(campaign, earning)
    return multiplied(campaign, earning, found) + bonus(campaign, earning, found)


def capped(points: int, left: int | None) -> int:
    """K5: at most what is left of the budget."""
    return points if left is None else max(0, min(points, left))


def extra(campaign: Campaign, points: int) -> Extra:
    return Extra(campaign.source, points, campaign.name)


def given_by(extras: Sequence[Extra], campaign_id: str) -> int:
    """K5: the points a stored rate's extras say the campaign gave."""
    return sum(x.points for x in extras if x.source == SOURCE + campaign_id)
