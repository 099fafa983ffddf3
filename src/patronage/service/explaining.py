"""Why a cart or an invoice earns what it does, and what an unpaid one will earn (issue 21
items 9 and 12): the customer, enrollment and lines read here, the reasons worked out by
core/explain.py. Read-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from patronage.core.earning import (
    Earning,
    Extra,
    Line,
    Rate,
    Sale,
    eligible_amount,
    line_eligible,
    rate_for,
)
from patronage.core.errors import not_found
from patronage.core.explain import NEVER_EARNS, Accrual, Earner, SaleWhy, accrual, explain_sale
from patronage.core.money import share
from patronage.service import bonuses
from patronage.service.ports import Row, Rows
from patronage.service.uow import Tx


def earner(tx: Tx, customer_id: str | None, enrollment: Row | None) -> Earner:
    """What A1 asks of this customer in the program of `enrollment`."""
    if customer_id is None:
        return Earner(program=None, has_customer=False)
    customer = tx.repo.customer(customer_id)
    status = customer["status"] if customer else None
    program = tx.repo.program(enrollment["program_id"]) if enrollment else None
    return Earner(program=program, enrolled_on=enrollment["start_date"] if enrollment else None,
                  status=status, status_included=tx.repo.status_included(status))


def answer(why: SaleWhy, due: Accrual) -> dict[str, Any]:
    """The `explain` and `explain_notes` of a quote or an invoice."""
    notes = list(why.notes) + ([due.note] if due.note and why.points else [])
    return {"explain": [x.to_json() for x in why.lines], "explain_notes": notes}


def explain_cart(tx: Tx, customer_id: str | None, enrollment: Row | None, sale: Sale,
                 lines: Sequence[Line], loyalty_discount: Decimal, due: Accrual) -> dict[str, Any]:
    who = earner(tx, customer_id, enrollment)
    extras = would_give(tx, who, enrollment, sale, lines, None, loyalty_discount)
    return answer(explain_sale(who, sale, lines, loyalty_discount, extras=extras), due)


def would_give(tx: Tx, who: Earner, enrollment: Row | None, sale: Sale,
               lines: Sequence[Line], left: Sequence[Decimal] | None,
               loyalty_discount: Decimal) -> tuple[tuple[Extra, int], ...]:
    """B1 (issue 23): the extras a sale not yet accrued would get now (tier, campaigns), as
    a quote asks for them: nothing reserved, no lock."""
    program = who.program
    if program is None or enrollment is None:
        return ()
    amounts = list(left) if left is not None else [x.amount for x in lines]
    earns = [line_eligible(program, sale, x) for x in lines]
    eligible = eligible_amount(list(zip(amounts, earns, strict=True)), loyalty_discount)
    if eligible <= 0:
        return ()
    found = Earning(sale, tuple(lines), tuple(amounts), tuple(earns), eligible,
                    rate_for(program, sale))
    rate = bonuses.rate_with_extras(tx, enrollment, program, found, quote=True)
    return rate.kept_extras(eligible)


def given(tx: Tx, inv: Row, enrollment: Row | None,
          eligible: Decimal) -> tuple[tuple[Extra, int], ...]:
    """B1 (issue 23): the extras frozen on an accrued invoice's rate (in the enrollment's
    program with E1 `many`), each as much as it keeps on the eligible amount left."""
    stored = inv["rate"] if enrollment is None or inv["enrollment_id"] == enrollment["id"] \
        else None
    if stored is None and enrollment is not None:
        stored = next((e["rate"] for e in tx.repo.invoice_earnings(inv["id"])
                       if e["enrollment_id"] == enrollment["id"]), None)
    rate = Rate.from_json(stored)
    return rate.kept_extras(eligible) if rate.extras else ()


def enrollment_of(tx: Tx, inv: Row) -> Row | None:
    """The enrollment the invoice accrued in, else its customer's open one."""
    if inv["enrollment_id"] is not None:
        return tx.repo.enrollment(inv["enrollment_id"])
    if inv["customer_id"] is not None:
        return tx.repo.open_enrollment(inv["customer_id"])
    return None


def posted(tx: Tx, inv: Row, enrollment: Row | None
           ) -> tuple[Earner, Sale, list[Line], list[Decimal], Accrual]:
    """A posted invoice as core/explain.py reads it: its customer in `enrollment`, its lines
    less what was returned, and its payments so far."""
    who = earner(tx, inv["customer_id"], enrollment)
    sale = Sale(date=inv["converted_on"] or inv["date"], type=inv["type"], store=inv["store_id"],
                job_type=inv["job_type"])
    rows = tx.repo.invoice_lines(inv["id"])
    lines = [Line(sku=x["sku"], item_type=x["item_type"], qty=x["qty"], price=x["price"],
                  discount=x["discount"], product_line=x["product_line"],
                  sub_department=x["sub_department"], vendor=x["vendor"],
                  manufacturer=x["manufacturer"]) for x in rows]
    left = [x["amount"] - share(x["amount"], x["returned_qty"], x["qty"]) if x["returned_qty"]
            else x["amount"] for x in rows]
    tenders = [p["tender"] for p in tx.repo.payments_of(inv["id"])]
    due = accrual(who.program, inv["paid"] + inv["returned_value"], inv["total"], tenders)
    return who, sale, lines, left, due


def explain_invoice(tx: Tx, inv: Row) -> dict[str, Any]:
    """A posted invoice explained with the program and the customer's status as they are
    now; `points` is what the invoice earned (or will earn, once paid in full)."""
    enrollment = enrollment_of(tx, inv)
    who, sale, lines, left, due = posted(tx, inv, enrollment)
    why = explain_sale(who, sale, lines, inv["loyalty_discount"], left)
    if inv["accrued"]:  # B1: the tier's and campaigns' points frozen on it
        extras = given(tx, inv, enrollment, why.eligible_amount)
    else:
        extras = would_give(tx, who, enrollment, sale, lines, left, inv["loyalty_discount"])
    if extras:
        why = explain_sale(who, sale, lines, inv["loyalty_discount"], left, extras)
    out = answer(why, due)
    if inv["status"] == "voided":
        out["explain_notes"].append("the invoice was voided: its points were reversed (R3)")
    return out


def points_earnable(tx: Tx, inv: Row) -> int:
    """Seed 003's "Total Earnable Loyalty Points": what the invoice earns once paid in full
    (its points, when it has accrued; 0 when voided or when it never will)."""
    if inv["accrued"]:
        return int(inv["points"])
    if inv["status"] != "posted" or inv["customer_id"] is None or inv["type"] in NEVER_EARNS:
        return 0  # what a post answers for a walk-in sale: no more statements
    enrollment = enrollment_of(tx, inv)
    if enrollment is None:
        return 0
    who, sale, lines, left, due = posted(tx, inv, enrollment)
    if not due.ever:
        return 0
    extras = would_give(tx, who, enrollment, sale, lines, left, inv["loyalty_discount"])
    return explain_sale(who, sale, lines, inv["loyalty_discount"], left, extras).points


def every_invoice(tx: Tx) -> Rows:
    """Every invoice on the books, in posting order (the "try it" page's small test shop)."""
    return tx.repo.invoices_in_order()


def explain_by_id(tx: Tx, invoice_id: str, store: int | None = None) -> dict[str, Any]:
    """`explain_invoice` of the invoice a POS knows by its id (the console's invoice page)."""
    inv = tx.repo.find_invoice(invoice_id, store)
    if inv is None:
        raise not_found("invoice", invoice_id, "invoice")
    return explain_invoice(tx, inv)
