"""examples/till.py runs a whole POS day against a real `patronage serve`, on SQLite and
PostgreSQL, and its summary agrees with the balances the server gives (read here without
the client) and with the day worked out by hand from the program's rules."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from typing import Any

from tests.conftest import REPO

TILL = REPO / "examples" / "till.py"

# The day by hand. The bank: 10 points a dollar, labor earns nothing, a point is a cent.
# Ann: INV-1 tires 2 x 50.00 (+ labor) earn 1000; INV-3 wipers 30.00 paid with all 1000
#      points earns 300.                                              -> 300 points
# Bob: INV-2 oil 45.00 + filter 15.00 earn 600; the filter returned takes 150; goodwill
#      250.                                                           -> 700 points
# Cal: layaway rims 200.00 converted earns 2000; a cap 15.00 (150) voided. -> 2000 points
EXPECTED = {"ANN": 300, "BOB": 700, "CAL": 2000}


def run_till(server: Any, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TILL), "--url", server.url, "--key", server.key("cashier"),
         "--manager-key", server.key("manager"), *extra],
        capture_output=True, text=True, timeout=300, check=False)


def test_the_till_runs_a_day_and_its_summary_matches_the_balances(start_server: Any,
                                                                   database_url: str) -> None:
    server = start_server(database_url)
    done = run_till(server, "--admin-key", server.key("admin"), "--run", "D1", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert "Cal Ng arrives" in done.stderr  # the story goes to stderr with --json

    with server.client(server.key("cashier")) as direct:
        balances = {c["id"]: direct.get(f"/v1/customers/{c['id']}/balance").json()
                    for c in report["customers"]}
        sales = [direct.get(f"/v1/invoices/D1-INV-{n}").json() for n in range(1, 6)]
    for customer in report["customers"]:
        server_says = balances[customer["id"]]
        assert customer["available"] == server_says["available"]
        assert customer["value"] == server_says["value"]
    assert {c["id"]: c["available"] for c in report["customers"]} == \
        {f"D1-{short}": points for short, points in EXPECTED.items()}
    assert [c["value"] for c in report["customers"]] == ["3.00", "7.00", "20.00"]

    # the day's figures add up to the balances, and to the invoices the server kept
    net = (report["points_earned"] - report["points_redeemed"] - report["points_taken"]
           - report["points_voided"] + report["points_adjusted"])
    assert net == sum(b["available"] for b in balances.values()) == 3000
    kept = [s for s in sales if s["status"] != "voided"]
    assert report["invoices"] == len(kept) == 4 and report["voids"] == 1
    assert report["sales"] == "424.70" == str(sum(Decimal(s["total"]) for s in kept))
    assert report["rewards_redeemed"] == "10.00" and report["returned"] == "15.00"
    assert report["layaway_payments"] == "150.00" and report["refusals"] == ["above_maximum"]


def test_the_till_runs_again_and_prints_a_readable_summary(start_server: Any,
                                                            database_url: str) -> None:
    server = start_server(database_url)
    admin = server.key("admin")
    first = run_till(server, "--admin-key", admin, "--run", "D1")
    again = run_till(server, "--admin-key", admin, "--run", "D2")  # same shop, a new day
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert "Day summary (run D2, store 1)" in again.stdout
    for short, points in EXPECTED.items():
        row = next(x for x in again.stdout.splitlines() if x.strip().startswith(f"D2-{short}"))
        assert f" {points} points" in row


def test_the_till_reports_a_refusal_and_exits_1(start_server: Any, database_url: str) -> None:
    server = start_server(database_url)
    done = subprocess.run(  # a cashier's key cannot sign customers up
        [sys.executable, str(TILL), "--url", server.url, "--key", server.key("cashier")],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert done.stderr.startswith("error: forbidden: ") and "Traceback" not in done.stderr
