"""Credit memos and coupons by hand in the console (issue 21 item 7), in real headless
Chromium against a real `patronage serve`: a manager issues a credit memo and a coupon to a
customer in no program (problems beside their fields first), then cancels each, every
write confirmed first and recorded with its user. Screenshots under
test-output/screenshots/ (rewards-*.png).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from . import test_browser as real
from .test_browser import PASSWORD, Day

# the real server (on its own database for this module) and the browser; the tab is conftest's
browser, database, server = real.browser, real.database, real.server


def log_in(tab: Day) -> None:
    tab.go("/login")
    tab.page.fill("input[name=name]", "maria")
    tab.page.fill("input[name=password]", PASSWORD)
    tab.page.click("button[type=submit]")
    tab.page.wait_for_url("**/")


def beside(tab: Day) -> dict[str, str]:
    """The problems shown beside fields: field name -> message."""
    return {str(el.get_attribute("data-field")): el.inner_text()
            for el in tab.page.locator(".err").all()}


def rows(url: str, query: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(query))]
    finally:
        engine.dispose()


def test_issue_and_cancel_by_hand(day: Day, database: str) -> None:
    page = day.page
    confirmations: list[str] = []
    page.on("dialog", lambda d: confirmations.append(d.message))  # Day accepts each one
    log_in(day)
    day.go("/customers/C2")  # Bob Stone: in no program
    form = page.locator("#reward-form")
    assert form.is_visible()
    day.shot("rewards-01-customer-form")

    # a refused issue: the form again, the problem beside its field, what was typed kept
    form.locator("input[name=amount]").fill("12.345")
    form.locator("textarea[name=note]").fill("tyre fitted late")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#reward-issue")
    assert "amount" in beside(day), beside(day)
    assert "two decimals" in beside(day)["amount"]
    assert page.locator("#reward-form textarea[name=note]").input_value() == "tyre fitted late"
    day.shot("rewards-02-amount-beside")
    form = page.locator("#reward-form")
    form.locator("input[name=amount]").fill("25.00")
    form.locator("input[name=expires]").fill("2020-01-01")  # before today
    form.locator("select[name=reason]").select_option("LOYALTY")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#reward-issue")
    assert list(beside(day)) == ["expires"], beside(day)
    day.shot("rewards-03-expires-beside")

    # issued: a credit memo of maria's store (2), on the customer's page
    form = page.locator("#reward-form")
    form.locator("input[name=expires]").fill("")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/customers/C2")
    assert "credit memo" in day.flash() and "25.00 issued" in day.flash(), day.flash()
    memo_row = page.locator("section:has(h2:text('Credit memos')) tbody tr").first
    cells = memo_row.locator("td").all_inner_texts()
    assert cells[2:8] == ["25.00", "25.00", "LOYALTY", "2", "never", "open"], cells
    day.shot("rewards-04-memo-issued")

    form = page.locator("#reward-form")
    form.locator("input[value=coupon]").check()
    form.locator("input[name=amount]").fill("10.00")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/customers/C2")
    assert "coupon" in day.flash() and "10.00 issued" in day.flash(), day.flash()
    coupon_row = page.locator("section:has(h2:text('Coupons')) tbody tr").first
    assert coupon_row.locator("td").all_inner_texts()[2:5] == ["10.00", "never", "open"]
    assert len(confirmations) == 4 and all("Issue this to Bob Stone" in c for c in confirmations)

    # cancel each, confirmed first
    memo_row.locator("button:text('Cancel')").click()
    page.wait_for_url("**/customers/C2")
    assert "cancelled" in day.flash(), day.flash()
    assert "25.00 remaining" in confirmations[-1]
    assert memo_row.locator("td").all_inner_texts()[7] == "cancelled"
    assert memo_row.locator("button:text('Cancel')").count() == 0
    coupon_row.locator("button:text('Cancel')").click()
    page.wait_for_url("**/customers/C2")
    assert coupon_row.locator("td").all_inner_texts()[4] == "cancelled"
    assert len(confirmations) == 6
    day.shot("rewards-05-both-cancelled")

    # each write is the user's: the records, and the console's audit of requests
    assert rows(database, "SELECT action, kind, user FROM manual_rewards ORDER BY id") == [
        ("issue", "credit_memo", "maria"), ("issue", "coupon", "maria"),
        ("cancel", "credit_memo", "maria"), ("cancel", "coupon", "maria")]
    audited = rows(database, "SELECT user_name, path, status FROM web_requests "
                             "WHERE path LIKE '/customers/C2/%' ORDER BY id")
    assert [a[1] for a in audited] == [
        "/customers/C2/rewards", "/customers/C2/rewards", "/customers/C2/rewards",
        "/customers/C2/rewards", "/customers/C2/credit-memos/1/cancel",
        "/customers/C2/coupons/1/cancel"], audited
    assert {a[0] for a in audited} == {"maria"}
    assert [a[2] for a in audited][:2] == [422, 422]
