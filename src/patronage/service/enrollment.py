"""Enrollment (E1, E2), mass enrollment (E3) and loyalty cards (E4).

`core.enrolling` decides; here each command locks the customer, loads, and writes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from patronage.core import enrolling
from patronage.core.entries import EntryKind
from patronage.core.errors import PatronageError, Problem, not_found
from patronage.core.programs import Program
from patronage.service import awards, ledger, memberships
from patronage.service.dates_window import check_date
from patronage.service.inputs import (
    CardIn,
    EnrollIn,
    MassEnrollIn,
    MassUnenrollIn,
    SelectIn,
    UnenrollIn,
    parse,
)
from patronage.service.ports import Row
from patronage.service.uow import Tx


def need_customer(tx: Tx, customer_id: str | None, lock: bool = False) -> Row:
    row = tx.repo.customer(customer_id, lock=lock) if customer_id else None
    if row is None:
        raise not_found("customer", customer_id, "customer")
    return row


def need_program(tx: Tx, program_id: str) -> Program:
    program = tx.repo.program(program_id)
    if program is None:
        raise not_found("program", program_id, "program")
    return program


def enroll_one(tx: Tx, customer_id: str, program: Program, day: dt.date, close_current: bool,
               user: str | None) -> int:
    need_customer(tx, customer_id, lock=True)
    enrolling.check_open(program, day)
    if memberships.many(tx):  # E1 `many`: one open enrollment per program, the others stay
        held = memberships.enrollments_for(tx, customer_id)
        current = next((e for e in held if e["program_id"] == program.id), None)
    else:
        current = tx.repo.open_enrollment(customer_id)
    if current is not None and enrolling.closes_current(customer_id, program.id,
                                                        current["program_id"], close_current):
        close(tx, current, day, user)  # E1
    eid = tx.repo.insert_enrollment(customer_id, program.id, day, awards.period_for(program, day))
    tx.repo.note_activity(day)
    tx.repo.record_event("enrollment.changed", day, customer_id,
                         {"customer": customer_id, "program": program.id, "action": "enrolled",
                          "date": day.isoformat()}, tx.now)
    return eid


def close(tx: Tx, enrollment: Row, day: dt.date, user: str | None) -> str:
    """E2: forfeit every remaining point (pending too), note it, and close
    (`core.enrolling.forfeiture` says what goes)."""
    program = tx.repo.program(enrollment["program_id"])
    if program is None:
        raise not_found("program", enrollment["program_id"])
    for expired_id in enrolling.expired_first(tx.repo.lots(enrollment["id"]), day):
        row = tx.repo.lot(expired_id)
        if row is not None:
            ledger.expire_lot(tx, row, program, day)
    bal = ledger.balance(tx, enrollment, program, day)
    lots = tx.repo.lots(enrollment["id"])
    gone = enrolling.forfeiture(lots, tx.repo.debt(enrollment["id"]), bal.pending, bal.available)
    for lot_id, points in gone.entries:
        tx.repo.entry(enrollment, day, EntryKind.FORFEIT, points, lot_id, tx.now, user=user)
    total = gone.total
    ledger.book_points(tx, program, day, EntryKind.FORFEIT, -total, enrollment["customer_id"])
    text = gone.note(program.name)
    tx.repo.add_note(enrollment["customer_id"], day, text, user)
    tx.repo.close_enrollment(enrollment["id"], day)
    tx.repo.record_event("enrollment.changed", day, enrollment["customer_id"],
                         {"customer": enrollment["customer_id"], "program": program.id,
                          "action": "closed", "forfeited": total, "date": day.isoformat()}, tx.now)
    return text


def enroll(tx: Tx, body: Any) -> str:
    b: EnrollIn = parse(EnrollIn, body)
    check_date(tx, b.date)
    program = need_program(tx, b.program)
    enroll_one(tx, b.customer, program, b.date or tx.day, b.close_current, b.user)
    return f"{b.customer} enrolled in {program.id}"


def unenroll(tx: Tx, body: Any) -> str:
    b: UnenrollIn = parse(UnenrollIn, body)
    check_date(tx, b.date)
    need_customer(tx, b.customer, lock=True)
    current = memberships.named_enrollment(tx, b.customer, b.program, "program")
    if current is None:
        raise PatronageError("not_enrolled", f"customer {b.customer!r} is not enrolled",
                             [Problem("customer", "has no open enrollment")])
    return close(tx, current, b.date or tx.day, b.user)


def select_customers(tx: Tx, sel: SelectIn, exclude: list[str]) -> list[str]:
    """E3: customers by type, status, enrolled or not, program, purchase since a date:
    `core.enrolling.selected` written in SQL, to choose among all customers at once."""
    found = tx.repo.selected_customers(
        customer_type=sel.type, status=sel.status, program=sel.program, enrolled=sel.enrolled,
        purchased_since=sel.purchased_since)
    return enrolling.leave_out(found, exclude)


def preview_mass_enroll(tx: Tx, body: Any) -> list[str]:
    b: MassEnrollIn = parse(MassEnrollIn, body)
    if b.customers is not None:
        return enrolling.leave_out(b.customers, b.exclude)
    return select_customers(tx, b.select, b.exclude)


def _batch(tx: Tx, ids: list[str], action: Any) -> dict[str, Any]:
    """Run `action` per customer in its own savepoint: one failure spoils nothing else."""
    done: list[str] = []
    skipped: list[dict[str, str]] = []
    failed: list[dict[str, str]] = []
    for cid in ids:
        try:
            with tx.repo.conn.begin_nested():
                action(cid)
            done.append(cid)
        except PatronageError as err:
            target = skipped if err.code in ("already_enrolled", "not_enrolled") else failed
            target.append({"customer": cid, "code": err.code, "reason": err.message})
    return {"done": done, "skipped": skipped, "failed": failed}


def mass_enroll(tx: Tx, body: Any) -> dict[str, Any]:
    b: MassEnrollIn = parse(MassEnrollIn, body)
    check_date(tx, b.date)
    program = need_program(tx, b.program)
    day = b.date or tx.day
    ids = preview_mass_enroll(tx, body)
    out = _batch(tx, ids, lambda cid: enroll_one(tx, cid, program, day, b.close_current, b.user))
    return {"enrolled": len(out["done"]), "skipped": len(out["skipped"]),
            "failed": len(out["failed"]), "details": out}


def preview_mass_unenroll(tx: Tx, body: Any) -> list[str]:
    b: MassUnenrollIn = parse(MassUnenrollIn, body)
    if b.customers is not None:
        return enrolling.leave_out(b.customers, b.exclude)
    sel = b.select if b.select.enrolled is not None else b.select.model_copy(update={"enrolled": True})
    return select_customers(tx, sel, b.exclude)


def mass_unenroll(tx: Tx, body: Any) -> dict[str, Any]:
    b: MassUnenrollIn = parse(MassUnenrollIn, body)
    check_date(tx, b.date)
    day = b.date or tx.day
    ids = preview_mass_unenroll(tx, body)
    leave = {"program": b.select.program} if b.select.program is not None else {}  # E1 `many`
    out = _batch(tx, ids, lambda cid: unenroll(tx, {"customer": cid, "date": day, "user": b.user,
                                                    **leave}))
    return {"unenrolled": len(out["done"]), "skipped": len(out["skipped"]),
            "failed": len(out["failed"]), "details": out}


def card(tx: Tx, body: Any) -> str:
    b: CardIn = parse(CardIn, body)
    check_date(tx, b.date)
    enrolling.check_card_request(b.add, b.deactivate)
    if b.deactivate:
        row = tx.repo.card(b.deactivate)
        if row is None:
            raise not_found("card", b.deactivate, "deactivate")
        tx.repo.deactivate_card(b.deactivate)
        return f"card {b.deactivate} deactivated"
    customer = need_customer(tx, b.customer)
    number = b.add or ""
    if not enrolling.adds_card(_card(tx.repo.card(number)), number, customer["id"]):
        return f"card {b.add} already belongs to {customer['id']}"
    tx.repo.add_card(b.add, customer["id"], b.date or tx.day)
    return f"card {b.add} added to {customer['id']}"


def _card(row: Row | None) -> enrolling.Card | None:
    if row is None:
        return None
    return enrolling.Card(row["number"], str(row["customer_id"]), bool(row["active"]))


def find_by_card(tx: Tx, number: str) -> str:
    """E4: the customer a scanned card finds (`core.enrolling.card_owner`)."""
    return enrolling.card_owner(_card(tx.repo.card(number)), number)
