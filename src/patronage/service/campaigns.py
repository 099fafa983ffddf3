"""Campaigns (issue 23 item 3). Placeholder hooks until campaigns are built: none gives
an extra."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from patronage.core.earning import Earning, Extra, Rate
from patronage.core.programs import Program
from patronage.service.uow import Tx


def extras(tx: Tx, enrollment: Mapping[Any, Any], program: Program, earning: Earning,
           before: list[Extra], *, quote: bool) -> list[Extra]:
    return []


def after_accrual(tx: Tx, enrollment: Mapping[Any, Any], program: Program, invoice_id: int,
                  rate: Rate, points: int, day: dt.date) -> None:
    return None
