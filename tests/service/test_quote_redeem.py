"""Issue 21 item 12: a quote honours `redeem` (seed 003's "Use Loyalty Points" toggle) exactly
as posting the same invoice would, refuses what the post refuses, and shows the points an
unpaid order of a paid-in-full program will earn beside those earned so far."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from patronage.core.errors import PatronageError
from patronage.service.app import Patronage
from patronage.service.views import InvoiceView

from .support import CENTS, CLUB, make_shop, snapshot

CART: dict[str, Any] = {
    "id": "Q1", "customer": "C1", "store": 1, "tax": "24.00",
    "lines": [{"sku": "PADS", "qty": "2", "price": "150.00"},
              {"sku": "LAB", "item_type": "labor", "qty": "1", "price": "95.00"}],
}
DISCOUNT = {**CENTS, "id": "off", "name": "Cents Off", "redeem_as": "discount"}
PAID = {**CENTS, "id": "paid", "name": "Paid Cents", "accrue_on": "paid_in_full"}
NICKELS = {**CENTS, "id": "nickels", "name": "Nickels", "point_value": "0.05"}
CASH = {**PAID, "id": "cash", "name": "Cash Cents", "cash_equivalent_only": True}


def shop_with(app: Patronage, program: dict[str, Any]) -> Patronage:
    """C1 holds a $5.00 credit memo from the Club, then moved to `program` with 500 points."""
    make_shop(app, CLUB, program)
    app.enroll({"customer": "C1", "program": "club"})
    app.adjust({"customer": "C1", "points": 100, "reason": "welcome"})  # award: $5.00 memo
    app.enroll({"customer": "C1", "program": program["id"], "close_current": True})
    app.adjust({"customer": "C1", "points": 500, "reason": "welcome"})
    return app


def as_posted(view: InvoiceView) -> dict[str, Any]:
    return {"points": view.points, "points_earnable": view.points_earnable,
            "subtotal": view.subtotal, "tax": view.tax, "total": view.total,
            "loyalty_discount": view.loyalty_discount, "redeemed_rewards": view.redeemed_rewards,
            "credit_applied": view.credit_applied, "paid": view.paid}


def assert_post_agrees(app: Patronage, body: dict[str, Any]) -> dict[str, Any]:
    """Quote `body`, then post it: every figure the quote gave is what the post did."""
    before = snapshot(app)
    q = app.quote(body)
    assert snapshot(app) == before, "the quote changed something"
    available = app.balance("C1").available
    view = app.post_invoice(body)
    assert as_posted(view) == {k: q[k] for k in as_posted(view)}
    if view.accrued:
        assert view.eligible_amount == q["eligible_amount"]
    assert q["amount_due"] == max(Decimal("0.00"), view.total - view.paid)
    spent = app.balance("C1").available - available
    assert spent == (view.points if view.accrued else 0) - q["redeemed_points"]
    return q


@pytest.mark.parametrize("redeem", [
    {"rewards": "all"}, {"rewards": "2.50"}, {"rewards": "all", "credit_memos": "all"},
    {"credit_memos": "1.00"}, {"rewards": "0.00"},
])
def test_a_points_bank_redemption_as_payment_quotes_what_the_post_does(
        app: Patronage, redeem: dict[str, str]) -> None:
    shop_with(app, CENTS)
    body = {**CART, "redeem": redeem, "payments": [{"tender": "card", "amount": "10.00"}]}
    q = assert_post_agrees(app, body)
    assert q["points"] == 600  # a tender: 300.00 eligible still earns 2%


def test_the_use_loyalty_points_toggle_recalculates_the_total(app: Patronage) -> None:
    """Seed 003: ticking "Use Loyalty Points" recalculates the loyalty discount and total;
    with redeem_as discount it is pre-tax and lowers what earns (C2, A3)."""
    shop_with(app, DISCOUNT)
    off = app.quote(CART)
    on = app.quote({**CART, "redeem": {"rewards": "all"}})
    assert (off["total"], off["loyalty_discount"], off["points"]) == (
        Decimal("419.00"), Decimal("0.00"), 600)
    assert (on["redeemed_rewards"], on["redeemed_points"]) == (Decimal("5.00"), 500)
    assert (on["total"], on["loyalty_discount"]) == (Decimal("414.00"), Decimal("5.00"))
    assert on["points"] == 590  # 295.00 eligible at 2%
    assert on["eligible_amount"] == Decimal("295.00")
    assert_post_agrees(app, {**CART, "redeem": {"rewards": "all"}})


@pytest.mark.parametrize(("program", "redeem", "code"), [
    (CENTS, {"rewards": "9.00"}, "above_maximum"),
    (NICKELS, {"rewards": "0.03"}, "not_whole_points"),
    (CENTS, {"rewards": "-1.00"}, "invalid"),
    (CENTS, {"credit_memos": "5.01"}, "above_maximum"),
    (DISCOUNT, {"rewards": "5.01"}, "above_maximum"),
])
def test_a_redemption_the_post_refuses_the_quote_refuses(
        app: Patronage, program: dict[str, Any], redeem: dict[str, str], code: str) -> None:
    shop_with(app, program)
    body = {**CART, "redeem": redeem}
    before = snapshot(app)
    with pytest.raises(PatronageError) as posted:
        app.post_invoice(body)
    with pytest.raises(PatronageError) as quoted:
        app.quote(body)
    assert quoted.value.code == posted.value.code == code
    assert quoted.value.fields == posted.value.fields
    assert snapshot(app) == before


def test_a_sale_without_a_customer_cannot_redeem_in_a_quote_either(app: Patronage) -> None:
    shop_with(app, CENTS)
    body = {**CART, "customer": None, "redeem": {"rewards": "all"}}
    with pytest.raises(PatronageError) as quoted:
        app.quote(body)
    with pytest.raises(PatronageError) as posted:
        app.post_invoice(body)
    assert quoted.value.code == posted.value.code == "not_enrolled"


def test_an_unpaid_order_shows_what_it_will_earn_beside_what_it_earned(app: Patronage) -> None:
    """Seed 003: "Total Earnable" and "Earned" are both shown; the same once paid in full."""
    shop_with(app, PAID)
    q = assert_post_agrees(app, {**CART, "payments": [{"tender": "cash", "amount": "100.00"}]})
    assert (q["points"], q["points_earnable"]) == (0, 600)
    partly = app.invoice("Q1")
    assert (partly.points, partly.points_earnable, partly.accrued) == (0, 600, False)
    app.post_return({"id": "R1", "invoice": "Q1", "store": 1,
                     "lines": [{"sku": "PADS", "qty": "1"}]})  # R4: shrinks what accrues
    assert app.invoice("Q1").points_earnable == 300
    paid = app.post_payment({"id": "P1", "invoice": "Q1", "store": 1, "tender": "cash",
                             "amount": "169.00"})
    assert (paid.points, paid.points_earnable, paid.accrued) == (300, 300, True)
    full = app.quote({**CART, "id": "Q2", "payments": [{"tender": "card", "amount": "419.00"}]})
    assert (full["points"], full["points_earnable"]) == (600, 600)


def test_a_cash_only_program_paid_by_rewards_will_never_earn(app: Patronage) -> None:
    shop_with(app, CASH)
    body = {**CART, "redeem": {"rewards": "all"}, "payments": [{"tender": "cash", "amount": "414.00"}]}
    q = assert_post_agrees(app, body)
    assert (q["points"], q["points_earnable"]) == (0, 0)
    assert app.quote({**CART, "id": "Q2"})["points_earnable"] == 600  # cash still to come


def test_explain_only_when_asked(app: Patronage) -> None:
    shop_with(app, CENTS)
    assert "explain" not in app.quote(CART)
    q = app.quote(CART, explain=True)
    pads, labor = q["explain"]
    assert (pads["earns"], pads["filter"], pads["points"]) == (True, "parts", 600)
    assert labor["reasons"] == ["no filter matched", "item type labor excluded by filter 'parts'"]
    assert q["explain_notes"][-1].endswith(": 600 points, worked out once on the whole sale (A4)")


def test_the_quote_explains_why_a_status_earns_nothing(app: Patronage) -> None:
    make_shop(app, {**CENTS, "eligible_statuses": ["RETAIL"]},
              statuses=[{"code": "RETAIL"}, {"code": "WHOLESALE"}])
    app.put_customer({"id": "C1", "name": "Customer C1", "status": "WHOLESALE"})
    app.enroll({"customer": "C1", "program": "cents"})
    q = app.quote(CART, explain=True)
    assert q["points"] == 0
    assert all("status WHOLESALE not eligible (the program takes RETAIL)" in x["reasons"]
               for x in q["explain"])


def test_nothing_is_earnable_on_a_voided_order_or_a_layaway(app: Patronage) -> None:
    shop_with(app, PAID)
    assert app.post_invoice(CART).points_earnable == 600
    assert app.void_invoice({"invoice": "Q1", "store": 1}).points_earnable == 0
    layaway = app.post_invoice({**CART, "id": "L1", "type": "layaway"})
    assert (layaway.points, layaway.points_earnable) == (0, 0)  # A2: earns once converted
    assert app.quote({**CART, "type": "layaway"})["points_earnable"] == 0
