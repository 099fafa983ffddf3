"""Points on the ledger: accrue into lots, debit by L2 with debt (L5), pay debt, expire,
and the balance of an enrollment as of any day (L1, L3).

Every change is an appended ledger entry; the lot and debt caches move with it. Points-bank
value moves are journalled here too (G1), so no caller can forget them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from patronage.core import journal
from patronage.core.entries import EntryKind, flows
from patronage.core.expiry import write_off
from patronage.core.lots import (
    LotState,
    new_lot_dates,
    plan_debit,
    plan_payoff,
    replay_payoffs,
    state,
    use_order,
)
from patronage.core.money import whole_cent_step
from patronage.core.programs import Program
from patronage.service import memberships, tiers
from patronage.service.ports import Row
from patronage.service.uow import Tx
from patronage.service.views import Balance, Expiring

USED_KINDS = EntryKind.used_kinds()  # L3's used (core/entries.py); R5's return_restore too


def book_points(tx: Tx, program: Program, day: dt.date, kind: str, delta: int,
                customer_id: str, reference: str | None = None,
                counter: str = journal.POINTS_EXPENSE, *,
                enrollment_id: int | None = None) -> None:
    """Journal a points-bank value move: `delta` points raise (+) or lower (-) the liability.

    Called right after the ledger entries of the move (which `delta` sums). With a sub-cent
    point_value the amount is `journal.liability_change` of the enrollment's outstanding
    points (`held`: before is held now less `delta`), so the journal never drifts from the
    rounded value of what it holds (G1); `enrollment_id` defaults to the customer's open
    enrollment, which every move of points is made on.
    """
    pv = program.point_value
    if program.kind != "points_bank" or not pv or delta == 0:
        return
    if whole_cent_step(pv) == 1:
        value = pv * delta  # whole cents already: the same as the rounded difference
    else:
        held = _held(tx, program, customer_id, enrollment_id)
        value = journal.liability_change(pv, held - delta, held)
    tx.repo.journal(day, kind, journal.transfer(counter, journal.POINTS_LIABILITY, value),
                    f"{kind} of {delta} points", reference, customer_id)


def _held(tx: Tx, program: Program, customer_id: str, enrollment_id: int | None) -> int:
    """An enrollment's outstanding points (the sum of its entries) as written so far."""
    row: Row | None
    if enrollment_id is not None:
        row = tx.repo.enrollment(enrollment_id)
    else:  # the customer's open enrollment in that program (E1: one, or one of many)
        row = next((e for e in memberships.enrollments_for(tx, customer_id)
                    if e["program_id"] == program.id), None)
    if row is None or row["program_id"] != program.id:
        raise LookupError(f"no enrollment of {customer_id!r} in {program.id!r} to journal")
    return int(row["held"])


def accrue(tx: Tx, enrollment: Row, program: Program, points: int, day: dt.date, *,
           kind: str = EntryKind.ACCRUAL, invoice_id: int | None = None,
           expires_on: dt.date | None = None, at_once: bool = False,
           ref: str | None = None, user: str | None = None, reason: str | None = None,
           link_invoice: bool = False) -> int:
    """A6/J3: one new lot. Pending for grace_days unless `at_once`; returns the lot id.
    `link_invoice`: it is `invoice_id`'s own lot (`invoices.lot_id`), written with it."""
    if points <= 0:  # an entry the other way would journal what the ledger never held
        raise ValueError(f"an accrual adds points: {points}")
    available_on, expires_on = new_lot_dates(day, program.grace_days,
                                             program.points_expire_days, at_once, expires_on)
    lot_id, debt = tx.repo.open_lot(enrollment, kind, invoice_id, day, available_on,
                                    expires_on, points, tx.now, link_invoice=link_invoice,
                                    ref=ref, user=user, reason=reason)
    book_points(tx, program, day, kind, points, enrollment["customer_id"], ref,
                enrollment_id=enrollment["id"])
    if available_on <= tx.day and debt < 0:
        pay_debt(tx, enrollment, tx.day)
    return lot_id


def debit(tx: Tx, enrollment: Row, points: int, day: dt.date, kind: str, *,
          first_lot: int | None = None, **refs: object) -> int:
    """Take `points`: from `first_lot` (R1), then available lots by L2, the rest as debt.

    Returns the part that became debt.
    """
    if points < 0:  # a negative take would add points the caller then journals as spent
        raise ValueError(f"a debit takes points: {points}")
    need = points
    lots = tx.repo.lots(enrollment["id"])
    if first_lot is not None:
        own = next((lot for lot in lots if lot.id == first_lot), None)
        if own is not None and state(own, day) != "expired":
            take = min(own.remaining, need)
            tx.repo.entry(enrollment, day, kind, -take, own.id, tx.now, **refs)
            need -= take
            lots = [lot for lot in lots if lot.id != own.id]
    takes, short = plan_debit(lots, need, day)
    for lot_id, take in takes:
        tx.repo.entry(enrollment, day, kind, -take, lot_id, tx.now, **refs)
    if short > 0:
        tx.repo.entry(enrollment, day, kind, -short, None, tx.now, **refs)
    return short


def pay_debt(tx: Tx, enrollment: Row, day: dt.date) -> int:
    """L5: points that are available pay off the debt first. Returns the points moved."""
    eid = enrollment["id"]
    debt = tx.repo.debt(eid)
    if debt >= 0:
        return 0
    last = tx.repo.last_entry_date(eid)
    then = tx.repo.lots_as_of(eid, day) if last is not None and last > day else None
    moved = 0
    for lot_id, take in plan_payoff(tx.repo.lots(eid), debt, day, then):
        tx.repo.entry(enrollment, day, EntryKind.DEBT_PAYOFF, -take, lot_id, tx.now)
        tx.repo.entry(enrollment, day, EntryKind.DEBT_PAYOFF, take, None, tx.now)
        moved += take
    return moved


def unpaid_payoffs(tx: Tx, enrollment_id: int, last: dt.date | None,
                   as_of: dt.date) -> list[tuple[dt.date, int, int]]:
    """The debt payoffs (day, lot id, points) that the daily run will make for the days up
    to `as_of` it has not done yet, by `pay_debt`'s rule (L1: a balance never waits for it).
    Only for an enrollment in debt: it reads the entries of those days."""
    done = tx.repo.last_done_day()
    if done is not None:
        first = done + dt.timedelta(days=1)
    else:  # where the first run will start (maintenance.run)
        shop = tx.repo.shop()
        first = (shop and shop["first_activity"]) or as_of
    if first > as_of:
        return []
    return replay_payoffs(tx.repo.lots(enrollment_id, positive_only=False),
                          tx.repo.debt(enrollment_id), tx.repo.ledger_moves(enrollment_id, first),
                          last, first, as_of)


def expire_lot(tx: Tx, lot: Row, program: Program, day: dt.date) -> int:
    """L4: write off what remains of an expired lot (`core.expiry.write_off` says how
    much), journalled for points banks."""
    enrollment = tx.repo.enrollment(lot["enrollment_id"])
    remaining = int(lot["remaining"])
    if enrollment is None or write_off(lot["id"], remaining) is None:
        return 0
    held_then = None
    last = tx.repo.last_entry_date(enrollment["id"])
    if last is not None and last > day:  # a catch-up day: not points the lot got later
        then, _ = tx.repo.lots_as_of(enrollment["id"], day)
        held_then = next((x.remaining for x in then if x.id == lot["id"]), 0)
    expired = write_off(lot["id"], remaining, held_then)
    if expired is None:
        return 0
    tx.repo.entry(enrollment, day, EntryKind.EXPIRY, -expired.points, expired.lot_id, tx.now)
    book_points(tx, program, day, EntryKind.EXPIRY, expired.held_change, enrollment["customer_id"],
                enrollment_id=enrollment["id"])
    tx.repo.record_event("points.expired", day, enrollment["customer_id"],
                         {"customer": enrollment["customer_id"], "program": program.id,
                          "points": expired.points, "date": day.isoformat()}, tx.now)
    return expired.points


def available_points(tx: Tx, enrollment_id: int, day: dt.date) -> int:
    """L1/L5: the points of the lots as they are now that are available on `day`, plus the
    debt: one aggregate over the lots, whatever their number (L1's state, as `balance`)."""
    return tx.repo.spendable_points(enrollment_id, day)


def lots_by_state(tx: Tx, eid: int, last: dt.date | None, as_of: dt.date, debt: int,
                  by_state: dict[str, int], expiring: dict[dt.date, int]) -> int:
    """`balance` lot by lot (L1), for a day the ledger has entries after (the lots then,
    from the entries) or an enrollment in debt (L5: the payoffs of days the daily run has
    not done yet count already). Adds to `by_state` and `expiring`; returns the debt then."""
    lots: list[LotState]
    if last is not None and last > as_of:
        lots, debt_then = tx.repo.lots_as_of(eid, as_of)
    else:
        lots, debt_then = tx.repo.lots(eid), debt
    if debt < 0:
        paid: dict[int, int] = {}
        for _, lot_id, take in unpaid_payoffs(tx, eid, last, as_of):
            paid[lot_id] = paid.get(lot_id, 0) + take
            debt_then += take
        lots = [replace(x, remaining=x.remaining - paid.get(x.id, 0)) for x in lots
                if x.remaining > paid.get(x.id, 0)]  # as the lot rows would be after the run
    for lot in lots:
        s = state(lot, as_of)
        by_state[s] += lot.remaining
        if s != "expired" and lot.expires_on is not None:
            expiring[lot.expires_on] = expiring.get(lot.expires_on, 0) + lot.remaining
    return debt_then


def balance(tx: Tx, enrollment: Row | None, program: Program | None,
            as_of: dt.date) -> Balance:
    """L1/L3: the enrollment's figures as of a day, independent of the daily run."""
    if enrollment is None or program is None:
        return Balance(program=None, program_name=None, as_of=as_of)
    eid = enrollment["id"]
    debt, cached, live = tx.repo.balance_figures(eid, as_of)  # one statement
    last = max((last_on for _, _, last_on in cached), default=None)
    by_state: dict[str, int] = {"pending": 0, "available": 0, "expired": 0}
    expiring: dict[dt.date, int] = {}
    if debt < 0 or (last is not None and last > as_of):  # rare: each lot, from the entries
        debt = lots_by_state(tx, eid, last, as_of, debt, by_state, expiring)
    else:  # the lot rows are the figures as of the day: one aggregate, whatever their number
        for expires_on, pending, points in live:
            if expires_on is not None and as_of >= expires_on:  # L1, as `core.lots.state`
                by_state["expired"] += points
                continue
            by_state["pending"] += pending
            by_state["available"] += points - pending
            if expires_on is not None:
                expiring[expires_on] = points
    totals = ({kind: points for kind, points, _ in cached}
              if last is None or last <= as_of  # no entry after as_of: the cache
              else tx.repo.totals_from_entries(eid, as_of))
    available = by_state["available"] + debt
    value = None
    if program.kind == "points_bank" and program.point_value is not None:
        value = (program.point_value * available).quantize(Decimal("0.01"))
    figures = flows(totals)  # L3: each kind's figure, core/entries.py
    return Balance(
        program=program.id,
        program_name=program.name,
        as_of=as_of,
        pending=by_state["pending"],
        available=available,
        earned=figures.earned,
        adjusted=figures.adjusted,
        used=figures.used,
        expired=figures.expired + by_state["expired"],  # and those not yet written off (L1)
        forfeited=figures.forfeited,
        value=value,
        expiring=[Expiring(d, p) for d, p in sorted(expiring.items()) if p],
        tier=tiers.held(tx, eid, program),  # issue 23 item 1 (T9); no statement without tiers
    )


def sorted_available(lots: list[LotState], day: dt.date) -> list[LotState]:
    return sorted((x for x in lots if state(x, day) == "available"), key=use_order)
