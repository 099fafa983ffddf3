"""Issue 23 item 2 (R6-R8) in real headless Chromium against a real `patronage serve`: a
manager sets a points bank's redemption rules on the program form (an absurd share is
refused beside its field, the rest kept as typed), and they are read back from the
database. Screenshots go to test-output/screenshots/ (redeem-rules-*.png)."""

from __future__ import annotations

import pytest

from .browsing import BANK_SHOP, NEEDS_CHROMIUM, cli_shop, manager_day  # noqa: F401 - manager_day: `day`
from .test_browser import Day

pytestmark = NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file: the points bank with no redemption rules, and a manager."""
    return cli_shop(tmp_path_factory.mktemp("redeem-rules"), BANK_SHOP)


def test_redemption_rules_on_the_program_form(day: Day) -> None:
    page = day.page
    day.go("/programs/bank")
    assert page.input_value("input[name=redeem_min_points]") == "0"
    page.fill("input[name=redeem_min_points]", "500")
    page.fill("input[name=redeem_step_points]", "100")
    page.fill("input[name=redeem_max_share_percent]", "150")
    page.click("button[value=save]")
    assert page.inner_text(".err[data-field=redeem_max_share_percent]")
    assert page.input_value("input[name=redeem_min_points]") == "500"  # kept as typed
    day.shot("redeem-rules-01-bad-share")
    page.fill("input[name=redeem_max_share_percent]", "50")
    page.click("button[value=save]")
    page.wait_for_url("**/programs/bank")
    assert "program bank saved" in day.flash()
    day.go("/programs/bank")  # read back from the database
    assert [page.input_value(f"input[name={name}]") for name in
            ("redeem_min_points", "redeem_step_points", "redeem_max_share_percent")] \
        == ["500", "100", "50"]
    day.shot("redeem-rules-02-program-form")
