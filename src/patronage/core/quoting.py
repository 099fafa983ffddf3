"""The quote (C1): what a cart or an unposted invoice would earn and what can pay for it,
answered from what the service loaded, changing nothing.

Pure: `service/invoices.py` `quote` parses the cart, plans its checkout (`plan_checkout`:
coupons, rewards and credit as posting it would), works out each program's earning rate
(tiers and campaigns are read there), reads the balance, and hands the facts here as
frozen records (`Cart`, `Earned`, `Held`). `answer` says the figures the quote answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from patronage.core.money import ZERO
from patronage.core.redeeming import RedeemRules, share_cap


@dataclass(frozen=True)
class Earned:
    """C1 with A5: what the cart earns in one program (`program`: its id, None when no
    program earns): `earnable` points once its accrual event happens, on `eligible` (A3);
    `due_now` when posting the cart accrues them at once (A5 `accrual(...).now`)."""

    program: str | None
    earnable: int
    eligible: Decimal
    due_now: bool

    @property
    def points(self) -> int:
        """C1: the points posting the cart earns at once (A5: none while it waits)."""
        return self.earnable if self.due_now else 0

    def to_json(self) -> dict[str, Any]:
        """C1 with E1 `many`: one program's line of the quote's `earned`."""
        return {"program": self.program, "points": self.points,
                "points_earnable": self.earnable, "eligible_amount": self.eligible}


@dataclass(frozen=True)
class CouponUse:
    """A coupon the checkout applies (W4): its id, its amount, and what it takes here."""

    id: int
    amount: Decimal
    applies: Decimal


@dataclass(frozen=True)
class Cart:
    """What the checkout planned for the cart, nothing written: its totals, the redemption
    asked (C2 rewards, C3 credit) applied as posting would, and the maxima."""

    subtotal: Decimal
    tax: Decimal
    discount: Decimal  # coupons, and rewards redeemed as a discount
    total: Decimal
    tenders: tuple[tuple[str, Decimal], ...]  # the POS's payments, then rewards and credit
    coupons: tuple[CouponUse, ...] = ()
    rewards: Decimal = ZERO  # C2: the rewards redeemed on it
    reward_points: int = 0
    rewards_max: Decimal = ZERO  # C2 with R6-R8: the most rewards it could take
    rewards_base: Decimal = ZERO  # C2: what points may pay for on it, before R8's share
    redeem_rules: RedeemRules | None = None  # R6-R8, when a points bank was read
    point_value: Decimal | None = None  # of the redeeming program
    credit: Decimal = ZERO  # C3: the credit applied
    credit_max: Decimal = ZERO
    memos: tuple[Decimal, ...] | None = None  # the open memos' remaining, when read
    program: str | None = None  # the redeeming program


@dataclass(frozen=True)
class Held:
    """The redeeming enrollment's balance on the cart's day (L1): available points and
    their value (zero when it has none)."""

    points: int = 0
    value: Decimal = ZERO


def paid_by(tenders: Sequence[tuple[str, Decimal]]) -> Decimal:
    """What the cart's tenders pay (A5 asks it of paid_in_full programs)."""
    return sum((amount for _, amount in tenders), ZERO)


def redeem_limits(rules: RedeemRules | None, base: Decimal, rewards_max: Decimal,
                  point_value: Decimal | None) -> dict[str, Any] | None:
    """C1 with R6-R8: each limit of the redemption and what it allows on this cart (None
    without a points bank that has a point value)."""
    if rules is None or not point_value:
        return None
    return {"min_points": rules.min_points, "step_points": rules.step_points,
            "max_share_percent": rules.max_share_percent,
            "max_amount": share_cap(base, rules.max_share_percent),
            "max_points": int(rewards_max / point_value)}


def credit_available(memos: Sequence[Decimal] | None) -> Decimal:
    """C1 with C3: the credit the customer's open memos hold (zero when none were read)."""
    return sum(memos, ZERO) if memos is not None else ZERO


def answer(cart: Cart, earned: Earned | Sequence[Earned], held: Held) -> dict[str, Any]:
    """C1: the quote's figures. `earned`: what the cart earns in its one program, or (E1
    `many`) a sequence, one per program it would earn in, oldest first: then `points` and
    `points_earnable` are their sums, `eligible_amount` the oldest's, and `earned` lists
    them. `points` is what posting the cart earns at once, `points_earnable` what it earns
    once paid in full (A5); `amount_due` is what the tenders leave, never below zero."""
    paid = paid_by(cart.tenders)
    if isinstance(earned, Earned):
        points, earnable, eligible = earned.points, earned.earnable, earned.eligible
    else:
        points = sum(e.points for e in earned)
        earnable = sum(e.earnable for e in earned)
        eligible = earned[0].eligible if earned else ZERO
    out: dict[str, Any] = {
        "points": points,
        "points_earnable": earnable,
        "eligible_amount": eligible,
        "subtotal": cart.subtotal, "tax": cart.tax, "loyalty_discount": cart.discount,
        "total": cart.total,
        "redeemed_rewards": cart.rewards, "redeemed_points": cart.reward_points,
        "credit_applied": cart.credit, "paid": paid, "amount_due": max(ZERO, cart.total - paid),
        "coupons": [{"id": c.id, "amount": c.amount, "applies": c.applies}
                    for c in cart.coupons],
        "rewards": {"available_points": held.points, "available_value": held.value,
                    "max": cart.rewards_max},
        "redeem_limits": redeem_limits(cart.redeem_rules, cart.rewards_base,
                                       cart.rewards_max, cart.point_value),
        "credit_memos": {"available": credit_available(cart.memos), "max": cart.credit_max},
        "program": cart.program,
    }
    if not isinstance(earned, Earned):
        out["earned"] = [e.to_json() for e in earned]
    return out
