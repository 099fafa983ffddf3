"""Why a sale earns what it does, line by line, so that "0 points" is never a mystery.

Pure: given the program, what A1 asks of the customer (`Earner`), the sale and its lines,
`explain_sale` says for each line which filter matched or, filter by filter, why none did;
the rate and multiplier in force; and the points, worked out with the same functions the
engine earns with (core/earning.py: A2-A4). `accrual` says whether the points accrue when
the sale is posted, later (A5: paid in full) or never (cash equivalents only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from patronage.core.dates import in_effect
from patronage.core.earning import (
    JOB_BILL,
    NEVER_ELIGIBLE_ITEM_TYPES,
    Extra,
    Line,
    Rate,
    Sale,
    band_percent,
    eligible_amount,
    filter_matches,
    line_eligible,
    rate_for,
)
from patronage.core.money import ZERO, floor_int, fmt
from patronage.core.programs import Filter, Multiplier, Program

CASH_EQUIVALENTS = frozenset({"cash", "check", "card"})
NEVER_EARNS = {  # A2: invoice types that never earn, and why
    "gift_card_sale": "a gift card sale never earns",
    "layaway": "a layaway earns only when it is converted into a sale",
    "return": "a return never earns",
}


@dataclass(frozen=True)
class Earner:
    """What A1 asks of the customer, apart from the lines: the program of their open
    enrollment (None: not enrolled), the day it started, their status, and whether the
    shop includes that status in loyalty (seed 004)."""

    program: Program | None
    enrolled_on: dt.date | None = None
    status: str | None = None
    status_included: bool = True
    has_customer: bool = True


@dataclass(frozen=True)
class LineWhy:
    """One line explained. `points` is the line's amount at the sale's rate on its own; the
    sale's points are worked out once on the sum (A4), so lines may add up to less."""

    line: int  # 1-based, as a receipt counts
    sku: str
    amount: Decimal
    earns: bool
    filter: str | None  # the first filter in effect that the line matches
    reasons: tuple[str, ...]  # why it earns nothing; empty when it earns
    rate: str
    points: int

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "sku": self.sku, "amount": self.amount, "earns": self.earns,
                "filter": self.filter, "reasons": list(self.reasons), "rate": self.rate,
                "points": self.points}


@dataclass(frozen=True)
class SaleWhy:
    """A sale explained: its lines, what applies to the whole sale, the eligible amount
    (A3) and the points the sale earns (A4) once it accrues."""

    lines: tuple[LineWhy, ...]
    notes: tuple[str, ...]
    eligible_amount: Decimal
    points: int


@dataclass(frozen=True)
class Accrual:
    """A5: whether a sale's points accrue now, may accrue later (paid in full) or never."""

    now: bool
    ever: bool
    note: str | None = None


def sale_blockers(earner: Earner, sale: Sale) -> list[str]:
    """A1/A2: every reason the sale as a whole earns nothing in this program."""
    if not earner.has_customer:
        return ["the sale has no customer"]
    out = [NEVER_EARNS[sale.type]] if sale.type in NEVER_EARNS else []
    p = earner.program
    if p is None or earner.enrolled_on is None:
        return [*out, "the customer is not enrolled in a program"]
    if earner.enrolled_on > sale.date:
        out.append(f"enrolled on {earner.enrolled_on}, after the sale")
    if p.status == "draft":
        out.append(f"program {p.name!r} is a draft")
    if not p.in_effect(sale.date):
        out.append(f"program {p.name!r} is not in effect on {sale.date}")
    if p.start_date is not None and sale.date < p.start_date:
        out.append(f"the sale is before the program's start date {p.start_date}")
    if p.eligible_statuses and earner.status not in p.eligible_statuses:
        out.append(f"status {earner.status or '(none)'} not eligible "
                   f"(the program takes {', '.join(p.eligible_statuses)})")
    if not earner.status_included:
        out.append(f"status {earner.status} is not included in loyalty")
    return out


def _listed(what: str, value: object, allowed: Sequence[object], name: str) -> str:
    shown = "(none)" if value is None else value
    return f"{what} {shown} not in filter {name!r} ({', '.join(str(a) for a in allowed)})"


def filter_misses(f: Filter, sale: Sale, line: Line) -> list[str]:
    """Each condition of `f` that the line or sale fails (the terms of `filter_matches`)."""
    name = f.name
    if not in_effect(f.effective, f.expires, sale.date):
        return [f"filter {name!r} is not in effect on {sale.date}"]
    out = []
    checks: list[tuple[str, object, Sequence[object]]] = [
        ("type", sale.type, f.transaction_types), ("store", sale.store, f.stores),
        ("vendor", line.vendor, f.vendors), ("manufacturer", line.manufacturer, f.manufacturers),
        ("product line", line.product_line, f.product_lines),
        ("sub-department", line.sub_department, f.sub_departments),
        ("item type", line.item_type, f.item_types), ("sku", line.sku, f.items),
    ]
    if sale.type == JOB_BILL:
        checks.insert(2, ("job type", sale.job_type, f.job_types))
    for what, value, allowed in checks:
        if allowed and value not in allowed:
            out.append(_listed(what, value, allowed, name))
    if line.item_type in f.exclude_item_types:
        out.append(f"item type {line.item_type} excluded by filter {name!r}")
    if f.min_qty is not None and line.qty < f.min_qty:
        out.append(f"quantity {line.qty} below the minimum {f.min_qty} of filter {name!r}")
    return out


def chosen_multiplier(program: Program, sale: Sale) -> Multiplier | None:
    """The multiplier `rate_for` uses: one naming the sale's type wins over a general one."""
    live = [m for m in program.multipliers if in_effect(m.effective, m.expires, sale.date)]
    named = [m for m in live if sale.type in m.transaction_types]
    general = [m for m in live if not m.transaction_types]
    chosen = named or general
    return chosen[0] if chosen else None


def rate_text(program: Program, sale: Sale, rate: Rate, eligible: Decimal) -> str:
    if rate.currency_per_point is not None:
        chosen = chosen_multiplier(program, sale)
        named = f" (multiplier {chosen.name!r})" if chosen else ""
        return f"1 point per {fmt(rate.currency_per_point)}{named}"
    if rate.tiers and rate.point_value:
        percent = band_percent(rate.tiers, eligible)
        return (f"{percent.normalize():f}% of {fmt(eligible)} eligible, "
                f"at {rate.point_value.normalize():f} a point")
    return f"no earning rate in effect on {sale.date}"


def line_points(rate: Rate, amount: Decimal, eligible: Decimal) -> int:
    """The line's amount at the sale's rate (a percent band is the sale's, A4)."""
    if amount <= 0:
        return 0
    if rate.tiers and rate.point_value and rate.currency_per_point is None:
        return floor_int(amount * band_percent(rate.tiers, eligible) / 100 / rate.point_value)
    return rate.points(amount)


def explain_line(program: Program | None, sale: Sale, line: Line, number: int,
                 blockers: Sequence[str], rate: Rate, rate_said: str,
                 eligible: Decimal) -> LineWhy:
    matched, reasons = None, list(blockers)
    if line.item_type in NEVER_ELIGIBLE_ITEM_TYPES:
        reasons.append(f"item type {line.item_type} never earns")
    elif program is not None:
        live = [f for f in program.filters if filter_matches(f, sale, line)]
        if live:
            matched = live[0].name
        elif not program.filters:
            reasons.append(f"program {program.name!r} has no filters")
        else:
            reasons.append("no filter matched")
            for f in program.filters:
                reasons.extend(filter_misses(f, sale, line))
    earns = not reasons
    return LineWhy(line=number, sku=line.sku, amount=line.amount, earns=earns, filter=matched,
                   reasons=tuple(reasons), rate=rate_said,
                   points=line_points(rate, line.amount, eligible) if earns else 0)


def explain_sale(earner: Earner, sale: Sale, lines: Sequence[Line],
                 loyalty_discount: Decimal = ZERO,
                 amounts: Sequence[Decimal] | None = None,
                 extras: Sequence[tuple[Extra, int]] = ()) -> SaleWhy:
    """Every line and the whole sale explained. `amounts`: what is left of each line after
    returns (R1), when not the lines' own amounts. `extras`: the tier's and campaigns'
    points on top (B1, K1-K5), each with what it gives now, one note each."""
    program = earner.program
    blockers = sale_blockers(earner, sale)
    left = list(amounts) if amounts is not None else [x.amount for x in lines]
    matched = [program is not None and line_eligible(program, sale, x) for x in lines]
    eligible = eligible_amount(list(zip(left, matched, strict=True)), loyalty_discount)
    rate = rate_for(program, sale) if program is not None else Rate()
    said = rate_text(program, sale, rate, eligible) if program is not None else "none"
    why = tuple(explain_line(program, sale, x, i + 1, blockers, rate, said, eligible)
                for i, x in enumerate(lines))
    points = 0 if blockers else rate.points(eligible)
    notes = list(blockers)
    if not blockers:
        gross = sum((a for a, m in zip(left, matched, strict=True) if m), ZERO)
        if loyalty_discount > 0 and gross > 0:
            notes.append(f"the loyalty discount {fmt(loyalty_discount)} comes off the eligible "
                         f"{fmt(gross)} (A3)")
        notes.append(f"{fmt(eligible)} eligible at {said}: {points} points, worked out once "
                     "on the whole sale (A4)")
        on_top = [(x, n) for x, n in extras if n > 0]  # issue 23: B1's extras, one note each
        if on_top:
            notes.extend(extra_note(x, n) for x, n in on_top)
            points += sum(n for _, n in on_top)
            notes.append(f"{points} points in all (B1)")
    return SaleWhy(lines=why, notes=tuple(notes), eligible_amount=eligible, points=points)


def extra_note(extra: Extra, points: int) -> str:
    """B1: "campaign Double weekend: +120 points", "Gold tier x1.5: +30 points": the label,
    after its kind (the source's "campaign:", "tier:") unless the label names it already."""
    kind, _, key = extra.source.partition(":")
    label = extra.label or key
    named = label if kind.casefold() in label.casefold().split() else f"{kind} {label}"
    return f"{named}: +{points} points"


def accrual(program: Program | None, paid: Decimal, total: Decimal,
            tenders: Sequence[str]) -> Accrual:
    """A5: accrue_on invoice accrues at once; paid_in_full once payments reach the total;
    with cash_equivalent_only any other tender means never."""
    if program is None or program.accrue_on != "paid_in_full":
        return Accrual(now=True, ever=True)
    others = sorted({t for t in tenders if t not in CASH_EQUIVALENTS})
    if program.cash_equivalent_only and others:
        return Accrual(now=False, ever=False,
                       note=f"never accrues: paid by {', '.join(others)}, and the program "
                            "earns on cash, check or card only")
    if paid < total:
        return Accrual(now=False, ever=True,
                       note=f"accrues when paid in full: paid {fmt(paid)} of {fmt(total)}")
    return Accrual(now=True, ever=True)
