"""Reports (G2) as pages and CSV, and the journal export (G1) in the console and the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from typer.testing import CliRunner

from patronage.entrypoints.cli import app as cli
from patronage.service import reports
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .helpers import Console, seed


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def a_season(shop: Patronage, clock: FixedClock) -> None:
    """C1 earns an award in January; C2's points bank earns, and some expires in February."""
    seed(shop)
    clock.set(dt.date(2024, 1, 11))
    shop.run_maintenance({"date": "2024-01-11"})


def test_customer_balances(admin: Console, shop: Patronage, clock: FixedClock) -> None:
    seed(shop)
    rows = shop.read(lambda tx: reports.customer_balances(tx, dt.date(2024, 1, 1)))
    assert [(r["customer"], r["pending"], r["available"], r["value"]) for r in rows] == [
        ("C2", 0, 400, Decimal("4.00")), ("C1", 250, 0, None)]
    soon = shop.read(lambda tx: reports.customer_balances(tx, dt.date(2024, 3, 10)))
    assert {r["customer"]: r["expiring_30_days"] for r in soon} == {"C1": 250}
    text = admin.get("/reports/balances?as_of=2024-01-01&format=csv").text
    assert rows_of(text)[0] == {"customer": "C2", "name": "Bob Stone", "email": "c2@x.io",
                                "program": "bank", "enrolled": "2024-01-01", "pending": "0",
                                "available": "400", "value": "4.00", "expiring_30_days": "0"}
    page = admin.get("/reports/balances?as_of=2024-01-01&program=club").text
    assert "Ann Lee" in page and "Bob Stone" not in page


def test_credit_liability_and_awards(admin: Console, shop: Patronage, clock: FixedClock) -> None:
    a_season(shop, clock)
    assert shop.read(reports.credit_liability) == [
        {"reason": "LOYALTY", "account": "4950", "memos": 1, "liability": Decimal("25.00")}]
    csv_text = admin.get("/reports/credit?format=csv").text
    assert rows_of(csv_text) == [{"reason": "LOYALTY", "account": "4950", "memos": "1",
                                  "liability": "25.00"}]
    detail = rows_of(admin.get("/reports/credit?detail=1&format=csv").text)
    assert detail[0]["customer"] == "C1" and detail[0]["remaining"] == "25.00"
    awards = rows_of(admin.get("/reports/awards?start=2024-01-01&end=2024-01-31&format=csv").text)
    assert [(a["customer"], a["award"], a["points"], a["credit_memo"], a["trigger"])
            for a in awards] == [("C1", "25 dollars", "250", "25.00", "maintenance")]
    assert admin.get("/reports/awards?start=2024-02-01&end=2024-02-28&format=csv").text \
        .count("\n") == 1


def test_points_per_month_and_liability(admin: Console, shop: Patronage,
                                        clock: FixedClock) -> None:
    a_season(shop, clock)
    clock.set(dt.date(2024, 2, 20))
    shop.run_maintenance({"date": "2024-02-20"})  # the bank's 400 points expire on 2024-02-15
    rows = shop.read(lambda tx: reports.points_by_month(tx, dt.date(2024, 1, 1),
                                                        dt.date(2024, 3, 31)))
    jan, feb, mar = rows
    assert (jan["earned"], jan["used"], jan["outstanding_points"]) == (650, 250, 400)
    assert jan["points_liability"] == Decimal("4.00")
    assert (feb["expired"], feb["outstanding_points"], feb["points_liability"]) == \
        (400, 0, Decimal("0.00"))
    assert mar["outstanding_points"] == 0
    page = admin.get("/reports/points?start=2024-01-01&end=2024-03-31")
    assert page.text.count('class="chart"') == 2
    text = admin.get("/reports/points?start=2024-01-01&end=2024-03-31&format=csv").text
    assert rows_of(text)[0]["points_liability"] == "4.00"


def test_expiring_in_30_60_90_days(admin: Console, shop: Patronage) -> None:
    seed(shop)
    rows = shop.read(lambda tx: reports.expiring(tx, dt.date(2024, 1, 20)))
    by = {r["customer"]: r for r in rows}
    assert by["C2"]["within_30"] == 400 and by["C2"]["value"] == Decimal("4.00")
    assert by["C1"]["days_61_90"] == 250
    assert reports.expiring_totals(rows) == {"next_30_days": 400, "next_60_days": 400,
                                             "next_90_days": 650}
    csv_rows = rows_of(admin.get("/reports/expiring?as_of=2024-01-20&format=csv").text)
    assert {r["customer"] for r in csv_rows} == {"C1", "C2"}


def test_journal_in_the_console_and_the_cli(admin: Console, shop: Patronage,
                                            clock: FixedClock, tmp_path: object) -> None:
    a_season(shop, clock)
    page = admin.get("/journal?start=2024-01-01&end=2024-01-31").text
    assert "balanced" in page and "points_liability" in page
    rows = rows_of(admin.get("/journal?start=2024-01-01&end=2024-01-31&format=csv").text)
    assert list(rows[0]) == ["date", "account", "debit", "credit", "memo", "reference", "entry"]
    debit = sum(Decimal(r["debit"]) for r in rows)
    credit = sum(Decimal(r["credit"]) for r in rows)
    assert debit == credit == Decimal("29.00")  # 4.00 of points, 25.00 of store credit
    for entry in {r["entry"] for r in rows}:
        mine = [r for r in rows if r["entry"] == entry]
        assert sum(Decimal(r["debit"]) for r in mine) == sum(Decimal(r["credit"]) for r in mine)
    assert {r["account"] for r in rows} == {"points_expense", "points_liability", "4950",
                                            "store_credit_liability"}


def test_journal_export_command(tmp_path: object) -> None:
    from pathlib import Path

    db = f"sqlite:///{Path(str(tmp_path)) / 'j.db'}"
    runner = CliRunner()
    from patronage.bootstrap import open_app

    app = open_app(db, FixedClock(dt.date(2024, 1, 1)))
    app.configure_shop({"stores": [{"id": 1}], "reasons": [{"code": "LOYALTY",
                                                             "account": "4950"}]})
    seed(app)
    out = Path(str(tmp_path)) / "journal.csv"
    done = runner.invoke(cli, ["journal", "export", "--from", "2024-01-01", "--to", "2024-12-31",
                               "--out", str(out), "--database", db])
    assert done.exit_code == 0, done.output
    rows = rows_of(out.read_text())
    assert rows and rows[0]["account"] in ("points_expense", "points_liability")
    to_stdout = runner.invoke(cli, ["journal", "export", "--from", "2024-01-01", "--to",
                                    "2024-12-31", "--database", db])
    assert to_stdout.stdout.startswith("date,account,debit,credit,memo,reference,entry")
    bad = runner.invoke(cli, ["journal", "export", "--from", "soon", "--to", "2024-12-31",
                              "--database", db])
    assert bad.exit_code == 2
