"""The daily run (M1): expire, pay debts, grant awards, close periods; day by day, once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from patronage.core import journal
from patronage.core.dates import days_between
from patronage.core.errors import not_found
from patronage.service import awards, ledger
from patronage.service.dates_window import check_run_date
from patronage.service.inputs import MaintenanceIn, parse
from patronage.service.uow import Tx


def run(tx: Tx, body: Any) -> dict[str, Any]:
    b: MaintenanceIn = parse(MaintenanceIn, body)
    check_run_date(tx, b.date)  # never a day to come: a typo of 2099 would mark years done
    target = b.date or tx.day
    if b.store is not None and tx.repo.store(b.store) is None:
        raise not_found("store", b.store, "store")
    store = b.store if b.store is not None else tx.repo.lowest_active_store()
    last = tx.repo.lock_daily_run()  # one run at a time; a twin's days are done already
    shop = tx.repo.shop()
    first = last + dt.timedelta(days=1) if last else (shop and shop["first_activity"]) or target
    days = days_between(min(first, target), target) if first <= target else []
    run_id = tx.repo.insert_run({"for_date": target, "user": b.user, "store_id": b.store,
                                 "started_at": tx.now, "summary": {}})
    totals: Counter[str] = Counter()
    for day in days:
        totals.update(run_day(tx, day, store, b.user))
        tx.repo.mark_day(day, run_id)
    summary = {"days": len(days), "from": days[0].isoformat() if days else None,
               "to": target.isoformat(), **dict(totals)}
    tx.repo.update_run(run_id, summary)
    return summary


def run_day(tx: Tx, day: dt.date, store: int | None, user: str | None) -> Counter[str]:
    done: Counter[str] = Counter()
    programs = {p.id: p for p in tx.repo.programs()}
    for lot in tx.repo.lots_expiring(day):
        enrollment = tx.repo.enrollment(lot["enrollment_id"])
        program = programs.get(enrollment["program_id"]) if enrollment else None
        if program is not None:
            points = ledger.expire_lot(tx, lot, program, day)
            done["points_expired"] += points
            done["lots_expired"] += 1 if points else 0
    for memo in tx.repo.memos_expiring(day):
        tx.repo.set_memo_status(memo["id"], "expired")
        tx.repo.journal(day, "credit_memo_expiry",
                        journal.transfer(journal.STORE_CREDIT_LIABILITY,
                                         awards.credit_account(tx, memo["reason"]),
                                         memo["remaining"]),
                        "credit memo expired", f"memo:{memo['id']}", memo["customer_id"])
        done["credit_memos_expired"] += 1
    for coupon in tx.repo.coupons_expiring(day):
        tx.repo.update_coupon(coupon["id"], status="expired")
        done["coupons_expired"] += 1
    for eid in tx.repo.enrollments_in_debt_with_lots_on(day):
        enrollment = tx.repo.enrollment(eid)
        if enrollment is not None:
            done["debt_paid"] += ledger.pay_debt(tx, enrollment, day)
    for program in programs.values():
        if program.status == "draft":
            continue
        if program.kind == "recurring" and program.award_processing == "automatic":
            award = program.recurring_award(day)
            if award is None or not award.level:
                continue
            for eid in tx.repo.enrollments_reaching(program.id, award.level, day):
                enrollment = tx.repo.enrollment(eid)
                if enrollment is not None:
                    done["awards"] += awards.check_recurring(tx, enrollment, program, day, store,
                                                             "maintenance", user)
        elif program.kind == "program_end":
            for row in tx.repo.enrollments_with_period_due(program.id, day):
                tx.repo.customer(row["customer_id"], lock=True)  # then read it again
                enrollment = tx.repo.enrollment(row["id"])
                while enrollment is not None and enrollment["status"] == "open" \
                        and enrollment["period_end"] is not None \
                        and enrollment["period_end"] <= day:
                    done["periods_closed"] += 1
                    done["awards"] += awards.close_period(tx, enrollment, program, store, user)
                    enrollment = tx.repo.enrollment(row["id"])
    return done
