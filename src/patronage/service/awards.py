"""Awards: recurring levels (W1, W2, W5), program-end periods (W3), their actions (W4),
and cancelling an award whose points a void takes back (R3).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import RowMapping

from patronage.adapters.db.repository import award_actions
from patronage.core import journal
from patronage.core.dates import add_days, add_months
from patronage.core.money import fmt
from patronage.core.programs import Award, Program
from patronage.service import ledger
from patronage.service.uow import Tx


def credit_account(tx: Tx, reason: str | None) -> str:
    row = tx.repo.reason(reason) if reason else None
    return row["account"] if row else (reason or "loyalty_awards")


def journal_coupon_issue(tx: Tx, coupon_id: int, reason: str | None, amount: Decimal,
                         day: dt.date, customer_id: str, memo: str) -> None:
    """G1: a coupon's issue debits its reason's account (an award's: the default) and
    credits coupon liability."""
    tx.repo.journal(day, "coupon_issue", journal.coupon_issue(credit_account(tx, reason), amount),
                    memo, f"coupon:{coupon_id}", customer_id)


def journal_coupon_release(tx: Tx, coupon: RowMapping, kind: str, amount: Decimal,
                           day: dt.date, memo: str) -> None:
    """G1: what an open coupon no longer owes goes back to its reason's account: `kind`
    coupon_forfeit (what its sale could not take), coupon_expiry or coupon_cancel."""
    tx.repo.journal(day, kind, journal.coupon_release(credit_account(tx, coupon["reason"]), amount),
                    memo, f"coupon:{coupon['id']}", coupon["customer_id"])


def grant(tx: Tx, enrollment: RowMapping, program: Program, award: Award, day: dt.date,
          store: int | None, trigger: str, points: int = 0, user: str | None = None) -> int:
    """Grant one award: use its points (L2) and carry out its actions."""
    customer_id = enrollment["customer_id"]
    award_id = tx.repo.insert_award({
        "enrollment_id": enrollment["id"], "customer_id": customer_id, "program_id": program.id,
        "name": award.name, "date": day, "store_id": store, "points": points,
        "status": "granted", "trigger": trigger, "actions": award_actions(award), "user": user,
    })
    if points:
        ledger.debit(tx, enrollment, points, day, "award", award_id=award_id,
                     ref=f"award {award.name}", user=user)
    payload: dict[str, Any] = {"award_id": award_id, "award": award.name, "program": program.id,
                               "customer": customer_id, "points": points, "date": day.isoformat()}
    if award.credit_memo:
        cm = award.credit_memo
        memo_id = tx.repo.insert_memo({
            "customer_id": customer_id, "award_id": award_id, "amount": cm.amount,
            "remaining": cm.amount, "reason": cm.reason, "store_id": store, "issued_on": day,
            "expires_on": add_days(day, cm.expire_days), "status": "open",
        })
        tx.repo.journal(day, "credit_memo_issue",
                        journal.transfer(credit_account(tx, cm.reason),
                                         journal.STORE_CREDIT_LIABILITY, cm.amount),
                        f"credit memo for award {award.name}", f"memo:{memo_id}", customer_id)
        payload["credit_memo"] = {"id": memo_id, "amount": fmt(cm.amount)}
        tx.repo.record_event("credit_memo.issued", day, customer_id, payload, tx.now)
    if award.coupon:
        coupon_id = tx.repo.insert_coupon({
            "customer_id": customer_id, "award_id": award_id, "amount": award.coupon.amount,
            "issued_on": day, "expires_on": add_days(day, award.coupon.expire_days),
            "status": "open",
        })
        journal_coupon_issue(tx, coupon_id, None, award.coupon.amount, day, customer_id,
                             f"coupon for award {award.name}")
        payload["coupon"] = {"id": coupon_id, "amount": fmt(award.coupon.amount)}
        tx.repo.record_event("coupon.issued", day, customer_id, payload, tx.now)
    if award.price_group:
        tx.repo.set_price_group(customer_id, award.price_group)
    if award.notify:
        notify(tx, award, day, payload)
    tx.repo.record_event("award.granted", day, customer_id, payload, tx.now)
    return award_id


def notify(tx: Tx, award: Award, day: dt.date, payload: dict[str, Any]) -> None:
    """N1: queue emails to the chosen employees and subscribers, and the customer's letter."""
    n = award.notify
    if n is None:
        return
    recipients = [e["email"] for e in tx.repo.employees(list(n.employees))]
    if n.subscribers:
        recipients += tx.repo.subscribers("award_earned")
    subject = f"Award earned: {award.name}"
    for email in dict.fromkeys(recipients):
        tx.repo.enqueue({"channel": "email", "event": "award_earned", "recipient": email,
                         "subject": subject, "template": "award_earned", "payload": payload,
                         "created_on": day})
    if n.letter_template:
        customer = tx.repo.customer(payload["customer"])
        tx.repo.enqueue({"channel": "letter", "event": "award_earned",
                         "recipient": customer["email"] if customer else None,
                         "subject": subject, "template": n.letter_template, "payload": payload,
                         "created_on": day})


def check_recurring(tx: Tx, enrollment: RowMapping, program: Program, day: dt.date,
                    store: int | None, trigger: str, user: str | None = None,
                    manual: bool = False) -> int:
    """W1: while available points reach the level, grant the award; returns how many."""
    if program.kind != "recurring" or program.status == "draft":
        return 0
    if program.award_processing == "manual" and not manual:
        return 0
    award = program.recurring_award(day)
    if award is None or not award.level:
        return 0
    count = ledger.available_points(tx, enrollment["id"], day) // award.level
    for _ in range(count):
        grant(tx, enrollment, program, award, day, store, trigger, award.level, user)
    return count


def period_for(program: Program, start: dt.date) -> tuple[dt.date, dt.date] | None:
    """W3: the period containing `start`, as (first day, evaluation day)."""
    if program.kind != "program_end" or not program.duration_months:
        return None
    months = program.duration_months
    if program.enrollment_basis == "calendar" and program.calendar_start:
        begin = program.calendar_start
        while add_months(begin, months) <= start:
            begin = add_months(begin, months)
    else:
        begin = start
    end = add_months(begin, months)
    if program.expires is not None and program.expires < end:
        end = program.expires
    if end <= begin:
        return None
    return begin, end


def close_period(tx: Tx, enrollment: RowMapping, program: Program, store: int | None,
                 user: str | None = None) -> bool:
    """W3: judge the period's points on its evaluation day, grant the tier, close the points."""
    begin, end = enrollment["period_start"], enrollment["period_end"]
    last_day = end - dt.timedelta(days=1)
    lots = [x for x in tx.repo.lots(enrollment["id"]) if x.accrual_date < end]
    live = [x for x in lots if x.expires_on is None or x.expires_on > end]
    debt = tx.repo.debt(enrollment["id"])
    points = sum(x.remaining for x in live) + debt
    award = program.tier_for(points, last_day)
    if award is not None:
        grant(tx, enrollment, program, award, end, store, "period", 0, user)
    for lot in live:
        tx.repo.entry(enrollment, end, "period_close", -lot.remaining, lot.id, tx.now,
                      ref=f"period {begin}..{last_day}")
    if debt < 0:
        tx.repo.entry(enrollment, end, "period_close", -debt, None, tx.now)
    nxt = period_for(program, end) if program.in_effect(end) else None
    tx.repo.set_period(enrollment["id"], nxt)
    return award is not None


def cancel_if_unused(tx: Tx, award_id: int, day: dt.date) -> bool:
    """R3: cancel an award whose memo and coupon are untouched; restore the points it used."""
    award = tx.repo.award(award_id)
    if award is None or award["status"] != "granted":
        return False
    memos = tx.repo.memos_of_award(award_id)
    coupons = [c for c in tx.repo.coupons(award["customer_id"]) if c["award_id"] == award_id]
    untouched = all(m["status"] == "open" and m["remaining"] == m["amount"] for m in memos) and all(
        c["status"] == "open" for c in coupons
    )
    if not untouched or not (memos or coupons):
        return False
    tx.repo.set_award_status(award_id, "cancelled")
    for m in memos:
        tx.repo.set_memo_status(m["id"], "cancelled")
        tx.repo.journal(day, "credit_memo_cancel",
                        journal.transfer(journal.STORE_CREDIT_LIABILITY,
                                         credit_account(tx, m["reason"]), m["remaining"]),
                        "credit memo cancelled with its award", f"memo:{m['id']}",
                        award["customer_id"])
    for c in coupons:
        tx.repo.update_coupon(c["id"], status="cancelled")
        journal_coupon_release(tx, c, "coupon_cancel", c["amount"], day,
                               "coupon cancelled with its award")
    enrollment = tx.repo.enrollment(award["enrollment_id"])
    if enrollment is not None and enrollment["status"] == "open":  # closed: points forfeited
        for e in tx.repo.entries(award_id=award_id, kind="award"):
            tx.repo.entry(enrollment, day, "award_cancel", -e["points"], e["lot_id"], tx.now,
                          award_id=award_id)
    return True
