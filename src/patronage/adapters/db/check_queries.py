"""Every statement of `patronage check` (service/check.py), read-only, as `CheckQueries`'
methods: the caches against the entries they cache, the journal's balance, L3, campaigns'
`given`, and the journal held against the ledger (G1).

Each is one set-based statement that returns only the rows that disagree, so the rows that
reach Python are the faults, whatever the size of the books (but `rates_naming`: the rates
that name a campaign, summed by service/check.py as the core reads a rate). The journal's compare two
aggregates (GROUP BY over a UNION ALL of the journal's side and the ledger's side).

How the journal names what it is about: a points entry carries the customer
(`journal_entries.customer_id`) and the ledger kind as its kind; a credit memo entry the
reference `memo:<id>`; a coupon entry `coupon:<id>`. The journal does not name the
enrollment, so points are compared per customer over the customer's points-bank
enrollments together (one in all but transfers between points banks).

Money is integer cents. A point's value in cents is a `Fraction` (0.01 is 1/1, 0.005 is
1/2); ledger values are carried scaled by `scale`, a common denominator, so
every comparison stays in integers on both databases.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from fractions import Fraction
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
from patronage.adapters.db.tables_campaigns import campaigns
from patronage.core.entries import Bucket, EntryKind

POINTS_LIABILITY = "points_liability"
STORE_CREDIT_LIABILITY = "store_credit_liability"
COUPON_LIABILITY = "coupon_liability"


def _tuples(result: Result[Any]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in result]


def _int(expr: Any) -> Any:
    """An integer on both databases (PostgreSQL's SUM of a BIGINT is a NUMERIC)."""
    return cast(expr, BigInteger)


def _cents(column: Any) -> Any:
    return type_coerce(column, BigInteger)


def _big(value: int) -> Any:
    return literal(value, BigInteger)


def _by_program(worth: Mapping[str, Fraction], pick: Any) -> Any:
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






def _memo_ref() -> Any:
    return literal("memo:") + cast(t.credit_memos.c.id, String)




# The kinds of coupon entries by what they move (G1): the issue; the sale's settlement
# (use and forfeit, and a void's restore of both, so only their sum is known from the row);
# the end of an open coupon (expiry or cancel).
COUPON_FAMILIES = {"coupon_issue": "issue", "coupon_use": "settlement",
                   "coupon_forfeit": "settlement", "coupon_restore": "settlement",
                   "coupon_expiry": "end", "coupon_cancel": "end"}


def _entry_sums(*group: Any, where: Any = None) -> Any:
    """The ledger's points summed per `group` (of the entries `where` says)."""
    led = t.ledger
    stmt = select(*group, func.sum(led.c.points).label("points"))
    if where is not None:
        stmt = stmt.where(where)
    return stmt.group_by(*group).subquery()


def _case(cond: Any, value: Any) -> Any:
    return case((cond, value), else_=0)


# What the report says it proved: the rows of each table of the books.
COUNTED = (("lots", t.lots), ("enrollments", t.enrollments), ("ledger entries", t.ledger),
           ("credit memos", t.credit_memos), ("journal entries", t.journal_entries),
           ("coupons", t.coupons))
KNOWN_KINDS = frozenset(EntryKind)


class CheckQueries:
    """Every statement of `patronage check` (service/check.py), on one connection
    (`Repository.checks()`). Each answers the rows that break one rule of the books, at
    most `limit` of them, in a stable order; service/check.py says what is wrong."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _rows(self, stmt: Any) -> list[tuple[Any, ...]]:
        return _tuples(self.conn.execute(stmt))

    def counted(self) -> dict[str, int]:
        """How many rows each table of the books holds."""
        return {name: int(self.conn.execute(select(func.count()).select_from(table)).scalar() or 0)
                for name, table in COUNTED}

    def lots_off(self, limit: int) -> list[tuple[Any, ...]]:
        """Lots whose `remaining` is not the sum of their entries, whose `points` is not the
        sum of their accruals and positive adjustments, or whose remaining is negative:
        id, customer, remaining, points, entries' sum, accruals' sum."""
        led, lots = t.ledger, t.lots
        sums = _entry_sums(led.c.lot_id, where=led.c.lot_id.is_not(None))
        growing = sorted(EntryKind.lot_growing_kinds())  # accrual, adjustment
        gained = _entry_sums(led.c.lot_id, where=and_(led.c.lot_id.is_not(None),
                                                      led.c.kind.in_(growing)))
        got = func.coalesce(sums.c.points, 0)
        grew = func.coalesce(gained.c.points, 0)
        return self._rows(
            select(lots.c.id, lots.c.customer_id, lots.c.remaining, lots.c.points, got, grew)
            .outerjoin(sums, sums.c.lot_id == lots.c.id)
            .outerjoin(gained, gained.c.lot_id == lots.c.id)
            .where(or_(lots.c.remaining != got, lots.c.points != grew, lots.c.remaining < 0))
            .order_by(lots.c.id).limit(limit))

    def enrollments_off(self, limit: int) -> list[tuple[Any, ...]]:
        """Enrollments whose `debt` is not the sum of their entries with no lot or is above
        0, or whose `held` is not the sum of all their entries: id, customer, debt, entries
        with no lot, held, all entries."""
        led, e = t.ledger, t.enrollments
        sums = _entry_sums(led.c.enrollment_id, where=led.c.lot_id.is_(None))
        alls = _entry_sums(led.c.enrollment_id)
        got, every = func.coalesce(sums.c.points, 0), func.coalesce(alls.c.points, 0)
        return self._rows(
            select(e.c.id, e.c.customer_id, e.c.debt, got, e.c.held, every)
            .outerjoin(sums, sums.c.enrollment_id == e.c.id)
            .outerjoin(alls, alls.c.enrollment_id == e.c.id)
            .where(or_(e.c.debt != got, e.c.debt > literal_column("0"), e.c.held != every))
            .order_by(e.c.id).limit(limit))

    def totals_off(self, limit: int) -> list[tuple[Any, ...]]:
        """The (enrollment, kind) sums of the ledger that `enrollment_totals` misses or gets
        wrong (points or latest date): enrollment, kind, points, last date, cached points
        (none: missing), cached date."""
        led, tot = t.ledger, t.enrollment_totals
        sums = (select(led.c.enrollment_id, led.c.kind, func.sum(led.c.points).label("points"),
                       func.max(led.c.date).label("last_on"))
                .group_by(led.c.enrollment_id, led.c.kind).subquery())
        joined = sums.outerjoin(tot, and_(tot.c.enrollment_id == sums.c.enrollment_id,
                                          tot.c.kind == sums.c.kind))
        return self._rows(
            select(sums.c.enrollment_id, sums.c.kind, sums.c.points, sums.c.last_on,
                   tot.c.points, tot.c.last_on).select_from(joined)
            .where(or_(tot.c.points.is_(None), tot.c.points != sums.c.points,
                       tot.c.last_on != sums.c.last_on))
            .order_by(sums.c.enrollment_id, sums.c.kind).limit(limit))

    def totals_orphans(self, limit: int) -> list[tuple[Any, ...]]:
        """`enrollment_totals` rows with no entry of their kind: enrollment, kind, points."""
        led, tot = t.ledger, t.enrollment_totals
        has_entries = select(led.c.id).where(and_(led.c.enrollment_id == tot.c.enrollment_id,
                                                  led.c.kind == tot.c.kind)).exists()
        return self._rows(
            select(tot.c.enrollment_id, tot.c.kind, tot.c.points).where(~has_entries)
            .order_by(tot.c.enrollment_id, tot.c.kind).limit(limit))

    def memos_off(self, limit: int) -> list[tuple[Any, ...]]:
        """Credit memos whose `remaining` is not the amount less the uses (restores count
        negative), or lies outside 0..amount: id, customer, amount, remaining, uses (cents)."""
        m, u = t.credit_memos, t.credit_memo_uses
        used = (select(u.c.memo_id, func.sum(_cents(u.c.amount)).label("cents"))
                .group_by(u.c.memo_id).subquery())
        spent = func.coalesce(used.c.cents, 0)
        amount, remaining = _cents(m.c.amount), _cents(m.c.remaining)
        return self._rows(
            select(m.c.id, m.c.customer_id, amount, remaining, spent)
            .outerjoin(used, used.c.memo_id == m.c.id)
            .where(or_(remaining != amount - spent, remaining < 0, remaining > amount))
            .order_by(m.c.id).limit(limit))

    def unbalanced_entries(self, limit: int) -> list[tuple[Any, ...]]:
        """G1: journal entries whose debits are not their credits: id, kind, debits,
        credits (cents)."""
        jp, je = t.journal_postings, t.journal_entries
        debit, credit = func.sum(_cents(jp.c.debit)), func.sum(_cents(jp.c.credit))
        return self._rows(
            select(jp.c.entry_id, je.c.kind, debit, credit)
            .join(je, je.c.id == jp.c.entry_id)
            .group_by(jp.c.entry_id, je.c.kind).having(debit != credit)
            .order_by(jp.c.entry_id).limit(limit))

    def identity_off(self, limit: int) -> list[tuple[Any, ...]]:
        """L3: enrollments whose holdings (live lots plus debt) are not the signed sum of
        their earned, adjusted, used, expired and forfeited entries, whose debt payoffs do
        not net to 0, or with entries of unknown kinds: id, customer, held, earned,
        adjusted, used, expired, forfeited, payoffs, unknown."""
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
        return self._rows(
            select(e.c.id, e.c.customer_id, held, earned, adjusted, used, expired, forfeited,
                   payoff, unknown)
            .outerjoin(held_lots, held_lots.c.enrollment_id == e.c.id)
            .outerjoin(flows, flows.c.enrollment_id == e.c.id)
            .where(or_(held != rights, payoff != zero, unknown != zero))
            .order_by(e.c.id).limit(limit))

    def campaigns_given(self) -> list[tuple[Any, ...]]:
        """Every campaign: id, program, `given`."""
        c = campaigns
        return self._rows(select(c.c.id, c.c.program_id, c.c.given).order_by(c.c.id))

    def rates_naming(self, text: str) -> Iterator[Any]:
        """The rates frozen at accrual (JSON) that mention `text`, as stored: each invoice's
        own, or, for an invoice earning in several programs (E1 `many`), its shares'
        (`invoice_earnings`; the invoice keeps a copy of the first, not counted again).
        Streamed: only invoices with such extras are read."""
        inv, ie = t.invoices, t.invoice_earnings
        pattern = f"%{text}%"
        shared = select(ie.c.invoice_id).where(ie.c.invoice_id == inv.c.id).exists()
        own = select(inv.c.rate).where(~shared, cast(inv.c.rate, String).like(pattern))
        shares = select(ie.c.rate).where(cast(ie.c.rate, String).like(pattern))
        for stmt in (own, shares):
            for row in self.conn.execute(stmt.execution_options(yield_per=1000)):
                yield row[0]


    def points_journal(self, worth: Mapping[str, Fraction], scale: int,
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
        owed = outstanding * _by_program(worth, lambda w: w.numerator)
        if any(w.denominator > 1 for w in worth.values()):
            owed = _round_half_up(owed, _by_program(worth, lambda w: w.denominator))
        first = held.c.nth == 1
        ledger = (select(e.c.customer_id.label("customer"), held.c.kind.label("kind"),
                         zero.label("journal"),
                         (held.c.points * _by_program(worth, lambda w: w.numerator * (scale // w.denominator)))
                         .label("ledger"),
                         held.c.entries.label("entries"),
                         _by_program(worth, lambda w: 1 if w.denominator > 1 else 0).label("subcent"),
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
        return _tuples(self.conn.execute(
            select(w.c.customer, w.c.kind, w.c.journal, w.c.ledger, w.c.entries, w.c.subcent,
                   w.c.points, w.c.journal_total, w.c.owed_total, w.c.held_total,
                   case((kind_bad, one), else_=zero), case((owed_bad, one), else_=zero))
            .where(or_(kind_bad, owed_bad))
            .order_by(w.c.customer, w.c.kind).limit(limit)
        ))

    def bank_enrollments(self, customers: Iterable[str | None],
                         banks: Iterable[str]) -> list[tuple[Any, ...]]:
        """The points-bank enrollments of these customers, to name them in a fault: customer,
        enrollment id, program, status."""
        e = t.enrollments
        wanted = sorted({c for c in customers if c is not None})
        if not wanted:
            return []
        return _tuples(self.conn.execute(
            select(e.c.customer_id, e.c.id, e.c.program_id, e.c.status)
            .where(and_(e.c.customer_id.in_(wanted), e.c.program_id.in_(sorted(banks))))
            .order_by(e.c.customer_id, e.c.id)
        ))

    def store_credit_journal(self, limit: int) -> list[tuple[Any, ...]]:
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
        return self._disagreeing(w, w.c.kind, w.c.memo_status,
                                 w.c.journal != w.c.expected, limit)

    def coupon_journal(self, limit: int) -> list[tuple[Any, ...]]:
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
        return self._disagreeing(w, w.c.family, w.c.coupon_status,
                                 and_(w.c.entries_total > 0, w.c.journal != w.c.expected), limit)

    def _disagreeing(self, w: Any, group: Any, status: Any, kind_bad: Any,
                     limit: int) -> list[tuple[Any, ...]]:
        """The rows of `w` (per reference and `group`, with the reference's totals on its
        first row, `nth` 1) where `kind_bad` holds or the journal's total is not what is
        owed: reference, group, customer, journal, expected, journal total, owed, `status`,
        kind_bad, owed_bad (1 or 0)."""
        zero, one = _big(0), _big(1)
        owed_bad = and_(w.c.nth == 1, w.c.journal_total != w.c.owed_total)
        return self._rows(
            select(w.c.ref, group, w.c.customer, w.c.journal, w.c.expected, w.c.journal_total,
                   w.c.owed_total, status, case((kind_bad, one), else_=zero),
                   case((owed_bad, one), else_=zero))
            .where(or_(kind_bad, owed_bad))
            .order_by(w.c.ref, group).limit(limit))
