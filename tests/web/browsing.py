"""What the console's browser tests share beyond `test_browser.py`'s fixtures and
conftest's `day`: the skip without Chromium, a SQLite file made with the facade (a shop,
users of each role) or as an operator would (`cli_shop`, often of `BANK_SHOP`), logging a
tab in, and `manager_day`, a module's `day` with the manager logged in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from patronage.bootstrap import open_app
from patronage.entrypoints.web import accounts
from patronage.service.app import Patronage

from .conftest import SHOP
from .test_browser import CHROMIUM, PASSWORD, Day, cli

# Every browser test module's `pytestmark`.
NEEDS_CHROMIUM = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="chromium is not installed (scripts/install-browser)")

# A shop for `cli_shop`: one store and a points bank, a point a dollar worth a cent.
BANK_SHOP = """
shop:
  name: Tire Town
  stores: [{id: 1, name: Main}]
programs:
  - {id: bank, name: Reward Cents, kind: points_bank, status: open, effective: 2024-01-01,
     point_value: "0.01", filters: [{name: all}],
     multipliers: [{name: base, currency_per_point: "1.00"}]}
"""


def shop_file(folder: Path, fill: Callable[[Patronage], Any]) -> str:
    """A SQLite database in `folder` with the tests' shop, a cashier `carl`, a manager
    `maria` (store 1) and an admin `ada`, then what `fill` adds."""
    url = f"sqlite:///{folder / 'shop.db'}"
    app = open_app(url)
    app.configure_shop(SHOP)
    for name, role, store in (("carl", "cashier", 1), ("maria", "manager", 1), ("ada", "admin", None)):
        accounts.create_user(app.engine, name, role, PASSWORD, store)
    fill(app)
    app.engine.dispose()
    return url


def cli_shop(folder: Path, shop_yaml: str, *commands: tuple[str, ...]) -> str:
    """A SQLite database in `folder` made as an operator would: `db upgrade`, `programs
    apply` of `shop_yaml`, then each of `commands`, then a manager `maria`."""
    url = f"sqlite:///{folder / 'shop.db'}"
    (folder / "shop.yaml").write_text(shop_yaml)
    cli(url, "db", "upgrade")
    cli(url, "programs", "apply", str(folder / "shop.yaml"))
    for command in commands:
        cli(url, *command)
    cli(url, "users", "create", "--role", "manager", "--name", "maria", "--password", PASSWORD)
    return url


def log_in(day: Day, name: str, target: str | None = None) -> None:
    """Log `name` in and wait for `target`; without one, from the plain login page to
    wherever the console sends them."""
    page = day.page
    day.go("/login" if target is None else f"/login?next={target}")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    if target is None:
        page.wait_for_url(lambda url: "/login" not in url)
    else:
        page.wait_for_url(f"**{target}")


@pytest.fixture(name="day")
def manager_day(day: Day) -> Day:
    """conftest's tab, the manager `maria` (`cli_shop`'s) logged in: a module that imports
    this has it as its `day`."""
    log_in(day, "maria")
    return day
