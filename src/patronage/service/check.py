"""`patronage check`: prove the books. Every cache equals the sum of the entries it caches,
every journal entry balances, and the balance identity L3 holds for every enrollment.

Caches checked: `lots.remaining` and `lots.points` (the lot's entries), `enrollments.debt`
(the entries with no lot) and `enrollments.held` (all its entries), `enrollment_totals`
(entries by kind, and the latest date), and `credit_memos.remaining` (amount less uses). Each check is one set-based query, so the
whole ledger is proven in a few statements whatever its size. Nothing is written.

The journal is held against the ledger (G1), not only entry by entry: the points liability
it books for each customer's points-bank enrollments equals the value of their outstanding
points, and kind by kind the value of the ledger's points of that kind; the store credit
liability of each credit memo equals what remains of it (0 once expired or cancelled), kind
by kind; the coupon liability of each coupon its amount while open (0 once used, expired
or cancelled), kind by kind. Queries: `adapters/db/check_queries.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import lcm
from typing import Any

from sqlalchemy import BigInteger, and_, case, func, literal_column, or_, select, type_coerce
from sqlalchemy.engine import Connection

from patronage.adapters.db import check_queries as q
from patronage.adapters.db import tables as t
from patronage.core.entries import Bucket, EntryKind
from patronage.core.programs import Program
from patronage.service.uow import Tx

KNOWN_KINDS = frozenset(EntryKind)


@dataclass(frozen=True)
class Fault:
    """One thing the books get wrong: which check, about what, and how."""

    check: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.check}: {self.subject}: {self.message}"


@dataclass(frozen=True)
class Report:
    faults: list[Fault]
    counted: dict[str, int]

    @property
    def ok(self) -> bool:
        return not self.faults


def cents(column: Any) -> Any:
    """Money is stored as integer cents: sum it as such."""
    return type_coerce(column, BigInteger)


def run(tx: Tx, limit: int = 1000) -> Report:
    """Every check, listing at most `limit` faults of each kind."""
    conn = tx.repo.conn
    faults: list[Fault] = []
    for check in (lots_match_entries, debts_match_entries, totals_match_entries,
                  memos_match_uses, journal_balances, identity_holds,
                  store_credit_matches_memos, coupons_match_journal):
        faults += check(conn, limit)
    faults += points_journal_matches_ledger(conn, limit, tx.repo.programs())
    counted = {
        name: int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)
        for name, table in (("lots", t.lots), ("enrollments", t.enrollments),
                            ("ledger entries", t.ledger), ("credit memos", t.credit_memos),
                            ("journal entries", t.journal_entries), ("coupons", t.coupons))
    }
    return Report(faults, counted)


def _entry_sums(*group: Any, where: Any = None) -> Any:
    led = t.ledger
    stmt = select(*group, func.sum(led.c.points).label("points"))
    if where is not None:
        stmt = stmt.where(where)
    return stmt.group_by(*group).subquery()


def lots_match_entries(conn: Connection, limit: int) -> list[Fault]:
    """`lots.remaining` is the sum of the lot's entries; `lots.points` of its accruals and
    positive adjustments; remaining is never negative."""
    led, lots = t.ledger, t.lots
    sums = _entry_sums(led.c.lot_id, where=led.c.lot_id.is_not(None))
    growing = sorted(EntryKind.lot_growing_kinds())  # accrual, adjustment
    gained = _entry_sums(led.c.lot_id, where=and_(led.c.lot_id.is_not(None),
                                                  led.c.kind.in_(growing)))
    got = func.coalesce(sums.c.points, 0)
    grew = func.coalesce(gained.c.points, 0)
    rows = conn.execute(
        select(lots.c.id, lots.c.customer_id, lots.c.remaining, lots.c.points, got, grew)
        .outerjoin(sums, sums.c.lot_id == lots.c.id)
        .outerjoin(gained, gained.c.lot_id == lots.c.id)
        .where(or_(lots.c.remaining != got, lots.c.points != grew, lots.c.remaining < 0))
        .order_by(lots.c.id).limit(limit)
    ).all()
    out = []
    for lot_id, customer, remaining, points, total, grown in rows:
        subject = f"lot {lot_id} of customer {customer}"
        if remaining != total:
            out.append(Fault("lot_remaining", subject,
                             f"remaining is {remaining}, its entries sum to {total}"))
        if points != grown:
            out.append(Fault("lot_points", subject,
                             f"points is {points}, its accruals sum to {grown}"))
        if remaining < 0:
            out.append(Fault("lot_negative", subject, f"remaining is {remaining}"))
    return out


def debts_match_entries(conn: Connection, limit: int) -> list[Fault]:
    """`enrollments.debt` is the sum of the entries with no lot (L5), and never above 0;
    `enrollments.held` is the sum of all its entries."""
    led, e = t.ledger, t.enrollments
    sums = _entry_sums(led.c.enrollment_id, where=led.c.lot_id.is_(None))
    alls = _entry_sums(led.c.enrollment_id)
    got, every = func.coalesce(sums.c.points, 0), func.coalesce(alls.c.points, 0)
    rows = conn.execute(
        select(e.c.id, e.c.customer_id, e.c.debt, got, e.c.held, every)
        .outerjoin(sums, sums.c.enrollment_id == e.c.id)
        .outerjoin(alls, alls.c.enrollment_id == e.c.id)
        .where(or_(e.c.debt != got, e.c.debt > literal_column("0"), e.c.held != every))
        .order_by(e.c.id).limit(limit)
    ).all()
    out = []
    for eid, customer, debt, total, held, entries in rows:
        subject = f"enrollment {eid} of customer {customer}"
        if debt != total:
            out.append(Fault("debt", subject, f"debt is {debt}, its entries sum to {total}"))
        if debt > 0:
            out.append(Fault("debt_positive", subject, f"debt is {debt}, above 0"))
        if held != entries:
            out.append(Fault("held", subject, f"held is {held}, its entries sum to {entries}"))
    return out


def totals_match_entries(conn: Connection, limit: int) -> list[Fault]:
    """`enrollment_totals` holds, per enrollment and kind, the sum and the latest date."""
    led, tot = t.ledger, t.enrollment_totals
    sums = (
        select(led.c.enrollment_id, led.c.kind, func.sum(led.c.points).label("points"),
               func.max(led.c.date).label("last_on"))
        .group_by(led.c.enrollment_id, led.c.kind).subquery()
    )
    joined = sums.outerjoin(tot, and_(tot.c.enrollment_id == sums.c.enrollment_id,
                                      tot.c.kind == sums.c.kind))
    missing_or_wrong = conn.execute(
        select(sums.c.enrollment_id, sums.c.kind, sums.c.points, sums.c.last_on,
               tot.c.points, tot.c.last_on).select_from(joined)
        .where(or_(tot.c.points.is_(None), tot.c.points != sums.c.points,
                   tot.c.last_on != sums.c.last_on))
        .order_by(sums.c.enrollment_id, sums.c.kind).limit(limit)
    ).all()
    out = [
        Fault("totals", f"enrollment {eid} kind {kind}",
              f"cached {cached if cached is not None else 'nothing'} (last {cached_on}), "
              f"entries sum to {points} (last {last_on})")
        for eid, kind, points, last_on, cached, cached_on in missing_or_wrong
    ]
    has_entries = select(led.c.id).where(and_(led.c.enrollment_id == tot.c.enrollment_id,
                                              led.c.kind == tot.c.kind)).exists()
    orphans = conn.execute(
        select(tot.c.enrollment_id, tot.c.kind, tot.c.points).where(~has_entries)
        .order_by(tot.c.enrollment_id, tot.c.kind).limit(limit)
    ).all()
    out += [Fault("totals", f"enrollment {eid} kind {kind}",
                  f"cached {points} but there are no entries of this kind")
            for eid, kind, points in orphans]
    return out


def memos_match_uses(conn: Connection, limit: int) -> list[Fault]:
    """`credit_memos.remaining` is the amount less its uses (restores count negative), and
    lies between 0 and the amount."""
    m, u = t.credit_memos, t.credit_memo_uses
    used = (select(u.c.memo_id, func.sum(cents(u.c.amount)).label("cents"))
            .group_by(u.c.memo_id).subquery())
    spent = func.coalesce(used.c.cents, 0)
    amount, remaining = cents(m.c.amount), cents(m.c.remaining)
    rows = conn.execute(
        select(m.c.id, m.c.customer_id, amount, remaining, spent)
        .outerjoin(used, used.c.memo_id == m.c.id)
        .where(or_(remaining != amount - spent, remaining < 0, remaining > amount))
        .order_by(m.c.id).limit(limit)
    ).all()
    return [
        Fault("credit_memo_remaining", f"credit memo {memo_id} of customer {customer}",
              f"remaining is {_money(rem)}, amount {_money(amt)} less uses {_money(spent_)} "
              f"is {_money(amt - spent_)}")
        for memo_id, customer, amt, rem, spent_ in rows
    ]


def journal_balances(conn: Connection, limit: int) -> list[Fault]:
    """G1: every journal entry's debits equal its credits."""
    jp, je = t.journal_postings, t.journal_entries
    debit, credit = func.sum(cents(jp.c.debit)), func.sum(cents(jp.c.credit))
    rows = conn.execute(
        select(jp.c.entry_id, je.c.kind, debit, credit)
        .join(je, je.c.id == jp.c.entry_id)
        .group_by(jp.c.entry_id, je.c.kind).having(debit != credit)
        .order_by(jp.c.entry_id).limit(limit)
    ).all()
    return [Fault("journal", f"journal entry {eid} ({kind})",
                  f"debits {_money(d)} but credits {_money(c)}") for eid, kind, d, c in rows]


def identity_holds(conn: Connection, limit: int) -> list[Fault]:
    """L3 for every enrollment: what it holds (pending + available, and expired points not
    yet written off: its live lots plus its debt) equals earned + adjusted - used - expired
    - forfeited from the ledger; debt payoffs net to zero; every entry has a known kind."""
    led, e, lots = t.ledger, t.enrollments, t.lots
    held_lots = (select(lots.c.enrollment_id, func.sum(lots.c.remaining).label("points"))
                 .group_by(lots.c.enrollment_id).subquery())

    def kinds(names: frozenset[str], negate: bool = False) -> Any:
        cond = led.c.kind.in_(sorted(names))
        return func.coalesce(func.sum(_case(~cond if negate else cond, led.c.points)), 0)

    flows = (
        select(led.c.enrollment_id,
               *(kinds(EntryKind.in_bucket(bucket)).label(bucket.value) for bucket in (
                   Bucket.EARNED, Bucket.ADJUSTED, Bucket.USED, Bucket.EXPIRED,
                   Bucket.FORFEITED)),
               kinds(EntryKind.in_bucket(Bucket.DEBT_MOVE)).label("payoff"),
               kinds(KNOWN_KINDS, negate=True).label("unknown"))
        .group_by(led.c.enrollment_id).subquery()
    )
    held = func.coalesce(held_lots.c.points, 0) + e.c.debt
    zero: Any = literal_column("0")
    earned, adjusted = func.coalesce(flows.c.earned, 0), func.coalesce(flows.c.adjusted, 0)
    used, expired = func.coalesce(flows.c.used, 0), func.coalesce(flows.c.expired, 0)
    forfeited = func.coalesce(flows.c.forfeited, 0)
    payoff, unknown = func.coalesce(flows.c.payoff, 0), func.coalesce(flows.c.unknown, 0)
    rights = earned + adjusted + used + expired + forfeited  # entries are signed
    rows = conn.execute(
        select(e.c.id, e.c.customer_id, held, earned, adjusted, used, expired, forfeited,
               payoff, unknown)
        .outerjoin(held_lots, held_lots.c.enrollment_id == e.c.id)
        .outerjoin(flows, flows.c.enrollment_id == e.c.id)
        .where(or_(held != rights, payoff != zero, unknown != zero))
        .order_by(e.c.id).limit(limit)
    ).all()
    out = []
    for eid, customer, hold, ea, ad, us, ex, fo, pay, unk in rows:
        subject = f"enrollment {eid} of customer {customer}"
        if hold != ea + ad + us + ex + fo:
            out.append(Fault("L3", subject,
                             f"holds {hold} (lots + debt) but earned {ea} + adjusted {ad} - "
                             f"used {-us} - expired {-ex} - forfeited {-fo} = "
                             f"{ea + ad + us + ex + fo}"))
        if pay:
            out.append(Fault("L3", subject, f"debt payoffs sum to {pay}, not 0"))
        if unk:
            out.append(Fault("L3", subject, f"entries of unknown kinds sum to {unk}"))
    return out


def _case(cond: Any, value: Any) -> Any:
    return case((cond, value), else_=0)


def _money(value_cents: int) -> str:
    sign = "-" if value_cents < 0 else ""
    whole, part = divmod(abs(int(value_cents)), 100)
    return f"{sign}{whole}.{part:02d}"


def point_worth(programs: list[Program]) -> dict[str, q.Worth]:
    """Each points-bank program's point value in cents as a fraction (0.005 is 1/2)."""
    out = {}
    for p in programs:
        if p.kind == "points_bank" and p.point_value is not None and p.point_value > 0:
            cents_ = Fraction(p.point_value.scaleb(2))
            out[p.id] = q.Worth(cents_.numerator, cents_.denominator)
    return out


def points_journal_matches_ledger(conn: Connection, limit: int,
                                  programs: list[Program]) -> list[Fault]:
    """G1 for points banks, per customer (the journal names the customer, not the
    enrollment) over the customer's points-bank enrollments:

    - `points_liability`: the liability the journal holds equals the value of the
      outstanding points (lots remaining plus debt), each enrollment's rounded half up to
      the cent: exact whatever the point value, as the journal books each enrollment's
      change in the rounded value of what it holds.
    - `points_by_kind`: for each kind (accrual, reversal, adjustment, redemption, restore,
      expiry, forfeit...) the journal's total equals the ledger's points of that kind x
      point value: exactly with whole-cent values; with a sub-cent one within a cent per
      ledger entry of that kind, as each booking is the difference of two roundings.

    A journal entry with no ledger change (or a ledger change with no journal entry) moves
    one side only, and is reported by both."""
    worth = point_worth(programs)  # none: any points liability in the journal is a fault
    by_id = {p.id: p for p in programs}
    scale = lcm(1, *(w.den for w in worth.values()))
    rows = q.points_journal(conn, worth, scale, limit)
    named = _bank_enrollments(conn, [r[0] for r in rows], worth)
    out = []
    for (customer, kind, journal, ledger, entries, subcent, points, journal_total, owed,
         held, kind_bad, owed_bad) in rows:
        who = _customer(customer, named)
        if owed_bad:
            total, owed = int(journal_total) // scale, int(owed)
            values = {by_id[pid].point_value for pid, _ in named.get(customer, [])}
            rate = f" x {', '.join(sorted(str(v) for v in values))}" if values else ""
            out.append(Fault(
                "points_liability", who,
                f"the journal holds {_money(total)} of points liability, but the "
                f"{int(held or 0)} outstanding points{rate} are worth {_money(owed)} "
                f"(off by {_signed(total - owed)})"))
        if kind_bad:
            journal, ledger, entries = int(journal), int(ledger), int(entries or 0)
            allowed = (f"; {_money(entries)} allowed for the rounding of {entries} entries"
                       if subcent else "")
            out.append(Fault(
                "points_by_kind", f"{who} kind {kind}",
                f"the journal books {_exact(journal, scale)} of points liability, but the "
                f"ledger's {int(points or 0)} points of this kind are worth "
                f"{_exact(ledger, scale)} (off by {_exact(journal - ledger, scale, True)}"
                f"{allowed})"))
    return out


def _bank_enrollments(conn: Connection, customers: list[str | None],
                      worth: dict[str, q.Worth]) -> dict[str | None, list[tuple[str, str]]]:
    named: dict[str | None, list[tuple[str, str]]] = {}
    for customer, eid, program, status in q.bank_enrollments(conn, customers, worth):
        label = f"enrollment {eid} in {program}" + (" (closed)" if status == "closed" else "")
        named.setdefault(customer, []).append((program, label))
    return named


def _customer(customer: str | None, named: dict[str | None, list[tuple[str, str]]]) -> str:
    if customer is None:
        return "no customer"
    enrolled = named.get(customer)
    where = ", ".join(label for _, label in enrolled) if enrolled else "no points-bank enrollment"
    return f"customer {customer} ({where})"


MEMO_FIGURES = {"credit_memo_issue": "its amount", "credit_memo_use": "its uses",
                "credit_memo_restore": "its restored uses",
                "credit_memo_expiry": "what remained when it expired",
                "credit_memo_cancel": "what remained when it was cancelled"}
NO_FIGURE = "nothing (no move of a memo books this kind)"


def store_credit_matches_memos(conn: Connection, limit: int) -> list[Fault]:
    """G1 for credit memos (journal entries referenced `memo:<id>`):

    - `store_credit_liability`: the liability the journal holds for a memo equals its
      remaining amount while open (or used up), 0 once expired or cancelled;
    - `store_credit_by_kind`: issue equals the amount, use the uses, restore the restored
      uses, expiry or cancel what remained then."""
    out = []
    for (ref, kind, customer, journal, expected, total, owed, status, kind_bad,
         owed_bad) in q.store_credit_journal(conn, limit):
        memo = _memo(ref, customer)
        if owed_bad:
            total, owed = int(total), int(owed)
            what = (f"the memo has {_money(owed)} remaining" if status in ("open", "used")
                    else f"the memo is {status}, so nothing is owed" if status
                    else "there is no such credit memo")
            out.append(Fault("store_credit_liability", memo,
                             f"the journal holds {_money(total)} of store credit liability, "
                             f"but {what} (off by {_signed(total - owed)})"))
        if kind_bad:
            journal, expected = int(journal), int(expected)
            out.append(Fault("store_credit_by_kind", f"{memo} kind {kind}",
                             f"the journal books {_money(journal)} of store credit "
                             f"liability, against {_money(expected)} from "
                             f"{MEMO_FIGURES.get(kind, NO_FIGURE)} "
                             f"(off by {_signed(journal - expected)})"))
    return out


COUPON_FIGURES = {"issue": "its amount (coupon_issue)",
                  "settlement": "its amount once used (coupon_use, coupon_forfeit, "
                                "coupon_restore: a void gives it back)",
                  "end": "its amount once expired or cancelled (coupon_expiry, coupon_cancel)"}
NO_COUPON_FIGURE = "nothing (no move of a coupon books this kind)"


def coupons_match_journal(conn: Connection, limit: int) -> list[Fault]:
    """G1 for coupons (journal entries referenced `coupon:<id>` on `coupon_liability`):

    - `coupon_liability`: the liability the journal holds for a coupon equals its amount
      while open, 0 once used (applied and forfeited), expired or cancelled;
    - `coupon_by_kind`: issue equals the amount, the sale's settlement (use and forfeit, less
      a void's restore) the amount once used, expiry or cancel the amount once ended; for
      every coupon with journal entries (coupons closed before coupons were journalled have
      none, and owe nothing)."""
    out = []
    for (ref, family, customer, journal, expected, total, owed, status, kind_bad,
         owed_bad) in q.coupon_journal(conn, limit):
        subject = f"{_reference(ref, 'coupon')} of customer {customer}"
        if owed_bad:
            total, owed = int(total), int(owed)
            what = (f"the coupon is open for {_money(owed)}" if status == "open"
                    else f"the coupon is {status}, so nothing is owed" if status
                    else "there is no such coupon")
            out.append(Fault("coupon_liability", subject,
                             f"the journal holds {_money(total)} of coupon liability, but "
                             f"{what} (off by {_signed(total - owed)})"))
        if kind_bad:
            journal, expected = int(journal), int(expected)
            out.append(Fault("coupon_by_kind", f"{subject} kind {family}",
                             f"the journal books {_money(journal)} of coupon liability, "
                             f"against {_money(expected)} from "
                             f"{COUPON_FIGURES.get(family, NO_COUPON_FIGURE)} "
                             f"(off by {_signed(journal - expected)})"))
    return out


def _reference(ref: str | None, what: str) -> str:
    if ref is None:
        return f"a {what} entry with no reference"
    prefix = f"{what}:"
    return f"{what} {ref[len(prefix):]}" if ref.startswith(prefix) else f"reference {ref!r}"


def _memo(ref: str | None, customer: str | None) -> str:
    return f"{_reference(ref, 'memo').replace('memo ', 'credit memo ', 1)} of customer {customer}"


def _signed(value_cents: int) -> str:
    return ("+" if value_cents > 0 else "") + _money(value_cents)


def _exact(scaled: int, scale: int, signed: bool = False) -> str:
    """A value in cents x `scale` as money, with the sub-cent digits it has (0.015)."""
    value = Decimal(scaled) / Decimal(scale) / 100
    if value == value.quantize(Decimal("0.01")):
        value = value.quantize(Decimal("0.01"))
    return ("+" if signed and value > 0 else "") + str(value)
