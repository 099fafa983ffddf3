"""Fixtures of the console tests: a shop with stores, reasons and a logged-in admin; a
browser tab for the Chromium tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher

from patronage.entrypoints.web import accounts
from patronage.service.app import Patronage

from .helpers import Console, console_for
from .test_browser import Day, browser, server  # noqa: F401 - `day` uses them

SHOP = {
    "name": "Tire Town",
    "stores": [{"id": 1, "name": "Main"}, {"id": 2, "name": "North"}],
    "statuses": [{"code": "ACTIVE"}, {"code": "BANNED", "include_in_loyalty": False}],
    "reasons": [{"code": "LOYALTY", "account": "4950"}],
    "price_groups": [{"code": "GOLD", "discount_percent": "10"}],
    "employees": [{"id": "E1", "email": "manager@example.com", "store": 1}],
}


@pytest.fixture
def shop(app: Patronage) -> Patronage:
    app.configure_shop(SHOP)
    return app


@pytest.fixture
def admin(shop: Patronage) -> Console:
    return console_for(shop, "admin")


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Argon2 at its lowest cost in these tests: each hash is real, only faster."""
    monkeypatch.setattr(accounts, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield


@pytest.fixture
def day(browser: Any, server: str) -> Iterator[Day]:  # noqa: F811 - the imported fixtures
    """A Chromium tab on the module's real server (`browser` and `server` from
    test_browser.py, on the module's own `database`): no console error, no 404 nor 5xx
    allowed."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    tab = Day(page, server)
    yield tab
    context.close()
    assert tab.errors == [], tab.errors
