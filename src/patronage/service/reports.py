"""Back-office reports (G2), the journal export (G1) and the console's look-ups.

Every function takes a `Tx` (run it with `Patronage.read`) and answers plain rows: dicts
whose keys are the CSV columns, in order. Points are ints, money exact Decimals. Balances
here come from the lot and debt caches, read as of a day (L1), so a lot whose expiry date
has passed counts as expired even before the daily run writes it off.

Each report loads its sums through `tx.repo` (adapters/db/read_queries.py) and asks
core/reporting.py (G2) for the rows and their figures.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from patronage.core import money, reporting
from patronage.core.errors import not_found
from patronage.core.journal import POINTS_LIABILITY
from patronage.core.reporting import Valuation
from patronage.service import ledger, memberships
from patronage.service.uow import Tx

Row = dict[str, Any]
# The console's report pages sum with these (G2's, decided in core/reporting.py).
totals_by_program = reporting.totals_by_program
expiring_totals = reporting.expiring_totals
ZERO = money.ZERO


def _valuations(tx: Tx) -> dict[str, Valuation]:
    """G2: what each program's points are worth (core/reporting.py `Valuation`)."""
    return {r["id"]: Valuation(r["kind"], r["point_value"]) for r in tx.repo.program_rows()}


def _known_program(tx: Tx, program: str | None) -> None:
    """A report's program filter names a program (`not_found` else: an empty report for a
    typo would read as "nobody holds points")."""
    if program and tx.repo.program(program) is None:
        raise not_found("program", program, "program")


# --- customer balances per program (seed 003's CU50) ---------------------------------------
def customer_balances(tx: Tx, as_of: dt.date | None = None, program: str | None = None,
                      include_zero: bool = False, limit: int | None = None) -> list[Row]:
    """G2: open enrollments with pending, available, value and points expiring within 30
    days (core/reporting.py `balance_rows`)."""
    _known_program(tx, program)
    day = as_of or tx.day
    valuations = _valuations(tx)
    return reporting.balance_rows(tx.repo.balance_sums(day, reporting.soon(day), program),
                                  valuations, include_zero, limit)


# --- store credit liability by reason (seed 001's account credit liability report) ---------
def credit_liability(tx: Tx, as_of: dt.date | None = None) -> list[Row]:
    """G2: open credit memos' remaining amounts, summed per reason with the reason's
    account."""
    return [reporting.liability_row(r) for r in tx.repo.credit_liability_by_reason()]


def credit_memos_open(tx: Tx, reason: str | None = None) -> list[Row]:
    """Each open credit memo with its customer: the detail behind `credit_liability`."""
    return [reporting.open_memo_row(r) for r in tx.repo.open_credit_memos(reason)]


# --- awards issued ------------------------------------------------------------------------
def awards_issued(tx: Tx, start: dt.date, end: dt.date, program: str | None = None) -> list[Row]:
    """G2: awards dated in [start, end], with what each gave."""
    return [reporting.award_row(r) for r in tx.repo.awards_dated(start, end, program)]


# --- points earned, used, expired per month, and the liability over time -----------------
def points_by_month(tx: Tx, start: dt.date, end: dt.date,
                    program: str | None = None) -> list[Row]:
    """G2: per month of [start, end]: points earned, adjusted, used, expired, forfeited,
    the points outstanding at the month's end, and the points liability account then
    (money; None for one program's report)."""
    _known_program(tx, program)
    day_sums = tx.repo.points_by_day_and_kind(end, program)
    liability = None if program else reporting.balance_by_month(
        start, end, tx.repo.postings_to(POINTS_LIABILITY, end))
    return reporting.points_by_month(start, end, day_sums, liability)


# --- what expires in the next 30, 60 and 90 days -------------------------------------------
def expiring(tx: Tx, as_of: dt.date | None = None, program: str | None = None) -> list[Row]:
    """G2: per customer, points whose lots expire within 30, 31-60 and 61-90 days of
    `as_of` (core/reporting.py `expiring_rows`)."""
    _known_program(tx, program)
    day = as_of or tx.day
    lots = tx.repo.lots_expiring_between(day, reporting.expiry_window_end(day), program)
    return reporting.expiring_rows(day, lots, _valuations(tx))


# --- journal export (G1) --------------------------------------------------------------------
def journal_lines(tx: Tx, start: dt.date, end: dt.date) -> list[Row]:
    """Every posting of the journal entries dated in [start, end], entry by entry.

    Columns: date, account, debit, credit, memo, reference, entry. `reference` is the
    entry's own reference (a memo, invoice or adjustment), or `JE-<id>` when it has none;
    `entry` groups the postings of one balanced entry.
    """
    out = []
    for r in tx.repo.journal_postings_between(start, end):
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
    return [dict(r) for r in tx.repo.newest_entries_of(customer_id, limit)]


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
    return [dict(r) for r in tx.repo.enrollments_newest_first(customer_id)]


def maintenance_log(tx: Tx, limit: int = 50) -> list[Row]:
    return [dict(r) for r in tx.repo.maintenance_runs_newest_first(limit)]


def outbox(tx: Tx, status: str | None = None, limit: int = 200,
           channel: str | None = None, ids: list[int] | None = None,
           after_id: int | None = None) -> list[Row]:
    """Outbox messages, newest first."""
    return [dict(r) for r in tx.repo.outbox_messages(status=status, limit=limit,
                                                     channel=channel, ids=ids,
                                                     after_id=after_id)]


def shop_lists(tx: Tx) -> Row:
    """The shop's settings and every list the set-up page edits."""
    shop = dict(tx.repo.shop() or {"name": "Shop", "currency": "USD",
                                   "allow_credit_for_gift_cards": False})
    lists = tx.repo.setup_lists()
    return {"shop": shop, **{name: [dict(r) for r in rows] for name, rows in lists.items()}}


def dashboard(tx: Tx) -> Row:
    """Counts for the console's front page."""
    last = tx.repo.last_maintenance_run()
    return {**tx.repo.dashboard_counts(), "last_run": dict(last) if last else None}


def customers_by_ids(tx: Tx, ids: list[str]) -> list[Row]:
    """The preview rows of a batch: id, name, type, status and current program, in order."""
    found = {r["id"]: dict(r) for r in tx.repo.customers_with_open_program(ids)}
    return [found.get(i, {"id": i, "name": "", "email": None, "type": None, "status": None,
                          "program_id": None}) for i in ids]
