"""Several programs per customer (E1, issue 21 item 1) in Chromium: the shop page sets
`programs_per_customer`; the customer's page enrolls into a second program without closing
the first, shows a card per program with its own figures, and the adjust form names the
program; switching back to `one` is refused beside the field; a report's program filter
(the report bar) narrows the page and its CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pytest

from patronage.bootstrap import open_app
from patronage.entrypoints.api import records
from patronage.service.app import Patronage

from .browsing import log_in, shop_file
from .helpers import BANK, CLUB
from .test_browser import Day, browser, server  # noqa: F401  (fixtures used by name)

# club: 1 point per 5.00, available at once; bank: 2 % of the sale in cents, at once
CLUB_NOW = dict(CLUB, grace_days=0, awards=[dict(CLUB["awards"][0], level=100_000)])  # type: ignore[index]
BANK_NOW = dict(BANK, grace_days=0, percent_tiers=[{"percent": "2"}])


def fill(app: Patronage) -> None:
    app.put_program(CLUB_NOW)
    app.put_program(BANK_NOW)
    app.put_customer({"id": "C1", "name": "Ann Lee"})


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return shop_file(tmp_path_factory.mktemp("many-programs"), fill)


def figures(day: Day, program: str) -> dict[str, str]:
    """The figures of `program`'s card on the customer's page."""
    card = day.page.locator(f"#program-balances .program-card[data-program='{program}']")
    return {str(el.get_attribute("data-figure")): el.inner_text()
            for el in card.locator("[data-figure]").all()}


def setting(database: str) -> str:
    shop = open_app(database).read(lambda tx: tx.repo.shop())
    return str(shop["programs_per_customer"]) if shop else ""


def test_two_programs_on_the_shop_and_customer_pages(day: Day, database: str) -> None:
    page = day.page
    log_in(day, "ada", "/shop")
    assert page.locator("select[name=programs_per_customer]").input_value() == "one"
    page.select_option("select[name=programs_per_customer]", "many")
    page.click("button:has-text('Save shop')")
    assert "settings saved" in day.flash()
    assert page.locator("select[name=programs_per_customer]").input_value() == "many"
    day.shot("many-01-shop-many")

    # --- enroll in two programs: the second keeps the first (no transfer in `many`) -------
    day.go("/customers/C1")
    page.select_option("#enroll-form select[name=program]", "club")
    page.click("#enroll-form button[type=submit]")
    assert "club" in day.flash().lower()
    assert page.locator("input[name=close_current]").count() == 0
    assert "Transfer" not in page.inner_text("#enrollment")
    page.select_option("#enroll-form select[name=program]", "bank")
    page.click("#enroll-form button[type=submit]")
    app = open_app(database)
    assert [b.program for b in app.balances("C1")] == ["club", "bank"]
    day.shot("many-02-enrolled-twice")

    # --- a sale earns in both; each card shows its own program's figures -----------------
    till = records.create_key(app, "till-many", "cashier")["key"]
    sold = httpx.post(f"{day.base}/v1/invoices", headers={"Authorization": f"Bearer {till}"},
                      json={"id": "M-1", "store": 1, "customer": "C1",
                            "lines": [{"sku": "TIRE", "qty": "1", "price": "200.00"}]})
    assert sold.status_code == 201, sold.text
    day.go("/customers/C1")
    assert page.locator("#program-balances .program-card").count() == 2
    club, bank = figures(day, "club"), figures(day, "bank")
    # club: 200.00 / 5.00 = 40 points; bank: 2 % of 200.00 = 4.00 = 400 points (cents)
    assert (club["available"], club["pending"], club["debt"]) == ("40", "0", "0")
    assert (bank["available"], bank["pending"], bank["debt"]) == ("400", "0", "0")
    assert (club["expiring"], bank["expiring"]) == ("40", "400")  # both programs expire points
    day.shot("many-03-two-cards")

    # --- the adjust form names its program: without one it is refused beside the field ----
    page.fill("#adjust-form input[name=amount]", "25")
    page.fill("#adjust-form input[name=reason]", "goodwill")
    page.click("#adjust-form button[type=submit]")
    assert page.locator("#adjust-form .err[data-field=program]").count() == 1
    assert page.locator("#adjust-form input[name=amount]").input_value() == "25"
    day.shot("many-04-adjust-needs-program")
    page.select_option("#adjust-form select[name=program]", "bank")
    page.click("#adjust-form button[type=submit]")
    assert "available now 425" in day.flash()
    assert figures(day, "bank")["available"] == "425"
    assert figures(day, "club") == club  # the other program's card did not move
    day.shot("many-05-adjusted-one")

    # --- back to `one` while C1 holds two: refused beside the field, nothing changed ------
    day.go("/shop")
    page.select_option("select[name=programs_per_customer]", "one")
    page.click("button:has-text('Save shop')")
    beside = page.locator("#settings .err[data-field=programs_per_customer]")
    assert "several programs" in beside.inner_text()
    assert "conflict" in page.inner_text("#settings [data-form-errors]")
    assert setting(database) == "many"
    day.shot("many-06-back-to-one-refused")

    # --- a report's program filter in the report bar: the page and its CSV ----------------
    day.go("/reports/balances")
    assert page.locator("#program-totals tr[data-program]").count() == 2  # never summed
    page.click("#program-filter a[data-program=bank]")
    page.wait_for_url("**program=bank**")
    assert page.locator("#report tbody tr").count() == 1
    assert "bank" in page.inner_text("#report tbody tr")
    with page.expect_download() as info:
        page.click("a[data-csv]")
    assert "bank" in info.value.suggested_filename
    got = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
    assert [(r["customer"], r["program"], r["available"]) for r in got] == [("C1", "bank", "425")]
    day.shot("many-07-report-one-program")
