"""Adjustments (J1-J4): points given, taken, a balance set, or expiry dates moved.

`core.adjusting` decides what an adjustment does; here it is loaded, checked for a repeat
(C5), and written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from patronage.core import adjusting
from patronage.core.documents import conflict
from patronage.core.entries import EntryKind
from patronage.core.errors import PatronageError, Problem, not_found
from patronage.service import awards, ledger, memberships
from patronage.service.dates_window import check_date
from patronage.service.enrollment import need_customer
from patronage.service.inputs import AdjustIn, parse
from patronage.service.ports import Row
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


def _repeat(tx: Tx, b: AdjustIn, done: Row, day: dt.date) -> dict[str, Any]:
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
    adjusting.check_asked(b.points, b.set_balance)  # J1, before anything is read
    need_customer(tx, b.customer, lock=True)  # then read: a twin that committed is seen
    if b.id is not None:
        done = tx.repo.adjustment_by_external_id(b.id)
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
    plan = adjusting.plan_adjustment(
        available, day, points=b.points, set_balance=b.set_balance, expires=b.expires,
        allow_negative=b.allow_negative, points_expire_days=program.points_expire_days)
    delta = plan.points
    ref = f"adjustment {b.id or ''}".strip()
    if delta > 0:  # J3
        ledger.accrue(tx, enrollment, program, delta, day, kind=EntryKind.ADJUSTMENT, at_once=True,
                      expires_on=plan.expires_on, ref=ref, user=b.user, reason=b.reason)
    elif delta < 0:  # J2 allowed it
        ledger.debit(tx, enrollment, -delta, day, EntryKind.ADJUSTMENT, ref=ref, user=b.user,
                     reason=b.reason)
        ledger.book_points(tx, program, day, EntryKind.ADJUSTMENT, delta, b.customer, ref)
    elif plan.moves_expiry and plan.expires_on is not None:
        for lot_id in adjusting.expiry_moves(tx.repo.lots(enrollment["id"])):
            tx.repo.set_lot_expiry(lot_id, plan.expires_on)  # J4: only the dates move
    tx.repo.insert_adjustment(
        enrollment_id=enrollment["id"], customer_id=b.customer, date=day, points=delta,
        set_balance=b.set_balance, expires=b.expires, reason=b.reason, user=b.user,
        external_id=b.id)
    if delta > 0:
        store = tx.repo.lowest_active_store()
        awards.check_recurring(tx, enrollment, program, day, store, "accrual", b.user)
    return {"adjustment": b.id, "points": delta, "available": plan.available_after}
