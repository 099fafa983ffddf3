"""Read-only views: balances, a customer's whole picture, invoices, journal totals."""

from __future__ import annotations

import dataclasses
import datetime as dt

from patronage.core.customers import CONTACT_FIELDS
from patronage.core.errors import not_found
from patronage.service import explaining, ledger, memberships
from patronage.service.enrollment import need_customer
from patronage.service.ports import Row
from patronage.service.uow import Tx
from patronage.service.views import (
    Balance,
    CouponView,
    CreditMemoView,
    CustomerView,
    Earned,
    InvoiceView,
)


def balance(tx: Tx, customer_id: str, as_of: dt.date | None = None,
            program: str | None = None, known: bool = False) -> Balance:
    """The customer's balance: of the open enrollment (with E1 `many`, the oldest), or of
    the one in `program` (`not_enrolled` when the customer is not in it). `known`: the
    caller has just read the customer (an invoice of theirs), so it is not looked up."""
    if not known:
        need_customer(tx, customer_id)
    day = as_of or tx.day
    if program is not None:
        enrollment = memberships.named_enrollment(tx, customer_id, program, "program")
    else:
        held = memberships.enrollments_for(tx, customer_id)
        enrollment = held[0] if held else None
    found = tx.repo.program(enrollment["program_id"]) if enrollment else None
    return ledger.balance(tx, enrollment, found, day)


def balance_by_program(tx: Tx, customer_id: str, as_of: dt.date | None = None,
                       program: str | None = None) -> tuple[Balance, list[Balance]]:
    """`balance` and `balances` read together (REST's balance answer, one transaction),
    each enrollment's figures worked out once."""
    each = balances(tx, customer_id, as_of)
    if program is None:
        return (each[0] if each else ledger.balance(tx, None, None, as_of or tx.day)), each
    top = next((b for b in each if b.program == program), None)
    if top is None:  # refused as `balance` refuses it: `not_enrolled` at `program`
        memberships.named_enrollment(tx, customer_id, program, "program")
        raise AssertionError("unreachable: named_enrollment refuses a program not held")
    return top, each


def balances(tx: Tx, customer_id: str, as_of: dt.date | None = None) -> list[Balance]:
    """E1 `many` (seed 003's "balances broken down per Loyalty Program"): one balance per
    open enrollment, oldest first (one or none with `one`)."""
    need_customer(tx, customer_id)
    day = as_of or tx.day
    return [ledger.balance(tx, e, tx.repo.program(e["program_id"]), day)
            for e in memberships.enrollments_for(tx, customer_id)]


def find_customers(tx: Tx, text: str = "", limit: int = 50) -> list[dict[str, object]]:
    """Customers whose id, name or email contains `text`, or whose card number is `text`."""
    return tx.repo.find_customers(text, limit)


def memo_view(m: Row) -> CreditMemoView:
    return CreditMemoView(id=m["id"], amount=m["amount"], remaining=m["remaining"],
                          reason=m["reason"], store=m["store_id"], issued_on=m["issued_on"],
                          expires=m["expires_on"], status=m["status"])


def coupon_view(c: Row) -> CouponView:
    return CouponView(id=c["id"], amount=c["amount"], issued_on=c["issued_on"],
                      expires=c["expires_on"], status=c["status"], applied=c["applied"],
                      forfeited=c["forfeited"])


def customer(tx: Tx, customer_id: str, as_of: dt.date | None = None) -> CustomerView:
    row = need_customer(tx, customer_id)
    each = balances(tx, customer_id, as_of)
    return CustomerView(
        id=row["id"], name=row["name"], email=row["email"], type=row["type"],
        status=row["status"], price_group=row["price_group"],
        balance=each[0] if each else ledger.balance(tx, None, None, as_of or tx.day),
        balances=each,
        credit_memos=[memo_view(m) for m in tx.repo.memos(customer_id)],
        coupons=[coupon_view(c) for c in tx.repo.coupons(customer_id)],
        notes=tx.repo.notes(customer_id),
        cards=[(c["number"], bool(c["active"])) for c in tx.repo.cards_of(customer_id)],
        **{name: row[name] for name in CONTACT_FIELDS},
    )


def invoice(tx: Tx, invoice_id: str, store: int | None = None) -> InvoiceView:
    inv = tx.repo.find_invoice(invoice_id, store)
    if inv is None:
        raise not_found("invoice", invoice_id, "invoice")
    return dataclasses.replace(invoice_view(inv, explaining.points_earnable(tx, inv)),
                               earned=earned_by_program(tx, inv))


def earned_by_program(tx: Tx, inv: Row) -> list[Earned]:
    """E1: the invoice's points per program: its shares (`many`), or its one enrollment."""
    if not inv["accrued"] or inv["enrollment_id"] is None:
        return []  # a share is written only with the accrual that sets these
    rows = tx.repo.invoice_earnings(inv["id"]) if memberships.many(tx) else []
    if rows:  # E1 `many` (an invoice posted before a switch back to `one` keeps `points`)
        return [Earned(r["program_id"], int(r["points"])) for r in rows]
    program = tx.repo.program_of(inv["enrollment_id"])
    return [] if program is None else [Earned(program, int(inv["points"]))]


def invoice_by_pk(tx: Tx, pk: int, with_balance: bool = False) -> InvoiceView:
    inv = tx.repo.invoice_by_pk(pk)
    if inv is None:
        raise not_found("invoice", pk)
    view = dataclasses.replace(invoice_view(inv, explaining.points_earnable(tx, inv)),
                               earned=earned_by_program(tx, inv))
    if with_balance and view.customer is not None:
        return dataclasses.replace(view, balance=balance(tx, view.customer, known=True))
    return view


def invoice_view(inv: Row, earnable: int | None = None) -> InvoiceView:
    receipt = []
    if inv["redeemed_rewards"]:
        receipt.append(("Redeemed Rewards", inv["redeemed_rewards"]))
    if inv["credit_applied"]:
        receipt.append(("Store Credit", inv["credit_applied"]))
    if inv["loyalty_discount"]:
        receipt.append(("Loyalty Discount", inv["loyalty_discount"]))
    return InvoiceView(
        id=inv["external_id"], store=inv["store_id"], customer=inv["customer_id"],
        date=inv["date"], type=inv["type"], status=inv["status"], subtotal=inv["subtotal"],
        loyalty_discount=inv["loyalty_discount"], tax=inv["tax"], total=inv["total"],
        redeemed_rewards=inv["redeemed_rewards"], credit_applied=inv["credit_applied"],
        paid=inv["paid"], eligible_amount=inv["eligible_amount"], points=inv["points"],
        accrued=bool(inv["accrued"]), receipt_lines=receipt, points_earnable=earnable,
    )
