"""`patronage backup` and `patronage restore`: a shop with invoices, backed up, restored into
a fresh database, gives the same answers (`patronage check`, balances, the journal); what
would overwrite a file or restore over live data is refused and changes nothing."""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from patronage.bootstrap import open_app
from patronage.entrypoints.cli import app as cli
from patronage.entrypoints.ops.scratch import scratch_url
from patronage.service.clock import FixedClock

from .shop import history

CUSTOMERS = ("B1", "R1")
_DAY = dt.date(2023, 4, 1)  # the last day of `history`


def call(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def answers(url: str) -> dict[str, Any]:
    """What a manager would ask a restored shop: the check, balances, customers, journal."""
    code, out = call("check", "--database", url)
    app = open_app(url, FixedClock(_DAY))
    try:
        return {"check": (code, out),
                "balances": {c: app.balance(c) for c in CUSTOMERS},
                "customers": {c: app.customer(c) for c in CUSTOMERS},
                "journal": app.journal_balances()}
    finally:
        app.engine.dispose()




def shop_with_invoices(url: str) -> None:
    clock = FixedClock(_DAY)
    app = open_app(url, clock)
    history(app, clock)
    app.engine.dispose()


def test_sqlite_backup_restores_to_the_same_books(tmp_path: Path) -> None:
    url, copy, file = (f"sqlite:///{tmp_path / 'shop.db'}", f"sqlite:///{tmp_path / 'new.db'}",
                       tmp_path / "shop.backup")
    shop_with_invoices(url)
    code, out = call("backup", str(file), "--database", url)
    assert code == 0, out
    assert "backed up" in out and file.stat().st_size > 0
    code, out = call("restore", str(file), "--database", copy)
    assert code == 0, out
    before, after = answers(url), answers(copy)
    assert before["check"][0] == 0 and before["check"][1].startswith("ok: the books hold")
    assert after == before
    assert before["balances"]["B1"] != before["balances"]["R1"]  # the shop is not empty


def test_a_backup_taken_during_a_write_holds_only_what_was_committed(tmp_path: Path) -> None:
    url, file = f"sqlite:///{tmp_path / 'shop.db'}", tmp_path / "shop.backup"
    shop_with_invoices(url)
    writer = sqlite3.connect(tmp_path / "shop.db", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # the server is in the middle of a post
        writer.execute("UPDATE customers SET name = 'half written' WHERE id = 'B1'")
        code, out = call("backup", str(file), "--database", url)
        assert code == 0, out
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    restored = sqlite3.connect(file)
    try:
        assert restored.execute("SELECT name FROM customers WHERE id = 'B1'").fetchone() == ("B1",)
    finally:
        restored.close()


def test_refusals_change_nothing(tmp_path: Path) -> None:
    url, file = f"sqlite:///{tmp_path / 'shop.db'}", tmp_path / "shop.backup"
    shop_with_invoices(url)
    file.write_bytes(b"an older backup")
    code, out = call("backup", str(file), "--database", url)
    assert code == 1 and "error: invalid:" in out and "exists" in out
    assert file.read_bytes() == b"an older backup"

    code, out = call("restore", str(file), "--database", f"sqlite:///{tmp_path / 'new.db'}")
    assert code == 1 and "error: invalid:" in out  # not a database
    assert not (tmp_path / "new.db").exists() and not (tmp_path / "new.db.part").exists()

    good = tmp_path / "good.backup"
    assert call("backup", str(good), "--database", url)[0] == 0
    live = (tmp_path / "shop.db").read_bytes()
    code, out = call("restore", str(good), "--database", url)
    assert code == 1 and "exists" in out and (tmp_path / "shop.db").read_bytes() == live

    assert call("restore", str(tmp_path / "missing"), "--database", url)[1].startswith(
        "error: not_found:")
    code, out = call("backup", str(tmp_path / "x"), "--database", "sqlite://")
    assert code == 1 and "in-memory" in out


def test_postgresql_prints_the_documented_lines() -> None:
    url = "postgresql+psycopg://shop:secret@db.example:5432/patronage"
    code, out = call("backup", "shop.dump", "--database", url, "--print")
    assert code == 0
    assert out.strip() == ("pg_dump --format=custom --file=shop.dump "
                           "--dbname=postgresql://shop@db.example:5432/patronage")
    code, out = call("restore", "shop.dump", "--database", url, "--print")
    assert out.strip() == ("pg_restore --no-owner --exit-on-error --single-transaction "
                           "--dbname=postgresql://shop@db.example:5432/patronage shop.dump")


@pytest.mark.skipif(shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
                    reason="pg_dump and pg_restore are not installed")
def test_postgresql_backup_restores_into_a_fresh_database(postgres_url: str,
                                                          tmp_path: Path) -> None:
    file = tmp_path / "shop.dump"
    fresh = f"restore_{secrets.token_hex(5)}"
    admin = sa.create_engine(make_url(postgres_url).set(drivername="postgresql+psycopg"),
                             isolation_level="AUTOCOMMIT")
    with scratch_url(postgres_url, prefix="test") as url:
        shop_with_invoices(url)
        code, out = call("backup", str(file), "--database", url)
        assert code == 0, out
        schema = str(make_url(url).query["options"]).split("=", 1)[1]
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{fresh}"')
        try:
            copy = make_url(url).set(database=fresh).render_as_string(hide_password=False)
            code, out = call("restore", str(file), "--database", copy)
            assert code == 0, out
            assert answers(copy) == answers(url)
            # Restoring again into the same, no longer empty, database is refused whole.
            code, out = call("restore", str(file), "--database", copy)
            assert code == 1 and "pg_restore failed" in out
            assert answers(copy)["check"][0] == 0
            assert schema.startswith("test_")
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
    admin.dispose()


DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed (apt-get install systemd)")
def test_the_systemd_units_verify(tmp_path: Path) -> None:
    """deploy/'s units, pointed at this checkout's `patronage`, draw no complaint at all
    (`systemd-analyze verify` exits 0 even for an unknown key, so its output must be empty)."""
    venv = Path(sys.executable).parent.parent
    units = sorted([*DEPLOY.glob("*.service"), *DEPLOY.glob("*.timer")])
    assert {u.name for u in units} >= {"patronage.service", "patronage-worker.service"}
    for unit in units:
        text = unit.read_text().replace("/opt/patronage/venv", str(venv))
        (tmp_path / unit.name).write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / u.name)
                                                          for u in units)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
    assert "--workers ${PATRONAGE_WORKERS}" in (DEPLOY / "patronage.service").read_text()
    assert "PATRONAGE_WORKERS=" in (DEPLOY / "patronage.env.example").read_text()
