"""A manager's whole day in real headless Chromium against a real `patronage serve`.

Log in, create a program (its problems shown beside the fields), open it, try it, find a
customer by card, enroll, adjust, run maintenance, read reports, download a CSV. Every
page visited is saved as a screenshot under test-output/screenshots/.

Chromium is Debian's package (scripts/install-browser), driven by Playwright through its
executable path; without it these tests are skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-output" / "screenshots"
BIN = Path(sys.executable).parent / "patronage"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "manager-password-1"
EXPECTED_STATUS = ("Failed to load resource: the server responded with a status of 401",
                   "Failed to load resource: the server responded with a status of 403",
                   "Failed to load resource: the server responded with a status of 422")

SHOP_FILE = """
shop:
  name: Tire Town
  stores: [{id: 1, name: Main}, {id: 2, name: North}]
  statuses: [{code: ACTIVE}]
  reasons: [{code: LOYALTY, account: "4950"}]
  employees: [{id: E1, email: manager@example.com, store: 1}]
customers:
  - {id: C1, name: Ann Lee, email: ann@example.com, type: retail, status: ACTIVE}
  - {id: C2, name: Bob Stone, type: retail, status: ACTIVE}
  - {id: C3, name: Cy Young, type: commercial, status: ACTIVE}
"""

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="chromium is not installed (scripts/install-browser)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(database: str, *args: str) -> str:
    done = subprocess.run([str(BIN), *args, "--database", database], capture_output=True,
                          text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise AssertionError(f"patronage {' '.join(args)} failed: {done.stdout}{done.stderr}")
    return done.stdout


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file with a shop, customers, a card and a manager."""
    tmp = tmp_path_factory.mktemp("browser")
    database = f"sqlite:///{tmp / 'shop.db'}"
    (tmp / "shop.yaml").write_text(SHOP_FILE)
    cli(database, "db", "upgrade")
    cli(database, "programs", "apply", str(tmp / "shop.yaml"))
    cli(database, "cards", "add", "C1", "4000123")
    cli(database, "users", "create", "--role", "manager", "--name", "maria",
        "--password", PASSWORD, "--store", "2")
    return database


@pytest.fixture(scope="module")
def server(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`patronage serve` on that database."""
    tmp = tmp_path_factory.mktemp("serve")
    port = free_port()
    log = (tmp / "server.log").open("wb")
    env = {**os.environ, "PATRONAGE_WEBHOOK_WORKER": "false", "PATRONAGE_SCHEDULER": "false"}
    proc = subprocess.Popen([str(BIN), "serve", "--port", str(port), "--database", database],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            if proc.poll() is not None:
                raise RuntimeError((tmp / "server.log").read_text()[-3000:])
            try:
                urllib.request.urlopen(f"{url}/login", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


class Day:
    """One browser tab, with a screenshot of every step and no console errors allowed."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}")
                if r.status == 404 or r.status >= 500 else None)
        page.on("dialog", lambda d: d.accept())
        SHOTS.mkdir(parents=True, exist_ok=True)

    def _console(self, message: Any) -> None:
        # a refused form answers 422 and a login 401 on purpose; Chromium logs those too
        if message.type == "error" and not message.text.startswith(EXPECTED_STATUS):
            self.errors.append(message.text)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def flash(self) -> str:
        return str(self.page.locator(".flash").first.inner_text())


def test_a_managers_day(day: Day) -> None:
    page = day.page
    # --- log in ---------------------------------------------------------------------------
    day.go("/programs")  # not logged in: sent to the login page, then back
    assert "/login" in page.url
    day.shot("01-login")
    page.fill("input[name=name]", "maria")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert "Wrong user name or password" in page.content()
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/programs")
    day.go("/")
    assert "maria" in page.inner_text("header")
    day.shot("02-dashboard")

    # --- create a program: every problem beside its field, then open it ----------------------
    day.go("/programs/new?kind=recurring")
    page.fill("input[name=id]", "club")
    page.fill("input[name=name]", "250 Club")
    page.fill("input[name=grace_days]", "10")
    page.fill("input[name=points_expire_days]", "5")  # must exceed grace days
    page.click("button[value=open]")
    problems = page.locator(".problems li")
    assert problems.count() >= 3
    beside = {el.get_attribute("data-field") for el in page.locator(".err").all()}
    assert {"points_expire_days", "multipliers.0.currency_per_point", "awards"} <= beside
    day.shot("03-program-problems")
    page.fill("input[name=points_expire_days]", "365")
    page.fill("input[name='multipliers.0.currency_per_point']", "5.00")
    page.fill("input[name='awards.0.name']", "25 dollars")
    page.fill("input[name='awards.0.level']", "250")
    page.fill("input[name='awards.0.credit_memo.amount']", "25.00")
    page.fill("input[name='awards.0.credit_memo.expire_days']", "30")
    page.select_option("select[name='awards.0.credit_memo.reason']", "LOYALTY")
    page.click("button[value=open]")
    page.wait_for_url("**/programs/club")
    assert "saved and opened" in day.flash()
    assert page.locator("h1 .badge").inner_text() == "open"
    day.shot("04-program-open")

    # --- try it on a test shop ----------------------------------------------------------------
    page.click("text=Try it")
    page.wait_for_url("**/programs/club/try")
    page.click("button:has-text('Run')")
    result = page.locator("#try-result")
    assert "every check held" in result.inner_text()
    day.shot("05-program-try")

    # --- find a customer by card scan, enroll, adjust ------------------------------------------
    day.go("/")
    page.fill("input[name=q]", "4000123")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/customers/C1")
    assert "Ann Lee" in page.inner_text("h1")
    day.shot("06-customer-found")
    page.select_option("form[action$='/enroll'] select[name=program]", "club")
    page.click("form[action$='/enroll'] button[type=submit]")
    assert "C1 enrolled in club" in day.flash()
    page.fill("#adjust-form input[name=amount]", "300")
    page.fill("#adjust-form input[name=reason]", "welcome gift")
    page.click("#adjust-form button[type=submit]")
    assert "adjusted by 300 points" in day.flash()
    # 300 available reach the 250 level at once: one $25 credit memo, 50 points left
    assert page.inner_text("#bal-available") == "50"
    assert "25.00" in page.inner_text("section:has(h2:text('Credit memos'))")
    day.shot("07-customer-adjusted")

    # --- live search by name ------------------------------------------------------------------
    day.go("/customers")
    page.fill("input[name=q]", "ston")
    page.locator("#results td:text('Bob Stone')").wait_for()
    day.shot("08-customer-search")

    # --- mass enroll: preview, untick one, run ----------------------------------------------
    day.go("/enrollment/mass")
    page.select_option("select[name=enrolled]", "no")
    page.click("button[value=preview]")
    page.locator("#mass-preview").wait_for()
    page.uncheck("input[name=customers][value=C3]")
    day.shot("09-mass-preview")
    page.click("button[value=run]")
    counts = page.locator("#mass-counts").inner_text()
    assert "1\nenrolled" in counts and "0\nfailed" in counts
    day.shot("10-mass-done")

    # --- maintenance ----------------------------------------------------------------------
    day.go("/maintenance")
    page.select_option("#maintenance-form select[name=store]", "2")
    page.click("#maintenance-form button[type=submit]")
    assert "Maintenance ran" in day.flash()
    assert "maria" in page.inner_text("#run-log tbody tr:first-child")
    day.shot("11-maintenance")

    # --- reports and a CSV ------------------------------------------------------------------
    day.go("/reports/balances")
    table = page.inner_text("#report")
    assert "C1" in table and "Ann Lee" in table
    day.shot("12-report-balances")
    with page.expect_download() as info:
        page.click("a[data-csv]")
    path = info.value.path()
    text = Path(path).read_text()
    assert text.splitlines()[0] == ("customer,name,email,program,enrolled,pending,available,"
                                    "value,expiring_30_days")
    assert any(line.startswith("C1,Ann Lee,") and ",50," in line for line in text.splitlines())
    day.go("/reports/points")
    page.locator("canvas.chart").first.wait_for()
    page.wait_for_function("document.querySelectorAll('canvas.chart[data-ready]').length >= 2")
    day.shot("13-report-points")
    day.go("/reports/credit")
    assert "LOYALTY" in page.inner_text("#report")
    day.shot("14-report-credit")
    day.go("/reports/expiring")
    day.shot("15-report-expiring")
    day.go("/journal")
    assert "balanced" in page.inner_text("main")
    day.shot("16-journal")
    day.go("/messages")
    day.shot("17-messages")
    day.go("/awards")
    day.shot("18-awards")

    # --- a manager may not set up the shop; logging out ends the session ---------------------
    day.go("/shop")
    assert "needs the admin role" in page.inner_text("main")
    page.click("header button:has-text('Log out')")
    page.wait_for_url("**/login")
    day.go("/customers/C1")
    assert "/login" in page.url


TRANSFER_FILE = """
programs:
  - {id: gold, name: Gold Rewards, kind: points_bank, status: open, effective: 2024-01-01,
     point_value: "0.01", grace_days: 30, filters: [{name: all}],
     percent_tiers: [{percent: "5"}]}
  - {id: silver, name: Silver Club, kind: points_bank, status: open, effective: 2024-01-01,
     point_value: "0.01", filters: [{name: all}], percent_tiers: [{percent: "1"}]}
customers:
  - {id: C4, name: Dee Park, type: retail, status: ACTIVE}
"""


def test_a_transfer_that_forfeits_points_asks_first(day: Day, database: str, server: str,
                                                    tmp_path: Path) -> None:
    """The transfer form chooses no program and closes nothing by default; a transfer that
    forfeits points shows how many on a page of its own, and changes nothing until confirmed."""
    (tmp_path / "programs.yaml").write_text(TRANSFER_FILE)
    cli(database, "programs", "apply", str(tmp_path / "programs.yaml"))
    cli(database, "enroll", "C4", "gold")
    cli(database, "adjust", "C4", "--points", "120", "--reason", "welcome")
    till = cli(database, "keys", "create", "--role", "cashier", "--name", "till-browser").strip()
    sold = httpx.post(f"{server}/v1/invoices", headers={"Authorization": f"Bearer {till}"},
                      json={"id": "B-1", "store": 1, "customer": "C4",
                            "lines": [{"sku": "TIRE", "qty": "1", "price": "100.00"}]})
    assert sold.status_code == 201, sold.text
    held = json.loads(cli(database, "balance", "C4"))
    assert (held["pending"], held["available"]) == (500, 120)  # 5 % of 100.00, pending 30 days

    page = day.page
    day.go("/login?next=/customers/C4")
    page.fill("input[name=name]", "maria")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/customers/C4")
    enroll = "form[action$='/enroll']"
    assert page.input_value(f"{enroll} select[name=program]") == ""
    assert not page.is_checked(f"{enroll} input[name=close_current]")
    choices = page.locator(f"{enroll} select[name=program] option").all_inner_texts()
    assert not any("(gold)" in text for text in choices)  # not the program it is in
    day.shot("20-transfer-form")

    page.select_option(f"{enroll} select[name=program]", "silver")
    page.check(f"{enroll} input[name=close_current]")
    page.click(f"{enroll} button[type=submit]")
    page.locator("#transfer-confirm").wait_for()
    assert page.inner_text("#forfeit-total") == "620"
    assert page.inner_text("#forfeit-pending") == "500"
    assert page.inner_text("#forfeit-available") == "120"
    assert "forfeits all 620 of its points, 500 of them pending" in page.inner_text("main")
    day.shot("21-transfer-confirm")
    still = json.loads(cli(database, "balance", "C4"))
    assert (still["program"], still["pending"], still["available"]) == ("gold", 500, 120)

    page.click("#transfer-confirm a:has-text('Cancel')")  # changes nothing
    page.wait_for_url("**/customers/C4")
    assert json.loads(cli(database, "balance", "C4"))["program"] == "gold"

    page.select_option(f"{enroll} select[name=program]", "silver")
    page.check(f"{enroll} input[name=close_current]")
    page.click(f"{enroll} button[type=submit]")
    page.click("#transfer-confirm button:has-text('Transfer and forfeit 620 points')")
    page.wait_for_url("**/customers/C4")
    assert "C4 enrolled in silver" in day.flash()
    assert "Left Gold Rewards with 620 points, 500 of them pending" in page.inner_text("main")
    day.shot("22-transferred")
    after = json.loads(cli(database, "balance", "C4"))
    assert (after["program"], after["pending"], after["available"]) == ("silver", 0, 0)
