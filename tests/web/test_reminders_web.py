"""Issue 23 items 4 and 6 in real headless Chromium against a real `patronage serve`: a
manager sets a points bank's reminder days and its "a return gives back redeemed points"
option on the program form (a bad value is refused beside its field), runs the daily run
from the console, and finds the "points expiring" reminder queued on the Messages page.
The tests share one server and database and run in order. Screenshots go to
test-output/screenshots/ (reminders-*.png)."""

from __future__ import annotations

import datetime as dt

import pytest

from .browsing import BANK_SHOP, NEEDS_CHROMIUM, cli_shop, manager_day  # noqa: F401 - manager_day: `day`
from .test_browser import Day

SHOP_FILE = BANK_SHOP + """customers:
  - {id: C1, name: Ann Lee, email: ann@example.com}
"""
EXPIRES = dt.date.today() + dt.timedelta(days=5)  # the server's clock is the real one

pytestmark = NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file: the points bank (no reminders yet), Ann with an email and 300 points
    that expire in 5 days, and a manager."""
    return cli_shop(tmp_path_factory.mktemp("reminders"), SHOP_FILE, ("enroll", "C1", "bank"),
                    ("adjust", "C1", "--points", "300", "--expires", EXPIRES.isoformat(),
                     "--reason", "opening balance"))


def test_reminder_days_and_the_give_back_option_on_the_program_form(day: Day) -> None:
    page = day.page
    day.go("/programs/bank")
    page.fill("input[name=remind_points_expiring_days]", "soon")
    page.click("button[value=save]")
    assert page.inner_text(".err[data-field=remind_points_expiring_days]")
    assert page.input_value("input[name=remind_points_expiring_days]") == "soon"
    day.shot("reminders-01-bad-days")
    page.fill("input[name=remind_points_expiring_days]", "7, 30")
    page.fill("input[name=remind_credit_expiring_days]", "14")
    page.check("input[name=return_restores_redemption]")
    page.click("button[value=save]")
    page.wait_for_url("**/programs/bank")
    assert "program bank saved" in day.flash()
    day.go("/programs/bank")  # read back from the database
    assert page.input_value("input[name=remind_points_expiring_days]") == "30, 7"
    assert page.input_value("input[name=remind_credit_expiring_days]") == "14"
    assert page.is_checked("input[name=return_restores_redemption]")
    day.shot("reminders-02-program-form")


def test_the_daily_run_queues_a_reminder_shown_on_the_messages_page(day: Day) -> None:
    page = day.page
    day.go("/maintenance")
    page.click("#maintenance-form button[type=submit]")
    page.wait_for_load_state()
    day.go("/messages?status=queued")
    row = page.locator("#outbox tbody tr", has_text="points_expiring")
    assert row.count() == 1
    cells = row.locator("td").all_inner_texts()
    assert cells[3:6] == ["points_expiring", "ann@example.com",
                          f"Reward Cents: 300 points expire on {EXPIRES.isoformat()}"]
    day.shot("reminders-03-messages")
