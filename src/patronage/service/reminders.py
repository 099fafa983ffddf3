"""Expiry reminders (issue 23 item 4; docs/decisions.md, "Reminders"): the daily run's last
step queues "points expiring" and "credit expiring" emails from templates.

A program's `remind_points_expiring_days` (e.g. [30, 7]) and `remind_credit_expiring_days`
say how many days before a lot or credit memo expires its customer is told; empty: never.
For each threshold `core.reminders.bands` gives the expiries it covers, and one query per
program and threshold finds the live lots (or open memos) expiring then whose customer has
an email and that have no reminder of that threshold yet. A customer's lots (or memos)
expiring the same day make one message. Each lot or memo and threshold is written to the
`reminders` table in the same transaction as the message, so a day run again, or split in
parts by customer range, never queues one twice. The outbox sends them (`messaging`).

Days are counted from the later of the run's day and today: a run catching up missed days
tells a customer about the expiry as it stands today, once, not once per missed day.
A credit memo belongs to the program of its award; a memo given by hand, to each program
the customer is enrolled in (the first that reminds about it records it).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from patronage.core.money import ZERO, fmt, points_value
from patronage.core.programs import Program
from patronage.core.reminders import bands
from patronage.service.ports import CustomerRange, Row, Rows
from patronage.service.uow import Tx

POINTS, CREDIT = "points", "credit"
TEMPLATES = {POINTS: "points_expiring", CREDIT: "credit_expiring"}
EVENTS = {POINTS: "points.expiring", CREDIT: "credit_memo.expiring"}  # webhooks


def queue_reminders(tx: Tx, day: dt.date, store: int | None, user: str | None,
                    within: CustomerRange | None = None) -> Counter[str]:
    """The daily run's reminder step for `day` (for the customers of `within`, in a part
    of a split run). `store` and `user` are the run's, as its other steps take them."""
    done: Counter[str] = Counter()
    as_of = max(day, tx.day)
    for program_id in tx.repo.programs_not_draft():
        program = tx.repo.program(program_id)  # remembered: a catch-up reads it once
        if program is None:
            continue
        for days, after, upto in bands(program.remind_points_expiring_days):
            due = tx.repo.lots_to_remind(POINTS, program.id, days, *_window(as_of, after, upto),
                                         within)
            done["points_reminders"] += _queue(tx, POINTS, program, days, as_of, due)
        for days, after, upto in bands(program.remind_credit_expiring_days):
            due = tx.repo.memos_to_remind(CREDIT, program.id, days, *_window(as_of, after, upto),
                                          within)
            done["credit_reminders"] += _queue(tx, CREDIT, program, days, as_of, due)
    return done


def _window(as_of: dt.date, after: int, upto: int) -> tuple[dt.date, dt.date]:
    """The expiries a band covers: after `after` days from `as_of`, up to `upto` days."""
    return as_of + dt.timedelta(days=after), as_of + dt.timedelta(days=upto)


def _queue(tx: Tx, kind: str, program: Program, days: int, as_of: dt.date,
           due: Rows) -> int:
    """One message per customer and expiry day, and a `reminders` row per lot or memo."""
    groups: dict[tuple[str, dt.date], list[Row]] = {}
    for row in due:
        groups.setdefault((row["customer_id"], row["expires_on"]), []).append(row)
    for (customer_id, expires_on), rows in groups.items():
        customer = tx.repo.customer(customer_id)
        payload = _payload(kind, program, customer_id, expires_on, as_of, days, rows)
        tx.repo.enqueue({"channel": "email", "event": TEMPLATES[kind],
                         "recipient": customer["email"] if customer else None,
                         "subject": subject(kind, program, payload),
                         "template": TEMPLATES[kind], "payload": payload, "created_on": as_of})
        tx.repo.record_event(EVENTS[kind], as_of, customer_id, payload, tx.now)
    if due:
        tx.repo.record_reminders([
            {"kind": kind, "subject_id": row["id"], "days": days, "customer_id": row["customer_id"],
             "expires_on": row["expires_on"], "queued_on": as_of} for row in due])
    return len(groups)


def _payload(kind: str, program: Program, customer_id: str, expires_on: dt.date,
             as_of: dt.date, days: int, rows: list[Row]) -> dict[str, Any]:
    base: dict[str, Any] = {"customer": customer_id, "program": program.id,
                            "date": as_of.isoformat(), "expires": expires_on.isoformat(),
                            "days": (expires_on - as_of).days, "threshold": days}
    if kind == POINTS:
        points = sum(int(r["points"]) for r in rows)
        value = (points_value(points, program.point_value)
                 if program.kind == "points_bank" and program.point_value else None)
        return base | {"points": points, "value": None if value is None else fmt(value),
                       "lots": [int(r["id"]) for r in rows]}
    remaining = sum((Decimal(r["remaining"]) for r in rows), ZERO)
    return base | {"amount": fmt(remaining), "memos": [
        {"id": int(r["id"]), "amount": fmt(r["amount"]), "remaining": fmt(r["remaining"]),
         "reason": r["reason"]} for r in rows]}


def subject(kind: str, program: Program, payload: dict[str, Any]) -> str:
    """The message's subject, as the console's outbox lists it (the templates say the same)."""
    if kind == POINTS:
        return f"{program.name}: {payload['points']} points expire on {payload['expires']}"
    return f"Your store credit of {payload['amount']} expires on {payload['expires']}"
