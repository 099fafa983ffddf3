"""Enrollment (E1, E2), mass enrollment (E3) and loyalty cards (E4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.engine import RowMapping

from patronage.adapters.db import tables as t
from patronage.core.errors import PatronageError, Problem, not_found
from patronage.core.lots import state
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
from patronage.service.uow import Tx


def need_customer(tx: Tx, customer_id: str | None, lock: bool = False) -> RowMapping:
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
    if program.status != "open" or not program.in_effect(day):
        raise PatronageError(
            "program_not_open",
            f"program {program.id!r} is {program.status} and "
            f"{'in effect' if program.in_effect(day) else 'not in effect'} on {day}",
            [Problem("program", "not open for enrollment on that date")],
        )
    if memberships.many(tx):  # E1 `many`: one open enrollment per program, the others stay
        held = memberships.enrollments_for(tx, customer_id)
        current = next((e for e in held if e["program_id"] == program.id), None)
    else:
        current = tx.repo.open_enrollment(customer_id)
    if current is not None and current["program_id"] == program.id:
        # E1: into the program the customer is in, nothing changes, close_current or not
        # (closing would forfeit every point only to enroll again)
        raise PatronageError(
            "already_enrolled",
            f"customer {customer_id!r} is already enrolled in {program.id!r}; nothing changed",
            [Problem("program", "the customer's current program")],
        )
    if current is not None:
        if not close_current:
            raise PatronageError(
                "already_enrolled",
                f"customer {customer_id!r} is already enrolled in {current['program_id']!r}",
                [Problem("customer", "has an open enrollment; ask to close it first")],
            )
        close(tx, current, day, user)
    eid = tx.repo.insert_enrollment(customer_id, program.id, day, awards.period_for(program, day))
    tx.repo.note_activity(day)
    tx.repo.record_event("enrollment.changed", day, customer_id,
                         {"customer": customer_id, "program": program.id, "action": "enrolled",
                          "date": day.isoformat()}, tx.now)
    return eid


def close(tx: Tx, enrollment: RowMapping, day: dt.date, user: str | None) -> str:
    """E2: forfeit every remaining point (pending too), note it, and close."""
    program = tx.repo.program(enrollment["program_id"])
    if program is None:
        raise not_found("program", enrollment["program_id"])
    for lot in tx.repo.lots(enrollment["id"]):
        if state(lot, day) == "expired":
            row = tx.repo.lot(lot.id)
            if row is not None:
                ledger.expire_lot(tx, row, program, day)
    bal = ledger.balance(tx, enrollment, program, day)
    total = bal.pending + bal.available
    for lot in tx.repo.lots(enrollment["id"]):
        tx.repo.entry(enrollment, day, "forfeit", -lot.remaining, lot.id, tx.now, user=user)
    debt = tx.repo.debt(enrollment["id"])
    if debt:
        tx.repo.entry(enrollment, day, "forfeit", -debt, None, tx.now, user=user)
    ledger.book_points(tx, program, day, "forfeit", -total, enrollment["customer_id"])
    text = f"Left {program.name} with {total} points, {bal.pending} of them pending"
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
    """E3: customers by type, status, enrolled or not, program, purchase since a date."""
    c, e, inv = t.customers, t.enrollments, t.invoices
    stmt = select(c.c.id)
    if sel.type is not None:
        stmt = stmt.where(c.c.type == sel.type)
    if sel.status is not None:
        stmt = stmt.where(c.c.status == sel.status)
    enrolled = exists().where(and_(e.c.customer_id == c.c.id, e.c.status == "open"))
    if sel.program is not None:
        stmt = stmt.where(exists().where(and_(e.c.customer_id == c.c.id, e.c.status == "open",
                                              e.c.program_id == sel.program)))
    if sel.enrolled is True:
        stmt = stmt.where(enrolled)
    elif sel.enrolled is False:
        stmt = stmt.where(~enrolled)
    if sel.purchased_since is not None:
        stmt = stmt.where(exists().where(and_(inv.c.customer_id == c.c.id,
                                              inv.c.date >= sel.purchased_since,
                                              inv.c.status == "posted")))
    skip = set(exclude)
    return [r[0] for r in tx.repo.conn.execute(stmt.order_by(c.c.id)) if r[0] not in skip]


def preview_mass_enroll(tx: Tx, body: Any) -> list[str]:
    b: MassEnrollIn = parse(MassEnrollIn, body)
    if b.customers is not None:
        return [x for x in b.customers if x not in set(b.exclude)]
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
        return [x for x in b.customers if x not in set(b.exclude)]
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
    if bool(b.add) == bool(b.deactivate):
        raise PatronageError("invalid", "give exactly one of add or deactivate",
                             [Problem("add", "add a number, or deactivate one")])
    if b.deactivate:
        row = tx.repo.card(b.deactivate)
        if row is None:
            raise not_found("card", b.deactivate, "deactivate")
        tx.repo.conn.execute(t.cards.update().where(t.cards.c.number == b.deactivate)
                             .values(active=False))
        return f"card {b.deactivate} deactivated"
    customer = need_customer(tx, b.customer)
    row = tx.repo.card(b.add or "")
    if row is not None:
        if row["customer_id"] == customer["id"] and row["active"]:
            return f"card {b.add} already belongs to {customer['id']}"
        raise PatronageError("card_in_use", f"card {b.add} is already in use",
                             [Problem("add", "this number belongs to a card already issued")])
    tx.repo.conn.execute(t.cards.insert().values(number=b.add, customer_id=customer["id"],
                                                 active=True, added_on=b.date or tx.day))
    return f"card {b.add} added to {customer['id']}"


def find_by_card(tx: Tx, number: str) -> str:
    row = tx.repo.card(number)
    if row is None:
        raise not_found("card", number, "card")
    if not row["active"]:
        raise PatronageError("card_inactive", f"card {number} has been deactivated",
                             [Problem("card", "this card is no longer active")])
    return str(row["customer_id"])
