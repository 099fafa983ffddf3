"""The daily run split by customer range (issue 22 item 3).

A shop with lots expiring, credit memos and coupons expiring, debts paid off, recurring
awards and program-end periods closing is built twice, alike; one shop catches its daily
run up in one transaction (the unsplit run), the other split in parts worked by several
real processes. The books, the summary and `patronage check` must agree, whatever the
processes do: run together, started twice at once, or killed with SIGKILL in a part.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from patronage.adapters.db import run_parts
from patronage.adapters.db import tables as t
from patronage.adapters.db.run_parts import CustomerRange
from patronage.adapters.db.tables_ops import run_parts as parts_table
from patronage.entrypoints.ops.daily_run import run_split
from patronage.entrypoints.ops.scratch import scratch_engine, scratch_url
from patronage.entrypoints.scheduler import JoinRun, daily_due
from patronage.service import check, maintenance
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock
from tests.ops import shop, story
from tests.ops.test_scheduler import daily_scheduler

BIN = Path(sys.executable).parent / "patronage"
POSTED = story.START + dt.timedelta(days=40)  # the days posted online, each run unsplit
TARGET = story.START + dt.timedelta(days=100)  # the run compared: 60 days to catch up
YEAR: dict[str, Any] = {  # program-end periods of a month, closing in the run compared
    "id": "year", "name": "Monthly", "kind": "program_end", "status": "open",
    "effective": "2023-01-01", "enrollment_basis": "calendar", "calendar_start": "2023-01-01",
    "duration_months": 1, "filters": [{"name": "all"}],
    "multipliers": [{"name": "base", "currency_per_point": "1"}],
    "awards": [{"name": "silver", "level_from": 20,
                "coupon": {"amount": "10.00", "expire_days": 15}}]}
MORE = {f"K{n:02d}": ("bank", "club", "now", "year")[n % 4] for n in range(24)}


def build(app: Patronage) -> None:
    """story's shop and customers, 24 more (a program-end program among them), 40 days of
    invoices posted online with the daily run each day, and debts paid off later."""
    clock: FixedClock = app.clock  # type: ignore[assignment]
    story.configure(app, clock)
    app.put_program(YEAR)
    for cid, program in MORE.items():
        app.put_customer({"id": cid, "name": cid})
        app.enroll({"customer": cid, "program": program, "date": story.START})
    ids = list(MORE)
    bodies = story.invoices(seed=11, days=36)
    for n, body in enumerate(bodies):  # most invoices go to the new customers
        if n % 3:
            body["customer"] = ids[n % len(ids)]
    story.post_online(app, clock, bodies, POSTED - dt.timedelta(days=2))
    clock.set(POSTED - dt.timedelta(days=1))
    app.run_maintenance({"date": clock.today()})
    for cid in ("R1", "K01", "K05"):  # club: in debt, then lots pending 5 days pay it off
        app.adjust({"customer": cid, "points": -400, "allow_negative": True, "reason": "fix"})
        app.post_invoice(shop.invoice(f"LATE-{cid}", cid, clock.today(), "300.00"))
    clock.set(POSTED)
    app.run_maintenance({"date": POSTED})
    clock.set(TARGET)


@pytest.fixture
def pg_shops(postgres_url: str) -> Iterator[tuple[Patronage, Patronage, str]]:
    """Two alike shops on PostgreSQL (the unsplit one and the split one, with its URL)."""
    with scratch_url(postgres_url, prefix="test") as url_a, \
            scratch_url(postgres_url, prefix="test") as url_b:
        shops = []
        for url in (url_a, url_b):
            from patronage.bootstrap import open_app

            app = open_app(url, FixedClock(story.START))
            app.send_mail = False
            build(app)
            shops.append(app)
        try:
            yield shops[0], shops[1], url_b
        finally:
            for app in shops:
                app.engine.dispose()


def books(app: Patronage) -> dict[str, list[str]]:
    """story's books, in an order that does not depend on which process wrote first."""
    return {name: sorted(map(repr, rows)) for name, rows in story.books(app).items()}


def parts(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(parts_table).order_by(
            parts_table.c.day, parts_table.c.part)).mappings()]


def summary_of(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("run", "parts", "mail")}


def assert_same_books(unsplit: Patronage, split: Patronage) -> None:
    mine, theirs = books(unsplit), books(split)
    for name in mine:
        assert mine[name] == theirs[name], name
    report = split.read(lambda tx: check.run(tx))
    assert report.ok, report.faults


def cli(*args: str, database: str) -> subprocess.Popen[str]:
    return subprocess.Popen([str(BIN), "maintenance", "--date", TARGET.isoformat(), *args,
                             "--database", database], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finished(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


# --- the ranges ---------------------------------------------------------------------------------

def test_ranges_cut_the_customers_by_count_in_byte_order(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.insert(t.customers), [{"id": cid, "name": cid} for cid in
                                              ("b", "B", "a10", "a9", "Z", "é", "0", "a")])
        cuts = run_parts.ranges(conn, 3)
        ids = sorted(r[0] for r in conn.execute(sa.select(t.customers.c.id)))
    assert [(c.first, c.end) for c in cuts] == [(None, "a"), ("a", "b"), ("b", None)]
    assert Counter(next(n for n, c in enumerate(cuts) if c.holds(i)) for i in ids) \
        == {0: 3, 1: 3, 2: 2}  # every id in exactly one range, by count
    with engine.connect() as conn:  # the database's test agrees with Python's, id by id
        for cut in cuts:
            found = {r[0] for r in conn.execute(sa.select(t.customers.c.id).where(
                cut.where(t.customers.c.id, conn.dialect.name)))}
            assert found == {i for i in ids if cut.holds(i)}
        assert run_parts.ranges(conn, 20)[-1] == CustomerRange("é", None)  # one id a range


def test_every_question_of_the_day_asked_for_a_range_answers_its_customers_alone(
        engine: Engine, clock: FixedClock) -> None:
    """Both repositories (plain, and the daily run's write-behind one with its marks): each
    of the day's questions asked for a range is the whole shop's answer cut to the range."""
    from patronage.adapters.db.bulk import BulkRepository
    from patronage.adapters.db.repository import Repository

    build(Patronage(engine, clock, send_mail=False))
    with engine.connect() as conn:
        owner = pairs(conn, t.enrollments)
        cuts = run_parts.ranges(conn, 3)

    def asked(repo: Repository, day: dt.date, within: CustomerRange | None) -> dict[str, Any]:
        return {"lots": [r["id"] for r in repo.lots_expiring(day, within)],
                "memos": [r["id"] for r in repo.memos_expiring(day, within)],
                "coupons": [r["id"] for r in repo.coupons_expiring(day, within)],
                "debtors": repo.enrollments_in_debt_with_lots_on(day, within),
                "reaching": [e for p, level in (("club", 1), ("now", 5))
                             for e in repo.enrollments_reaching(p, level, day, within)],
                "periods": [r["id"] for r in repo.enrollments_with_period_due("year", day,
                                                                              within)]}

    with engine.connect() as conn:
        customer_of = {
            "lots": pairs(conn, t.lots), "memos": pairs(conn, t.credit_memos),
            "coupons": pairs(conn, t.coupons),
            "debtors": owner, "reaching": owner, "periods": owner}
    found = Counter[str]()
    for day in (POSTED + dt.timedelta(days=6), dt.date(2023, 3, 1), TARGET):
        for make in (Repository, BulkRepository):
            with engine.connect() as conn:
                whole = asked(make(conn), day, None)
                for cut in cuts:
                    repo = make(conn)  # (a part's transaction asks for one range)
                    mine = asked(repo, day, cut)
                    for name, ids in whole.items():
                        assert mine[name] == [i for i in ids if cut.holds(customer_of[name][i])]
                        found[name] += len(mine[name])
                conn.rollback()
    assert all(found[name] for name in customer_of), found  # each question found some


def test_each_part_does_its_own_customers_and_the_parts_add_up(
        engine: Engine, clock: FixedClock) -> None:
    """In this process, parts in turn: each part's expiries are its customers' alone, and
    the sum of the parts is the unsplit run's summary (that of a second, alike shop)."""
    split = Patronage(engine, clock, send_mail=False)
    build(split)
    with scratch_engine(None, prefix="test") as other:
        unsplit = Patronage(other, FixedClock(story.START), send_mail=False)
        build(unsplit)
        expected = unsplit.run_maintenance({"date": TARGET}).data
        data = run_split(split, {"date": TARGET}, workers=1, parts=4)
        assert summary_of(data) == expected and data["parts"] == 4
        assert_same_books(unsplit, split)
    done = parts(engine)
    assert len(done) == 4 * expected["days"] and all(p["done_at"] for p in done)
    with engine.connect() as conn:
        expiries = list(conn.execute(sa.select(t.ledger.c.customer_id, t.ledger.c.date)
                                     .where(t.ledger.c.kind == "expiry",
                                            t.ledger.c.date > POSTED)))
    working = set()
    for part in done:
        cut = CustomerRange(part["first_customer"], part["end_customer"])
        theirs = [cid for cid, day in expiries if day == part["day"] and cut.holds(cid)]
        assert part["counts"].get("lots_expired", 0) == len(theirs)
        if part["counts"].get("lots_expired"):
            working.add(part["part"])
    assert len(working) >= 3  # the work is spread, not done by the first part


# --- several processes on PostgreSQL ------------------------------------------------------------

def test_a_split_run_in_several_processes_gives_the_unsplit_run_books(
        pg_shops: tuple[Patronage, Patronage, str]) -> None:
    unsplit, split, _ = pg_shops
    expected = unsplit.run_maintenance({"date": TARGET}).data
    assert expected["lots_expired"] and expected["debt_paid"] and expected["periods_closed"] \
        and expected["awards"] and expected["credit_memos_expired"]  # the shop does it all
    data = run_split(split, {"date": TARGET}, workers=3, parts=6)
    assert summary_of(data) == expected
    assert_same_books(unsplit, split)
    done = parts(split.engine)
    assert len(done) == 6 * expected["days"] and all(p["done_at"] for p in done)
    pids = {p["holder"].split(":")[1] for p in done}
    assert len(pids) >= 2, pids  # real processes shared the parts


def test_a_worker_killed_in_a_part_leaves_nothing_of_it_and_the_next_run_finishes(
        pg_shops: tuple[Patronage, Patronage, str]) -> None:
    """The worker is held inside its first part (it waits for the run's row, which this
    test locks) after doing the part's work; SIGKILL. Nothing of the part stays; the next
    `patronage maintenance` finishes the run: the unsplit run's books, each part once."""
    unsplit, split, url = pg_shops
    expected = unsplit.run_maintenance({"date": TARGET}).data
    planned = split.run(lambda tx: maintenance.plan(tx, {"date": TARGET}, parts=3))
    entries_before = count(split.engine, t.ledger)
    with split.engine.connect() as blocker:
        blocker.execute(sa.select(t.maintenance_runs.c.id).where(
            t.maintenance_runs.c.id == planned["run"]).with_for_update()).all()
        victim = cli("--workers", "1", database=url)
        waiting = wait_for(lambda: waiting_backend(blocker), 60, victim)
        assert waiting["backend_xid"] is not None  # its transaction has written: mid-part
        victim.send_signal(signal.SIGKILL)
        assert victim.wait(10) == -signal.SIGKILL
        blocker.rollback()  # the dead worker's backend gets the lock, finds no client, rolls back
    wait_for(lambda: not pid_alive(split.engine, waiting["pid"]), 30, victim)
    assert all(p["done_at"] is None for p in parts(split.engine))
    assert count(split.engine, t.ledger) == entries_before
    assert count(split.engine, t.maintenance_days, t.maintenance_days.c.day > POSTED) == 0
    again = finished(cli("--workers", "2", database=url))
    assert again["run"] == planned["run"] and summary_of(again) == expected
    assert_same_books(unsplit, split)
    checked = subprocess.run([str(BIN), "check", "--database", url], capture_output=True,
                             text=True, timeout=120, check=False)
    assert checked.returncode == 0 and checked.stdout.startswith("ok"), checked.stdout


def test_two_runs_started_at_once_do_each_part_once(
        pg_shops: tuple[Patronage, Patronage, str]) -> None:
    unsplit, split, url = pg_shops
    expected = unsplit.run_maintenance({"date": TARGET}).data
    first, second = cli("--workers", "2", "--parts", "4", database=url), \
        cli("--workers", "2", "--parts", "4", database=url)
    one, two = finished(first), finished(second)
    assert one["run"] == two["run"]  # the second joined the first's run
    assert summary_of(one) == summary_of(two) == expected
    assert_same_books(unsplit, split)
    done = parts(split.engine)
    assert len(done) == 4 * expected["days"] and all(p["done_at"] for p in done)
    with split.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.maintenance_runs)
                            .where(t.maintenance_runs.c.for_date == TARGET)).scalar() == 1


# --- the scheduler ------------------------------------------------------------------------------

def test_the_scheduler_splits_the_run_and_joins_one_in_progress(
        app: Patronage, clock: FixedClock) -> None:
    build(app)
    planned = app.run(lambda tx: maintenance.plan(tx, {"date": TARGET}, parts=2))
    assert daily_due(app, dt.time(0, 5)) == JoinRun(planned["run"])
    joined = daily_scheduler(app).tick()["daily"]
    assert joined == {"joined": planned["run"], "parts": 2 * planned["days"]}
    assert daily_due(app, dt.time(0, 5)) is None  # done: TARGET is the clock's day
    clock.set(TARGET + dt.timedelta(days=3))
    ran = daily_scheduler(app, daily_run_workers=2).tick()["daily"]
    assert ran["days"] == 3 and ran["parts"] >= 2
    assert len({p["run_id"] for p in parts(app.engine)}) == 2


def test_an_unsplit_run_waits_for_a_split_run_in_progress(app: Patronage) -> None:
    build(app)
    app.run(lambda tx: maintenance.plan(tx, {"date": TARGET}, parts=2))
    with pytest.raises(Exception, match="conflict"):
        app.run_maintenance({"date": TARGET})


# --- helpers ------------------------------------------------------------------------------------

def pairs(conn: sa.Connection, table: sa.Table) -> dict[int, str]:
    """Each row's customer, by id."""
    return {row.id: row.customer_id for row in conn.execute(
        sa.select(table.c.id, table.c.customer_id))}


def count(engine: Engine, table: sa.Table, where: Any = None) -> int:
    stmt = sa.select(sa.func.count()).select_from(table)
    with engine.connect() as conn:
        return int(conn.execute(stmt if where is None else stmt.where(where)).scalar() or 0)


def waiting_backend(conn: sa.Connection) -> dict[str, Any] | None:
    """The backend waiting for a lock that this connection holds, if any."""
    conn.execute(sa.text("SELECT pg_stat_clear_snapshot()"))  # (else the transaction's first)
    row = conn.execute(sa.text(
        "SELECT pid, backend_xid::text AS backend_xid FROM pg_stat_activity "
        "WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))")).mappings().first()
    return None if row is None else dict(row)


def pid_alive(engine: Engine, pid: int) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"),
                                 {"p": pid}).scalar())


def wait_for(what: Callable[[], Any], seconds: float, proc: subprocess.Popen[str]) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        if proc.poll() is not None and proc.returncode != -signal.SIGKILL:
            raise AssertionError(f"the worker ended: {proc.communicate()}")
        time.sleep(0.1)
    raise AssertionError("timed out waiting")



# --- the bench ----------------------------------------------------------------------------------

def test_the_bench_prints_the_daily_run_with_each_number_of_workers(postgres_url: str) -> None:
    """`patronage bench --daily-workers 1,2` at a size CI runs in seconds: figures for the
    unsplit run and each number of workers, as ratios to one worker, and equal results."""
    done = subprocess.run([str(BIN), "bench", "--customers", "40", "--daily-workers", "1,2",
                           "--daily-days", "20", "--quiet", "--database", postgres_url],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["same_results"] is True
    assert set(out["daily_workers"]) == {"unsplit", "1", "2"}
    for figures in out["daily_workers"].values():
        assert figures["next_day_seconds"] > 0 and figures["catch_up_seconds"] > 0
        assert figures["lots_expired"] > 0
    assert out["daily_workers"]["1"]["catch_up_ratio"] == 1.0
    assert out["size"] == {"customers": 40, "parts_a_day": 2, "catch_up_days": 20}


def test_the_bench_wants_postgresql() -> None:
    done = subprocess.run([str(BIN), "bench", "--customers", "40", "--daily-workers", "1,2"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1 and "error: invalid: database" in done.stderr
    done = subprocess.run([str(BIN), "bench", "--daily-workers", "1,x"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2 and "error: invalid: --daily-workers" in done.stderr
