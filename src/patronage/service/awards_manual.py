"""Processing awards by hand (W5, seed 004): load who qualifies, leave some out, process."""

from __future__ import annotations

from typing import Any

from patronage.core.awards import recurring_grants
from patronage.core.errors import PatronageError, Problem
from patronage.service import awards, ledger
from patronage.service.dates_window import check_date
from patronage.service.enrollment import need_program
from patronage.service.inputs import ProcessAwardsIn, parse
from patronage.service.uow import Tx


def _candidates(tx: Tx, b: ProcessAwardsIn) -> list[dict[str, Any]]:
    program = need_program(tx, b.program)
    if program.kind != "recurring":
        raise PatronageError("invalid", "awards are processed by hand for recurring programs",
                             [Problem("program", "not a recurring program")])
    day = b.date or tx.day
    award = program.recurring_award(day)
    if award is None or not award.level:
        return []
    out = []
    for eid in tx.repo.enrollments_reaching(program.id, award.level, day):
        enrollment = tx.repo.enrollment(eid)
        if enrollment is None:
            continue
        customer = tx.repo.customer(enrollment["customer_id"])
        if customer is None or not tx.repo.status_included(customer["status"]):
            continue
        if b.customers is not None and customer["id"] not in b.customers:
            continue
        if customer["id"] in b.exclude:
            continue
        available = ledger.available_points(tx, eid, day)
        out.append({"customer": customer["id"], "name": customer["name"],
                    "available": available,  # W1 (core.awards); the debt is in `available`
                    "awards": recurring_grants(available, 0, award.level),
                    "award": award.name, "enrollment_id": eid})
    return out


def preview(tx: Tx, body: Any) -> list[dict[str, Any]]:
    return _candidates(tx, parse(ProcessAwardsIn, body))


def process(tx: Tx, body: Any) -> dict[str, Any]:
    b: ProcessAwardsIn = parse(ProcessAwardsIn, body)
    check_date(tx, b.date)
    program = need_program(tx, b.program)
    day = b.date or tx.day
    store = b.store if b.store is not None else tx.repo.lowest_active_store()
    count = 0
    chosen = _candidates(tx, b)
    # lock them all (in id order), then judge each again: points spent, an enrollment
    # closed or a twin run's awards committed while we waited are seen
    tx.repo.lock_customers([c["customer"] for c in chosen])
    for c in chosen:
        enrollment = tx.repo.enrollment(c["enrollment_id"])
        if enrollment is not None and enrollment["status"] == "open":
            count += awards.check_recurring(tx, enrollment, program, day, store, "manual", b.user,
                                            manual=True)
    return {"customers": len(chosen), "awards": count,
            "processed": [c["customer"] for c in chosen]}
