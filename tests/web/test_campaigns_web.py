"""Issue 23 item 3 in real headless Chromium against a real `patronage serve`: a manager
opens Campaigns from the nav, makes a campaign (a multiplier of 1 is refused beside its
field, the rest kept as typed), sees a sale earn it (given and left on the list; the
invoice page says which campaign gave what), then stops it. Screenshots go to
test-output/screenshots/ (campaigns-*.png)."""

from __future__ import annotations

import datetime as dt

import pytest

from patronage.bootstrap import open_app

from .browsing import BANK_SHOP, NEEDS_CHROMIUM, cli_shop, manager_day  # noqa: F401 - manager_day: `day`
from .test_browser import Day

pytestmark = NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file: the points bank, a customer in it, and a manager."""
    url = cli_shop(tmp_path_factory.mktemp("campaigns"), BANK_SHOP)
    app = open_app(url)
    app.put_customer({"id": "C1", "name": "Ann Lee"})
    app.enroll({"customer": "C1", "program": "bank"})
    app.engine.dispose()
    return url


def test_make_earn_and_stop_a_campaign(day: Day, database: str) -> None:
    page = day.page
    day.go("/")
    page.click("header nav >> text=Campaigns")
    page.wait_for_url("**/campaigns")
    assert "No campaigns yet" in page.inner_text("#campaigns")
    page.fill("input[name=id]", "tires")
    page.fill("input[name=name]", "Tire double")
    page.fill("input[name=item_types]", "tire")
    page.fill("input[name=multiplier]", "1")
    page.fill("input[name=budget]", "150")
    page.click("#new-campaign button[type=submit]")
    assert page.inner_text(".err[data-field=multiplier]")
    assert page.input_value("input[name=item_types]") == "tire"  # kept as typed
    assert "No campaigns yet" in page.inner_text("#campaigns")
    day.shot("campaigns-01-refused")
    page.fill("input[name=multiplier]", "2")
    page.click("#new-campaign button[type=submit]")
    page.wait_for_url("**/campaigns")
    assert "campaign Tire double made" in day.flash()

    app = open_app(database)  # the till posts a sale: a tire and oil
    try:
        posted = app.post_invoice({"id": "INV-1", "customer": "C1", "store": 1,
                          "date": dt.date.today().isoformat(),
                          "lines": [{"sku": "T", "item_type": "tire", "qty": "1",
                                     "price": "100.00"},
                                    {"sku": "OIL", "qty": "1", "price": "20.00"}]})
    finally:
        app.engine.dispose()
    assert posted.points == 120 + 100, posted
    day.go("/campaigns")
    row = page.locator("tr[data-campaign=tires]")
    cells = row.locator("td").all_inner_texts()
    # tire 100.00: +100 of the 150
    assert cells[6:9] == ["100", "50", "active"], cells
    day.shot("campaigns-02-list")
    day.go("/invoices/1/INV-1")
    assert "campaign Tire double: +100 points" in page.inner_text("main")
    day.shot("campaigns-03-invoice")

    day.go("/campaigns")
    page.click("tr[data-campaign=tires] button[name=stop]")
    page.wait_for_url("**/campaigns")
    assert "stopped" in day.flash()
    assert row.locator("td").all_inner_texts()[8] == "stopped"
    day.shot("campaigns-04-stopped")
    assert not day.errors, day.errors
