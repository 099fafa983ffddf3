"""`patronage check` proves the books, and reports each cache that was corrupted by hand."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from patronage.adapters.db import tables as t
from patronage.bootstrap import open_app
from patronage.entrypoints.cli import app as cli
from patronage.service import check
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .shop import history


def faults(app: Patronage) -> list[check.Fault]:
    return app.read(lambda tx: check.run(tx)).faults


def test_books_of_a_shop_with_history_hold(app: Patronage, clock: FixedClock) -> None:
    history(app, clock)
    report = app.read(lambda tx: check.run(tx))
    assert report.faults == []
    assert report.counted["ledger entries"] > 5 and report.counted["credit memos"] >= 1


CORRUPTIONS = {
    "lot_remaining": "UPDATE lots SET remaining = remaining + 7 WHERE id = "
                     "(SELECT MIN(id) FROM lots WHERE remaining > 0)",
    "debt": "UPDATE enrollments SET debt = debt - 3 WHERE customer_id = 'R1'",
    "held": "UPDATE enrollments SET held = held + 5 WHERE customer_id = 'B1'",
    "totals": "UPDATE enrollment_totals SET points = points + 1 WHERE kind = 'accrual'",
    "credit_memo_remaining": "UPDATE credit_memos SET remaining = remaining + 100",
    "journal": "UPDATE journal_postings SET debit = debit + 1 WHERE id = "
               "(SELECT MIN(id) FROM journal_postings WHERE debit > 0)",
}


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_a_corrupted_cache_is_reported(app: Patronage, clock: FixedClock, name: str) -> None:
    history(app, clock)
    with app.engine.begin() as conn:
        conn.execute(sa.text(CORRUPTIONS[name]))
    found = faults(app)
    assert found, "the corruption went unnoticed"
    assert name in {f.check for f in found}, [str(f) for f in found]
    if name in ("lot_remaining", "debt"):  # the cache no longer matches the ledger's L3 either
        assert "L3" in {f.check for f in found}


def test_an_entry_of_unknown_kind_breaks_l3(app: Patronage, clock: FixedClock) -> None:
    history(app, clock)
    with app.engine.begin() as conn:
        conn.execute(sa.update(t.ledger).where(t.ledger.c.kind == "redemption")
                     .values(kind="mystery"))
    assert any(f.check == "L3" and "unknown" in f.message for f in faults(app))


def test_the_command_lists_faults_and_exits_non_zero(database_url: str) -> None:
    app = open_app(database_url, FixedClock(__import__("datetime").date(2023, 1, 1)))
    history(app, app.clock)  # type: ignore[arg-type]
    runner = CliRunner()
    ok = runner.invoke(cli, ["check", "--database", database_url])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith("ok: the books hold")
    with app.engine.begin() as conn:
        conn.execute(sa.text(CORRUPTIONS["lot_remaining"]))
    bad = runner.invoke(cli, ["check", "--database", database_url])
    assert bad.exit_code == 1
    assert "fault: lot_remaining: lot " in bad.stdout
    app.engine.dispose()
