"""Back-office reports (G2), the journal export (G1) and the console's look-ups.

Every function takes a `Tx` (run it with `Patronage.read`) and answers plain rows: dicts
whose keys are the CSV columns, in order. Points are ints, money exact Decimals. Balances
here come from the lot and debt caches, read as of a day (L1), so a lot whose expiry date
has passed counts as expired even before the daily run writes it off.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, and_, case, func, or_, select, type_coerce

from patronage.adapters.db import tables as t
from patronage.core.entries import SUBTRACTED, Bucket, EntryKind
from patronage.core.errors import not_found
from patronage.core.money import ZERO, from_cents
from patronage.service import ledger, memberships
from patronage.service.uow import Tx

Row = dict[str, Any]


def _value(points: int, point_value: Decimal | None) -> Decimal | None:
    return None if point_value is None else (point_value * points).quantize(Decimal("0.01"))


def _programs(tx: Tx) -> dict[str, Row]:
    return {r["id"]: dict(r) for r in tx.repo.all(select(t.programs))}


def _known_program(tx: Tx, program: str | None) -> None:
    """A report's program filter names a program (`not_found` else: an empty report for a
    typo would read as "nobody holds points")."""
    if program and tx.repo.program(program) is None:
        raise not_found("program", program, "program")


def totals_by_program(rows: list[Row], columns: tuple[str, ...]) -> list[Row]:
    """E1: the `columns` of report rows summed per program, in the rows' order of programs.
    Points of different programs are never added together (a points bank's are cents, a
    recurring program's count toward an award), so a report's totals are per program."""
    out: dict[str, Row] = {}
    for row in rows:
        total = out.setdefault(row["program"], {"program": row["program"],
                                                **{c: 0 for c in columns}})
        for column in columns:
            total[column] += row[column]
    return list(out.values())


# --- customer balances per program (seed 003's CU50) ---------------------------------------
def customer_balances(tx: Tx, as_of: dt.date | None = None, program: str | None = None,
                      include_zero: bool = False, limit: int | None = None) -> list[Row]:
    """Open enrollments with pending, available, value and points expiring within 30 days."""
    _known_program(tx, program)
    day = as_of or tx.day
    soon = day + dt.timedelta(days=30)
    lots, e, c = t.lots, t.enrollments, t.customers
    live = or_(lots.c.expires_on.is_(None), lots.c.expires_on > day)
    pending = func.sum(func.coalesce(
        _case(and_(lots.c.available_on > day, live), lots.c.remaining), 0))
    available = func.sum(func.coalesce(
        _case(and_(lots.c.available_on <= day, live), lots.c.remaining), 0))
    expiring = func.sum(func.coalesce(
        _case(and_(live, lots.c.expires_on <= soon), lots.c.remaining), 0))
    per_lot = (
        select(lots.c.enrollment_id, pending.label("pending"), available.label("available"),
               expiring.label("expiring"))
        .where(lots.c.remaining > 0).group_by(lots.c.enrollment_id).subquery()
    )
    stmt = (
        select(c.c.id, c.c.name, c.c.email, e.c.program_id, e.c.start_date, e.c.debt,
               per_lot.c.pending, per_lot.c.available, per_lot.c.expiring)
        .join(e, e.c.customer_id == c.c.id)
        .outerjoin(per_lot, per_lot.c.enrollment_id == e.c.id)
        .where(e.c.status == "open")
        .order_by(e.c.program_id, c.c.id)
    )
    if program:
        stmt = stmt.where(e.c.program_id == program)
    programs = _programs(tx)
    out: list[Row] = []
    for r in tx.repo.conn.execute(stmt).mappings():
        pend = int(r["pending"] or 0)
        avail = int(r["available"] or 0) + int(r["debt"] or 0)
        if not include_zero and pend == 0 and avail == 0:
            continue
        prog = programs.get(r["program_id"], {})
        value = _value(avail, prog.get("point_value")) if prog.get("kind") == "points_bank" \
            else None
        out.append({"customer": r["id"], "name": r["name"], "email": r["email"] or "",
                    "program": r["program_id"], "enrolled": r["start_date"], "pending": pend,
                    "available": avail, "value": value,
                    "expiring_30_days": int(r["expiring"] or 0)})
        if limit is not None and len(out) >= limit:
            break
    return out


def _case(cond: Any, value: Any) -> Any:
    return case((cond, value), else_=0)


# --- store credit liability by reason (seed 001's account credit liability report) ---------
def credit_liability(tx: Tx, as_of: dt.date | None = None) -> list[Row]:
    """Open credit memos' remaining amounts, summed per reason with the reason's account."""
    m, r = t.credit_memos, t.reasons
    stmt = (
        select(m.c.reason, r.c.account, func.count().label("memos"),
               func.sum(type_coerce(m.c.remaining, BigInteger)).label("cents"))
        .outerjoin(r, r.c.code == m.c.reason)
        .where(and_(m.c.status == "open", m.c.remaining > 0))
        .group_by(m.c.reason, r.c.account).order_by(m.c.reason)
    )
    out = []
    for row in tx.repo.conn.execute(stmt).mappings():
        out.append({"reason": row["reason"] or "", "account": row["account"] or "",
                    "memos": int(row["memos"]), "liability": from_cents(int(row["cents"] or 0))})
    return out


def credit_memos_open(tx: Tx, reason: str | None = None) -> list[Row]:
    """Each open credit memo with its customer: the detail behind `credit_liability`."""
    m, c = t.credit_memos, t.customers
    stmt = (
        select(m, c.c.name, c.c.email).join(c, c.c.id == m.c.customer_id)
        .where(and_(m.c.status == "open", m.c.remaining > 0)).order_by(m.c.reason, m.c.id)
    )
    if reason is not None:
        stmt = stmt.where(m.c.reason == reason)
    return [{"memo": r["id"], "customer": r["customer_id"], "name": r["name"],
             "email": r["email"] or "", "reason": r["reason"] or "", "store": r["store_id"],
             "issued_on": r["issued_on"], "expires": r["expires_on"], "amount": r["amount"],
             "remaining": r["remaining"]} for r in tx.repo.all(stmt)]


# --- awards issued ------------------------------------------------------------------------
def awards_issued(tx: Tx, start: dt.date, end: dt.date, program: str | None = None) -> list[Row]:
    """Awards dated in [start, end], with what each gave."""
    a, c = t.awards, t.customers
    stmt = (
        select(a, c.c.name.label("customer_name")).join(c, c.c.id == a.c.customer_id)
        .where(and_(a.c.date >= start, a.c.date <= end)).order_by(a.c.date, a.c.id)
    )
    if program:
        stmt = stmt.where(a.c.program_id == program)
    out = []
    for r in tx.repo.all(stmt):
        acts = r["actions"] or {}
        out.append({
            "date": r["date"], "award_id": r["id"], "customer": r["customer_id"],
            "name": r["customer_name"], "program": r["program_id"], "award": r["name"],
            "points": int(r["points"]),
            "credit_memo": (acts.get("credit_memo") or {}).get("amount", ""),
            "coupon": (acts.get("coupon") or {}).get("amount", ""),
            "price_group": acts.get("price_group") or "", "store": r["store_id"],
            "trigger": r["trigger"], "status": r["status"], "user": r["user"] or "",
        })
    return out


# --- points earned, used, expired per month, and the liability over time -----------------
def points_by_month(tx: Tx, start: dt.date, end: dt.date,
                    program: str | None = None) -> list[Row]:
    """Per month of [start, end]: points earned, adjusted, used, expired, forfeited, the
    points outstanding at the month's end, and the points liability account then (money)."""
    _known_program(tx, program)
    led, e = t.ledger, t.enrollments
    by_day = (
        select(led.c.date, led.c.kind, func.sum(led.c.points))
        .where(and_(led.c.date <= end, led.c.kind != EntryKind.DEBT_PAYOFF))
        .group_by(led.c.date, led.c.kind)
    )
    if program:
        by_day = by_day.join(e, e.c.id == led.c.enrollment_id).where(e.c.program_id == program)
    opening = 0
    months: dict[str, dict[str, int]] = {m: defaultdict(int) for m in _months(start, end)}
    for day, kind, total in tx.repo.conn.execute(by_day):
        pts = int(total or 0)
        if day < start:
            opening += pts
            continue
        bucket = months[day.strftime("%Y-%m")]
        bucket["net"] += pts
        entry_kind = EntryKind.known(kind)  # L3: the figure it moves, core/entries.py
        if entry_kind is not None and entry_kind.bucket is not Bucket.DEBT_MOVE:
            bucket[entry_kind.bucket] += -pts if entry_kind.bucket in SUBTRACTED else pts
    liability = _liability_by_month(tx, start, end) if not program else {}
    out, running = [], opening
    for month, b in months.items():
        running += b["net"]
        out.append({"month": month, "earned": b["earned"], "adjusted": b["adjusted"],
                    "used": b["used"], "expired": b["expired"], "forfeited": b["forfeited"],
                    "outstanding_points": running,
                    "points_liability": liability.get(month, ZERO) if not program else None})
    return out


def _months(start: dt.date, end: dt.date) -> list[str]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _liability_by_month(tx: Tx, start: dt.date, end: dt.date) -> dict[str, Decimal]:
    """The points_liability account's credit balance at each month's end (money)."""
    je, jp = t.journal_entries, t.journal_postings
    rows = tx.repo.all(
        select(je.c.date, jp.c.debit, jp.c.credit).join(je, je.c.id == jp.c.entry_id)
        .where(and_(jp.c.account == "points_liability", je.c.date <= end))
    )
    per_month: dict[str, Decimal] = defaultdict(lambda: ZERO)
    opening = ZERO
    for r in rows:
        delta = r["credit"] - r["debit"]
        if r["date"] < start:
            opening += delta
        else:
            per_month[r["date"].strftime("%Y-%m")] += delta
    out, running = {}, opening
    for month in _months(start, end):
        running += per_month.get(month, ZERO)
        out[month] = running
    return out


# --- what expires in the next 30, 60 and 90 days -------------------------------------------
BUCKETS = (30, 60, 90)


def expiring(tx: Tx, as_of: dt.date | None = None, program: str | None = None) -> list[Row]:
    """Per customer: points whose lots expire within 30, 31-60 and 61-90 days of `as_of`."""
    _known_program(tx, program)
    day = as_of or tx.day
    lots, e, c = t.lots, t.enrollments, t.customers
    stmt = (
        select(lots.c.customer_id, c.c.name, e.c.program_id, lots.c.expires_on, lots.c.remaining)
        .join(e, e.c.id == lots.c.enrollment_id).join(c, c.c.id == lots.c.customer_id)
        .where(and_(lots.c.remaining > 0, e.c.status == "open", lots.c.expires_on > day,
                    lots.c.expires_on <= day + dt.timedelta(days=BUCKETS[-1])))
        .order_by(lots.c.customer_id, lots.c.expires_on)
    )
    if program:
        stmt = stmt.where(e.c.program_id == program)
    programs = _programs(tx)
    rows: dict[tuple[str, str], Row] = {}
    for r in tx.repo.all(stmt):
        key = (r["customer_id"], r["program_id"])
        row = rows.setdefault(key, {"customer": r["customer_id"], "name": r["name"],
                                    "program": r["program_id"], "next_expiry": r["expires_on"],
                                    "within_30": 0, "days_31_60": 0, "days_61_90": 0})
        days = (r["expires_on"] - day).days
        col = "within_30" if days <= 30 else "days_31_60" if days <= 60 else "days_61_90"
        row[col] += int(r["remaining"])
    for (_, pid), row in rows.items():
        prog = programs.get(pid, {})
        total = row["within_30"] + row["days_31_60"] + row["days_61_90"]
        row["value"] = _value(total, prog.get("point_value")) \
            if prog.get("kind") == "points_bank" else None
    return list(rows.values())


def expiring_totals(rows: list[Row]) -> Row:
    """The 30/60/90-day totals of `expiring` rows (cumulative, as a manager reads them)."""
    w30 = sum(r["within_30"] for r in rows)
    w60 = w30 + sum(r["days_31_60"] for r in rows)
    w90 = w60 + sum(r["days_61_90"] for r in rows)
    return {"next_30_days": w30, "next_60_days": w60, "next_90_days": w90}


# --- journal export (G1) --------------------------------------------------------------------
def journal_lines(tx: Tx, start: dt.date, end: dt.date) -> list[Row]:
    """Every posting of the journal entries dated in [start, end], entry by entry.

    Columns: date, account, debit, credit, memo, reference, entry. `reference` is the
    entry's own reference (a memo, invoice or adjustment), or `JE-<id>` when it has none;
    `entry` groups the postings of one balanced entry.
    """
    je, jp = t.journal_entries, t.journal_postings
    stmt = (
        select(je.c.id, je.c.date, je.c.kind, je.c.memo, je.c.reference, je.c.customer_id,
               jp.c.account, jp.c.debit, jp.c.credit)
        .join(jp, jp.c.entry_id == je.c.id)
        .where(and_(je.c.date >= start, je.c.date <= end)).order_by(je.c.date, je.c.id, jp.c.id)
    )
    out = []
    for r in tx.repo.all(stmt):
        memo = r["memo"] or r["kind"]
        if r["customer_id"]:
            memo = f"{memo} (customer {r['customer_id']})"
        out.append({"date": r["date"], "account": r["account"], "debit": r["debit"],
                    "credit": r["credit"], "memo": memo,
                    "reference": r["reference"] or f"JE-{r['id']}", "entry": f"JE-{r['id']}"})
    return out


# --- look-ups for the console ----------------------------------------------------------------
def card_owner(tx: Tx, number: str) -> Row | None:
    """The card row (number, customer, active) for a scanned number, or None."""
    row = tx.repo.card(number.strip())
    return dict(row) if row else None


def customer_ledger(tx: Tx, customer_id: str, limit: int = 200) -> list[Row]:
    """The customer's newest ledger entries (all enrollments), newest first."""
    led, e = t.ledger, t.enrollments
    stmt = (
        select(led.c.id, led.c.date, led.c.kind, led.c.points, led.c.ref, led.c.reason,
               led.c.user, e.c.program_id)
        .join(e, e.c.id == led.c.enrollment_id)
        .where(and_(led.c.customer_id == customer_id, led.c.kind != EntryKind.DEBT_PAYOFF))
        .order_by(led.c.id.desc()).limit(limit)
    )
    return [dict(r) for r in tx.repo.all(stmt)]


def program_cards(tx: Tx, customer_id: str, as_of: dt.date | None = None) -> list[Row]:
    """E1 `many` (seed 003's balances per program): the customer page's card per open
    enrollment, oldest first: the program's `balance` and its debt (L5) as of the day."""
    day = as_of or tx.day
    out = []
    for enrollment in memberships.enrollments_for(tx, customer_id):
        figures = ledger.balance(tx, enrollment, tx.repo.program(enrollment["program_id"]), day)
        out.append({"balance": figures, "debt": _debt_as_of(tx, enrollment["id"], day)})
    return out


def _debt_as_of(tx: Tx, enrollment_id: int, day: dt.date) -> int:
    """The enrollment's debt (points owed, <= 0) on `day`, as `ledger.balance` reads it."""
    last = tx.repo.last_entry_date(enrollment_id)
    debt = tx.repo.debt(enrollment_id)
    if debt < 0 or (last is not None and last > day):
        unused: dict[str, int] = {"pending": 0, "available": 0, "expired": 0}
        return ledger.lots_by_state(tx, enrollment_id, last, day, debt, unused, {})
    return debt


def enrollments_of(tx: Tx, customer_id: str) -> list[Row]:
    e = t.enrollments
    return [dict(r) for r in tx.repo.all(
        select(e).where(e.c.customer_id == customer_id).order_by(e.c.id.desc()))]


def maintenance_log(tx: Tx, limit: int = 50) -> list[Row]:
    m = t.maintenance_runs
    return [dict(r) for r in tx.repo.all(select(m).order_by(m.c.id.desc()).limit(limit))]


def outbox(tx: Tx, status: str | None = None, limit: int = 200,
           channel: str | None = None, ids: list[int] | None = None,
           after_id: int | None = None) -> list[Row]:
    """Outbox messages, newest first."""
    o = t.outbox
    stmt = select(o).order_by(o.c.id.desc()).limit(limit)
    if after_id is not None:
        stmt = stmt.where(o.c.id > after_id)
    if status:
        stmt = stmt.where(o.c.status == status)
    if channel:
        stmt = stmt.where(o.c.channel == channel)
    if ids is not None:
        stmt = stmt.where(o.c.id.in_(ids))
    return [dict(r) for r in tx.repo.all(stmt)]


def shop_lists(tx: Tx) -> Row:
    """The shop's settings and every list the set-up page edits."""
    def rows(table: Any, order: Any) -> list[Row]:
        return [dict(r) for r in tx.repo.all(select(table).order_by(order))]

    return {
        "shop": dict(tx.repo.shop() or {"name": "Shop", "currency": "USD",
                                         "allow_credit_for_gift_cards": False}),
        "stores": rows(t.stores, t.stores.c.id),
        "statuses": rows(t.statuses, t.statuses.c.code),
        "reasons": rows(t.reasons, t.reasons.c.code),
        "price_groups": rows(t.price_groups, t.price_groups.c.code),
        "employees": rows(t.employees, t.employees.c.id),
        "subscribers": rows(t.event_subscribers, t.event_subscribers.c.id),
    }


def dashboard(tx: Tx) -> Row:
    """Counts for the console's front page."""
    def count(stmt: Any) -> int:
        return int(tx.repo.conn.execute(stmt).scalar() or 0)

    e, o = t.enrollments, t.outbox
    last = tx.repo.one(select(t.maintenance_runs).order_by(t.maintenance_runs.c.id.desc()))
    return {
        "customers": count(select(func.count()).select_from(t.customers)),
        "enrolled": count(select(func.count()).select_from(e).where(e.c.status == "open")),
        "programs": count(select(func.count()).select_from(t.programs)),
        "queued": count(select(func.count()).select_from(o).where(o.c.status == "queued")),
        "last_run": dict(last) if last else None,
    }


def customers_by_ids(tx: Tx, ids: list[str]) -> list[Row]:
    """The preview rows of a batch: id, name, type, status and current program, in order."""
    c, e = t.customers, t.enrollments
    found: dict[str, Row] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        stmt = (select(c.c.id, c.c.name, c.c.email, c.c.type, c.c.status, e.c.program_id)
                .outerjoin(e, and_(e.c.customer_id == c.c.id, e.c.status == "open"))
                .where(c.c.id.in_(chunk)))
        found |= {r["id"]: dict(r) for r in tx.repo.all(stmt)}
    return [found.get(i, {"id": i, "name": "", "email": None, "type": None, "status": None,
                          "program_id": None}) for i in ids]
