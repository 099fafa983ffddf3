"""Read-only queries of `patronage check` that hold the journal against the ledger (G1).

Each compares two aggregates in the database (GROUP BY over a UNION ALL of the journal's
side and the ledger's side) and returns only the groups that disagree, so the rows that
reach Python are the faults, whatever the size of the books.

How the journal names what it is about: a points entry carries the customer
(`journal_entries.customer_id`) and the ledger kind as its kind; a credit memo entry the
reference `memo:<id>`; a coupon entry `coupon:<id>`. The journal does not name the
enrollment, so points are compared per customer over the customer's points-bank
enrollments together (one in all but transfers between points banks).

Money is integer cents. A point's value in cents is the fraction `num / den` (0.01 is
1/1, 0.005 is 1/2); ledger values are carried scaled by `scale`, a common denominator, so
every comparison stays in integers on both databases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Connection, Result

from patronage.adapters.db import tables as t

POINTS_LIABILITY = "points_liability"
STORE_CREDIT_LIABILITY = "store_credit_liability"
COUPON_LIABILITY = "coupon_liability"


@dataclass(frozen=True)
class Worth:
    """A points-bank program's point value in cents, as the fraction num / den."""

    num: int
    den: int


def _tuples(result: Result[Any]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in result]


def _int(expr: Any) -> Any:
    """An integer on both databases (PostgreSQL's SUM of a BIGINT is a NUMERIC)."""
    return cast(expr, BigInteger)


def _cents(column: Any) -> Any:
    return type_coerce(column, BigInteger)


def _big(value: int) -> Any:
    return literal(value, BigInteger)


def _by_program(worth: Mapping[str, Worth], pick: Any) -> Any:
    """CASE over `enrollments.program_id`: `pick(worth)` for each points-bank program."""
    if not worth:
        return _big(0)
    return case(*((t.enrollments.c.program_id == pid, _big(pick(w)))
                  for pid, w in sorted(worth.items())), else_=_big(0))


def _round_half_up(numerator: Any, den: Any) -> Any:
    """numerator / den rounded half away from zero (as `round_money`), in integers."""
    two = _big(2)
    return case((numerator >= 0, (numerator * two + den) // (den * two)),
                else_=-((den - numerator * two) // (den * two)))


def _enrollment_kinds(programs: Iterable[str]) -> Any:
    """The ledger's points and entries per enrollment and kind, for these programs' only."""
    led, e = t.ledger, t.enrollments
    theirs = select(e.c.id).where(e.c.program_id.in_(sorted(programs)))
    return (select(led.c.enrollment_id, led.c.kind, _int(func.sum(led.c.points)).label("points"),
                   func.count().label("entries"))
            .where(led.c.enrollment_id.in_(theirs))
            .group_by(led.c.enrollment_id, led.c.kind).subquery("ek"))


def _journal(account: str, *group: Any, customer: bool = False) -> Any:
    """The account's credits less debits (cents) per `group`; with `customer`, one of the
    entries' customers too."""
    je, jp = t.journal_entries, t.journal_postings
    named = [func.max(je.c.customer_id).label("customer")] if customer else []
    return (select(*group, *named,
                   _int(func.sum(_cents(jp.c.credit)) - func.sum(_cents(jp.c.debit)))
                   .label("cents"))
            .select_from(jp.join(je, je.c.id == jp.c.entry_id))
            .where(jp.c.account == account).group_by(*group))


def points_journal(conn: Connection, worth: Mapping[str, Worth], scale: int,
                   limit: int) -> list[tuple[Any, ...]]:
    """The journal's points liability (credits less debits) against the ledger, per
    customer over the customer's points-bank enrollments, in one pass over each:

    - per kind: the journal's total against the ledger's points of that kind x value
      (both in cents x `scale`), equal when every program is whole-cent, within a cent per
      ledger entry of that kind otherwise (`kind_bad`);
    - in all: the journal's total against the value of each enrollment's outstanding
      points (the sum of its entries: lots remaining plus debt) rounded half up to the
      cent, summed (`owed_bad`, on one row of the customer).

    Rows where either fails: customer, kind, journal, ledger, ledger entries, subcent (1
    when a sub-cent program is among the enrollments), ledger points, journal total,
    owed total (cents), outstanding points, kind_bad, owed_bad."""
    e, je = t.enrollments, t.journal_entries
    ek = _enrollment_kinds(worth)
    zero, big_scale = _big(0), _big(scale)
    per_enrollment = ek.c.enrollment_id
    held = (select(ek, func.sum(ek.c.points).over(partition_by=per_enrollment).label("held"),
                   func.row_number().over(partition_by=per_enrollment, order_by=ek.c.kind).label("nth"))
            .subquery("held"))
    outstanding = _int(held.c.held)
    owed = outstanding * _by_program(worth, lambda w: w.num)
    if any(w.den > 1 for w in worth.values()):
        owed = _round_half_up(owed, _by_program(worth, lambda w: w.den))
    first = held.c.nth == 1
    ledger = (select(e.c.customer_id.label("customer"), held.c.kind.label("kind"),
                     zero.label("journal"),
                     (held.c.points * _by_program(worth, lambda w: w.num * (scale // w.den)))
                     .label("ledger"),
                     held.c.entries.label("entries"),
                     _by_program(worth, lambda w: 1 if w.den > 1 else 0).label("subcent"),
                     held.c.points.label("points"),
                     case((first, owed), else_=zero).label("owed"),
                     case((first, outstanding), else_=zero).label("held"))
              .select_from(held.join(e, e.c.id == held.c.enrollment_id))
              .where(e.c.program_id.in_(sorted(worth))))
    j = _journal(POINTS_LIABILITY, je.c.customer_id, je.c.kind).subquery("j")
    journal = select(j.c.customer_id.label("customer"), j.c.kind.label("kind"),
                     (j.c.cents * big_scale).label("journal"), zero.label("ledger"),
                     zero.label("entries"), zero.label("subcent"), zero.label("points"),
                     zero.label("owed"), zero.label("held"))
    both = union_all(journal, ledger).subquery("both")
    g = (select(both.c.customer, both.c.kind,
                *(func.sum(both.c[name]).label(name)
                  for name in ("journal", "ledger", "entries", "points", "owed", "held")),
                func.max(both.c.subcent).label("subcent"))
         .group_by(both.c.customer, both.c.kind).subquery("g"))
    per_customer = g.c.customer
    w = select(g, *(func.sum(g.c[name]).over(partition_by=per_customer).label(f"{name}_total")
                    for name in ("journal", "owed", "held")),
               func.row_number().over(partition_by=per_customer, order_by=g.c.kind).label("nth")
               ).subquery("w")
    kind_bad = or_(and_(w.c.subcent == 0, w.c.journal != w.c.ledger),
                   and_(w.c.subcent > 0,
                        func.abs(w.c.journal - w.c.ledger) > w.c.entries * big_scale))
    owed_bad = and_(w.c.nth == 1, w.c.journal_total != w.c.owed_total * big_scale)
    one = _big(1)
    return _tuples(conn.execute(
        select(w.c.customer, w.c.kind, w.c.journal, w.c.ledger, w.c.entries, w.c.subcent,
               w.c.points, w.c.journal_total, w.c.owed_total, w.c.held_total,
               case((kind_bad, one), else_=zero), case((owed_bad, one), else_=zero))
        .where(or_(kind_bad, owed_bad))
        .order_by(w.c.customer, w.c.kind).limit(limit)
    ))


def bank_enrollments(conn: Connection, customers: Iterable[str | None],
                     banks: Iterable[str]) -> list[tuple[Any, ...]]:
    """The points-bank enrollments of these customers, to name them in a fault: customer,
    enrollment id, program, status."""
    e = t.enrollments
    wanted = sorted({c for c in customers if c is not None})
    if not wanted:
        return []
    return _tuples(conn.execute(
        select(e.c.customer_id, e.c.id, e.c.program_id, e.c.status)
        .where(and_(e.c.customer_id.in_(wanted), e.c.program_id.in_(sorted(banks))))
        .order_by(e.c.customer_id, e.c.id)
    ))


def _memo_ref() -> Any:
    return literal("memo:") + cast(t.credit_memos.c.id, String)


def store_credit_journal(conn: Connection, limit: int) -> list[tuple[Any, ...]]:
    """The journal's store credit liability (credits less debits, cents) against the
    credit memos, per memo reference (`memo:<id>`), in one pass over each:

    - per kind, what the memo's row and uses say: issue +amount, use -(uses), restore
      +(restored uses), expiry or cancel -remaining once the memo is expired or cancelled
      (`kind_bad`);
    - in all: the memo's remaining amount while it is open (or used up), 0 once expired or
      cancelled (`owed_bad`, on one row of the memo).

    Rows where either fails: reference, kind, customer, journal, expected, journal total,
    owed (cents), status (none: no such memo), kind_bad, owed_bad."""
    m, u = t.credit_memos, t.credit_memo_uses
    zero = _big(0)
    nothing = literal_column("NULL", String)
    ref = _memo_ref()
    amount, remaining = _cents(m.c.amount), _cents(m.c.remaining)
    closed = m.c.status.in_(("expired", "cancelled"))
    issued = select(ref.label("ref"), literal("credit_memo_issue").label("kind"),
                    m.c.customer_id.label("customer"), zero.label("journal"),
                    amount.label("expected"),
                    case((closed, zero), else_=remaining).label("owed"),
                    m.c.status.label("status"))
    ended = (select(ref, case((m.c.status == "expired", literal("credit_memo_expiry")),
                              else_=literal("credit_memo_cancel")),
                    m.c.customer_id, zero, -remaining, zero, nothing)
             .where(closed))
    use = _cents(u.c.amount)  # a use, or a restore (negative)
    uses = (select(ref, case((use > 0, literal("credit_memo_use")),
                             else_=literal("credit_memo_restore")),
                   m.c.customer_id, zero, -use, zero, nothing)
            .select_from(u.join(m, m.c.id == u.c.memo_id)))
    je, jp = t.journal_entries, t.journal_postings
    journal = (select(je.c.reference, je.c.kind, je.c.customer_id,
                      _cents(jp.c.credit) - _cents(jp.c.debit), zero, zero, nothing)
               .select_from(jp.join(je, je.c.id == jp.c.entry_id))
               .where(jp.c.account == STORE_CREDIT_LIABILITY))
    both = union_all(issued, ended, uses, journal).subquery("both")
    g = (select(both.c.ref, both.c.kind, func.max(both.c.customer).label("customer"),
                *(func.sum(both.c[name]).label(name) for name in ("journal", "expected", "owed")),
                func.max(both.c.status).label("status"))
         .group_by(both.c.ref, both.c.kind).subquery("g"))
    per_memo = g.c.ref
    w = select(g, func.sum(g.c.journal).over(partition_by=per_memo).label("journal_total"),
               func.sum(g.c.owed).over(partition_by=per_memo).label("owed_total"),
               func.max(g.c.status).over(partition_by=per_memo).label("memo_status"),
               func.row_number().over(partition_by=per_memo, order_by=g.c.kind).label("nth")
               ).subquery("w")
    kind_bad = w.c.journal != w.c.expected
    owed_bad = and_(w.c.nth == 1, w.c.journal_total != w.c.owed_total)
    one = _big(1)
    return _tuples(conn.execute(
        select(w.c.ref, w.c.kind, w.c.customer, w.c.journal, w.c.expected, w.c.journal_total,
               w.c.owed_total, w.c.memo_status, case((kind_bad, one), else_=zero),
               case((owed_bad, one), else_=zero))
        .where(or_(kind_bad, owed_bad))
        .order_by(w.c.ref, w.c.kind).limit(limit)
    ))


# The kinds of coupon entries by what they move (G1): the issue; the sale's settlement
# (use and forfeit, and a void's restore of both, so only their sum is known from the row);
# the end of an open coupon (expiry or cancel).
COUPON_FAMILIES = {"coupon_issue": "issue", "coupon_use": "settlement",
                   "coupon_forfeit": "settlement", "coupon_restore": "settlement",
                   "coupon_expiry": "end", "coupon_cancel": "end"}


def coupon_journal(conn: Connection, limit: int) -> list[tuple[Any, ...]]:
    """The journal's coupon liability (credits less debits, cents) against the coupons, per
    coupon reference (`coupon:<id>`), in one pass over each:

    - per family of kinds (`COUPON_FAMILIES`; any other kind is its own family, expected
      0): issue +amount; settlement -amount once used (0 while open: a void restored it);
      end -amount once expired or cancelled (`kind_bad`), for every coupon with journal
      entries (one with none is a coupon closed before coupons were journalled);
    - in all: the coupon's amount while it is open, 0 once used (applied and forfeited),
      expired or cancelled (`owed_bad`, on one row of the coupon).

    Rows where either fails: reference, family, customer, journal, expected, journal
    total, owed (cents), status (none: no such coupon), kind_bad, owed_bad."""
    c, je, jp = t.coupons, t.journal_entries, t.journal_postings
    zero, one = _big(0), _big(1)
    nothing = literal_column("NULL", String)
    ref = literal("coupon:") + cast(c.c.id, String)
    amount = _cents(c.c.amount)

    def side(family: str, expected: Any, owed: Any, status: Any) -> Any:
        return select(ref.label("ref"), literal(family).label("family"),
                      c.c.customer_id.label("customer"), zero.label("journal"),
                      expected.label("expected"), owed.label("owed"), status.label("status"),
                      zero.label("entries"))

    issued = side("issue", amount, case((c.c.status == "open", amount), else_=zero), c.c.status)
    settled = side("settlement", case((c.c.status == "used", -amount), else_=zero), zero, nothing)
    ended = side("end", case((c.c.status.in_(("expired", "cancelled")), -amount), else_=zero),
                 zero, nothing)
    family = case(*((je.c.kind == kind, literal(name)) for kind, name in COUPON_FAMILIES.items()),
                  else_=je.c.kind)
    journal = (select(je.c.reference, family, je.c.customer_id,
                      _cents(jp.c.credit) - _cents(jp.c.debit), zero, zero, nothing, one)
               .select_from(jp.join(je, je.c.id == jp.c.entry_id))
               .where(jp.c.account == COUPON_LIABILITY))
    both = union_all(issued, settled, ended, journal).subquery("both")
    g = (select(both.c.ref, both.c.family, func.max(both.c.customer).label("customer"),
                *(func.sum(both.c[name]).label(name)
                  for name in ("journal", "expected", "owed", "entries")),
                func.max(both.c.status).label("status"))
         .group_by(both.c.ref, both.c.family).subquery("g"))
    per_coupon = g.c.ref
    w = select(g, *(func.sum(g.c[name]).over(partition_by=per_coupon).label(f"{name}_total")
                    for name in ("journal", "owed", "entries")),
               func.max(g.c.status).over(partition_by=per_coupon).label("coupon_status"),
               func.row_number().over(partition_by=per_coupon, order_by=g.c.family).label("nth")
               ).subquery("w")
    kind_bad = and_(w.c.entries_total > 0, w.c.journal != w.c.expected)
    owed_bad = and_(w.c.nth == 1, w.c.journal_total != w.c.owed_total)
    return _tuples(conn.execute(
        select(w.c.ref, w.c.family, w.c.customer, w.c.journal, w.c.expected, w.c.journal_total,
               w.c.owed_total, w.c.coupon_status, case((kind_bad, one), else_=zero),
               case((owed_bad, one), else_=zero))
        .where(or_(kind_bad, owed_bad))
        .order_by(w.c.ref, w.c.family).limit(limit)
    ))
