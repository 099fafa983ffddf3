"""Awards: recurring levels (W1, W2, W5), program-end periods (W3), their actions (W4),
and cancelling an award whose points a void takes back (R3).

The rules are `core.awards`; here each command loads the customer's book, asks the core
what to do, and writes it: the award row, ledger entries, memos, coupons, journal entries
(G1), messages and events.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from patronage.core import awards as rules
from patronage.core import journal
from patronage.core.entries import EntryKind
from patronage.core.lots import sum_available
from patronage.core.money import fmt
from patronage.core.programs import Award, Program
from patronage.service import ledger
from patronage.service.ports import Row
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


def journal_coupon_release(tx: Tx, coupon: Row, kind: str, amount: Decimal,
                           day: dt.date, memo: str) -> None:
    """G1: what an open coupon no longer owes goes back to its reason's account: `kind`
    coupon_forfeit (what its sale could not take), coupon_expiry or coupon_cancel."""
    tx.repo.journal(day, kind, journal.coupon_release(credit_account(tx, coupon["reason"]), amount),
                    memo, f"coupon:{coupon['id']}", coupon["customer_id"])


def grant(tx: Tx, enrollment: Row, program: Program, award: Award, day: dt.date,
          store: int | None, trigger: str, points: int = 0, user: str | None = None) -> int:
    """Grant one award: use its points (L2) and carry out its actions."""
    customer_id = enrollment["customer_id"]
    award_id = tx.repo.insert_granted_award(award, {
        "enrollment_id": enrollment["id"], "customer_id": customer_id, "program_id": program.id,
        "name": award.name, "date": day, "store_id": store, "points": points,
        "status": "granted", "trigger": trigger, "user": user,
    })
    if points:
        ledger.debit(tx, enrollment, points, day, EntryKind.AWARD, award_id=award_id,
                     ref=f"award {award.name}", user=user)
    payload: dict[str, Any] = {"award_id": award_id, "award": award.name, "program": program.id,
                               "customer": customer_id, "points": points, "date": day.isoformat()}
    actions = rules.award_actions(award, day)
    if actions.credit_memo:
        cm = actions.credit_memo
        memo_id = tx.repo.insert_memo({
            "customer_id": customer_id, "award_id": award_id, "amount": cm.amount,
            "remaining": cm.amount, "reason": cm.reason, "store_id": store, "issued_on": day,
            "expires_on": cm.expires_on, "status": "open",
        })
        tx.repo.journal(day, "credit_memo_issue",
                        journal.transfer(credit_account(tx, cm.reason),
                                         journal.STORE_CREDIT_LIABILITY, cm.amount),
                        f"credit memo for award {award.name}", f"memo:{memo_id}", customer_id)
        payload["credit_memo"] = {"id": memo_id, "amount": fmt(cm.amount)}
        tx.repo.record_event("credit_memo.issued", day, customer_id, payload, tx.now)
    if actions.coupon:
        coupon = actions.coupon
        coupon_id = tx.repo.insert_coupon({
            "customer_id": customer_id, "award_id": award_id, "amount": coupon.amount,
            "issued_on": day, "expires_on": coupon.expires_on, "status": "open",
        })
        journal_coupon_issue(tx, coupon_id, None, coupon.amount, day, customer_id,
                             f"coupon for award {award.name}")
        payload["coupon"] = {"id": coupon_id, "amount": fmt(coupon.amount)}
        tx.repo.record_event("coupon.issued", day, customer_id, payload, tx.now)
    if actions.price_group:
        tx.repo.set_price_group(customer_id, actions.price_group)
    if actions.notify:
        notify(tx, award, day, payload)
    tx.repo.record_event("award.granted", day, customer_id, payload, tx.now)
    return award_id


def notify(tx: Tx, award: Award, day: dt.date, payload: dict[str, Any]) -> None:
    """N1: queue emails to the chosen employees and subscribers, and the customer's letter
    (`core.awards.award_messages` says which)."""
    n = award.notify
    if n is None:
        return
    employees = [e["email"] for e in tx.repo.employees(list(n.employees))]
    subscribers = tx.repo.subscribers("award_earned") if n.subscribers else []
    customer = tx.repo.customer(payload["customer"]) if n.letter_template else None
    for message in rules.award_messages(award, employees, subscribers,
                                        customer["email"] if customer else None):
        tx.repo.enqueue({"channel": message.channel, "event": message.event,
                         "recipient": message.recipient, "subject": message.subject,
                         "template": message.template, "payload": payload, "created_on": day})


def check_recurring(tx: Tx, enrollment: Row, program: Program, day: dt.date,
                    store: int | None, trigger: str, user: str | None = None,
                    manual: bool = False) -> int:
    """W1 (with W5's `manual`): grant the award as many times as the available points reach
    its level (`core.awards.recurring_grants`); returns how many."""
    award = rules.recurring_award(program, day, manual)
    if award is None or award.level is None:
        return 0
    lots = tx.repo.lots(enrollment["id"])
    count = rules.recurring_grants(sum_available(lots, day), tx.repo.debt(enrollment["id"]),
                                   award.level)
    for _ in range(count):
        grant(tx, enrollment, program, award, day, store, trigger, award.level, user)
    return count


period_for = rules.period_for  # W3 (callers import it from here)


def close_period(tx: Tx, enrollment: Row, program: Program, store: int | None,
                 user: str | None = None) -> bool:
    """W3: judge the period's points on its evaluation day, grant the tier, close the points
    (`core.awards.close_period` decides)."""
    begin, end = enrollment["period_start"], enrollment["period_end"]
    last_day = end - dt.timedelta(days=1)
    closing = rules.close_period(program, tx.repo.lots(enrollment["id"]),
                                 tx.repo.debt(enrollment["id"]), end)
    if closing.award is not None:
        grant(tx, enrollment, program, closing.award, end, store, "period", 0, user)
    for lot_id, points in closing.closes:
        if lot_id is None:  # the debt
            tx.repo.entry(enrollment, end, EntryKind.PERIOD_CLOSE, points, None, tx.now)
        else:
            tx.repo.entry(enrollment, end, EntryKind.PERIOD_CLOSE, points, lot_id, tx.now,
                          ref=f"period {begin}..{last_day}")
    tx.repo.set_period(enrollment["id"], closing.next_period)
    return closing.award is not None


def cancel_if_unused(tx: Tx, award_id: int, day: dt.date) -> bool:
    """R3: cancel an award whose memo and coupon are untouched (`core.awards.cancellable`);
    restore the points it used."""
    award = tx.repo.award(award_id)
    if award is None or award["status"] != "granted":  # (judged before loading what it gave)
        return False
    memos = tx.repo.memos_of_award(award_id)
    coupons = [c for c in tx.repo.coupons(award["customer_id"]) if c["award_id"] == award_id]
    given = [rules.Given(m["status"], m["amount"], m["remaining"]) for m in memos] + [
        rules.Given(c["status"], c["amount"], c["amount"]) for c in coupons]
    if not rules.cancellable(award["status"], given):
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
        used = [(e["lot_id"], e["points"])
                for e in tx.repo.entries(award_id=award_id, kind=EntryKind.AWARD)]
        for lot_id, points in rules.points_restored(used):
            tx.repo.entry(enrollment, day, EntryKind.AWARD_CANCEL, points, lot_id, tx.now,
                          award_id=award_id)
    return True
