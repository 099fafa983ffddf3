"""Returns and voids (R1-R5) as pure decisions over frozen records; `service/returns.py`
loads the invoice, calls these and writes what they answer. Standard library only.

- R1: which sold lines a return takes and how much of each (first lines of the sku first),
  the returned amount by `money.prorate` (so however a line is returned, in whatever steps,
  the pieces add up to its amount), and the points the invoice keeps on what is left,
  by its frozen Rate (the rules in effect on the invoice date).
- R2: a return with no invoice takes the points its amount would earn today.
- R3: a void keeps no points, and gives back the points, credit and coupons its invoice
  spent, unless expired meanwhile.
- R4: a return before payment writes its returned quantities all the same, so what accrues
  at payment (paid_in_full) is earned on what is kept. The return's value adds its share
  of the invoice's tax, by amount and cumulative as R1's amount.
- R5 (docs/decisions.md, issue 23 item 6): a return gives back its share of the points its
  invoice redeemed, when the program says so. The share is cumulative, as `money.prorate`
  is: the points given back by all returns so far are floor(redeemed x returned amount /
  the lines' amount), so returning every line, in whatever steps, gives back exactly what
  was redeemed, and never more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from patronage.core.earning import Line, Rate, Sale, eligible_amount, line_eligible, rate_for
from patronage.core.errors import PatronageError, Problem
from patronage.core.money import ZERO, prorate, share, to_cents
from patronage.core.programs import Program


def points_back(redeemed: int, lines_amount: Decimal, before: Decimal, after: Decimal) -> int:
    """R5: the points a return of the lines from `before` to `after` (of `lines_amount`,
    the returned amounts so far, money) gives back of `redeemed`: floor of the cumulative
    share after less that before. 0 when the invoice's lines amount to nothing."""
    whole = to_cents(lines_amount)
    if redeemed <= 0 or whole <= 0:
        return 0

    def upto(amount: Decimal) -> int:
        return redeemed * min(max(to_cents(amount), 0), whole) // whole

    return max(upto(after) - upto(before), 0)


def fill(takes: list[int], total: int) -> list[int]:
    """`total` points spread over `takes` in order, each at most its take: where points
    given back go (the redemption's lots, the last taken first). Cumulative like the
    share: fill(takes, a) <= fill(takes, b) item by item when a <= b."""
    out = []
    left = max(total, 0)
    for take in takes:
        part = min(max(take, 0), left)
        out.append(part)
        left -= part
    return out


@dataclass(frozen=True)
class SoldLine:
    """A line of a sold invoice as stored: sold and returned quantities, its amount (money)
    and whether it earns in the invoice's program (A2)."""

    line_no: int
    sku: str
    qty: Decimal
    returned_qty: Decimal
    amount: Decimal
    eligible: bool = True

    @property
    def left(self) -> Decimal:
        """The quantity still to return."""
        return self.qty - self.returned_qty

    @property
    def returned_amount(self) -> Decimal:
        """R1: what the returns so far took of the amount (`money.share`, cumulative)."""
        return share(self.amount, self.returned_qty, self.qty) if self.returned_qty else ZERO

    @property
    def kept(self) -> Decimal:
        """R1: the amount less what was returned: kept plus returned is the amount."""
        return self.amount - self.returned_amount


@dataclass(frozen=True)
class ReturnedLine:
    """A line of a posted return: a sku and quantity, and for a return without an invoice
    (R2) its price and item type."""

    sku: str
    qty: Decimal
    price: Decimal | None = None
    item_type: str = "product"


@dataclass(frozen=True)
class Taking:
    """R1: what a return against an invoice takes: its amount and tax share, the lines it
    changes with their new returned quantity (R4: what accrues at payment is earned on
    what they keep), and (for R5) the lines' amount and what all returns had taken of it
    before this one."""

    amount: Decimal
    tax: Decimal
    returned: tuple[tuple[int, Decimal], ...]
    lines_amount: Decimal
    before: Decimal

    @property
    def after(self) -> Decimal:
        """What all returns have taken of the lines' amount, this one too."""
        return self.before + self.amount

    def applied(self, sold: Sequence[SoldLine]) -> tuple[SoldLine, ...]:
        """The invoice's lines once the return is written."""
        now = dict(self.returned)
        return tuple(replace(x, returned_qty=now[x.line_no]) if x.line_no in now else x
                     for x in sold)


def take_lines(sold: Sequence[SoldLine], asked: Sequence[ReturnedLine], tax: Decimal,
               subtotal: Decimal) -> Taking:
    """R1: each returned line takes its quantity from the sold lines of its sku, in order,
    at most what each has left; the amount is each line's `money.prorate` share of what it
    takes; the tax share is `money.prorate` of the invoice's tax by amount, over the
    subtotal. Returning more than was sold less returns fails with `return_exceeds_sale`
    naming the line, and nothing is taken."""
    left = {x.line_no: x.left for x in sold}
    amount = ZERO
    for i, line in enumerate(asked):
        need = line.qty
        for x in sold:
            if x.sku != line.sku or need <= 0:
                continue
            take = min(left[x.line_no], need)
            if take > 0:
                gone = x.qty - left[x.line_no]  # returned so far, this return too
                left[x.line_no] -= take
                need -= take
                amount += prorate(x.amount, x.qty, gone, gone + take)
        if need > 0:
            raise PatronageError(
                "return_exceeds_sale",
                f"returning {line.qty} of {line.sku} is more than was sold less returns",
                [Problem(f"lines.{i}.qty", "more than is left to return")])
    before = sum((x.returned_amount for x in sold), ZERO)
    return Taking(
        amount=amount,
        tax=prorate(tax, subtotal, before, before + amount),
        returned=tuple((x.line_no, x.qty - left[x.line_no]) for x in sold
                       if left[x.line_no] != x.left),
        lines_amount=sum((x.amount for x in sold), ZERO),
        before=before,
    )


def kept_eligible(lines: Sequence[SoldLine], loyalty_discount: Decimal,
                  own: frozenset[int] | None = None) -> Decimal:
    """R1 (A3): the eligible amount of what is kept: the kept amounts of the eligible lines
    (with E1 `many`, of a program's `own` line numbers) less the loyalty discount."""
    return eligible_amount([(x.kept, x.eligible if own is None else x.line_no in own)
                            for x in lines], loyalty_discount)


def points_kept(rate: Rate, lines: Sequence[SoldLine], loyalty_discount: Decimal,
                own: frozenset[int] | None = None) -> tuple[int, Decimal]:
    """R1: the points the invoice earns on what is kept, by its frozen `rate` (the rules in
    effect on the invoice date), and that eligible amount."""
    eligible = kept_eligible(lines, loyalty_discount, own)
    return rate.points(eligible), eligible


VOIDED = (0, ZERO)
"""R3: what a voided invoice keeps: no points on no eligible amount."""


def points_to_take(earned: int, kept: int) -> int:
    """R1/R3: the points to take back: what the invoice earned less what it keeps."""
    return max(earned - kept, 0)


def unlinked_lines(customer: str | None,
                   asked: Sequence[ReturnedLine]) -> tuple[str, list[Line]]:
    """R2: a return without an invoice names its customer and each line's price: the
    customer and the lines as earning lines. Fails with `invalid` naming what is missing."""
    if customer is None:
        raise PatronageError("invalid", "a return without an invoice needs a customer",
                             [Problem("customer", "required without invoice")])
    out = []
    for i, line in enumerate(asked):
        if line.price is None:
            raise PatronageError("invalid", "a return without an invoice needs line prices",
                                 [Problem(f"lines.{i}.price", "required without invoice")])
        out.append(Line(sku=line.sku, item_type=line.item_type, qty=line.qty,
                        price=line.price))
    return customer, out


def unlinked_points(program: Program, lines: Sequence[Line], day: dt.date,
                    store: int) -> int:
    """R2: the points `lines` would earn in `program` today, as a sale at `store` on `day`
    (its rules in effect then, A2-A5); none in a draft program."""
    if program.status == "draft":
        return 0
    sale = Sale(date=day, type="sale", store=store, job_type=None)
    return rate_for(program, sale).points(
        eligible_amount([(x.amount, line_eligible(program, sale, x)) for x in lines], ZERO))


def redemption_back(redeemed: int, given_back: int, lot_expires_on: dt.date | None,
                    day: dt.date, enrollment_open: bool = True) -> int:
    """R3 (with R5): the points a void gives back to a lot its invoice redeemed from: what
    it took less what returns gave back already; none once the lot has expired (L1) or its
    enrollment closed (E2: its points were forfeited)."""
    if not enrollment_open or (lot_expires_on is not None and lot_expires_on <= day):
        return 0
    return max(redeemed - given_back, 0)


def memo_use_back(used: Decimal, memo_status: str, memo_expires_on: dt.date | None,
                  day: dt.date) -> Decimal:
    """R3: the credit a void gives back to a memo its invoice spent: the use's amount,
    unless the memo expired or was cancelled meanwhile (W4)."""
    if memo_status in ("expired", "cancelled") or used <= 0:
        return ZERO
    if memo_expires_on is not None and memo_expires_on <= day:
        return ZERO
    return used


def coupon_back(invoice_id: int, coupon_invoice_id: int | None, coupon_status: str,
                coupon_expires_on: dt.date | None, day: dt.date) -> bool:
    """R3: whether a void reopens a coupon: one its invoice used, not expired since (W4)."""
    live = coupon_expires_on is None or day < coupon_expires_on
    return coupon_invoice_id == invoice_id and coupon_status == "used" and live

