"""The files the `patronage` command reads, as an operator really gets them: a bad byte
late in the file, a file run twice or fixed and run again, a blank id, a 200,000-character
cell, extra cells. Each bad line is refused as `file:line: code: message`; a file is never
half applied by `adjust --file`, and never applied twice by it or by `import adjustments`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from patronage.adapters.db import tables as t
from patronage.bootstrap import open_app
from patronage.entrypoints.cli import app as cli
from patronage.entrypoints.ops.files import (
    ADJUSTMENT_COLUMNS,
    CUSTOMER_COLUMNS,
    INVOICE_COLUMNS,
    PAYMENT_COLUMNS,
)
from patronage.service.app import Patronage

SHOP = {"stores": [{"id": 1, "name": "Main"}]}
CLUB = {"id": "club", "name": "Club", "kind": "recurring", "status": "open",
        "effective": "2020-01-01", "filters": [{"name": "all"}],
        "multipliers": [{"name": "base", "currency_per_point": "5.00"}],
        "awards": [{"name": "far", "level": 1_000_000_000, "credit_memo": {"amount": "5.00"}}]}
REASON = ("balance brought over from the old loyalty program as its last statement showed "
          "it")  # rows of 100 bytes: the bad one is 14 KB in, beyond a first read of 8 KB


def run(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--database", url])
    return result.exit_code, result.stdout, result.stderr


def shop_of(url: str, customers: int, tmp_path: Path) -> Patronage:
    """A shop with an open program and customers C0... enrolled in it (by the importer)."""
    shop = open_app(url)
    shop.configure_shop(SHOP)
    shop.put_program(CLUB)
    people = tmp_path / "people.csv"
    write(people, CUSTOMER_COLUMNS, [[f"C{i}", f"Customer {i}", "", "", "", "club", "", ""]
                                     for i in range(customers)])
    code, _, err = run(url, "import", "customers", str(people), "--quiet")
    assert code == 0, err
    return shop


def write(path: Path, columns: tuple[str, ...], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(columns)
        out.writerows(rows)
    return path


def adjustments(shop: Patronage) -> tuple[int, int]:
    """(adjustments made, points they posted)."""
    row = shop.read(lambda tx: tx.repo.one(select(
        func.count(), func.coalesce(func.sum(t.adjustments.c.points), 0))))
    assert row is not None
    return tuple(row.values())  # type: ignore[return-value]


def test_a_bad_byte_late_in_the_file_applies_nothing_and_the_fixed_file_applies_once(
        database_url: str, tmp_path: Path) -> None:
    shop = shop_of(database_url, 150, tmp_path)
    path = tmp_path / "balances.csv"
    text = "customer,points,reason\n" + "".join(f"C{i},10,{REASON}\n" for i in range(150))
    good = text.encode()
    path.write_bytes(good.replace(b"C140,10,balance", b"C140,10,bal\xe9nce"))  # line 142
    code, out, err = run(database_url, "adjust", "--file", str(path))
    assert code == 1
    assert err.splitlines() == [
        f"{path}:142: invalid: reason: byte 0xE9 is not UTF-8 text (save the file as UTF-8)"]
    assert "nothing adjusted: 1 of 150 rows refused" in out
    assert adjustments(shop) == (0, 0)

    path.write_bytes(good)  # the operator fixes the line and runs the file again, twice
    assert run(database_url, "adjust", "--file", str(path)) == (0, "150 adjusted, 0 already done\n",
                                                                "")
    assert run(database_url, "adjust", "--file", str(path))[1] == "0 adjusted, 150 already done\n"
    assert adjustments(shop) == (150, 1500)
    assert shop.balance("C140").available == 10


def test_rows_without_ids_apply_once_however_the_file_is_run_again(
        database_url: str, tmp_path: Path) -> None:
    shop = shop_of(database_url, 3, tmp_path)
    path = tmp_path / "port.csv"
    rows = [["C0", "100", "", "", "port", "mia", "", ""],
            ["C1", "", "70", "", "port", "mia", "", ""],
            ["C0", "100", "", "", "port", "mia", "", ""],  # the same again: a second 100
            ["C9", "5", "", "", "port", "mia", "", ""]]    # unknown customer
    write(path, ADJUSTMENT_COLUMNS, rows)
    code, out, err = run(database_url, "import", "adjustments", str(path), "--quiet")
    assert code == 1 and f"{path}:5: not_found" in err
    assert out.startswith("adjustments: 3 imported, 0 already there, 1 refused")

    # fixed (C9 was C2), one line added before the others, `user` changed: run again
    write(path, ADJUSTMENT_COLUMNS, [["C2", "1", "", "", "welcome", "", "", ""]]
          + [[*r[:5], "ana", *r[6:]] for r in rows[:3]] + [["C2", "5", "", "", "port", "", "", ""]])
    code, out, err = run(database_url, "import", "adjustments", str(path), "--quiet")
    assert (code, err) == (0, "")
    assert out.startswith("adjustments: 2 imported, 3 already there, 0 refused")
    for again in (("import", "adjustments", str(path), "--quiet"), ("adjust", "--file", str(path))):
        code, out, err = run(database_url, *again)
        assert (code, err) == (0, "")
        assert out.startswith(("adjustments: 0 imported, 5 already there", "0 adjusted, 5 already"))
    assert [shop.balance(c).available for c in ("C0", "C1", "C2")] == [200, 70, 6]
    assert adjustments(shop) == (5, 276)


def _bad_lines(kind: str) -> tuple[tuple[str, ...], list[list[str]], dict[int, str]]:
    """A file of `kind` whose lines 3-6 are bad: a blank id, a 200,000-character cell,
    extra cells, a byte that is not UTF-8 (written as \\udcff, below); what each gives."""
    huge = "x" * 200_000
    if kind == "customers":
        good = ["K1", "Kim", "", "", "", "", "", ""]
        columns, blank, at = CUSTOMER_COLUMNS, ["", "No Id", "", "", "", "", "", ""], 1
    elif kind == "adjustments":
        good = ["C0", "5", "", "", "port", "", "", ""]
        columns, blank, at = ADJUSTMENT_COLUMNS, ["", "5", "", "", "port", "", "", ""], 4
    elif kind == "payments":
        good = ["P1", "I1", "2024-03-01", "1", "cash", "5.00"]
        columns, blank, at = PAYMENT_COLUMNS, ["", "I1", "2024-03-01", "1", "cash", "5.00"], 4
    else:
        good = ["I1", "2024-03-01", "1", "C0", "sale", "", "X", "product", "", "", "", "", "1",
                "5.00", "0.00", "0.00"]
        columns, blank, at = INVOICE_COLUMNS, ["", *good[1:]], 6  # joins I0, refused whole
    rows = [good, blank, [*good[:at], huge, *good[at + 1:]], [*good, "x", "y"],
            [*good[:at], "caf\udce9", *good[at + 1:]]]
    if kind == "invoices":  # one invoice per row
        rows = [[f"I{n}", *row[1:]] if row is not blank else row for n, row in enumerate(rows)]
    if kind == "payments":
        rows = [[f"P{n}", *row[1:]] if row is not blank else row for n, row in enumerate(rows)]
    huge_line = {4: "invalid: a cell is longer than 10,000 characters"}
    if kind == "invoices":  # a row that cannot be read joins the invoice before it
        huge_line = {3: "invalid: invoice_id: required; line 4: a cell is longer than 10,000 "
                        "characters"}
    return columns, rows, {3: f"invalid: {columns[0]}: required", **huge_line,
                           5: f"invalid: {len(columns) + 2} cells where the header has "
                              f"{len(columns)}",
                           6: f"invalid: {columns[at]}: byte 0xE9 is not UTF-8 text"}


@pytest.mark.parametrize("command", [
    ("adjust", "--file"), ("import", "adjustments"), ("import", "customers"),
    ("import", "invoices"), ("import", "payments"), ("import", "invoices", "--payments")])
def test_unreadable_lines_are_refused_by_line_never_as_internal_faults(
        database_url: str, tmp_path: Path, command: tuple[str, ...]) -> None:
    shop_of(database_url, 1, tmp_path)
    kind = "adjustments" if command[0] == "adjust" else command[-1].lstrip("-")
    columns, rows, expected = _bad_lines(kind)
    path = tmp_path / f"{kind}.csv"
    with path.open("w", newline="", encoding="utf-8", errors="surrogateescape") as fh:
        out = csv.writer(fh)
        out.writerow(columns)
        out.writerows(rows)
    args = [*command, str(path)]
    if command[-1] == "--payments":  # the payments file beside an invoices file
        invoices = write(tmp_path / "invoices.csv", INVOICE_COLUMNS, [
            ["I1", "2024-03-01", "1", "C0", "sale", "", "X", "product", "", "", "", "", "1",
             "5.00", "0.00", "0.00"]])
        args = ["import", "invoices", str(invoices), "--payments", str(path)]
    code, _, err = run(database_url, *args, *(["--quiet"] if command[0] == "import" else []))
    assert code == 1
    assert "internal" not in err and "Traceback" not in err
    for line, message in expected.items():
        assert f"{path}:{line}: {message}" in err, (line, err[:2000])


@pytest.mark.parametrize(("text", "line", "message"), [
    (b"programs:\n  - id: club\n    effective: 2017-13-01\n", 3,
     "'2017-13-01' is not a date: month must be in 1..12"),
    (b"shop:\n  stores: [{id: 1, name: \"M\xe9\"}]\n", 2, "byte 0xE9 is not UTF-8 text"),
    (b"a: &a [x, x, x, x, x, x, x, x, x, x]\n" + b"".join(
        b"%c: &%c [%s]\n" % (c, c, b", ".join([b"*%c" % (c - 1)] * 10)) for c in b"bcdefghij"),
     6, "aliases expand this to more than 1,000,000 values: refused"),
])
def test_programs_apply_refuses_an_unreadable_file_by_line(
        database_url: str, tmp_path: Path, text: bytes, line: int, message: str) -> None:
    path = tmp_path / "shop.yaml"
    path.write_bytes(text)
    code, out, err = run(database_url, "programs", "apply", str(path))
    assert (code, out) == (2, "")
    assert err.startswith(f"{path}:{line}: invalid: {message}")


def test_programs_apply_says_when_the_file_is_empty(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text("# nothing yet\n")
    code, _, err = run(database_url, "programs", "apply", str(path))
    assert code == 2 and err.startswith(f"error: invalid: {path} is empty: nothing to apply")
