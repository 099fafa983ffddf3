"""The console's invoice page says why each line earned what it did, and what stopped the
whole sale (issue 21 item 9), in real headless Chromium against a real `patronage serve`;
screenshots under test-output/screenshots/ (invoice-why-*.png)."""

from __future__ import annotations

import pytest

from patronage.service.app import Patronage

from .browsing import log_in, shop_file
from .conftest import SHOP
from .helpers import CLUB
from .test_browser import Day, browser, server  # noqa: F401  (fixtures used by name)

# the Tire Club takes ACTIVE customers' sales, labor excluded; Paid Club earns once paid
TIRES = dict(CLUB, id="tires", name="Tire Club", eligible_statuses=["ACTIVE"],
             filters=[{"name": "tires", "exclude_item_types": ["labor"]}])
PAID = dict(CLUB, id="paid", name="Paid Club", accrue_on="paid_in_full")


def fill(app: Patronage) -> None:
    """S-1: Ann (ACTIVE) buys tires and their mounting (labor); S-2: Walt (WHOLESALE, not
    taken by the club) buys a tire; S-3: Cy is enrolled nowhere; S-4: Pat's club earns
    when the sale is paid in full, and half is paid."""
    app.configure_shop(dict(SHOP, statuses=[*SHOP["statuses"], {"code": "WHOLESALE"}]))
    app.put_program(TIRES)
    app.put_program(PAID)
    for cid, name, status, program in (("C1", "Ann Lee", "ACTIVE", "tires"),
                                       ("C2", "Walt Sale", "WHOLESALE", "tires"),
                                       ("C3", "Cy Young", "ACTIVE", None),
                                       ("C4", "Pat Later", "ACTIVE", "paid")):
        app.put_customer({"id": cid, "name": name, "status": status})
        if program:
            app.enroll({"customer": cid, "program": program})
    tire = {"sku": "TIRE", "qty": "1", "price": "100.00"}
    app.post_invoice({"id": "S-1", "customer": "C1", "store": 1,
                      "lines": [dict(tire, qty="2"),
                                {"sku": "MOUNT", "item_type": "labor", "qty": "1",
                                 "price": "40.00"}]})
    app.post_invoice({"id": "S-2", "customer": "C2", "store": 1, "lines": [tire]})
    app.post_invoice({"id": "S-3", "customer": "C3", "store": 1, "lines": [tire]})
    app.post_invoice({"id": "S-4", "customer": "C4", "store": 1, "lines": [tire],
                      "payments": [{"tender": "cash", "amount": "50.00"}]})


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return shop_file(tmp_path_factory.mktemp("invoice-why"), fill)


def why_rows(day: Day) -> dict[str, str]:
    """Each explained line's text by its SKU."""
    rows = day.page.locator("#why-earned #why-lines tbody tr")
    return {rows.nth(i).locator("td").nth(1).inner_text(): rows.nth(i).inner_text()
            for i in range(rows.count())}


def notes(day: Day) -> str:
    return str(day.page.inner_text("#why-earned .explain-notes"))


def test_one_line_earns_and_the_labor_line_says_why_not(day: Day) -> None:
    page = day.page
    log_in(day, "carl", "/invoices/1/S-1")
    assert page.inner_text("#invoice-points") == "40"  # 200.00 of tires at 1 point per 5.00
    rows = why_rows(day)
    assert set(rows) == {"TIRE", "MOUNT"}
    assert "earns" in rows["TIRE"] and "filter tires matched" in rows["TIRE"]
    assert rows["TIRE"].rstrip().endswith("40")
    assert "earns nothing" in rows["MOUNT"]
    assert "item type labor excluded by filter 'tires'" in rows["MOUNT"]
    assert rows["MOUNT"].rstrip().endswith("0")
    assert "200.00 eligible" in notes(day) and "40 points" in notes(day)
    page.click("#invoice-lines a.why-link >> nth=1")  # each line's "why" leads to the reasons
    assert page.url.endswith("#why-earned")
    day.shot("invoice-why-01-labor-excluded")


def test_the_whole_sale_reasons_status_not_enrolled_and_paid_in_full(day: Day) -> None:
    page = day.page
    log_in(day, "carl", "/invoices/1/S-2")
    assert page.inner_text("#invoice-points") == "–"  # no points: the next lines say why
    said = "status WHOLESALE not eligible (the program takes ACTIVE)"
    assert said in why_rows(day)["TIRE"] and "earns nothing" in why_rows(day)["TIRE"]
    assert said in notes(day)
    day.shot("invoice-why-02-status-not-eligible")

    day.go("/invoices/1/S-3")
    assert "the customer is not enrolled in a program" in notes(day)
    assert "earns nothing" in why_rows(day)["TIRE"]

    day.go("/invoices/1/S-4")
    assert page.inner_text("#invoice-points") == "–"  # not earned yet
    assert "accrues when paid in full: paid 50.00 of 100.00" in notes(day)
    assert "filter all sales matched" in why_rows(day)["TIRE"]
    page.click("a:text('see why')")
    assert page.url.endswith("#why-earned")
    day.shot("invoice-why-03-paid-in-full-pending")
