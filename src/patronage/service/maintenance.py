"""The daily run (M1): expire, pay debts, grant awards, close periods; day by day, once.

`run` does every due day for every customer in one transaction. For a shop too big for
one process, the same run is split by customer range (adapters/db/run_parts.py): `plan`
cuts the due days into parts (a day x a range of customer ids), and any number of workers,
in any number of processes and machines, call `run_next_part` until none is left. A part
is `run_day` restricted to its range, done and marked done in one transaction; a day is
marked done with its last part, and no part of a day starts before every part of the day
before it is done. The summary is the sum of the parts' counts: an unsplit run's.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from patronage.core import journal
from patronage.core.dates import days_between
from patronage.core.errors import PatronageError, not_found
from patronage.service import awards, bonuses, ledger, reminders
from patronage.service.dates_window import check_run_date
from patronage.service.inputs import MaintenanceIn, parse
from patronage.service.ports import CustomerRange
from patronage.service.uow import Tx


def run(tx: Tx, body: Any) -> dict[str, Any]:
    b: MaintenanceIn = parse(MaintenanceIn, body)
    check_run_date(tx, b.date)  # never a day to come: a typo of 2099 would mark years done
    target = b.date or tx.day
    if b.store is not None and tx.repo.store(b.store) is None:
        raise not_found("store", b.store, "store")
    store = b.store if b.store is not None else tx.repo.lowest_active_store()
    last = tx.repo.lock_daily_run()  # one run at a time; a twin's days are done already
    _refuse_while_split(tx)
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


def run_day(tx: Tx, day: dt.date, store: int | None, user: str | None,
            within: CustomerRange | None = None) -> Counter[str]:
    """One day of M1 for every customer, or for those of `within` (a part of a split run)."""
    done: Counter[str] = Counter()
    programs = {p.id: p for p in tx.repo.programs()}
    for lot in tx.repo.lots_expiring(day, within):
        enrollment = tx.repo.enrollment(lot["enrollment_id"])
        program = programs.get(enrollment["program_id"]) if enrollment else None
        if program is not None:
            points = ledger.expire_lot(tx, lot, program, day)
            done["points_expired"] += points
            done["lots_expired"] += 1 if points else 0
    for memo in tx.repo.memos_expiring(day, within):
        tx.repo.set_memo_status(memo["id"], "expired")
        tx.repo.journal(day, "credit_memo_expiry",
                        journal.transfer(journal.STORE_CREDIT_LIABILITY,
                                         awards.credit_account(tx, memo["reason"]),
                                         memo["remaining"]),
                        "credit memo expired", f"memo:{memo['id']}", memo["customer_id"])
        done["credit_memos_expired"] += 1
    for coupon in tx.repo.coupons_expiring(day, within):
        tx.repo.update_coupon(coupon["id"], status="expired")
        awards.journal_coupon_release(tx, coupon, "coupon_expiry", coupon["amount"], day,
                                      "coupon expired")
        done["coupons_expired"] += 1
    for eid in tx.repo.enrollments_in_debt_with_lots_on(day, within):
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
            for eid in tx.repo.enrollments_reaching(program.id, award.level, day, within):
                enrollment = tx.repo.enrollment(eid)
                if enrollment is not None:
                    done["awards"] += awards.check_recurring(tx, enrollment, program, day, store,
                                                             "maintenance", user)
        elif program.kind == "program_end":
            for row in tx.repo.enrollments_with_period_due(program.id, day, within):
                tx.repo.customer(row["customer_id"], lock=True)  # then read it again
                enrollment = tx.repo.enrollment(row["id"])
                while enrollment is not None and enrollment["status"] == "open" \
                        and enrollment["period_end"] is not None \
                        and enrollment["period_end"] <= day:
                    done["periods_closed"] += 1
                    done["awards"] += awards.close_period(tx, enrollment, program, store, user)
                    enrollment = tx.repo.enrollment(row["id"])
    done.update(bonuses.daily(tx, day, within, list(programs.values())))  # B1: tiers re-evaluated (issue 23 item 1)
    done.update(reminders.queue_reminders(tx, day, store, user, within))  # issue 23 item 4
    return done


# --- the daily run split by customer range ------------------------------------------------
PART_SIZE = 100_000  # customers a part, at most, when the planner is not told how many parts


def parts_for(customers: int, workers: int) -> int:
    """How many ranges: one per PART_SIZE customers, and at least one per worker."""
    return max(workers, -(-customers // PART_SIZE), 1)


def _refuse_while_split(tx: Tx) -> None:
    open_run = tx.repo.open_split_run()
    if open_run is not None:
        raise PatronageError(
            "conflict", f"the daily run {open_run} is split in parts and not finished: "
            "finish it with `patronage maintenance --workers N` (any N) or a worker")


def plan(tx: Tx, body: Any, parts: int | None = None, workers: int = 1) -> dict[str, Any]:
    """Plan a split run to `body`'s date: under the daily run's lock, one part per due day
    and range of customers (`parts` ranges; by default `parts_for`). A run already planned
    and not finished is joined instead: {"run": its id, "joined": True, "far_enough": it
    goes to `body`'s date or beyond}."""
    b: MaintenanceIn = parse(MaintenanceIn, body)
    check_run_date(tx, b.date)
    target = b.date or tx.day
    if b.store is not None and tx.repo.store(b.store) is None:
        raise not_found("store", b.store, "store")
    store = b.store if b.store is not None else tx.repo.lowest_active_store()
    last = tx.repo.lock_daily_run()
    open_run = tx.repo.open_split_run()
    if open_run is not None:  # (when it goes as far as `target`, nothing is left to plan)
        return {"run": open_run, "joined": True,
                "far_enough": (tx.repo.split_run_date(open_run) or target) >= target}
    shop = tx.repo.shop()
    first = last + dt.timedelta(days=1) if last else (shop and shop["first_activity"]) or target
    days = days_between(min(first, target), target) if first <= target else []
    run_id = tx.repo.insert_run({"for_date": target, "user": b.user, "store_id": b.store,
                                 "started_at": tx.now, "summary": {}})
    if not days:
        tx.repo.update_run(run_id, {"days": 0, "from": None, "to": target.isoformat()})
        return {"run": run_id, "joined": False, "days": 0, "parts": 0}
    if parts is None:
        parts = parts_for(tx.repo.customer_count(), workers)
    ranges = tx.repo.customer_ranges(parts)
    tx.repo.insert_run_parts(run_id, days, ranges, store, b.user)
    return {"run": run_id, "joined": False, "days": len(days), "parts": len(ranges)}


def run_next_part(tx: Tx, run_id: int, holder: str) -> str:
    """Claim a part of the run and do it: "done"; "wait" when every open part is held by
    other workers (or waits for its day); "finished" when none is left."""
    part = tx.repo.claim_run_part(run_id)
    if part is None:
        return "wait" if tx.repo.open_run_parts(run_id) else "finished"
    within = tx.repo.customers_of_part(part)
    done = run_day(tx, part["day"], part["store_id"], part["user"], within)
    tx.repo.finish_run_part(part, holder, tx.now, dict(done))
    tx.repo.lock_split_run(run_id)  # then count: the last part of a day marks it
    if tx.repo.open_run_parts(run_id, part["day"]) == 0:
        tx.repo.mark_day(part["day"], run_id)
        if tx.repo.open_run_parts(run_id) == 0:
            tx.repo.update_run(run_id, split_summary(tx, run_id))
    return "done"


def split_summary(tx: Tx, run_id: int) -> dict[str, Any]:
    """What a split run did: its days and the sum of its parts' counts."""
    days, totals = tx.repo.run_part_tally(run_id)
    target = tx.repo.split_run_date(run_id) or days[-1]
    return {"days": len(days), "from": days[0].isoformat() if days else None,
            "to": target.isoformat(), **dict(totals)}
