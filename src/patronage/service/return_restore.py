"""R5 (issue 23 item 6): a return gives back its share of the points its invoice redeemed,
when the redeeming program has `return_restores_redemption`.

The share is `core.returns.points_back` of the returned lines' amount, cumulative over the
invoice's returns. The points go back to the lots the redemption took them from, the last
taken first, as `return_restore` entries (L3: they lower `used`, as a void's `restore`
does); a lot that has expired by the return date takes nothing back, and its share is not
moved to another lot (as R3 treats a void). The journal reverses the share of the
redemption's entry: debit the account the redemption credited, credit points liability.
A void later restores only what no return gave back (`given_back`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from patronage.core.entries import EntryKind
from patronage.core.returns import fill, points_back
from patronage.service import ledger
from patronage.service.ports import Row
from patronage.service.uow import Tx

KIND = EntryKind.RETURN_RESTORE


def give_back(tx: Tx, inv: Row, lines_amount: Decimal, before: Decimal,
              after: Decimal, day: dt.date, ref: str) -> int:
    """R5 for a return of the lines worth `before` to `after` (returned so far, this return
    included) of the invoice's `lines_amount`; returns the points given back."""
    redeemed = tx.repo.entries(invoice_id=inv["id"], kind=EntryKind.REDEMPTION)
    by_enrollment: dict[int, list[Row]] = {}
    for e in redeemed:
        by_enrollment.setdefault(e["enrollment_id"], []).append(e)
    back = 0
    for eid, entries in by_enrollment.items():
        back += _give_back_in(tx, inv, eid, entries, lines_amount, before, after, day, ref)
    return back


def _give_back_in(tx: Tx, inv: Row, enrollment_id: int, entries: list[Row],
                  lines_amount: Decimal, before: Decimal, after: Decimal, day: dt.date,
                  ref: str) -> int:
    enrollment = tx.repo.enrollment(enrollment_id)
    if enrollment is None or enrollment["status"] != "open":
        return 0  # closed: its points were forfeited (E2), nothing to give back into
    program = tx.repo.program(enrollment["program_id"])
    if program is None or not program.return_restores_redemption:
        return 0
    last_first = sorted(entries, key=lambda e: e["id"], reverse=True)
    takes = [-int(e["points"]) for e in last_first]
    redeemed = sum(takes)
    done = points_back(redeemed, lines_amount, Decimal(0), before)  # by earlier returns
    now = points_back(redeemed, lines_amount, Decimal(0), after)
    back = 0
    for e, then, later in zip(last_first, fill(takes, done), fill(takes, now), strict=True):
        points = later - then
        lot = tx.repo.lot(e["lot_id"]) if e["lot_id"] is not None else None
        if points <= 0 or lot is None or \
                (lot["expires_on"] is not None and lot["expires_on"] <= day):
            continue  # an expired lot takes nothing back (R3's rule for voids)
        tx.repo.entry(enrollment, day, KIND, points, lot["id"], tx.now,
                      invoice_id=inv["id"], ref=ref)
        back += points
    if back:
        ledger.book_points(tx, program, day, KIND, back, enrollment["customer_id"], ref,
                           counter=redemption_account(tx, inv, program.report_in_sale_code),
                           enrollment_id=enrollment["id"])
    return back


def redemption_account(tx: Tx, inv: Row, fallback: str | None) -> str:
    """The account the invoice's redemption credited (G1: the report-in sale code as it
    was then), read from its journal entry; else the program's code now."""
    account = tx.repo.redemption_credit_account(f"invoice {inv['external_id']}",
                                                inv["customer_id"])
    return account if account is not None else fallback or "rewards_redeemed"


def given_back(tx: Tx, invoice_id: int) -> dict[int | None, int]:
    """Points returns have given back so far to each lot, of this invoice's redemption."""
    out: dict[int | None, int] = {}
    for e in tx.repo.entries(invoice_id=invoice_id, kind=KIND):
        out[e["lot_id"]] = out.get(e["lot_id"], 0) + int(e["points"])
    return out
