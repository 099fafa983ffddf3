"""`patronage check`: prove the books. Every cache equals the sum of the entries it caches,
every journal entry balances, and the balance identity L3 holds for every enrollment.

Caches checked: `lots.remaining` and `lots.points` (the lot's entries), `enrollments.debt`
(the entries with no lot) and `enrollments.held` (all its entries), `enrollment_totals`
(entries by kind, and the latest date), `credit_memos.remaining` (amount less uses), and
`campaigns.given` (the extras frozen on invoices' rates). Each check but the last is one
set-based query, so the whole ledger is proven in a few statements whatever its size.
Nothing is written.

The journal is held against the ledger (G1), not only entry by entry: the points liability
it books for each customer's points-bank enrollments equals the value of their outstanding
points, and kind by kind the value of the ledger's points of that kind; the store credit
liability of each credit memo equals what remains of it (0 once expired or cancelled), kind
by kind; the coupon liability of each coupon its amount while open (0 once used, expired
or cancelled), kind by kind. Every statement: `adapters/db/check_queries.py`, reached
through `tx.repo.checks()`; here, what each row that disagrees means.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import lcm
from typing import Any

from patronage.core.campaigns import SOURCE as CAMPAIGN
from patronage.core.earning import Rate
from patronage.core.programs import Program
from patronage.service.uow import Tx

# adapters/db/check_queries.py's `CheckQueries`, from `tx.repo.checks()`: every statement.
Queries = Any


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


def run(tx: Tx, limit: int = 1000) -> Report:
    """Every check, listing at most `limit` faults of each kind."""
    q = tx.repo.checks()
    faults: list[Fault] = []
    for check in (lots_match_entries, debts_match_entries, totals_match_entries,
                  memos_match_uses, journal_balances, identity_holds,
                  store_credit_matches_memos, coupons_match_journal,
                  campaigns_match_invoices):
        faults += check(q, limit)
    faults += points_journal_matches_ledger(q, limit, tx.repo.programs())
    return Report(faults, q.counted())


def lots_match_entries(q: Queries, limit: int) -> list[Fault]:
    """`lots.remaining` is the sum of the lot's entries; `lots.points` of its accruals and
    positive adjustments; remaining is never negative."""
    rows = q.lots_off(limit)
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


def debts_match_entries(q: Queries, limit: int) -> list[Fault]:
    """`enrollments.debt` is the sum of the entries with no lot (L5), and never above 0;
    `enrollments.held` is the sum of all its entries."""
    rows = q.enrollments_off(limit)
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


def totals_match_entries(q: Queries, limit: int) -> list[Fault]:
    """`enrollment_totals` holds, per enrollment and kind, the sum and the latest date."""
    missing_or_wrong = q.totals_off(limit)
    out = [
        Fault("totals", f"enrollment {eid} kind {kind}",
              f"cached {cached if cached is not None else 'nothing'} (last {cached_on}), "
              f"entries sum to {points} (last {last_on})")
        for eid, kind, points, last_on, cached, cached_on in missing_or_wrong
    ]
    orphans = q.totals_orphans(limit)
    out += [Fault("totals", f"enrollment {eid} kind {kind}",
                  f"cached {points} but there are no entries of this kind")
            for eid, kind, points in orphans]
    return out


def memos_match_uses(q: Queries, limit: int) -> list[Fault]:
    """`credit_memos.remaining` is the amount less its uses (restores count negative), and
    lies between 0 and the amount."""
    rows = q.memos_off(limit)
    return [
        Fault("credit_memo_remaining", f"credit memo {memo_id} of customer {customer}",
              f"remaining is {_money(rem)}, amount {_money(amt)} less uses {_money(spent_)} "
              f"is {_money(amt - spent_)}")
        for memo_id, customer, amt, rem, spent_ in rows
    ]


def journal_balances(q: Queries, limit: int) -> list[Fault]:
    """G1: every journal entry's debits equal its credits."""
    rows = q.unbalanced_entries(limit)
    return [Fault("journal", f"journal entry {eid} ({kind})",
                  f"debits {_money(d)} but credits {_money(c)}") for eid, kind, d, c in rows]


def identity_holds(q: Queries, limit: int) -> list[Fault]:
    """L3 for every enrollment: what it holds (pending + available, and expired points not
    yet written off: its live lots plus its debt) equals earned + adjusted - used - expired
    - forfeited from the ledger; debt payoffs net to zero; every entry has a known kind."""
    rows = q.identity_off(limit)
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


def _money(value_cents: int) -> str:
    sign = "-" if value_cents < 0 else ""
    whole, part = divmod(abs(int(value_cents)), 100)
    return f"{sign}{whole}.{part:02d}"


def point_worth(programs: list[Program]) -> dict[str, Fraction]:
    """Each points-bank program's point value in cents as a fraction (0.005 is 1/2)."""
    out = {}
    for p in programs:
        if p.kind == "points_bank" and p.point_value is not None and p.point_value > 0:
            out[p.id] = Fraction(p.point_value.scaleb(2))
    return out


def points_journal_matches_ledger(q: Queries, limit: int,
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
    scale = lcm(1, *(w.denominator for w in worth.values()))
    rows = q.points_journal(worth, scale, limit)
    named = _bank_enrollments(q, [r[0] for r in rows], worth)
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


def _bank_enrollments(q: Queries, customers: list[str | None],
                      worth: dict[str, Fraction]) -> dict[str | None, list[tuple[str, str]]]:
    named: dict[str | None, list[tuple[str, str]]] = {}
    for customer, eid, program, status in q.bank_enrollments(customers, worth):
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


def store_credit_matches_memos(q: Queries, limit: int) -> list[Fault]:
    """G1 for credit memos (journal entries referenced `memo:<id>`):

    - `store_credit_liability`: the liability the journal holds for a memo equals its
      remaining amount while open (or used up), 0 once expired or cancelled;
    - `store_credit_by_kind`: issue equals the amount, use the uses, restore the restored
      uses, expiry or cancel what remained then."""
    out = []
    for (ref, kind, customer, journal, expected, total, owed, status, kind_bad,
         owed_bad) in q.store_credit_journal(limit):
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


def coupons_match_journal(q: Queries, limit: int) -> list[Fault]:
    """G1 for coupons (journal entries referenced `coupon:<id>` on `coupon_liability`):

    - `coupon_liability`: the liability the journal holds for a coupon equals its amount
      while open, 0 once used (applied and forfeited), expired or cancelled;
    - `coupon_by_kind`: issue equals the amount, the sale's settlement (use and forfeit, less
      a void's restore) the amount once used, expiry or cancel the amount once ended; for
      every coupon with journal entries (coupons closed before coupons were journalled have
      none, and owe nothing)."""
    out = []
    for (ref, family, customer, journal, expected, total, owed, status, kind_bad,
         owed_bad) in q.coupon_journal(limit):
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


def campaigns_match_invoices(q: Queries, limit: int) -> list[Fault]:
    """K5: a campaign's `given` is the sum of the extras it gave (source "campaign:<id>")
    as frozen on the invoices' rates at accrual; returns and voids give none back (K6)."""
    recorded: Counter[str] = Counter()
    for data in q.rates_naming(CAMPAIGN):
        for x in Rate.from_json(data).extras:
            if x.source.startswith(CAMPAIGN):
                recorded[x.source[len(CAMPAIGN):]] += x.points
    out = []
    for campaign_id, program, given in q.campaigns_given():
        total = recorded.pop(campaign_id, 0)
        if int(given) != total:
            out.append(Fault("campaign_given", f"campaign {campaign_id} of program {program}",
                             f"given is {given}, the extras it gave on invoices sum to "
                             f"{total}"))
    out += [Fault("campaign_given", f"campaign {campaign_id}",
                  f"no such campaign, but extras it gave on invoices sum to {total}")
            for campaign_id, total in sorted(recorded.items())]
    return out[:limit]


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
