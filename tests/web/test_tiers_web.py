"""Issue 23 item 1 (T1-T9) in real headless Chromium against a real `patronage serve`: a
manager sets a program's status tiers on the program form (a multiplier below 1 is
refused beside its field, the rest kept as typed), reads them back; the customer's page
shows the tier held and the moves once a sale reaches it; the report counts customers per
tier. Screenshots go to test-output/screenshots/ (tiers-*.png)."""

from __future__ import annotations

from pathlib import Path

import pytest

from patronage.bootstrap import open_app
from patronage.service.app import Patronage

from .browsing import log_in, shop_file
from .test_browser import (  # noqa: F401 - fixtures used by name
    CHROMIUM,
    Day,
    browser,
    server,
)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="chromium is not installed (scripts/install-browser)")

BANK = {"id": "bank", "name": "Reward Cents", "kind": "points_bank", "status": "open",
        "effective": "2024-01-01", "point_value": "0.01", "report_in_sale_code": "REWARDS",
        "filters": [{"name": "all"}], "multipliers": [{"name": "base", "currency_per_point": "1.00"}]}


def fill(app: Patronage) -> None:
    app.configure_shop({"price_groups": [{"code": "GOLD", "discount_percent": "5"}]})
    app.put_program(BANK)
    app.put_customer({"id": "T1", "name": "Tia Tier"})
    app.enroll({"customer": "T1", "program": "bank"})


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file: a points bank without tiers, a customer in it, a manager."""
    return shop_file(tmp_path_factory.mktemp("tiers"), fill)


@pytest.fixture
def day(day: Day) -> Day:
    """conftest's tab, the manager logged in."""
    log_in(day, "maria")
    return day


def level(n: int, field: str) -> str:
    return f"input[name='status_tiers.levels.{n}.{field}']"


def test_tiers_on_the_program_form_the_customer_page_and_the_report(day: Day,
                                                                    database: str) -> None:
    page = day.page
    day.go("/programs/bank")
    assert page.input_value(level(0, "name")) == ""  # no tiers: one blank level
    page.fill(level(0, "name"), "gold")
    page.fill(level(0, "threshold"), "200")
    page.fill(level(0, "multiplier"), "0.5")
    page.fill(level(0, "price_group"), "GOLD")
    page.fill("input[name='status_tiers.grace_days']", "30")
    page.click("button[value=save]")
    assert page.inner_text(".err[data-field='status_tiers.levels.0.multiplier']")
    assert page.input_value(level(0, "threshold")) == "200"  # kept as typed
    day.shot("tiers-01-bad-multiplier")
    page.fill(level(0, "multiplier"), "1.5")
    page.click("button[value=save]")
    page.wait_for_url("**/programs/bank")
    assert "program bank saved" in day.flash()
    day.go("/programs/bank")  # read back from the database
    assert [page.input_value(level(0, f)) for f in ("name", "threshold", "multiplier",
                                                    "price_group")] == \
        ["gold", "200", "1.5", "GOLD"]
    assert page.input_value("input[name='status_tiers.grace_days']") == "30"
    assert page.input_value(level(1, "name")) == ""  # room for another level
    day.shot("tiers-02-program-form")

    day.go("/customers/T1")
    assert page.inner_text("#bal-tier") == "—"
    app = open_app(database)
    try:
        today = app.clock.today().isoformat()
        for ext, price in (("S1", "250.00"), ("S2", "10.00")):
            app.post_invoice({"id": ext, "customer": "T1", "store": 1, "date": today,
                              "lines": [{"sku": "X", "qty": "1", "price": price}]})
    finally:
        app.engine.dispose()
    day.go("/customers/T1")
    assert page.inner_text("#bal-tier") == "gold"
    assert page.inner_text("#bal-available") == "265"  # 250 + 10 + floor(10 x 0.5)
    moves = page.inner_text("#tier-moves")
    assert "gold" in moves and "reached at an invoice" in moves and "250.00" in moves
    day.shot("tiers-03-customer-page")

    day.go("/reports/tiers")
    assert page.inner_text("tr[data-tier='bank:gold'] td:last-child") == "1"
    day.shot("tiers-04-report")
