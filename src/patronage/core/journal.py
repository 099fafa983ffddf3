"""Journal entries for the accountant (G1): balanced postings for every value move."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from patronage.core.money import ZERO, points_value

POINTS_LIABILITY = "points_liability"
POINTS_EXPENSE = "points_expense"
STORE_CREDIT_LIABILITY = "store_credit_liability"
COUPON_LIABILITY = "coupon_liability"
RECEIVABLE = "receivable"


@dataclass(frozen=True)
class Posting:
    account: str
    debit: Decimal
    credit: Decimal


def transfer(debit_account: str, credit_account: str, amount: Decimal) -> list[Posting]:
    """One balanced entry moving `amount`; a negative amount swaps the sides."""
    if amount < 0:
        debit_account, credit_account, amount = credit_account, debit_account, -amount
    return [Posting(debit_account, amount, ZERO), Posting(credit_account, ZERO, amount)]


def coupon_issue(reason_account: str, amount: Decimal) -> list[Posting]:
    """G1: a coupon's issue debits its reason's account and credits coupon liability."""
    return transfer(reason_account, COUPON_LIABILITY, amount)


def coupon_use(applied: Decimal) -> list[Posting]:
    """G1: what a coupon took off a sale debits coupon liability and credits receivable."""
    return transfer(COUPON_LIABILITY, RECEIVABLE, applied)


def coupon_release(reason_account: str, amount: Decimal) -> list[Posting]:
    """G1: what a coupon no longer owes (forfeited on its sale, expired, cancelled) goes
    back the way it came: the reverse of its issue."""
    return transfer(COUPON_LIABILITY, reason_account, amount)


def coupon_restore(reason_account: str, applied: Decimal, forfeited: Decimal) -> list[Posting]:
    """G1 with R3: a void gives a used coupon back, the reverse of its use and its forfeit
    (debit receivable what it applied and the reason's account what was forfeited, credit
    coupon liability the whole)."""
    return [Posting(RECEIVABLE, applied, ZERO), Posting(reason_account, forfeited, ZERO),
            Posting(COUPON_LIABILITY, ZERO, applied + forfeited)]


def liability_change(point_value: Decimal, held_before: int, held_after: int) -> Decimal:
    """G1: what an enrollment's change from `held_before` to `held_after` outstanding points
    (pending + available: its lots' remaining points plus its debt) moves on the points
    liability: the rounded value of what is held after, less that of what was held before.

    So the liability booked for an enrollment is always `points_value(held, point_value)`,
    within half a cent of held x point_value however many changes made it. With a
    whole-cent point_value this is exactly (after - before) x point_value.
    """
    return points_value(held_after, point_value) - points_value(held_before, point_value)


def is_balanced(postings: list[Posting]) -> bool:
    return sum((p.debit for p in postings), ZERO) == sum((p.credit for p in postings), ZERO)
