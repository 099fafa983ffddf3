"""Earning: which lines are eligible, the eligible amount, and the points (A2-A4).

The rate in force on an invoice is captured as a `Rate`, stored with the invoice, so that
returns and voids recompute with the rules of the invoice date (R1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from patronage.core.dates import in_effect
from patronage.core.money import ZERO, floor_int, round_money, to_cents
from patronage.core.programs import Filter, Program

NEVER_ELIGIBLE_ITEM_TYPES = frozenset({"gift_card"})
NEVER_EARNING_TYPES = frozenset({"gift_card_sale", "layaway", "return"})
JOB_BILL = "job_bill"  # the only transaction type that filters' job_types constrain


@dataclass
class Line:
    """An invoice line. A value that is never changed, though not declared frozen: a frozen
    dataclass is built 2.5 times slower (each field through `object.__setattr__`), and an
    import builds two of these per line."""

    sku: str
    item_type: str
    qty: Decimal
    price: Decimal
    discount: Decimal = ZERO
    product_line: str | None = None
    sub_department: str | None = None
    vendor: str | None = None
    manufacturer: str | None = None

    @property
    def amount(self) -> Decimal:
        """qty x price - discount, to the cent: worked out once (it is asked for often), and
        kept beside the fields, not among them (functools.cached_property takes a lock on
        every first use in Python 3.11)."""
        known = self.__dict__.get("_amount")
        if known is None:
            known = self.__dict__["_amount"] = round_money(self.qty * self.price - self.discount)
        return known  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Sale:
    """What filters look at: the invoice's own facts."""

    date: dt.date
    type: str
    store: int
    job_type: str | None


@dataclass(frozen=True)
class Extra:
    """Points given on top of A4's by a tier or a campaign (issue 23 items 1 and 3,
    docs/decisions.md B1): `source` names it ("tier:gold", "campaign:12"), `points` is what
    it gave on the invoice's eligible amount at accrual, `label` how people read it."""

    source: str
    points: int
    label: str = ""


@dataclass(frozen=True)
class Rate:
    """An earning rule frozen on an invoice: a multiplier, or percent tiers with a point
    value; and the extras (tiers, campaigns) it earned on `extras_on`, the eligible amount
    at accrual. A return keeps each extra in proportion to the eligible amount kept (B1)."""

    currency_per_point: Decimal | None = None
    tiers: tuple[tuple[Decimal | None, Decimal], ...] = ()
    point_value: Decimal | None = None
    extras: tuple[Extra, ...] = ()
    extras_on: Decimal = ZERO

    def times(self, eligible: Decimal, factor: Decimal) -> int:
        """floor(A4's points before the floor x `factor`), multiplied before dividing so it
        is exact: what a tier's or a campaign's multiplier gives on top (factor 0.5 for a
        1.5x tier, 1 for double points; B1). 0 on nothing eligible or a factor <= 0."""
        if eligible <= 0 or factor <= 0:
            return 0
        if self.currency_per_point is not None:
            return floor_int(eligible * factor / self.currency_per_point)
        if self.tiers and self.point_value:
            percent = band_percent(self.tiers, eligible)
            return floor_int(eligible * factor * percent / 100 / self.point_value)
        return 0

    def exact(self, eligible: Decimal) -> Decimal:
        """A4 before the floor (for display; to multiply it use `times`, which is exact)."""
        if eligible <= 0:
            return ZERO
        if self.currency_per_point is not None:
            return eligible / self.currency_per_point
        if self.tiers and self.point_value:
            return eligible * band_percent(self.tiers, eligible) / 100 / self.point_value
        return ZERO

    def base_points(self, eligible: Decimal) -> int:
        """A4: floor(amount / currency_per_point), or floor(amount x percent / 100 / value)."""
        return self.times(eligible, Decimal(1))

    def kept_extras(self, eligible: Decimal) -> tuple[tuple[Extra, int], ...]:
        """B1: each extra's points on `eligible`: floor(points x kept / given-on), cumulative
        like `money.prorate`, so a full return or a void keeps none and never more than given."""
        whole = to_cents(self.extras_on)
        if whole <= 0:
            return tuple((x, 0) for x in self.extras)
        kept = min(max(to_cents(eligible), 0), whole)
        return tuple((x, x.points * kept // whole) for x in self.extras)

    def points(self, eligible: Decimal) -> int:
        """A4 and B1: the base points and every extra kept on `eligible`."""
        return self.base_points(eligible) + sum(n for _, n in self.kept_extras(eligible))

    def with_extras(self, extras: tuple[Extra, ...], on: Decimal) -> Rate:
        """This rate with the extras given on the eligible amount `on`."""
        return Rate(self.currency_per_point, self.tiers, self.point_value, tuple(extras), on)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "currency_per_point": None if self.currency_per_point is None else str(self.currency_per_point),
            "tiers": [[None if u is None else str(u), str(p)] for u, p in self.tiers],
            "point_value": None if self.point_value is None else str(self.point_value),
        }
        if self.extras:  # rates without extras are stored as they always were
            out["extras"] = [[x.source, x.points, x.label] for x in self.extras]
            out["extras_on"] = str(self.extras_on)
        return out

    @classmethod
    def from_json(cls, data: dict[str, object] | None) -> Rate:
        if not data:
            return cls()
        cpp, pv = data.get("currency_per_point"), data.get("point_value")
        tiers: list[list[object]] = list(data.get("tiers") or [])  # type: ignore[call-overload]
        extras: list[list[object]] = list(data.get("extras") or [])  # type: ignore[call-overload]
        return cls(
            currency_per_point=None if cpp is None else Decimal(str(cpp)),
            tiers=tuple((None if u is None else Decimal(str(u)), Decimal(str(p))) for u, p in tiers),
            point_value=None if pv is None else Decimal(str(pv)),
            extras=tuple(Extra(str(s), int(str(n)), str(label)) for s, n, label in extras),
            extras_on=Decimal(str(data.get("extras_on") or "0")),
        )


@dataclass(frozen=True)
class Earning:
    """What A2-A4 found on an invoice (or a cart) in one program: its sale, its lines with
    the amount each has now (less returns) and whether it earns, the eligible amount, and
    the base rate. What a tier or a campaign looks at to decide its extra (B1)."""

    sale: Sale
    lines: tuple[Line, ...]
    amounts: tuple[Decimal, ...]
    earns: tuple[bool, ...]
    eligible: Decimal
    rate: Rate


def band_percent(tiers: tuple[tuple[Decimal | None, Decimal], ...], amount: Decimal) -> Decimal:
    """The band whose range holds `amount` gives the rate; equal to up_to belongs to it."""
    for up_to, percent in tiers:
        if up_to is None or amount <= up_to:
            return percent
    return tiers[-1][1] if tiers else ZERO


def filter_matches(f: Filter, sale: Sale, line: Line) -> bool:
    """In effect on the sale's date; every list the filter has (an empty one allows all)
    holds the sale's or line's value; the item type is not excluded; the quantity is at
    least the minimum. Job types constrain job bills only: another type passes them."""
    return (in_effect(f.effective, f.expires, sale.date)
            and (not f.transaction_types or sale.type in f.transaction_types)
            and (not f.stores or sale.store in f.stores)
            and (not f.job_types or sale.type != JOB_BILL or sale.job_type in f.job_types)
            and (not f.vendors or line.vendor in f.vendors)
            and (not f.manufacturers or line.manufacturer in f.manufacturers)
            and (not f.product_lines or line.product_line in f.product_lines)
            and (not f.sub_departments or line.sub_department in f.sub_departments)
            and (not f.item_types or line.item_type in f.item_types)
            and (not f.items or line.sku in f.items)
            and line.item_type not in f.exclude_item_types
            and (f.min_qty is None or line.qty >= f.min_qty))


def earns_in(program: Program, enrolled_on: dt.date, invoice_type: str, invoice_date: dt.date,
             day: dt.date, status: str | None, status_included: Callable[[], bool]) -> bool:
    """A1/A2: an invoice of `invoice_type` dated `invoice_date` earns on `day` in `program`
    for a customer enrolled on `enrolled_on` with `status`: never for the types that never
    earn; the enrollment started by then; the program live (not a draft, in effect that day)
    and started by the invoice's date; the status among the program's eligible ones (when
    it names any) and included by the shop (`status_included`, asked last: a lookup)."""
    if invoice_type in NEVER_EARNING_TYPES or enrolled_on > day:
        return False
    if program.status == "draft" or not program.in_effect(day):
        return False
    if program.start_date is not None and invoice_date < program.start_date:
        return False
    if program.eligible_statuses and status not in program.eligible_statuses:
        return False
    return status_included()


def line_eligible(program: Program, sale: Sale, line: Line) -> bool:
    """A2 and the filters: a line earns when it matches at least one filter in effect."""
    if line.item_type in NEVER_ELIGIBLE_ITEM_TYPES:
        return False
    return any(filter_matches(f, sale, line) for f in program.filters)


def rate_for(program: Program, sale: Sale) -> Rate:
    """The earning rule in force for this sale (the most specific multiplier wins)."""
    if program.percent_tiers:
        return Rate(
            tiers=tuple((t.up_to, t.percent) for t in program.percent_tiers),
            point_value=program.point_value,
        )
    live = [m for m in program.multipliers if in_effect(m.effective, m.expires, sale.date)]
    named = [m for m in live if sale.type in m.transaction_types]
    general = [m for m in live if not m.transaction_types]
    chosen = (named or general)[:1]
    return Rate(currency_per_point=chosen[0].currency_per_point) if chosen else Rate()


def eligible_amount(line_amounts: list[tuple[Decimal, bool]], loyalty_discount: Decimal) -> Decimal:
    """A3: eligible lines less pre-tax loyalty discounts, never below zero; tax never earns."""
    total = sum((amount for amount, eligible in line_amounts if eligible), ZERO)
    return max(ZERO, total - loyalty_discount)
