"""The `patronage` command as a manager uses it from a terminal, on a SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from patronage.entrypoints.cli import app

SHOP = """
shop:
  stores: [{id: 1, name: Main}, {id: 2, name: North}]
  reasons: [{code: LOYALTY, account: "4950"}]
programs:
  - id: club
    name: 250 Club
    kind: recurring
    status: open
    effective: 2024-01-01
    filters: [{name: all}]
    multipliers: [{name: base, currency_per_point: "5.00"}]
    awards:
      - {name: 25 dollars, level: 250, credit_memo: {amount: "25.00", expire_days: 30, reason: LOYALTY}}
"""


@pytest.fixture
def cli(tmp_path: Path) -> tuple[CliRunner, list[str]]:
    return CliRunner(), ["--database", f"sqlite:///{tmp_path / 'shop.db'}"]


def call(cli: tuple[CliRunner, list[str]], *args: str) -> tuple[int, str, str]:
    runner, db = cli
    result = runner.invoke(app, [*args, *db])
    return result.exit_code, result.stdout, result.stderr


def setup_shop(cli: tuple[CliRunner, list[str]], tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text(SHOP)
    code, out, err = call(cli, "programs", "apply", str(tmp_path / "shop.yaml"))
    assert code == 0, err
    assert "program club saved (open)" in out
    assert call(cli, "customers", "add", "C1", "--name", "Ann Lee")[0] == 0
    assert call(cli, "enroll", "C1", "club", "--date", "2024-02-01")[0] == 0


def test_manager_day_from_the_terminal(cli, tmp_path: Path) -> None:
    setup_shop(cli, tmp_path)
    assert call(cli, "cards", "add", "C1", "4000123")[0] == 0
    code, out, _ = call(cli, "cards", "find", "4000123")
    assert (code, out.strip()) == (0, "C1")

    code, out, _ = call(cli, "adjust", "C1", "--points", "260", "--reason", "port", "--user", "mia",
                        "--date", "2024-02-02")
    assert code == 0 and json.loads(out)["points"] == 260

    code, out, _ = call(cli, "balance", "C1", "--as-of", "2024-02-02")
    balance = json.loads(out)
    # 260 adjusted at once: the 250 level is reached, one award uses 250 (W1).
    assert (balance["program"], balance["available"], balance["adjusted"], balance["used"]) == (
        "club", 10, 260, 250)

    code, out, _ = call(cli, "maintenance", "--date", "2024-02-05", "--store", "2", "--user", "mia")
    assert code == 0 and json.loads(out)["to"] == "2024-02-05"

    code, out, _ = call(cli, "customers", "list", "4000123")
    assert out.split("\t")[:2] == ["C1", "Ann Lee"]
    assert call(cli, "customers", "list", "ann")[1].startswith("C1\t")
    assert call(cli, "customers", "list", "nobody")[1] == ""

    code, out, _ = call(cli, "customers", "show", "C1", "--as-of", "2024-02-05")
    shown = json.loads(out)
    assert shown["credit_memos"][0]["amount"] == "25.00"
    assert shown["cards"] == [["4000123", True]]


def test_refusals_print_code_and_no_traceback(cli, tmp_path: Path) -> None:
    setup_shop(cli, tmp_path)
    code, out, err = call(cli, "enroll", "C1", "club")
    assert code == 1
    assert err.startswith("error: already_enrolled:")
    assert "Traceback" not in out + err

    code, _, err = call(cli, "adjust", "C1", "--points", "-5")
    assert code == 1 and err.startswith("error: insufficient_points:")

    code, _, err = call(cli, "balance", "NOBODY")
    assert code == 1 and err.startswith("error: not_found:")


def test_bulk_adjustments_from_csv_report_bad_rows(cli, tmp_path: Path) -> None:
    """Every bad row is reported at once and nothing is kept; fixed, the file applies."""
    setup_shop(cli, tmp_path)
    call(cli, "customers", "add", "C2")
    call(cli, "enroll", "C2", "club", "--date", "2024-02-01")
    rows = tmp_path / "balances.csv"
    head = "customer,points,set_balance,expires,reason,user,allow_negative,id\n"
    rows.write_text(
        head + "C1,100,,,port,mia,,A1\n"
        "C2,,120,,port,mia,,A2\n"
        "C3,5,,,port,mia,,A3\n"          # unknown customer
        "C1,abc,,,port,mia,,A4\n"        # not a number
        "C1,100,,,port,mia,,A1\n"        # the same id again: already done
    )
    code, out, err = call(cli, "adjust", "--file", str(rows), "--date", "2024-02-03")
    assert code == 1
    assert "nothing adjusted: 2 of 5 rows refused" in out
    assert f"{rows}:4: not_found" in err and f"{rows}:5: invalid" in err
    for customer in ("C1", "C2"):
        balance = json.loads(call(cli, "balance", customer, "--as-of", "2024-02-03")[1])
        assert (balance["available"], balance["adjusted"]) == (0, 0)

    rows.write_text(head + "C1,100,,,port,mia,,A1\nC2,,120,,port,mia,,A2\n"
                    "C1,5,,,port,mia,,A4\nC1,100,,,port,mia,,A1\n")
    code, out, err = call(cli, "adjust", "--file", str(rows), "--date", "2024-02-03")
    assert (code, out.strip(), err) == (0, "3 adjusted, 1 already done", "")
    assert json.loads(call(cli, "balance", "C1", "--as-of", "2024-02-03")[1])["available"] == 105
    assert json.loads(call(cli, "balance", "C2", "--as-of", "2024-02-03")[1])["available"] == 120


def test_program_that_cannot_open_lists_every_problem(cli, tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "programs:\n  - {id: bad, name: Bad, kind: recurring, status: open, effective: 2024-01-01}\n")
    assert call(cli, "programs", "list")[0] == 0  # the database exists: no note before the error
    code, _, err = call(cli, "programs", "apply", str(tmp_path / "p.yaml"))
    assert code == 1
    assert err.startswith("error: invalid_program:")
    for field in ("filters", "multipliers", "awards"):
        assert field in err


def test_a_new_database_file_is_announced_once(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A command run in a folder without the database creates it and says so on stderr
    (issue 21: it was silent), and says nothing once the file exists."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PATRONAGE_DATABASE_URL", raising=False)
    runner = CliRunner()
    first = runner.invoke(app, ["customers", "list"])
    assert first.exit_code == 0, first.output
    made = tmp_path / "patronage.db"
    assert made.exists()
    assert f"created a new, empty database at {made}" in first.stderr
    again = runner.invoke(app, ["customers", "list"])
    assert again.exit_code == 0 and "created" not in again.stderr


def test_programs_apply_takes_a_scenario_file(cli: tuple[CliRunner, list[str]],
                                              tmp_path: Path) -> None:
    """The README says `programs apply` takes a scenario's set-up: its timeline is left to
    `simulate`, not refused as an unknown section."""
    scenario = tmp_path / "story.yaml"
    scenario.write_text(SHOP + "customers:\n  - {id: C1, name: Ann Lee}\n"
                        "timeline:\n  - date: 2024-01-01\n    enroll: {customer: C1, program: club}\n")
    code, out, err = call(cli, "programs", "apply", str(scenario))
    assert code == 0, err
    assert "program club saved" in out and "customer C1 saved" in out
    assert "timeline: not applied" in err
    code, out, _ = call(cli, "customers", "show", "C1")
    assert code == 0 and "club" not in out  # the timeline's enrollment was not applied
