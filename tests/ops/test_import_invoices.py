"""`patronage import invoices` gives the books posting the same invoices online gives:
the same points, lots, awards, credit memos, coupons, journal and events, with the daily
run catching up before each day, on SQLite and PostgreSQL; and it is idempotent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from patronage.adapters.db import tables as t
from patronage.bootstrap import open_app
from patronage.entrypoints.cli import app as cli
from patronage.entrypoints.ops import commands
from patronage.entrypoints.ops.files import in_date_order, read_invoices
from patronage.service import bulk, check
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from . import story

LAST = story.START + dt.timedelta(days=81)
LATER = LAST + dt.timedelta(days=60)


@pytest.mark.parametrize(("streamed", "batch"),
                         [(False, 7), (True, 7), (True, 100_000)],
                         ids=["sorted", "streamed", "one-transaction"])
def test_import_gives_the_books_of_posting_online(two_shops: tuple[Patronage, Patronage],
                                                  tmp_path: Path, streamed: bool,
                                                  batch: int) -> None:
    """Days shuffled in the file (sorted in memory), or in order (streamed as read); with
    a commit every seven invoices (memory starts again each time), or one transaction for
    the whole file (what the daily run asks is answered from memory all along)."""
    online, imported = two_shops
    bodies = story.invoices()
    story.post_online(online, online.clock, bodies, LAST)  # type: ignore[arg-type]

    path = tmp_path / "invoices.csv"
    story.write_csv(path, bodies, shuffle_days=not streamed)
    total = in_date_order(path, "invoices")
    assert (total is not None) == streamed
    imported.clock.set(LAST)  # type: ignore[attr-defined]
    result = bulk.import_invoices(imported, read_invoices(path), batch=batch, total=total)
    assert result.errors == []
    assert (result.done, result.repeated) == (len(bodies), 0)
    imported.run_maintenance({"date": LAST})  # the days after the last invoice

    assert story.books(imported) == story.books(online)
    for day in (story.START + dt.timedelta(days=30), LAST):
        assert dict(story.views(imported, day)) == dict(story.views(online, day))
    for shop in (online, imported):  # and the months after, when everything expires
        shop.clock.set(LATER)  # type: ignore[attr-defined]
        shop.run_maintenance({"date": LATER})
        assert shop.read(lambda tx: check.run(tx)).faults == []
    assert story.books(imported) == story.books(online)
    assert dict(story.views(imported, LATER)) == dict(story.views(online, LATER))


def test_debts_made_and_paid_inside_one_import_give_the_online_books(
        two_shops: tuple[Patronage, Patronage]) -> None:
    """Adjustments that overdraw (debt) between invoices whose pending points later pay
    it off, all in one transaction: the daily run finds the debtors from memory."""
    online, imported = two_shops
    bodies = story.invoices(days=30)
    first = story.START + dt.timedelta(days=1)
    adjustments = [{"id": f"A-{n}", "customer": cid, "points": -40, "allow_negative": True,
                    "reason": "fix", "date": first + dt.timedelta(days=n * 4)}
                   for n, cid in enumerate(["B1", "R1", "N1", "B1", "R2", "N2", "R1"])]
    end = story.START + dt.timedelta(days=40)
    day = story.START
    while day <= end:  # online: each day the daily run, then adjustments, then sales
        online.clock.set(day)  # type: ignore[attr-defined]
        online.run_maintenance({"date": day})
        for body in adjustments:
            if body["date"] == day:
                online.adjust(body)
        for body in bodies:
            if body["date"] == day:
                online.post_invoice(body)
        day += dt.timedelta(days=1)
    assert any(r[2] == "debt_payoff" for r in story.books(online)["ledger"])  # debts paid

    docs = [bulk.Doc("adjustment", n + 2, 1, b["date"], b, customer=b["customer"])
            for n, b in enumerate(adjustments)]
    docs += [bulk.Doc("invoice", n + 2, 1, b["date"], b, customer=b["customer"],
                      invoice=b["id"]) for n, b in enumerate(bodies)]
    imported.clock.set(end)  # type: ignore[attr-defined]
    result = bulk.run_import("mixed", imported, docs, batch=100_000)
    assert result.errors == [] and result.done == len(docs)
    imported.run_maintenance({"date": end})
    assert story.books(imported) == story.books(online)
    assert imported.read(lambda tx: check.run(tx)).faults == []


def test_a_till_posting_between_two_batches_is_not_overwritten(
        two_shops: tuple[Patronage, Patronage], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The import holds a customer only while its batch's transaction lasts: an
    adjustment made by another process between two commits is built on, not lost."""
    _, shop = two_shops
    bodies = story.invoices(days=20)
    path = tmp_path / "invoices.csv"
    story.write_csv(path, bodies, shuffle_days=False)
    commit, commits = bulk.Importer.commit, []

    def commit_then_a_till(self: bulk.Importer, force: bool = True) -> None:
        before = self.commits
        commit(self, force)
        if self.commits > before:
            commits.append(self.commits)
        if self.commits == 2 and len(commits) == 2:  # from another connection, in between
            shop.adjust({"customer": "B1", "points": 500, "reason": "till"})

    monkeypatch.setattr(bulk.Importer, "commit", commit_then_a_till)
    shop.clock.set(story.START + dt.timedelta(days=20))  # type: ignore[attr-defined]
    result = bulk.import_invoices(shop, read_invoices(path), batch=5,
                                  total=in_date_order(path, "invoices"))
    assert result.errors == [] and len(commits) > 3
    assert shop.balance("B1").adjusted == 500
    assert shop.read(lambda tx: check.run(tx)).faults == []


def test_importing_twice_changes_nothing(two_shops: tuple[Patronage, Patronage],
                                        tmp_path: Path) -> None:
    _, shop = two_shops
    shop.clock.set(LAST)  # type: ignore[attr-defined]  # history: dated before today
    path = tmp_path / "invoices.csv"
    bodies = story.invoices(days=20)
    story.write_csv(path, bodies)
    first = bulk.import_invoices(shop, read_invoices(path))
    before = story.books(shop)
    again = bulk.import_invoices(shop, read_invoices(path))
    assert (first.done, again.done, again.repeated) == (len(bodies), 0, len(bodies))
    assert again.errors == [] and story.books(shop) == before


def test_bad_rows_are_reported_by_line_and_skipped_or_stop(
        two_shops: tuple[Patronage, Patronage], tmp_path: Path) -> None:
    _, shop = two_shops
    shop.clock.set(LAST)  # type: ignore[attr-defined]  # history: dated before today
    path = tmp_path / "invoices.csv"
    story.write_csv(path, story.invoices(days=3), shuffle_days=False)
    rows = path.read_text().splitlines()
    rows[3] = rows[3].replace("2023-01-0", "2023-13-0")  # a bad date: the whole invoice
    rows.insert(5, "BAD-1,2023-01-03,1,R1,sale,,X,product,,,,,-2,5.00,0.00,0.00")  # qty < 0
    rows.insert(6, "BAD-2,2023-01-03,1,R1,sale,,X,product,,,,,1,5.00,0.00,0.00")
    rows.insert(7, "BAD-2,2023-01-03,1,R2,sale,,Y,product,,,,,1,5.00,0.00,0.00")  # R2?
    rows.append("BAD-3,2023-01-04,1,NOBODY,sale,,X,product,,,,,1,5.00,0.00,0.00")
    path.write_text("\n".join(rows) + "\n")

    skipped = bulk.import_invoices(shop, read_invoices(path))
    lines = {(e.line, e.code) for e in skipped.errors}
    assert (6, "invalid") in lines  # BAD-1's qty, reported on its own row
    assert any(code == "not_found" for _, code in lines)  # the unknown customer
    assert {e.line for e in skipped.errors} >= {4, 6, 7, len(rows)}
    assert any("line 8 disagrees with line 7" in e.message for e in skipped.errors)
    assert skipped.done == skipped.documents - len(skipped.errors)
    assert not skipped.stopped
    with shop.engine.connect() as conn:  # a refused invoice left nothing behind
        assert conn.execute(sa.select(sa.func.count()).where(
            t.invoices.c.external_id.like("BAD-%"))).scalar() == 0


def test_stop_keeps_what_came_before(two_shops: tuple[Patronage, Patronage],
                                     tmp_path: Path) -> None:
    _, shop = two_shops
    shop.clock.set(LAST)  # type: ignore[attr-defined]  # history: dated before today
    path = tmp_path / "invoices.csv"
    story.write_csv(path, story.invoices(days=4), shuffle_days=False)
    rows = path.read_text().splitlines()
    at = next(i for i in range(3, len(rows)) if rows[i].split(",")[:2] == ["INV-4", "2023-01-04"])
    rows.insert(at, "BAD-1,2023-01-04,1,NOBODY,sale,,X,product,,,,,1,5.00,0.00,0.00")
    path.write_text("\n".join(rows) + "\n")
    stopped = bulk.import_invoices(shop, read_invoices(path), on_error="stop")
    assert stopped.stopped and [e.line for e in stopped.errors] == [at + 1]
    assert 0 < stopped.done < len(story.invoices(days=4))
    rest = bulk.import_invoices(shop, read_invoices(path), on_error="skip")
    assert rest.repeated == stopped.done and len(rest.errors) == 1
    assert shop.read(lambda tx: check.run(tx)).faults == []


def test_the_command_prints_lines_and_a_summary(database_url: str, tmp_path: Path) -> None:
    shop = open_app(database_url, FixedClock(story.START))
    story.configure(shop, shop.clock)  # type: ignore[arg-type]
    path = tmp_path / "invoices.csv"
    story.write_csv(path, story.invoices(days=5))
    result = CliRunner().invoke(cli, ["import", "invoices", str(path), "--database",
                                      database_url])
    assert result.exit_code == 0, result.output
    assert "invoices: " in result.stdout and " imported, 0 already there, 0 refused" in \
        result.stdout
    assert "rows" in result.stderr  # plain progress lines: not a terminal
    shop.engine.dispose()


def test_memory_dropped_inside_a_window_is_loaded_again(two_shops: tuple[Patronage, Patronage],
                                                       tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """An item that takes the plain repository drops memory (its SQL may have written
    anything); the window's later documents load again what they need before their own
    item, so they stay in memory (one slow item, not the rest of the window) and the
    books are those of posting online."""
    from patronage.adapters.db.bulk import BulkRepository, SlowPath

    online, imported = two_shops
    bodies = story.invoices(days=20)
    story.post_online(online, online.clock, bodies, LAST)  # type: ignore[arg-type]
    path = tmp_path / "invoices.csv"
    story.write_csv(path, bodies, shuffle_days=False)
    slow_one = bodies[len(bodies) // 3]["id"]
    post, known = bulk.POSTS["invoice"]

    def post_or_slow(tx: Any, body: Any) -> Any:
        if isinstance(tx.repo, BulkRepository) and body["id"] == slow_one:
            raise SlowPath
        return post(tx, body)

    monkeypatch.setitem(bulk.POSTS, "invoice", (post_or_slow, known))
    imported.clock.set(LAST)  # type: ignore[attr-defined]
    result = bulk.import_invoices(imported, read_invoices(path), batch=100_000,
                                  total=in_date_order(path, "invoices"))
    assert result.errors == [] and result.done == len(bodies)
    assert result.slow == 1
    imported.run_maintenance({"date": LAST})
    assert story.books(imported) == story.books(online)


def test_the_commands_batch_is_the_importers() -> None:
    assert commands.BATCH == bulk.BATCH
