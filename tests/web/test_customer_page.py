"""Issue 23 item 5 in real headless Chromium against a real `patronage serve`: a manager
makes a link on the customer's page; the customer opens it with no login, on a phone's
screen, and sees the shop, the balance, what expires when, store credit and history in
words; the manager revokes it and it is gone. An expired link (made with a past expiry)
and a forged one show the same plain page. Screenshots: test-output/screenshots/me-*.png.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from patronage.adapters.db.tables_links import customer_links
from patronage.bootstrap import open_app
from patronage.core import links as rules
from patronage.service import rewards_manual
from patronage.service.app import Patronage
from patronage.service.customer_links import settings, signing_key

from .browsing import log_in, shop_file
from .helpers import seed
from .test_browser import CHROMIUM, Day, browser, server  # noqa: F401 - fixtures by name

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="chromium is not installed (scripts/install-browser)")
GONE = "This page is not available"
PHONE = {"width": 390, "height": 844}
# the plain page of a link that opens nothing answers 404 on purpose
EXPECTED = "Failed to load resource: the server responded with a status of 404"


def _fill(app: Patronage) -> None:
    seed(app)  # C2 has 400 points in the points bank, from invoice INV-2
    app.run(lambda tx: rewards_manual.issue_credit_memo(
        tx, {"customer": "C2", "amount": "15.00", "reason": "LOYALTY", "expire_days": 30}))


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return shop_file(tmp_path_factory.mktemp("own-page"), _fill)


def _tab(browser: Any, server: str, viewport: dict[str, int]) -> Iterator[Day]:  # noqa: F811
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(10_000)
    tab = Day(page, server)
    yield tab
    context.close()
    unexpected = [e for e in tab.errors if not e.startswith(EXPECTED)
                  and not (e.startswith("404 ") and "/me/" in e)]
    assert unexpected == [], unexpected


@pytest.fixture
def manager(browser: Any, server: str) -> Iterator[Day]:  # noqa: F811
    yield from _tab(browser, server, {"width": 1280, "height": 900})


@pytest.fixture
def customer(browser: Any, server: str) -> Iterator[Day]:  # noqa: F811
    yield from _tab(browser, server, PHONE)


def make_link(manager: Day) -> str:
    page = manager.page
    manager.go("/customers/C2")
    card = page.locator("#links")
    card.locator("#link-make").wait_for()  # the card loads its list (htmx)
    before = card.locator("input.link-copy").count()
    card.locator("#link-make button[type=submit]").click()
    page.wait_for_url("**/customers/C2#links")
    assert "made; it works until" in manager.flash()
    card.locator("#link-make").wait_for()
    urls = card.locator("input.link-copy")
    assert urls.count() == before + 1
    return str(urls.first.input_value())  # the newest first


def test_the_customer_opens_the_link_and_sees_their_points(manager: Day, customer: Day) -> None:
    log_in(manager, "maria", "/customers/C2")
    url = make_link(manager)
    manager.shot("me-01-console-links")
    assert url.startswith(manager.base + "/me/") and "C2" not in url.split("/me/")[0]

    page = customer.page
    answer = page.goto(url)
    assert answer is not None and answer.status == 200
    assert answer.headers["x-robots-tag"] == "noindex, nofollow"
    assert page.locator("#me-shop").inner_text() == "Tire Town"
    assert page.locator("h1").inner_text() == "Hello, Bob Stone"
    assert page.locator("#me-available").inner_text() == "400"
    assert page.locator("#me-pending").inner_text() == "0"
    expiring = page.locator("table.me-expiring tbody tr").all_inner_texts()
    in_45_days = (dt.date.today() + dt.timedelta(days=45)).isoformat()
    assert [" ".join(row.split()) for row in expiring] == [f"{in_45_days} 400"]
    credit = " ".join(page.locator("#me-credit tbody").inner_text().split())
    assert "15.00" in credit and (dt.date.today() + dt.timedelta(days=30)).isoformat() in credit
    history = page.locator("#me-history li").all_inner_texts()
    assert any("Earned 400 points on invoice INV-2" in line for line in history)
    assert page.locator("#me-tier").count() == 0  # its program has no status tiers (T9)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page fits a phone's screen without scrolling sideways"
    customer.shot("me-02-customer-page-phone")

    # the manager revokes it: the same address now shows the plain page
    card = manager.page.locator("#links")
    row = card.locator("tr", has=manager.page.locator(f"input.link-copy[value='{url}']"))
    row.locator("button:has-text('Revoke')").click()  # its confirmation is accepted
    manager.page.wait_for_url("**/customers/C2#links")
    assert "revoked" in manager.flash()
    card.locator("#link-make").wait_for()
    assert card.locator(f"input.link-copy[value='{url}']").count() == 0
    manager.shot("me-03-console-revoked")
    answer = page.goto(url)
    assert answer is not None and answer.status == 404
    assert page.locator("h1").inner_text() == GONE
    assert "Bob Stone" not in page.content() and "400" not in page.inner_text("body")
    customer.shot("me-04-revoked")


def test_expired_and_forged_links_show_the_same_plain_page(database: str, manager: Day,
                                                          customer: Day) -> None:
    log_in(manager, "maria", "/customers/C2")
    live = make_link(manager)  # made by the server: the database now holds the link key
    app = open_app(database)
    try:
        def expired_link(tx: Any) -> str:
            past = tx.now - dt.timedelta(days=100)
            made = tx.repo.conn.execute(insert(customer_links).values(
                customer_id="C2", created_at=past, expires_at=past + dt.timedelta(days=90),
                created_by="test")).inserted_primary_key[0]
            key = signing_key(tx, settings())
            return rules.sign(key, rules.Claim(made, "C2", past + dt.timedelta(days=90)))

        expired = app.run(expired_link)
    finally:
        app.engine.dispose()
    body, _, signature = live.rsplit("/", 1)[1].partition(".")
    forged = f"{body}.{signature[::-1]}"
    page = customer.page
    texts = []
    for name, token in (("expired", expired), ("forged", forged)):
        answer = page.goto(f"{customer.base}/me/{token}")
        assert answer is not None and answer.status == 404, name
        assert page.locator("h1").inner_text() == GONE
        texts.append(page.inner_text("body"))
        customer.shot(f"me-05-{name}")
    assert texts[0] == texts[1], "nothing tells an expired link from a forged one"
    answer = page.goto(live)
    assert answer is not None and answer.status == 200  # the live one still opens


def test_a_cashier_sees_no_links(manager: Day) -> None:
    log_in(manager, "carl", "/customers/C2")  # a console tab, logged in as the cashier
    assert manager.page.locator("#links").count() == 0
    answer = manager.page.goto(f"{manager.base}/customers/C2/links")
    assert answer is not None and answer.status == 403
