"""R5 (docs/decisions.md, issue 23 item 6): a return gives back its share of the points its
invoice redeemed, when the program says so. Standard library only.

The share is cumulative, as `money.prorate` is: the points given back by all returns so far
are floor(redeemed x returned amount / the lines' amount), so returning every line, in
whatever steps, gives back exactly what was redeemed, and never more.
"""

from __future__ import annotations

from decimal import Decimal

from patronage.core.money import to_cents


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
