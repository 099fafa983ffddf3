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
    shop.clock.set(dt.date(2023, 1, 6))  # type: ignore[attr-defined]  # the rows' last day
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
    assert (again.done, again.repeated, len(again.errors)) == (0, 3, 3)
    assert shop.balance("B1").adjusted == 500 and shop.balance("N1").available == -50
    assert shop.read(lambda tx: check.run(tx)).faults == []


def test_adjustments_without_ids_apply_once_when_the_file_is_fixed_and_run_again(
        two_shops: tuple[Patronage, Patronage], tmp_path: Path) -> None:
    """A row without an id gets one from the file's name and what it asks (docs/
    decisions.md, "Bulk files"): a rerun after a crash, or after fixing a bad line, applies
    each adjustment once; two equal rows are two adjustments."""
    _, shop = two_shops
    shop.clock.set(dt.date(2023, 2, 1))  # type: ignore[attr-defined]
    rows = [["B1", "100", "", "", "porting", "maria", "", ""],
            ["B1", "100", "", "", "porting", "maria", "", ""],
            ["R1", "", "40", "", "porting", "maria", "", ""],
            ["N1", "-50", "", "", "fix", "maria", "", ""]]  # more than N1 has
    path = write(tmp_path / "port.csv", ADJUSTMENT_COLUMNS, rows)
    first = bulk.import_adjustments(shop, read_adjustments(path))
    assert (first.done, first.repeated, [(e.line, e.code) for e in first.errors]) == (
        3, 0, [(5, "insufficient_points")])
    # fixed (allow_negative), a row added at the top, the file moved: each still applies once
    moved = tmp_path / "again"
    moved.mkdir()
    write(moved / "port.csv", ADJUSTMENT_COLUMNS, [["R1", "1", "", "", "bonus", "", "", ""],
                                                   *rows[:3], [*rows[3][:6], "yes", ""]])
    for _ in range(2):
        again = bulk.import_adjustments(shop, read_adjustments(moved / "port.csv"))
        assert again.errors == []
    assert (again.done, again.repeated) == (0, 5)
    assert (shop.balance("B1").adjusted, shop.balance("R1").available,
            shop.balance("N1").available) == (200, 41, -50)
    assert shop.read(lambda tx: check.run(tx)).faults == []


def test_rows_that_cannot_be_read_are_refused_by_line_and_the_rest_is_read(
        tmp_path: Path) -> None:
    """Bytes that are not UTF-8, a blank id, a 200,000-character cell, extra cells: each
    row is refused (`invalid`) with its line, never a KeyError for the whole file."""
    def lines(rows: list[list[str]], columns: tuple[str, ...]) -> Path:
        path = tmp_path / "file.csv"
        with path.open("w", newline="", encoding="utf-8", errors="surrogateescape") as fh:
            out = csv.writer(fh)
            out.writerow(columns)
            out.writerows(rows)
        return path

    customers = [c.error and (c.error.line, c.error.code, c.error.message) for c in
                 read_customers(lines([["K1", "Kim"], ["", "No Id"], ["K3", "x" * 200_000],
                                       ["K4", "Lou", "", "", "", "", "", "", "extra"],
                                       ["K5", "Ren\udcff"], ["K6", "Ada", "", "", "", "", "", "", ""]],
                                      CUSTOMER_COLUMNS))]
    assert customers == [None, (3, "invalid", "id: required"),
                         (4, "invalid", "a cell is longer than 10,000 characters"),
                         (5, "invalid", "9 cells where the header has 8"),
                         (6, "invalid", "name: byte 0xFF is not UTF-8 text (save the file as UTF-8)"),
                         None]  # an empty cell beyond the header is no cell
    payments = [p.error and (p.error.line, p.error.message) for p in read_payments(lines(
        [["", "I1", "2023-01-02", "1", "cash", "5.00"],
         ["P2", "I1", "2023-01-02", "1", "cash", "y" * 20_000]], PAYMENT_COLUMNS))]
    too_long = "amount: 20,000 characters, at most 10,000"
    assert payments == [(2, "payment_id: required"), (3, too_long)]
    with pytest.raises(PatronageError, match="the file is empty"):
        list(read_adjustments(lines([], ())))
    with pytest.raises(PatronageError, match="written twice: points"):
        list(read_adjustments(lines([["C1", "1", "2"]], ("customer", "points", "points"))))


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
