"""Programs: the three kinds, their settings, and the validation that opens them.

A `Program` is an immutable value; `problems()` lists every way it breaks PRODUCT.md
section 2 at once, as a manager needs when a program will not open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from patronage.core.dates import in_effect
from patronage.core.errors import Problem
from patronage.core.tiers import TierRules
from patronage.core.tiers import problems as tier_problems

KINDS = ("points_bank", "recurring", "program_end")


@dataclass(frozen=True)
class Filter:
    name: str
    effective: dt.date | None = None
    expires: dt.date | None = None
    transaction_types: tuple[str, ...] = ()
    stores: tuple[int, ...] = ()
    job_types: tuple[str, ...] = ()
    vendors: tuple[str, ...] = ()
    manufacturers: tuple[str, ...] = ()
    product_lines: tuple[str, ...] = ()
    sub_departments: tuple[str, ...] = ()
    item_types: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    exclude_item_types: tuple[str, ...] = ()
    min_qty: Decimal | None = None
    whiteboard: str | None = None  # seed 001's notes: never read by a rule


@dataclass(frozen=True)
class Multiplier:
    name: str
    currency_per_point: Decimal
    effective: dt.date | None = None
    expires: dt.date | None = None
    transaction_types: tuple[str, ...] = ()
    whiteboard: str | None = None


@dataclass(frozen=True)
class Tier:
    up_to: Decimal | None
    percent: Decimal


@dataclass(frozen=True)
class CreditMemo:
    amount: Decimal
    expire_days: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Coupon:
    amount: Decimal
    expire_days: int | None = None


@dataclass(frozen=True)
class Notify:
    employees: tuple[str, ...] = ()
    subscribers: bool = False
    letter_template: str | None = None


@dataclass(frozen=True)
class Award:
    name: str
    effective: dt.date | None = None
    expires: dt.date | None = None
    level: int | None = None
    level_from: int | None = None
    level_to: int | None = None
    credit_memo: CreditMemo | None = None
    coupon: Coupon | None = None
    price_group: str | None = None
    notify: Notify | None = None
    whiteboard: str | None = None

    def has_action(self) -> bool:
        return any((self.credit_memo, self.coupon, self.price_group, self.notify))


@dataclass(frozen=True)
class Program:
    id: str
    name: str
    kind: str
    status: str
    effective: dt.date
    expires: dt.date | None = None
    accrue_on: str = "invoice"
    cash_equivalent_only: bool = False
    start_date: dt.date | None = None
    eligible_statuses: tuple[str, ...] = ()
    award_processing: str = "automatic"
    grace_days: int = 0
    points_expire_days: int | None = None
    enrollment_basis: str | None = None
    calendar_start: dt.date | None = None
    duration_months: int | None = None
    point_value: Decimal | None = None
    may_pay_sales_tax: bool = False
    may_pay_gift_cards: bool = False
    redeem_as: str = "payment"
    report_in_sale_code: str | None = None
    filters: tuple[Filter, ...] = ()
    multipliers: tuple[Multiplier, ...] = ()
    percent_tiers: tuple[Tier, ...] = ()
    awards: tuple[Award, ...] = field(default=())
    comments: str | None = None  # seed 001's "Comments": for the staff, never for a rule
    # issue 23 item 4 (docs/decisions.md, "Reminders"): days before a lot or a credit memo
    # expires that its customer is emailed, largest first; empty: no reminders
    remind_points_expiring_days: tuple[int, ...] = ()
    remind_credit_expiring_days: tuple[int, ...] = ()
    # issue 23 item 6 (R5 in docs/decisions.md): a return gives back its share of the points
    # its invoice redeemed
    return_restores_redemption: bool = False
    # issue 23 item 2 (R6-R8 in docs/decisions.md, core/redeeming.py): points redeemed at a
    # time at least, in steps of, and at most this percent of the invoice
    redeem_min_points: int = 0
    redeem_step_points: int = 1
    redeem_max_share_percent: int = 100
    # issue 23 item 1 (T1-T9 in docs/decisions.md, core/tiers.py): status tiers; None: none
    status_tiers: TierRules | None = None

    def in_effect(self, day: dt.date) -> bool:
        return in_effect(self.effective, self.expires, day)

    def awards_on(self, day: dt.date) -> list[Award]:
        return [a for a in self.awards if in_effect(a.effective, a.expires, day)]

    def recurring_award(self, day: dt.date) -> Award | None:
        found = self.awards_on(day)
        return found[0] if found else None

    def tier_for(self, points: int, day: dt.date) -> Award | None:
        for award in self.awards_on(day):
            low = award.level_from if award.level_from is not None else 0
            if low <= points and (award.level_to is None or points <= award.level_to):
                return award
        return None

    def problems(self) -> list[Problem]:
        return program_problems(self)


def _overlap(a_from: dt.date | None, a_to: dt.date | None, b_from: dt.date | None,
             b_to: dt.date | None) -> bool:
    start = max(a_from or dt.date.min, b_from or dt.date.min)
    end = min(a_to or dt.date.max, b_to or dt.date.max)
    return start < end


def program_problems(p: Program) -> list[Problem]:
    """Every way `p` breaks section 2, as needed to open it (checked all at once)."""
    out: list[Problem] = []

    def bad(field_name: str, message: str) -> None:
        out.append(Problem(field_name, message))

    if p.expires is not None and p.expires <= p.effective:
        bad("expires", "must be after effective")
    if not p.filters:
        bad("filters", "a program needs at least one filter")
    if p.cash_equivalent_only and p.accrue_on != "paid_in_full":
        bad("cash_equivalent_only", "requires accrue_on: paid_in_full")
    if p.multipliers and p.percent_tiers:
        bad("percent_tiers", "use exactly one earning method: multipliers or percent tiers")
    if not p.multipliers and not p.percent_tiers:
        bad("multipliers", "a program needs an earning rate")
    if p.percent_tiers and p.kind != "points_bank":
        bad("percent_tiers", "percent tiers are for points_bank programs only")
    for i, m in enumerate(p.multipliers):
        if m.currency_per_point <= 0:
            bad(f"multipliers.{i}.currency_per_point", "must be more than 0")
        for j in range(i):
            o = p.multipliers[j]
            same = set(m.transaction_types) & set(o.transaction_types) or (
                not m.transaction_types and not o.transaction_types
            )
            if same and _overlap(m.effective, m.expires, o.effective, o.expires):
                bad(f"multipliers.{i}", f"as specific as {o.name!r} and in effect on the same days")
    _tier_problems(p, bad)
    if p.kind != "points_bank" and not p.awards:
        bad("awards", "a program needs at least one award")
    for i, a in enumerate(p.awards):
        if not a.has_action():
            bad(f"awards.{i}", "an award needs at least one action")
        if a.price_group and p.kind != "program_end":
            bad(f"awards.{i}.price_group", "price groups are for program_end programs only")
        if p.kind == "recurring" and (a.level is None or a.level <= 0):
            bad(f"awards.{i}.level", "a recurring award needs a level above 0")
        if p.kind == "program_end" and (a.level_from is None or a.level_from < 0):
            bad(f"awards.{i}.level_from", "a program_end award needs level_from")
        elif p.kind == "program_end" and a.level_to is not None and a.level_to < (a.level_from or 0):
            bad(f"awards.{i}.level_to", "must not be below level_from")
    if p.kind == "recurring":
        for i, aw in enumerate(p.awards):
            for other in p.awards[:i]:
                if _overlap(aw.effective, aw.expires, other.effective, other.expires):
                    bad(f"awards.{i}", f"overlaps {other.name!r}: one award in effect on any day")
    if p.kind == "program_end":
        if p.enrollment_basis not in ("enrolled_date", "calendar"):
            bad("enrollment_basis", "must be enrolled_date or calendar")
        if p.enrollment_basis == "calendar" and p.calendar_start is None:
            bad("calendar_start", "required with enrollment_basis: calendar")
        if not p.duration_months:
            bad("duration_months", "required for program_end programs")
    if p.kind == "points_bank" and (p.point_value is None or p.point_value <= 0):
        bad("point_value", "a points_bank program needs a point_value above 0")
    redeem_rules = (p.redeem_min_points, p.redeem_step_points, p.redeem_max_share_percent)
    if p.kind != "points_bank" and redeem_rules != (0, 1, 100):
        bad("redeem_min_points", "redemption rules are for points_bank programs only")
    if p.status_tiers is not None:  # T1/T2 (issue 23 item 1)
        for name, message in tier_problems(p.status_tiers):
            bad(f"status_tiers.{name}", message)
    if p.award_processing == "manual" and p.kind != "recurring":
        bad("award_processing", "manual processing is for recurring programs")
    expire = p.points_expire_days
    if expire is not None and expire <= p.grace_days:
        bad("points_expire_days", "must exceed grace_days")
    return out


def _tier_problems(p: Program, report: Callable[[str, str], None]) -> None:
    last = None
    for i, t in enumerate(p.percent_tiers):
        if t.percent < 0:
            report(f"percent_tiers.{i}.percent", "must not be negative")
        if t.up_to is None and i != len(p.percent_tiers) - 1:
            report(f"percent_tiers.{i}.up_to", "only the last band has no upper bound")
        if t.up_to is not None and last is not None and t.up_to <= last:
            report(f"percent_tiers.{i}.up_to", "bands must rise")
        last = t.up_to
