"""Refused forms in Chromium (issue 21 item 10): each problem beside its field, the form
keeping what was typed (the shop page lost both); and the daily run's answer in sentences."""

from __future__ import annotations

import pytest

from patronage.bootstrap import open_app
from patronage.service.app import Patronage

from .browsing import log_in, shop_file
from .test_browser import Day, browser, server  # noqa: F401  (fixtures used by name)


def fill(app: Patronage) -> None:
    app.put_customer({"id": "C1", "name": "Ann Lee"})


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return shop_file(tmp_path_factory.mktemp("form-errors"), fill)


def test_shop_problems_beside_their_fields_keeping_what_was_typed(day: Day,
                                                                  database: str) -> None:
    page = day.page
    log_in(day, "ada", "/shop")
    stores = "#stores"
    new_row = page.locator(f"{stores} tr.new-row")
    new_row.locator("input[aria-label=Id]").fill("third")
    new_row.locator("input[aria-label=Name]").fill("South side")
    page.click(f"{stores} button[type=submit]")
    beside = page.locator(f"{stores} .err[data-field='stores.2.id']")
    assert "valid integer" in beside.inner_text()
    assert page.input_value(f"{stores} input[name='stores.2.id']") == "third"
    assert page.input_value(f"{stores} input[name='stores.2.name']") == "South side"
    assert page.get_attribute(f"{stores} input[name='stores.2.id']", "readonly") is None
    assert "Stores were not saved" in page.inner_text(f"{stores} [data-form-errors]")
    day.shot("form-errors-01-shop-store")
    assert open_app(database).read(lambda tx: tx.repo.store(3)) is None

    # the price groups' blank row is skipped: a problem in the row after it still lands there
    groups = "#price_groups"
    page.fill(f"{groups} tr.new-row input[aria-label=Code]", "SILVER")
    page.fill(f"{groups} tr.new-row input[aria-label='Discount %']", "lots")
    page.click(f"{groups} button[type=submit]")
    assert "not a number" in page.inner_text(f"{groups} .err[data-field='price_groups.1.discount_percent']")
    assert page.input_value(f"{groups} input[name='price_groups.1.code']") == "SILVER"

    page.fill("#settings input[name=currency]", "US")
    page.fill("#settings input[name=name]", "Tyre Town")
    page.click("#settings button[type=submit]")
    assert "at least 3 characters" in page.inner_text("#settings .err[data-field=currency]")
    assert page.input_value("#settings input[name=currency]") == "US"
    assert page.input_value("#settings input[name=name]") == "Tyre Town"
    day.shot("form-errors-02-shop-settings")
    page.fill("#settings input[name=currency]", "EUR")
    page.click("#settings button[type=submit]")
    assert "settings saved" in day.flash()
    assert page.locator(".err").count() == 0


def test_the_daily_run_answers_in_sentences(day: Day, database: str) -> None:
    page = day.page
    log_in(day, "maria", "/maintenance")
    page.click("#maintenance-form button[type=submit]")
    said = day.flash()
    assert said.startswith("Maintenance ran ") and said.endswith(": nothing to do."), said
    assert "{" not in said and "_" not in said
    assert page.inner_text("#run-log tbody tr:first-child td:last-child").endswith(
        "nothing to do.")
    day.shot("form-errors-03-maintenance")
