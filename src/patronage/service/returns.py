"""Returns and voids (R1-R4): points recomputed on what is kept, rewards restored,
awards cancelled when their credit is untouched.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import RowMapping

from patronage.core import journal
from patronage.core.earning import Line, Rate, Sale, line_eligible, rate_for
from patronage.core.earning import eligible_amount as eligible_of
from patronage.core.errors import PatronageError, Problem
from patronage.core.money import ZERO, prorate, share
from patronage.service import awards, ledger, memberships, return_restore
from patronage.service.dates_window import check_date
from patronage.service.inputs import ReturnIn, VoidIn, parse
from patronage.service.invoices import (
    body_hash,
    conflict,
    hold_invoice,
    need_invoice,
    not_voided,
    remaining_amounts,
    sum_up_shares,
    try_accrue,
    validate_refs,
)
from patronage.service.uow import Tx


def take_back(tx: Tx, inv: RowMapping, new_points: int, day: dt.date, ref: str) -> int:
    """R1: take the points an invoice no longer earns; own lot first, then L2, then debt."""
    return take_share_back(tx, inv["id"], inv["enrollment_id"], inv["lot_id"],
                           inv["points"] - new_points, day, ref)


def take_share_back(tx: Tx, invoice_id: int, enrollment_id: int | None, lot_id: int | None,
                    diff: int, day: dt.date, ref: str) -> int:
    """R1 in one enrollment: `diff` points, from the invoice's own lot first."""
    if diff <= 0 or enrollment_id is None:
        return 0
    enrollment = tx.repo.enrollment(enrollment_id)
    if enrollment is None or enrollment["status"] != "open":
        return 0  # the enrollment was closed and its points forfeited already
    program = tx.repo.program(enrollment["program_id"])
    ledger.debit(tx, enrollment, diff, day, "reversal", first_lot=lot_id,
                 invoice_id=invoice_id, ref=ref)
    if program is not None:
        ledger.book_points(tx, program, day, "reversal", -diff, enrollment["customer_id"], ref,
                           enrollment_id=enrollment["id"])
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
    if known is not None:
        if known["body_hash"] != digest:
            raise conflict("return", b.id)
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
                     day: dt.date) -> tuple[Decimal, int, RowMapping]:
    """R1 against the sold invoice, which `post_return` has held already; returns the
    amount, the points taken and the invoice as read under the lock."""
    inv = need_invoice(tx, b.invoice or "", None)
    not_voided(inv)
    if b.customer is not None and inv["customer_id"] not in (None, b.customer):
        raise PatronageError("invalid", "the return's customer is not the invoice's",
                             [Problem("customer", f"invoice belongs to {inv['customer_id']}")])
    lines = tx.repo.invoice_lines(inv["id"])
    left = {x["line_no"]: x["qty"] - x["returned_qty"] for x in lines}
    amount = ZERO
    for i, r in enumerate(b.lines):
        need = r.qty
        for x in lines:
            if x["sku"] != r.sku or need <= 0:
                continue
            take = min(left[x["line_no"]], need)
            if take > 0:
                gone = x["qty"] - left[x["line_no"]]  # returned so far, this return too
                left[x["line_no"]] -= take
                need -= take
                amount += prorate(x["amount"], x["qty"], gone, gone + take)
        if need > 0:
            raise PatronageError("return_exceeds_sale",
                                 f"returning {r.qty} of {r.sku} is more than was sold less returns",
                                 [Problem(f"lines.{i}.qty", "more than is left to return")])
    earlier = sum((share(x["amount"], x["returned_qty"], x["qty"]) for x in lines), ZERO)
    tax = prorate(inv["tax"], inv["subtotal"], earlier, earlier + amount)  # R4: by amount
    for x in lines:
        if left[x["line_no"]] != x["qty"] - x["returned_qty"]:
            tx.repo.set_returned_qty(inv["id"], x["line_no"], x["qty"] - left[x["line_no"]])
    tx.repo.update_invoice(inv["id"], returned_value=inv["returned_value"] + amount + tax)
    return_restore.give_back(tx, inv, sum((x["amount"] for x in lines), ZERO), earlier,
                             earlier + amount, day, f"return against {inv['external_id']}")
    shares = tx.repo.invoice_earnings(inv["id"])
    if shares:  # E1 `many`: each program's share on what is kept, then any still due (R4)
        taken = _take_shares(tx, inv, shares, day, f"return against {inv['external_id']}")
        try_accrue(tx, inv["id"], day)
        return amount, taken, inv
    if not inv["accrued"]:
        try_accrue(tx, inv["id"], day)  # R4: what is kept may now be paid in full
        return amount, 0, inv
    rate = Rate.from_json(inv["rate"])
    kept = eligible_of(remaining_amounts(tx.repo.invoice_lines(inv["id"])), inv["loyalty_discount"])
    new_points = rate.points(kept)
    taken = take_back(tx, inv, new_points, day, f"return against {inv['external_id']}")
    tx.repo.update_invoice(inv["id"], points=new_points, eligible_amount=kept)
    return amount, taken, inv


def _take_shares(tx: Tx, inv: RowMapping, shares: list[RowMapping], day: dt.date, ref: str,
                 void: bool = False) -> int:
    """R1/R3 for an invoice that earned in several programs: each share recomputed with
    its own frozen rate and eligible lines on what is kept (0 for a void) and the
    difference taken in its enrollment."""
    lines = tx.repo.invoice_lines(inv["id"])
    kept = remaining_amounts(lines)
    taken = 0
    for share_row in shares:
        if void:
            new_points, eligible = 0, ZERO
        else:
            own = set(share_row["lines"])
            eligible = eligible_of([(amount, x["line_no"] in own)
                                    for (amount, _), x in zip(kept, lines, strict=True)],
                                   inv["loyalty_discount"])
            new_points = Rate.from_json(share_row["rate"]).points(eligible)
        taken += take_share_back(tx, inv["id"], share_row["enrollment_id"], share_row["lot_id"],
                                 share_row["points"] - new_points, day, ref)
        tx.repo.update_invoice_earning(inv["id"], share_row["enrollment_id"], points=new_points,
                                       eligible_amount=eligible)
    sum_up_shares(tx, inv["id"])
    return taken


def _without_invoice(tx: Tx, b: ReturnIn, day: dt.date) -> tuple[Decimal, int]:
    """R2: the points the returned amount would earn today, taken by L2 then as debt."""
    if b.customer is None:
        raise PatronageError("invalid", "a return without an invoice needs a customer",
                             [Problem("customer", "required without invoice")])
    lines = []
    for i, r in enumerate(b.lines):
        if r.price is None:
            raise PatronageError("invalid", "a return without an invoice needs line prices",
                                 [Problem(f"lines.{i}.price", "required without invoice")])
        lines.append(Line(sku=r.sku, item_type=r.item_type, qty=r.qty, price=r.price))
    amount = sum((x.amount for x in lines), ZERO)
    sale = Sale(date=day, type="sale", store=b.store, job_type=None)
    taken = 0
    for enrollment in memberships.enrollments_for(tx, b.customer):  # E1: one, or each of many
        program = tx.repo.program(enrollment["program_id"])
        if program is None or program.status == "draft":
            continue
        points = rate_for(program, sale).points(
            eligible_of([(x.amount, line_eligible(program, sale, x)) for x in lines], ZERO))
        if points > 0:
            ledger.debit(tx, enrollment, points, day, "reversal", ref=f"return {b.id}")
            ledger.book_points(tx, program, day, "reversal", -points, b.customer,
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
            e["award_id"] for e in tx.repo.entries(lot_id=lot_id, kind="award")
        ):
            awards.cancel_if_unused(tx, award_id, day)
    if shares:
        _take_shares(tx, inv, shares, day, ref, void=True)
    else:
        take_back(tx, inv, 0, day, ref)
    tx.repo.update_invoice(inv["id"], status="voided", voided_on=day, points=0)
    return int(inv["id"])


def _restore_spending(tx: Tx, inv: RowMapping, day: dt.date, ref: str) -> None:
    """R3: give back rewards, credit and coupons the invoice spent, unless expired since
    (redeemed points less what returns gave back already, R5)."""
    returned = return_restore.given_back(tx, inv["id"])
    for e in tx.repo.entries(invoice_id=inv["id"], kind="redemption"):
        lot = tx.repo.lot(e["lot_id"]) if e["lot_id"] else None
        if lot is None or (lot["expires_on"] is not None and lot["expires_on"] <= day):
            continue
        enrollment = tx.repo.enrollment(e["enrollment_id"])
        if enrollment is None or enrollment["status"] != "open":
            continue
        points = -e["points"] - returned.get(e["lot_id"], 0)
        if points <= 0:
            continue
        tx.repo.entry(enrollment, day, "restore", points, e["lot_id"], tx.now,
                      invoice_id=inv["id"], ref=ref)
        program = tx.repo.program(enrollment["program_id"])
        if program is not None:
            ledger.book_points(tx, program, day, "restore", points, inv["customer_id"], ref,
                               counter=program.report_in_sale_code or "rewards_redeemed")
    for use in tx.repo.memo_uses_of_invoice(inv["id"]):
        memo = tx.repo.memo(use["memo_id"])
        if memo is None or memo["status"] in ("expired", "cancelled") or use["amount"] <= 0:
            continue
        if memo["expires_on"] is not None and memo["expires_on"] <= day:
            continue
        tx.repo.use_memo(memo, inv["id"], day, -use["amount"])
        tx.repo.journal(day, "credit_memo_restore",
                        journal.transfer(journal.RECEIVABLE, journal.STORE_CREDIT_LIABILITY,
                                         use["amount"]), ref, f"memo:{memo['id']}",
                        inv["customer_id"])
    for c in tx.repo.coupons(inv["customer_id"]) if inv["customer_id"] else []:
        live = c["expires_on"] is None or day < c["expires_on"]
        if c["invoice_id"] == inv["id"] and c["status"] == "used" and live:
            tx.repo.update_coupon(c["id"], status="open", invoice_id=None, applied=None,
                                  forfeited=None)
            tx.repo.journal(day, "coupon_restore",
                            journal.coupon_restore(awards.credit_account(tx, c["reason"]),
                                                   c["applied"] or ZERO, c["forfeited"] or ZERO),
                            ref, f"coupon:{c['id']}", inv["customer_id"])
