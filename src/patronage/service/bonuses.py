"""Extras on top of A4's points (B1, docs/decisions.md): a customer's tier (issue 23 item 1,
service/tiers.py) and the program's campaigns (item 3, service/campaigns.py).

The one place the earning path asks for them: `rate_with_extras` when an invoice accrues
or a cart is quoted, `after_accrual` once the points are written, `daily` in the daily run.
The extras are frozen on the invoice's `Rate`, so a return or a void takes them back with
the base points (`Rate.kept_extras`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from typing import Any

from patronage.core.earning import Earning, Extra, Rate
from patronage.core.programs import Program
from patronage.service import campaigns, tiers
from patronage.service.uow import Tx


def rate_with_extras(tx: Tx, enrollment: Mapping[Any, Any], program: Program,
                     earning: Earning, *, quote: bool) -> Rate:
    """B1: the base rate of `earning` with the extras its tier and campaigns give, each
    a positive number of points on the eligible amount; none on a sale that earns nothing.
    `quote`: a cart being priced (nothing is reserved or written)."""
    if earning.eligible <= 0:
        return earning.rate
    found: list[Extra] = []
    found += tiers.extras(tx, enrollment, program, earning, quote=quote)
    found += campaigns.extras(tx, enrollment, program, earning, found, quote=quote)
    given = tuple(x for x in found if x.points > 0)
    return earning.rate.with_extras(given, earning.eligible) if given else earning.rate


def after_accrual(tx: Tx, enrollment: Mapping[Any, Any], program: Program, invoice_id: int,
                  rate: Rate, points: int, day: dt.date) -> None:
    """Once an invoice's points in `program` are written (accrual day `day`): campaigns
    count what they gave against their budgets; the customer's tier may move up."""
    campaigns.after_accrual(tx, enrollment, program, invoice_id, rate, points, day)
    tiers.after_accrual(tx, enrollment, program, invoice_id, rate, points, day)


def daily(tx: Tx, day: dt.date, within: Any = None,
          programs: list[Program] | None = None) -> Counter[str]:
    """The daily run's step for day D (M1): tiers re-evaluated at their window's end.
    `programs`: the shop's programs, when the run has read them already."""
    done: Counter[str] = Counter()
    done.update(tiers.daily(tx, day, within, programs))
    return done
