"""`patronage import customers | payments | adjustments`: the same rules as one by one,
idempotent, bad rows reported by line; progress as plain lines off a terminal."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from patronage.core.errors import PatronageError
from patronage.entrypoints.cli import app as cli
from patronage.entrypoints.ops.files import (
    ADJUSTMENT_COLUMNS,
    CUSTOMER_COLUMNS,
    PAYMENT_COLUMNS,
    read_adjustments,
    read_customers,
    read_invoices,
    read_payments,
)
from patronage.entrypoints.ops.progress import Lines, reporter
from patronage.entrypoints.ops.scratch import scratch_engine
from patronage.service import bulk, check
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from . import story

PAID: dict[str, Any] = {
    "id": "paid", "name": "Paid in Full", "kind": "recurring", "status": "open",
    "effective": "2023-01-01", "accrue_on": "paid_in_full", "grace_days": 2,
    "points_expire_days": 30, "filters": [{"name": "all"}],
    "multipliers": [{"name": "base", "currency_per_point": "1.00"}],
    "awards": [{"name": "five", "level": 100, "credit_memo": {"amount": "5.00"}}],
}


def write(path: Path, columns: tuple[str, ...], rows: list[list[Any]]) -> Path:
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(columns)
        out.writerows(rows)
    return path


@pytest.fixture
def two_shops(server_url: str | None) -> Iterator[tuple[Patronage, Patronage]]:
    with scratch_engine(server_url, prefix="test") as a, \
            scratch_engine(server_url, prefix="test") as b:
        shops = Patronage(a, FixedClock(story.START)), Patronage(b, FixedClock(story.START))
        for shop in shops:
            story.configure(shop, shop.clock)  # type: ignore[arg-type]
            shop.put_program(PAID)
            for cid in ("P1", "P2"):
                shop.put_customer({"id": cid, "name": cid})
                shop.enroll({"customer": cid, "program": "paid", "date": story.START})
        yield shops


def test_payments_merged_with_invoices_give_the_online_books(
        two_shops: tuple[Patronage, Patronage], tmp_path: Path) -> None:
    online, imported = two_shops
    day = story.START
    invoices: list[dict[str, Any]] = [{"id": f"L-{n}", "store": 1, "customer": "P1" if n % 2 else "P2",
                 "date": day + dt.timedelta(days=n), "type": "sale", "tax": "0.00",
                 "lines": [{"sku": "X", "item_type": "product", "qty": "1",
                            "price": f"{60 + n}.00", "discount": "0.00"}]} for n in range(8)]
    payments: list[dict[str, Any]] = []
    for n, inv in enumerate(invoices):  # half now, half four days later (then paid in full)
        half = (Decimal(60 + n) / 2).quantize(Decimal("0.01"))
        payments.append({"id": f"PAY-{n}a", "invoice": inv["id"], "store": 1,
                         "date": inv["date"], "tender": "cash", "amount": str(half)})
        payments.append({"id": f"PAY-{n}b", "invoice": inv["id"], "store": 1,
                         "date": inv["date"] + dt.timedelta(days=4), "tender": "card",
                         "amount": str(Decimal(60 + n) - half)})
    last = story.START + dt.timedelta(days=16)
    d = story.START
    while d <= last:  # online: each day the daily run, then invoices, then payments
        online.clock.set(d)  # type: ignore[attr-defined]
        online.run_maintenance({"date": d})
        for inv in invoices:
            if inv["date"] == d:
                online.post_invoice(inv)
        for pay in payments:
            if pay["date"] == d:
                online.post_payment(pay)
        d += dt.timedelta(days=1)

    inv_csv = tmp_path / "invoices.csv"
    story.write_csv(inv_csv, invoices)
    pay_csv = write(tmp_path / "payments.csv", PAYMENT_COLUMNS, [
        [p["id"], p["invoice"], p["date"].isoformat(), p["store"], p["tender"], p["amount"]]
        for p in reversed(payments)])
    imported.clock.set(last)  # type: ignore[attr-defined]
    result = bulk.import_invoices(imported, read_invoices(inv_csv),
                                  payments=read_payments(pay_csv), batch=3)
    assert result.errors == [] and result.done == len(invoices) + len(payments)
    imported.run_maintenance({"date": last})
    assert story.books(imported) == story.books(online)
    assert imported.balance("P1", last) == online.balance("P1", last)
    assert imported.read(lambda tx: check.run(tx)).faults == []

    again = bulk.import_payments(imported, read_payments(pay_csv))
    assert (again.done, again.repeated, again.errors) == (0, len(payments), [])


def test_customers_are_added_enrolled_and_carded_once(two_shops: tuple[Patronage, Patronage],
                                                      tmp_path: Path) -> None:
    _, shop = two_shops
    path = write(tmp_path / "customers.csv", CUSTOMER_COLUMNS, [
        ["K1", "Kim Park", "kim@example.com", "retail", "", "club", "2023-01-05", "7001"],
        ["K2", "Lou Chan", "", "commercial", "", "", "", ""],
        ["K3", "Max Roe", "", "", "", "nosuch", "2023-01-05", ""],
        ["K4", "Ned Fox", "", "", "", "club", "2023-13-01", ""],
        ["K5", "Oda Lin", "", "", "", "bank", "2023-01-06", "7001"],
        ["R1", "R One", "", "", "", "club", "2023-01-06", ""],  # already in club
        ["B1", "B One", "", "", "", "club", "2023-01-06", ""],  # enrolled elsewhere
    ])
    first = bulk.import_customers(shop, read_customers(path))
    codes = {e.line: e.code for e in first.errors}
    assert codes == {4: "not_found", 5: "invalid", 6: "card_in_use", 8: "already_enrolled"}
    assert first.done == 2 and first.repeated == 1
    kim = shop.customer("K1", dt.date(2023, 1, 5))
    assert (kim.name, kim.email, kim.balance.program, kim.cards) == (
        "Kim Park", "kim@example.com", "club", [("7001", True)])
    assert shop.find_by_card("7001") == "K1"
    assert shop.customer("K2").balance.program is None
    for cid in ("K3", "K5"):  # a refused row leaves nothing of itself
        with pytest.raises(PatronageError, match="not_found"):
            shop.customer(cid)
    again = bulk.import_customers(shop, read_customers(path))
    assert (again.done, again.repeated) == (0, 3) and len(again.errors) == 4
    assert shop.customer("K1").cards == [("7001", True)]


def test_adjustments_with_ids_apply_once(two_shops: tuple[Patronage, Patronage],
                                         tmp_path: Path) -> None:
    _, shop = two_shops
    shop.clock.set(dt.date(2023, 2, 1))  # type: ignore[attr-defined]
    path = write(tmp_path / "adjust.csv", ADJUSTMENT_COLUMNS, [
        ["B1", "500", "", "", "porting", "maria", "", "A-1"],
        ["R1", "", "40", "2023-06-30", "porting", "maria", "", "A-2"],
        ["N1", "-50", "", "", "fix", "maria", "", "A-3"],
        ["N1", "-50", "", "", "fix", "maria", "yes", "A-4"],
        ["X1", "10", "", "", "", "", "", "A-5"],
        ["B1", "ten", "", "", "", "", "", "A-6"],
    ])
    first = bulk.import_adjustments(shop, read_adjustments(path))
    assert {e.line: e.code for e in first.errors} == {
        4: "insufficient_points", 6: "not_enrolled", 7: "invalid"}
    assert shop.balance("B1").adjusted == 500
    assert shop.balance("R1").available == 40
    assert shop.balance("N1").available == -50
    again = bulk.import_adjustments(shop, read_adjustments(path))
    assert again.done == 3 and len(again.errors) == 3  # the three with ids: "repeated"
    assert shop.balance("B1").adjusted == 500 and shop.balance("N1").available == -50
    assert shop.read(lambda tx: check.run(tx)).faults == []


def test_a_missing_column_refuses_the_whole_file(database_url: str, tmp_path: Path) -> None:
    path = write(tmp_path / "bad.csv", ("invoice_id", "date", "sku"), [["I1", "2023-01-01", "X"]])
    result = CliRunner().invoke(cli, ["import", "invoices", str(path), "--database",
                                      database_url])
    assert result.exit_code == 1
    assert "error: invalid:" in result.stderr and "store" in result.stderr


def test_progress_is_plain_lines_off_a_terminal() -> None:
    out = io.StringIO()
    with reporter("invoices", out=out) as progress:
        assert isinstance(progress, Lines)
        progress.start(200)
        progress.every = 0
        progress.advance(50)
        progress.advance(150)
    text = out.getvalue().splitlines()
    assert text[0].startswith("invoices: 50/200 rows (25%), ")
    assert text[-1].startswith("invoices: 200/200 rows (100%)")


def test_bench_smoke(server_url: str | None) -> None:
    """A tiny `patronage bench`: every figure is there; the books it made hold."""
    from patronage.entrypoints.ops.bench import run_bench

    out = run_bench(40, server_url, quiet=True, runs=3)
    assert out["size"]["lines"] > 100 and out["import"]["lines_per_s"] > 0
    shares = sorted(r["import_share_of_written_limit"] for r in out["runs"])
    assert len(shares) == 3 and out["storage_limit"]["import_share_of_written_limit"] == shares[1]
    assert out["storage_limit"]["file_rows_per_s"] > 0
    assert out["online"]["invoices"] == 40 and out["check"]["faults"] == 0
    assert out["maintenance"]["expire_all"]["lots_expired"] > 0
    assert out["balance"]["entries_big"] > 5000
    assert set(out["targets"]) >= {"daily_run_within_import_time", "balance_flat_within_1.5x"}
