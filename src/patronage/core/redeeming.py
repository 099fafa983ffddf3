"""Redemption rules of a points bank (issue 23 item 2; R6-R8 in docs/decisions.md), on top
of C2's maximum: a minimum, whole steps of points, a maximum share of the invoice.

Pure: the checkout (service/invoices.py `_plan_rewards`) asks these what "all" takes and
whether an amount the cashier typed may be redeemed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from math import lcm

from patronage.core.errors import PatronageError, Problem
from patronage.core.money import CENT, ZERO, fmt, whole_cent_step

FIELD = "redeem.rewards"


@dataclass(frozen=True)
class RedeemRules:
    """A program's three settings: 0, 1 and 100 are "no rule"."""

    min_points: int = 0
    step_points: int = 1
    max_share_percent: int = 100


def share_cap(base: Decimal, percent: int) -> Decimal:
    """R8: the most of `base` (what points may pay for on the invoice, C2) that points
    pay: `percent` of it, down to the cent (never below 0)."""
    return max(ZERO, (base * percent / 100).quantize(CENT, rounding=ROUND_FLOOR))


def redeemable_points(available: int, base: Decimal, point_value: Decimal,
                      rules: RedeemRules) -> int:
    """C2 with R6-R8: the most points "all" takes. At most the points available and those
    the share cap (R8; C2's base at 100%) pays for; a multiple of both the step (R7) and
    C2's whole-cent step; 0 when that is below the minimum (R6)."""
    cap = share_cap(base, rules.max_share_percent)
    most = max(0, min(available, int(cap // point_value)))
    most -= most % lcm(rules.step_points, whole_cent_step(point_value))
    return most if most >= rules.min_points else 0


def refusal(points: int, amount: Decimal, available: int, base: Decimal,
            rules: RedeemRules) -> PatronageError | None:
    """R6-R8 for a redemption of `points` (worth `amount`) a cashier asked for, with
    `available` points: why it is refused, or None. Redeeming nothing is never refused."""
    if points == 0:
        return None
    if points < rules.min_points or available < rules.min_points:
        who = (f"{points} points are" if points < rules.min_points
               else f"the customer's {available} points are")
        return PatronageError(
            "below_minimum",
            f"{who} below the minimum of {rules.min_points} points redeemed at a time",
            [Problem(FIELD, f"at least {rules.min_points} points")])
    if points % rules.step_points:
        return PatronageError(
            "not_whole_steps",
            f"{points} points are not a whole number of steps of {rules.step_points}",
            [Problem(FIELD, f"a multiple of {rules.step_points} points")])
    cap = share_cap(base, rules.max_share_percent)
    if rules.max_share_percent < 100 and amount > cap:
        return PatronageError(
            "above_maximum",
            f"rewards {fmt(amount)} are above {rules.max_share_percent}% of the invoice: "
            f"at most {fmt(cap)}",
            [Problem(FIELD, f"at most {fmt(cap)} ({rules.max_share_percent}%)")])
    return None


# --- C3: credit memos, a tender ---------------------------------------------------------------

def credit_maximum(held: Decimal, owed: Decimal) -> Decimal:
    """C3: the most credit an invoice can take: what the open memos hold, at most what the
    invoice still owes (post-tax, less rewards paid as a tender, less gift cards unless the
    shop allows credit for them), never below zero."""
    return max(ZERO, min(held, owed))


def memo_order(expires_on: dt.date | None, issued_on: dt.date, memo_id: int) -> tuple[dt.date, dt.date, int]:
    """C3: memos are used first-expiring first (never-expiring last), then oldest, then
    in the order they were made."""
    return (expires_on or dt.date.max, issued_on, memo_id)


def spread_credit(remaining: list[Decimal], amount: Decimal) -> list[Decimal]:
    """C3: `amount` of credit taken from memos holding `remaining` (in `memo_order`), each
    up to what it holds: what each gives, in order, the unused ones giving 0. The caller
    has checked `amount` against `credit_maximum`."""
    out, left = [], amount
    for held in remaining:
        use = min(held, left) if left > 0 else ZERO
        out.append(use)
        left -= use
    return out


# --- C4: two redemptions at the same moment ---------------------------------------------------
# The lock is the adapters' (adapters/db/engine.py: SQLite writers begin IMMEDIATE, PostgreSQL
# ones lock the customer's row, `service/invoices.py` `validate_refs`); what is decided here is
# only whether what a redemption asks is still there once the caller holds it.

ASKED = {  # what a cashier may redeem: how the refusal names it, and its field
    "rewards": ("rewards {} are", FIELD),
    "credit": ("credit {} is", "redeem.credit_memos"),
}


def check_still_there(what: str, asked: Decimal, most: Decimal) -> None:
    """C4: after the customer's lock, is what is asked still there: `asked` of `what`
    ("rewards": C2's points, "credit": C3's memos) against `most`, what the customer's
    points or open memos allow on this invoice as read *after* the lock. Asking more is
    refused with `above_maximum`, and nothing is spent.

    The caller must hold the customer's lock (taken in the adapters, before anything about
    the customer is read): a redemption that committed first has then already taken its
    points or credit out of `most`, so two never spend the same."""
    if asked > most:
        said, field = ASKED[what]
        raise PatronageError("above_maximum",
                             f"{said.format(fmt(asked))} above the maximum {fmt(most)}",
                             [Problem(field, f"at most {fmt(most)}")])


def still_open(status: str, expires_on: dt.date | None, day: dt.date,
               remaining: Decimal | None = None) -> bool:
    """C4 with W4/C3: whether a coupon or credit memo may still be spent on `day`: open
    (one another redemption used is no longer), not expired, and for a memo (`remaining`)
    still holding something.

    The caller must hold the customer's lock and have read the coupon or memo after
    taking it, so a redemption that committed first is seen."""
    if status != "open" or (remaining is not None and remaining <= 0):
        return False
    return expires_on is None or day < expires_on
