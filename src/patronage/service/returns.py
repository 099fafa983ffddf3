"""Returns and voids (R1-R4): points recomputed on what is kept, rewards restored,
awards cancelled when their credit is untouched.

The rules are `core.returns`; here each command loads the invoice, its lines and what it
spent, asks the core what to take or give back, and writes it: ledger entries (taken by
`ledger.debit`: own lot first, then L2, then debt), the lines' returned quantities, memo
uses, coupons and journal entries (G1).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from patronage.core import journal
from patronage.core import returns as rules
from patronage.core.documents import is_repeat
from patronage.core.earning import Rate
from patronage.core.entries import EntryKind
from patronage.core.errors import PatronageError, Problem
from patronage.core.money import ZERO
from patronage.service import awards, ledger, memberships, return_restore
from patronage.service.dates_window import check_date
from patronage.service.inputs import ReturnIn, VoidIn, parse
from patronage.service.invoices import (
    body_hash,
    hold_invoice,
    need_invoice,
    not_voided,
    sum_up_shares,
    try_accrue,
    validate_refs,
)
from patronage.service.ports import Row, Rows
from patronage.service.uow import Tx


def sold_lines(rows: Rows) -> list[rules.SoldLine]:
    """An invoice's stored lines as the core reads them."""
    return [rules.SoldLine(line_no=x["line_no"], sku=x["sku"], qty=x["qty"],
                           returned_qty=x["returned_qty"], amount=x["amount"],
                           eligible=bool(x["eligible"])) for x in rows]


def take_back(tx: Tx, inv: Row, new_points: int, day: dt.date, ref: str) -> int:
    """R1: take the points an invoice no longer earns; own lot first, then L2, then debt."""
    return take_share_back(tx, inv["id"], inv["enrollment_id"], inv["lot_id"],
                           rules.points_to_take(inv["points"], new_points), day, ref)


def take_share_back(tx: Tx, invoice_id: int, enrollment_id: int | None, lot_id: int | None,
                    diff: int, day: dt.date, ref: str) -> int:
    """R1 in one enrollment: `diff` points, from the invoice's own lot first."""
    if diff <= 0 or enrollment_id is None:
        return 0
    enrollment = tx.repo.enrollment(enrollment_id)
    if enrollment is None or enrollment["status"] != "open":
        return 0  # the enrollment was closed and its points forfeited already
    program = tx.repo.program(enrollment["program_id"])
    ledger.debit(tx, enrollment, diff, day, EntryKind.REVERSAL, first_lot=lot_id,
                 invoice_id=invoice_id, ref=ref)
    if program is not None:
        ledger.book_points(tx, program, day, EntryKind.REVERSAL, -diff,
                           enrollment["customer_id"], ref, enrollment_id=enrollment["id"])
    return diff


def post_return(tx: Tx, body: Any) -> dict[str, Any]:
    b: ReturnIn = parse(ReturnIn, body)
    check_date(tx, b.date)
    day = b.date or tx.day
    digest = body_hash(b)
    known = tx.repo.find_return(b.store, b.id)
    if known is None:
        validate_refs(tx, b.store, b.customer)  # locks the customer named
        sold = tx.repo.find_invoice(b.invoice, None) if b.invoice is not None else None
        if sold is not None and (b.customer is None or sold["customer_id"] in (None, b.customer)):
            hold_invoice(tx, sold)  # its customer, or itself (another's is refused below)
        known = tx.repo.find_return(b.store, b.id)  # a twin committed while we waited
    if known is not None and is_repeat("return", b.id, known["body_hash"], digest):
        return {"return": b.id, "amount": known["amount"], "points_taken": known["points_taken"],
                "customer": known["customer_id"]}
    invoice_id = None
    if b.invoice is not None:
        amount, taken, inv = _against_invoice(tx, b, day)
        invoice_id, customer = inv["id"], inv["customer_id"]
    else:
        amount, taken = _without_invoice(tx, b, day)
        customer = b.customer
    tx.repo.insert_return(
        {"store_id": b.store, "external_id": b.id, "invoice_id": invoice_id,
         "customer_id": customer, "date": day,
         "amount": amount, "points_taken": taken, "body_hash": digest},
        [{"line_no": i, "sku": x.sku, "qty": x.qty, "price": x.price, "item_type": x.item_type}
         for i, x in enumerate(b.lines)],
    )
    return {"return": b.id, "amount": amount, "points_taken": taken, "customer": customer}


def _against_invoice(tx: Tx, b: ReturnIn,
                     day: dt.date) -> tuple[Decimal, int, Row]:
    """R1 against the sold invoice, which `post_return` has held already; returns the
    amount, the points taken and the invoice as read under the lock."""
    inv = need_invoice(tx, b.invoice or "", None)
    not_voided(inv)
    if b.customer is not None and inv["customer_id"] not in (None, b.customer):
        raise PatronageError("invalid", "the return's customer is not the invoice's",
                             [Problem("customer", f"invoice belongs to {inv['customer_id']}")])
    lines = sold_lines(tx.repo.invoice_lines(inv["id"]))
    taking = rules.take_lines(lines, [rules.ReturnedLine(r.sku, r.qty) for r in b.lines],
                              inv["tax"], inv["subtotal"])
    for line_no, returned_qty in taking.returned:
        tx.repo.set_returned_qty(inv["id"], line_no, returned_qty)
    amount = taking.amount
    tx.repo.update_invoice(inv["id"], returned_value=inv["returned_value"] + amount + taking.tax)
    return_restore.give_back(tx, inv, taking.lines_amount, taking.before, taking.after, day,
                             f"return against {inv['external_id']}")
    shares = tx.repo.invoice_earnings(inv["id"])
    if shares:  # E1 `many`: each program's share on what is kept, then any still due (R4)
        taken = _take_shares(tx, inv, shares, day, f"return against {inv['external_id']}")
        try_accrue(tx, inv["id"], day)
        return amount, taken, inv
    if not inv["accrued"]:
        try_accrue(tx, inv["id"], day)  # R4: what is kept may now be paid in full
        return amount, 0, inv
    new_points, kept = rules.points_kept(Rate.from_json(inv["rate"]), taking.applied(lines),
                                         inv["loyalty_discount"])
    taken = take_back(tx, inv, new_points, day, f"return against {inv['external_id']}")
    tx.repo.update_invoice(inv["id"], points=new_points, eligible_amount=kept)
    return amount, taken, inv


def _take_shares(tx: Tx, inv: Row, shares: Rows, day: dt.date, ref: str,
                 void: bool = False) -> int:
    """R1/R3 for an invoice that earned in several programs: each share recomputed with
    its own frozen rate and eligible lines on what is kept (0 for a void) and the
    difference taken in its enrollment."""
    lines = sold_lines(tx.repo.invoice_lines(inv["id"]))
    taken = 0
    for share_row in shares:
        new_points, eligible = rules.VOIDED if void else rules.points_kept(
            Rate.from_json(share_row["rate"]), lines, inv["loyalty_discount"],
            frozenset(share_row["lines"]))
        taken += take_share_back(tx, inv["id"], share_row["enrollment_id"], share_row["lot_id"],
                                 rules.points_to_take(share_row["points"], new_points), day,
                                 ref)
        tx.repo.update_invoice_earning(inv["id"], share_row["enrollment_id"], points=new_points,
                                       eligible_amount=eligible)
    sum_up_shares(tx, inv["id"])
    return taken


def _without_invoice(tx: Tx, b: ReturnIn, day: dt.date) -> tuple[Decimal, int]:
    """R2: the points the returned amount would earn today, taken by L2 then as debt."""
    customer, lines = rules.unlinked_lines(
        b.customer, [rules.ReturnedLine(r.sku, r.qty, r.price, r.item_type) for r in b.lines])
    amount = sum((x.amount for x in lines), ZERO)
    taken = 0
    for enrollment in memberships.enrollments_for(tx, customer):  # E1: one, or each of many
        program = tx.repo.program(enrollment["program_id"])
        if program is None:
            continue
        points = rules.unlinked_points(program, lines, day, b.store)
        if points > 0:
            ledger.debit(tx, enrollment, points, day, EntryKind.REVERSAL, ref=f"return {b.id}")
            ledger.book_points(tx, program, day, EntryKind.REVERSAL, -points, customer,
                               f"return {b.id}", enrollment_id=enrollment["id"])
        taken += points
    return amount, taken


def void_invoice(tx: Tx, body: Any) -> int:
    b: VoidIn = parse(VoidIn, body)
    check_date(tx, b.date)
    day = b.date or tx.day
    inv = hold_invoice(tx, need_invoice(tx, b.invoice, b.store))  # then read what it decides on
    if inv["status"] == "voided":
        return int(inv["id"])  # C5: a void is known by its invoice
    ref = f"void of {inv['external_id']}"
    _restore_spending(tx, inv, day, ref)
    shares = tx.repo.invoice_earnings(inv["id"])  # E1 `many`: each program's share
    for lot_id in [s["lot_id"] for s in shares] if shares else [inv["lot_id"]]:
        if lot_id is None:
            continue
        for award_id in dict.fromkeys(
            e["award_id"] for e in tx.repo.entries(lot_id=lot_id, kind=EntryKind.AWARD)
        ):
            awards.cancel_if_unused(tx, award_id, day)
    if shares:
        _take_shares(tx, inv, shares, day, ref, void=True)
    else:
        take_back(tx, inv, 0, day, ref)
    tx.repo.update_invoice(inv["id"], status="voided", voided_on=day, points=0)
    return int(inv["id"])


def _restore_spending(tx: Tx, inv: Row, day: dt.date, ref: str) -> None:
    """R3: give back rewards, credit and coupons the invoice spent, unless expired since
    (redeemed points less what returns gave back already, R5)."""
    returned = return_restore.given_back(tx, inv["id"])
    for e in tx.repo.entries(invoice_id=inv["id"], kind=EntryKind.REDEMPTION):
        lot = tx.repo.lot(e["lot_id"]) if e["lot_id"] else None
        enrollment = tx.repo.enrollment(e["enrollment_id"]) if lot is not None else None
        if lot is None or enrollment is None:
            continue
        points = rules.redemption_back(-e["points"], returned.get(e["lot_id"], 0),
                                       lot["expires_on"], day, enrollment["status"] == "open")
        if points <= 0:
            continue
        tx.repo.entry(enrollment, day, EntryKind.RESTORE, points, e["lot_id"], tx.now,
                      invoice_id=inv["id"], ref=ref)
        program = tx.repo.program(enrollment["program_id"])
        if program is not None:
            ledger.book_points(tx, program, day, EntryKind.RESTORE, points, inv["customer_id"],
                               ref, counter=program.report_in_sale_code or "rewards_redeemed")
    for use in tx.repo.memo_uses_of_invoice(inv["id"]):
        memo = tx.repo.memo(use["memo_id"])
        back = ZERO if memo is None else rules.memo_use_back(use["amount"], memo["status"],
                                                             memo["expires_on"], day)
        if memo is None or back <= 0:
            continue
        tx.repo.use_memo(memo, inv["id"], day, -back)
        tx.repo.journal(day, "credit_memo_restore",
                        journal.transfer(journal.RECEIVABLE, journal.STORE_CREDIT_LIABILITY,
                                         back), ref, f"memo:{memo['id']}",
                        inv["customer_id"])
    for c in tx.repo.coupons(inv["customer_id"]) if inv["customer_id"] else []:
        if rules.coupon_back(inv["id"], c["invoice_id"], c["status"], c["expires_on"], day):
            tx.repo.update_coupon(c["id"], status="open", invoice_id=None, applied=None,
                                  forfeited=None)
            tx.repo.journal(day, "coupon_restore",
                            journal.coupon_restore(awards.credit_account(tx, c["reason"]),
                                                   c["applied"] or ZERO, c["forfeited"] or ZERO),
                            ref, f"coupon:{c['id']}", inv["customer_id"])
