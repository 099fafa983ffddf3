"""Status tiers (issue 23 item 1). Placeholder hooks until the tiers are built: no tier
gives an extra, none moves."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from typing import Any

from patronage.core.earning import Earning, Extra, Rate
from patronage.core.programs import Program
from patronage.service.uow import Tx


def extras(tx: Tx, enrollment: Mapping[Any, Any], program: Program, earning: Earning, *,
           quote: bool) -> list[Extra]:
    return []


def after_accrual(tx: Tx, enrollment: Mapping[Any, Any], program: Program, invoice_id: int,
                  rate: Rate, points: int, day: dt.date) -> None:
    return None


def daily(tx: Tx, day: dt.date, within: Any = None) -> Counter[str]:
    return Counter()
