"""Adjustments (J1-J4): points given, taken, a balance set, or expiry dates moved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.engine import RowMapping

from patronage.adapters.db import tables as t
from patronage.core.errors import PatronageError, Problem, not_found
from patronage.service import awards, ledger, memberships
from patronage.service.dates_window import check_date
from patronage.service.enrollment import need_customer
from patronage.service.inputs import AdjustIn, parse
from patronage.service.invoices import conflict
from patronage.service.uow import Tx


def _differs(b: AdjustIn, done: Any) -> bool:
    """C5 for adjustments: a known id with another request is refused, not applied and not
    taken for a repeat. Compared: what was asked (customer, points or the balance to set,
    expiry, reason, and the date when the row names one); not who ran the file again."""
    asked = (b.customer, b.set_balance, b.expires, b.reason)
    kept = (done["customer_id"], done["set_balance"], done["expires"], done["reason"])
    if asked != kept or (b.date is not None and b.date != done["date"]):
        return True
    return b.set_balance is None and (b.points or 0) != done["points"]


def _repeat(tx: Tx, b: AdjustIn, done: RowMapping, day: dt.date) -> dict[str, Any]:
    """A repeat answers as the first post did (C5): the points it moved, and the points
    available now in its enrollment (what the first answer said, unless they moved since)."""
    enrollment = tx.repo.enrollment(done["enrollment_id"])
    open_ = enrollment is not None and enrollment["status"] == "open"
    available = ledger.available_points(tx, done["enrollment_id"], day) if open_ else 0
    return {"adjustment": b.id, "points": done["points"], "available": available,
            "repeated": True}


def adjust(tx: Tx, body: Any) -> dict[str, Any]:
    b: AdjustIn = parse(AdjustIn, body)
    check_date(tx, b.date)
    day = b.date or tx.day
    if b.points is not None and b.set_balance is not None:
        raise PatronageError("invalid", "give points or set_balance, not both",
                             [Problem("set_balance", "not with points")])
    need_customer(tx, b.customer, lock=True)  # then read: a twin that committed is seen
    if b.id is not None:
        done = tx.repo.one(t.adjustments.select().where(t.adjustments.c.external_id == b.id))
        if done is not None:
            if _differs(b, done):
                raise conflict("adjustment", b.id)
            return _repeat(tx, b, done, day)
    enrollment = memberships.named_enrollment(tx, b.customer, b.program, "program")
    if enrollment is None:
        raise PatronageError("not_enrolled", f"customer {b.customer!r} is not enrolled",
                             [Problem("customer", "has no open enrollment")])
    program = tx.repo.program(enrollment["program_id"])
    if program is None:
        raise not_found("program", enrollment["program_id"])
    available = ledger.available_points(tx, enrollment["id"], day)
    delta = b.set_balance - available if b.set_balance is not None else (b.points or 0)
    ref = f"adjustment {b.id or ''}".strip()
    if delta > 0:
        ledger.accrue(tx, enrollment, program, delta, day, kind="adjustment", at_once=True,
                      expires_on=b.expires, ref=ref, user=b.user, reason=b.reason)
    elif delta < 0:
        if -delta > max(available, 0) and not b.allow_negative:
            raise PatronageError(
                "insufficient_points",
                f"taking {-delta} points is more than the {available} available",
                [Problem("points", f"at most {max(available, 0)} without allow_negative")])
        ledger.debit(tx, enrollment, -delta, day, "adjustment", ref=ref, user=b.user,
                     reason=b.reason)
        ledger.book_points(tx, program, day, "adjustment", delta, b.customer, ref)
    elif b.expires is not None:
        for lot in tx.repo.lots(enrollment["id"]):
            tx.repo.set_lot_expiry(lot.id, b.expires)  # J4: only the dates move
    tx.repo.conn.execute(t.adjustments.insert().values(
        enrollment_id=enrollment["id"], customer_id=b.customer, date=day, points=delta,
        set_balance=b.set_balance, expires=b.expires, reason=b.reason, user=b.user,
        external_id=b.id))
    if delta > 0:
        store = tx.repo.lowest_active_store()
        awards.check_recurring(tx, enrollment, program, day, store, "accrual", b.user)
    return {"adjustment": b.id, "points": delta, "available": available + delta}
