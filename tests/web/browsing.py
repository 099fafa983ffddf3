"""What the console's browser tests share beyond `test_browser.py`'s fixtures and
conftest's `day`: a SQLite file made with the facade (a shop, users of each role) and
logging a tab in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from patronage.bootstrap import open_app
from patronage.entrypoints.web import accounts
from patronage.service.app import Patronage

from .conftest import SHOP
from .test_browser import PASSWORD, Day, cli


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
