"""The invoices page in Chromium (issue 21 item 6): find an invoice by customer, id or date,
read it whole, and return lines, record a payment, convert a layaway and void, each
confirmed on a page that shows what will change before anything does."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from patronage.bootstrap import open_app
from patronage.service.app import Patronage

from .browsing import log_in, shop_file
from .helpers import CLUB
from .test_browser import Day, browser, server  # noqa: F401  (fixtures used by name)


def fill(app: Patronage) -> None:
    """C1 in the club: 300 points make a $25.00 credit memo, spent on S-1; S-2 is a plain
    sale; L-1 a layaway of C2's."""
    app.put_program(dict(CLUB, grace_days=0))
    for cid, name in (("C1", "Ann Lee"), ("C2", "Bob Stone")):
        app.put_customer({"id": cid, "name": name})
        app.enroll({"customer": cid, "program": "club"})
    app.adjust({"customer": "C1", "points": 300, "reason": "welcome"})
    app.post_invoice({"id": "S-1", "customer": "C1", "store": 1, "redeem": {"credit_memos": "all"},
                      "lines": [{"sku": "TIRE", "qty": "2", "price": "100.00"},
                                {"sku": "VALVE", "qty": "4", "price": "5.00"}],
                      "payments": [{"tender": "cash", "amount": "195.00"}]})
    app.post_invoice({"id": "S-2", "customer": "C1", "store": 2,
                      "lines": [{"sku": "WIPER", "qty": "1", "price": "20.00"}]})
    app.post_invoice({"id": "L-1", "customer": "C2", "store": 1, "type": "layaway",
                      "lines": [{"sku": "RIM", "qty": "1", "price": "50.00"}]})


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return shop_file(tmp_path_factory.mktemp("invoices"), fill)


def facade(database: str) -> Patronage:
    return open_app(database)


def effects(day: Day) -> list[str]:
    return [str(x) for x in day.page.locator("#effects li").all_inner_texts()]


def test_find_read_return_and_void_with_confirmation(day: Day, database: str) -> None:
    page = day.page
    log_in(day, "maria", "/customers/C1")
    page.click("#cust-invoices")
    page.wait_for_url("**/invoices?customer=C1")
    assert page.inner_text("#invoice-count").startswith("2 invoices found")
    day.shot("invoices-01-invoices-of-customer")
    page.fill("input[name=customer]", "")
    page.fill("input[name=q]", "s-1")
    page.click("#invoice-search button[type=submit]")
    assert page.locator("#invoice-results tbody tr").count() == 1
    today = dt.date.today().isoformat()
    page.fill("input[name=q]", "")
    page.fill("input[name=start]", today)
    page.fill("input[name=end]", today)
    page.click("#invoice-search button[type=submit]")
    assert page.inner_text("#invoice-count").startswith("3 invoices found")
    page.click("#invoice-results a:text('S-1')")
    page.wait_for_url("**/invoices/1/S-1")
    lines = page.inner_text("#invoice-lines")
    assert "TIRE" in lines and "VALVE" in lines
    assert "Credit memo" in page.inner_text("#invoice-redemptions")
    assert "Store Credit" in page.inner_text("#receipt-lines")
    assert "cash" in page.inner_text("#invoice-payments")
    points = facade(database).invoice("S-1", 1).points
    assert page.inner_text("#invoice-points") == str(points) and points > 0
    day.shot("invoices-02-invoice")

    # return one tire: the confirmation shows the points taken back, and nothing changes yet
    page.fill("input[name='qty.0']", "1")
    page.click("#return-form button[type=submit]")
    page.locator("#invoice-confirm").wait_for()
    said = effects(day)
    assert any(x.startswith("Ledger entry reversal of -") for x in said), said
    assert any(x.startswith("Invoice points:") for x in said), said
    day.shot("invoices-03-return-confirm")
    assert facade(database).invoice("S-1", 1).points == points
    page.click("#invoice-confirm button[type=submit]")
    page.wait_for_url("**/invoices/1/S-1")
    assert "return of 1 line recorded" in day.flash()
    assert "1 × TIRE" in page.inner_text("#invoice-returns")
    after_return = facade(database).invoice("S-1", 1).points
    assert after_return < points

    # void: the credit memo it spent comes back, its points are reversed
    page.click("#invoice-actions button:has-text('Void')")
    page.locator("#invoice-confirm").wait_for()
    said = effects(day)
    assert "Invoice status: posted → voided" in said, said
    assert any(x.startswith("Credit memo") and "→ 25.00" in x for x in said), said
    day.shot("invoices-04-void-confirm")
    assert facade(database).invoice("S-1", 1).status == "posted"
    page.click("#invoice-confirm a:has-text('Cancel')")
    page.wait_for_url("**/invoices/1/S-1")
    assert facade(database).invoice("S-1", 1).status == "posted"
    page.click("#invoice-actions button:has-text('Void')")
    page.click("#invoice-confirm button[type=submit]")
    page.wait_for_url("**/invoices/1/S-1")
    assert "invoice voided" in day.flash()
    assert "voided" in page.inner_text("h1")
    memo = facade(database).customer("C1").credit_memos[0]
    assert memo.remaining == memo.amount
    day.shot("invoices-05-voided")


def test_a_cashier_pays_and_converts_a_layaway_but_may_not_void(day: Day, database: str) -> None:
    page = day.page
    log_in(day, "carl", "/invoices/1/L-1")
    assert page.locator("#invoice-actions button:has-text('Void')").count() == 0
    assert page.inner_text("#invoice-points") == "–"

    page.fill("#payment-form input[name=amount]", "ten")  # refused beside the field, kept
    page.click("#payment-form button[type=submit]")
    beside = page.locator("#payment-form .err[data-field=amount]")
    assert "not a number" in beside.inner_text()
    assert page.input_value("#payment-form input[name=amount]") == "ten"
    day.shot("invoices-06-payment-refused")

    page.fill("#payment-form input[name=amount]", "50.00")
    page.click("#payment-form button[type=submit]")
    assert "Invoice paid: 0.00 → 50.00" in effects(day)
    confirmation = page.eval_on_selector(
        "#invoice-confirm form",
        "f => Object.fromEntries(new FormData(f).entries())")
    page.click("#invoice-confirm button[type=submit]")
    page.wait_for_url("**/invoices/1/L-1")
    assert "payment of 50.00 (cash) recorded" in day.flash()
    again = page.request.post(day.base + "/invoices/1/L-1/payment", form=confirmation)
    assert again.ok  # the confirmation sent twice records the payment once
    assert facade(database).invoice("L-1", 1).paid == 50

    page.click("#invoice-actions button:has-text('Convert')")
    said = effects(day)
    assert "Invoice type: layaway → sale" in said and "Invoice points: 0 → 10" in said, said
    day.shot("invoices-07-convert-confirm")
    page.click("#invoice-confirm button[type=submit]")
    page.wait_for_url("**/invoices/1/L-1")
    assert "layaway converted to a sale" in day.flash()
    assert page.inner_text("#invoice-points") == "10"
    day.shot("invoices-08-converted")
    forbidden: Any = page.request.post(day.base + "/invoices/1/S-2/void",
                                       form={"csrf": page.locator("input[name=csrf]").first
                                             .get_attribute("value") or ""})
    assert forbidden.status == 403 and facade(database).invoice("S-2", 2).status == "posted"


def test_unknown_invoice_goes_back_to_the_search(day: Day, tmp_path: Path) -> None:
    log_in(day, "carl", "/invoices")
    day.go("/invoices/1/NOPE")
    day.page.wait_for_url("**/invoices")
    assert "unknown invoice 'NOPE'" in day.flash()
