"""`patronage check`: prove the books. Every cache equals the sum of the entries it caches,
every journal entry balances, and the balance identity L3 holds for every enrollment.

Caches checked: `lots.remaining` and `lots.points` (the lot's entries), `enrollments.debt`
(the entries with no lot) and `enrollments.held` (all its entries), `enrollment_totals`
(entries by kind, and the latest date), and `credit_memos.remaining` (amount less uses). Each check is one set-based query, so the
whole ledger is proven in a few statements whatever its size. Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, and_, case, func, literal_column, or_, select, type_coerce
from sqlalchemy.engine import Connection

from patronage.adapters.db import tables as t
from patronage.service.ledger import USED_KINDS
from patronage.service.uow import Tx

EARNED_KINDS = ("accrual", "reversal")
OTHER_KINDS = ("adjustment", "expiry", "forfeit", "debt_payoff")
KNOWN_KINDS = frozenset(EARNED_KINDS + USED_KINDS + OTHER_KINDS)


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
                  memos_match_uses, journal_balances, identity_holds):
        faults += check(conn, limit)
    counted = {
        name: int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)
        for name, table in (("lots", t.lots), ("enrollments", t.enrollments),
                            ("ledger entries", t.ledger), ("credit memos", t.credit_memos),
                            ("journal entries", t.journal_entries))
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
    gained = _entry_sums(led.c.lot_id, where=and_(led.c.lot_id.is_not(None),
                                                  led.c.kind.in_(("accrual", "adjustment"))))
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

    def kinds(names: tuple[str, ...] | frozenset[str], negate: bool = False) -> Any:
        cond = led.c.kind.in_(sorted(names))
        return func.coalesce(func.sum(_case(~cond if negate else cond, led.c.points)), 0)

    flows = (
        select(led.c.enrollment_id,
               kinds(EARNED_KINDS).label("earned"), kinds(("adjustment",)).label("adjusted"),
               kinds(USED_KINDS).label("used"), kinds(("expiry",)).label("expired"),
               kinds(("forfeit",)).label("forfeited"), kinds(("debt_payoff",)).label("payoff"),
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
