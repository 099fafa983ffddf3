"""The "try it" page says why each invoice line earned what it did (issue 21 item 9), in
real headless Chromium against a real `patronage serve`; screenshots under
test-output/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest

from .browsing import NEEDS_CHROMIUM, cli_shop
from .test_browser import PASSWORD, SHOTS, Day

SHOP_FILE = """
shop:
  name: Tire Town
  stores: [{id: 1, name: Main}]
  statuses: [{code: RETAIL}, {code: WHOLESALE}]
  reasons: [{code: LOYALTY, account: "4950"}]
programs:
  - id: club
    name: 250 Club
    kind: recurring
    status: open
    effective: 2024-01-01
    eligible_statuses: [RETAIL]
    filters: [{name: tires, product_lines: [TIRES], exclude_item_types: [labor]}]
    multipliers: [{name: base, currency_per_point: "5.00"}]
    awards:
      - {name: 25 dollars, level: 250, credit_memo: {amount: "25.00", expire_days: 30, reason: LOYALTY}}
"""
STORY = """customers:
  - {id: T1, name: Retail Rita, status: RETAIL}
  - {id: T2, name: Wholesale Walt, status: WHOLESALE}
timeline:
  - date: 2024-03-01
    enroll: {customer: T1, program: club}
  - date: 2024-03-01
    enroll: {customer: T2, program: club}
  - date: 2024-03-02
    invoice:
      id: I-1
      customer: T1
      store: 1
      lines:
        - {sku: TIRE, product_line: TIRES, qty: 1, price: "62.00"}
        - {sku: WIPER, product_line: WIPERS, qty: 1, price: "10.00"}
        - {sku: MOUNT, product_line: TIRES, item_type: labor, qty: 1, price: "30.00"}
  - date: 2024-03-02
    invoice:
      id: I-2
      customer: T2
      store: 1
      lines: [{sku: TIRE, product_line: TIRES, qty: 2, price: "50.00"}]
  - date: 2024-03-02
    expect:
      invoices:
        I-1: {points: 12}
        I-2: {points: 0}
"""

pytestmark = NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file with a shop whose 250 Club takes RETAIL customers' tires only."""
    return cli_shop(tmp_path_factory.mktemp("explain"), SHOP_FILE)


@pytest.fixture
def day(day: Day) -> Day:
    """conftest's tab, with more time for each step."""
    day.page.set_default_timeout(20_000)
    return day


def test_try_it_explains_each_line(day: Day) -> None:
    page: Any = day.page
    day.go("/programs/club/try")
    page.fill("input[name=name]", "maria")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/programs/club/try")
    page.fill("textarea[name=scenario]", STORY)
    page.click("button:has-text('Run')")
    assert "every check held" in page.locator("#try-result").inner_text()
    why = page.locator("#try-explain")
    assert "Invoice I-1" in why.inner_text() and "Invoice I-2" in why.inner_text()

    tire, wiper, mount = page.locator("#why-lines-1 tbody tr").all()
    assert "filter tires matched" in tire.inner_text()
    assert "1 point per 5.00 (multiplier 'base')" in tire.inner_text()
    assert tire.locator("td.num").last.inner_text() == "12"  # floor(62.00 / 5.00)
    assert "earns nothing" in wiper.inner_text()
    assert "product line WIPERS not in filter 'tires' (TIRES)" in wiper.inner_text()
    assert "item type labor excluded by filter 'tires'" in mount.inner_text()
    notes = page.locator("#why-1 ~ ul.explain-notes").first.inner_text()
    assert "62.00 eligible at 1 point per 5.00 (multiplier 'base'): 12 points" in notes

    [walt] = page.locator("#why-lines-2 tbody tr").all()
    assert "status WHOLESALE not eligible (the program takes RETAIL)" in walt.inner_text()
    assert "(filter tires matched)" in walt.inner_text()  # the tires matched; the status did not
    assert walt.locator("td.num").last.inner_text() == "0"
    why.scroll_into_view_if_needed()
    day.shot("explain-01-try-it")
    why.screenshot(path=str(SHOTS / "explain-02-why-lines.png"))
