"""The scheduler: each job runs once across processes (a lease row), a dead holder's job is
finished by another, the daily run is due at PATRONAGE_DAILY_RUN_AT and catches up.

The first tests drive `Scheduler.tick` in this process with an injected clock; the last
ones run real `patronage worker` and `patronage serve --workers 2` processes on one
database with the run time "now" (00:00), a real SMTP server, and SIGKILL.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from messaging.mailserver import MailServer, earn_award  # tests/messaging
from sqlalchemy.engine import Engine

from patronage.adapters.db import leases
from patronage.adapters.db import tables as t
from patronage.adapters.db.tables_ops import job_leases
from patronage.entrypoints.api.settings import ApiSettings
from patronage.entrypoints.scheduler import Job, Scheduler, daily_target, jobs_for
from patronage.service.app import Patronage
from tests.clocks import WallClock

BIN = Path(sys.executable).parent / "patronage"
SHOP = {"name": "Tire Town", "stores": [{"id": 1, "name": "Main"}]}
MINUTE = dt.timedelta(minutes=1)


def settings(**values: Any) -> ApiSettings:
    return ApiSettings(**{"daily_run_at": dt.time(0, 5), "scheduler_tick": 1e-6, **values})


def runs(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(t.maintenance_runs.c.for_date)
                                 .order_by(t.maintenance_runs.c.id)).scalars())


def last_day(engine: Engine) -> dt.date | None:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.max(t.maintenance_days.c.day))).scalar()


def daily_scheduler(app: Patronage, wall: Callable[[], dt.datetime] = leases.utcnow,
                    **values: Any) -> Scheduler:
    return Scheduler(app, jobs_for(app, settings(**values), ("daily",)),
                     dt.timedelta(seconds=60), 1e-6, wall=wall)


# --- when the daily run is due ---------------------------------------------------------------

def test_the_day_due_is_today_from_the_run_time_and_yesterday_before_it() -> None:
    at = dt.time(0, 5)
    assert daily_target(dt.datetime(2024, 3, 5, 0, 4, 59), at) == dt.date(2024, 3, 4)
    assert daily_target(dt.datetime(2024, 3, 5, 0, 5), at) == dt.date(2024, 3, 5)
    assert daily_target(dt.datetime(2024, 3, 5, 23, 59), dt.time(23, 0)) == dt.date(2024, 3, 5)


def test_nothing_is_due_without_a_shop(engine: Engine) -> None:
    app = Patronage(engine, WallClock(dt.datetime(2024, 3, 5, 12, 0)))
    assert daily_scheduler(app).tick() == {"daily": "not due"}
    assert runs(engine) == []


def test_the_day_runs_once_when_the_clock_passes_the_run_time(engine: Engine) -> None:
    clock = WallClock(dt.datetime(2024, 3, 5, 0, 4))
    app = Patronage(engine, clock, send_mail=False)
    app.configure_shop(SHOP)
    app.run_maintenance({"date": dt.date(2024, 3, 4)})  # yesterday is done
    first, second = daily_scheduler(app), daily_scheduler(app)
    assert first.tick() == {"daily": "not due"}  # 00:04: before the run time
    clock.at = dt.datetime(2024, 3, 5, 0, 5)
    done = first.tick()
    assert done["daily"]["to"] == "2024-03-05" and done["daily"]["days"] == 1
    assert second.tick(force=True) == {"daily": "not due"}  # another process: already done
    assert first.tick(force=True) == {"daily": "not due"}
    assert runs(engine) == [dt.date(2024, 3, 4), dt.date(2024, 3, 5)]
    row = leases.jobs(engine)["daily"]
    assert row["holder"] == first.holder and row["last_success_at"] is not None
    assert row["last_duration_ms"] >= 0 and row["last_error"] is None


def test_after_downtime_missed_days_are_caught_up_on_the_next_tick(engine: Engine) -> None:
    clock = WallClock(dt.datetime(2024, 3, 5, 0, 1))  # before today's run time
    app = Patronage(engine, clock, send_mail=False)
    app.configure_shop(SHOP)
    app.run_maintenance({"date": dt.date(2024, 3, 1)})
    done = daily_scheduler(app).tick()["daily"]
    assert (done["from"], done["to"], done["days"]) == ("2024-03-02", "2024-03-04", 3)
    assert last_day(engine) == dt.date(2024, 3, 4)  # today waits for 00:05


# --- the lease ---------------------------------------------------------------------------------

def test_a_lease_is_held_by_one_process_until_released_or_expired(engine: Engine) -> None:
    now, ttl = dt.datetime(2024, 3, 5, 12, 0), dt.timedelta(seconds=60)
    assert leases.claim(engine, "daily", "a", ttl, now)
    assert not leases.claim(engine, "daily", "b", ttl, now + dt.timedelta(seconds=59))
    assert leases.claim(engine, "daily", "a", ttl, now + dt.timedelta(seconds=59))  # renewed
    assert not leases.claim(engine, "daily", "b", ttl, now + dt.timedelta(seconds=118))
    assert leases.claim(engine, "daily", "b", ttl, now + dt.timedelta(seconds=119))  # expired
    assert not leases.claim(engine, "daily", "a", ttl, now + dt.timedelta(seconds=120))
    assert not leases.release(engine, "daily", "a", now + dt.timedelta(seconds=120))
    assert leases.release(engine, "daily", "b", now + dt.timedelta(seconds=120))
    assert leases.claim(engine, "daily", "a", ttl, now + dt.timedelta(seconds=121))
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(job_leases)).scalar() == 1


def test_a_holder_that_died_mid_run_is_followed_once_its_lease_expires(engine: Engine) -> None:
    """The dead process claimed the lease and began; its transaction was rolled back with
    it. Nobody runs the day while the lease lasts; the first look after it ends does."""
    clock = WallClock(dt.datetime(2024, 3, 5, 0, 10))
    app = Patronage(engine, clock, send_mail=False)
    app.configure_shop(SHOP)
    died_at = dt.datetime(2024, 3, 5, 0, 10)
    assert leases.claim(engine, "daily", "dead:1:x", dt.timedelta(seconds=60), died_at)
    wall = [died_at + dt.timedelta(seconds=30)]
    survivor = daily_scheduler(app, wall=lambda: wall[0])
    assert survivor.tick() == {"daily": "held elsewhere"}
    assert runs(engine) == []
    wall[0] = died_at + dt.timedelta(seconds=61)
    assert survivor.tick(force=True)["daily"]["to"] == "2024-03-05"
    assert runs(engine) == [dt.date(2024, 3, 5)]


def test_a_failed_run_is_recorded_and_tried_again_later(engine: Engine) -> None:
    app = Patronage(engine, WallClock(dt.datetime(2024, 3, 5, 12, 0)))
    calls: list[int] = []

    def run(_: Any) -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the mail server is on fire")
        return {"ok": 1}

    job = Job("outbox", 0.01, lambda: True, run)
    scheduler = Scheduler(app, [job], dt.timedelta(seconds=60), 0.01)
    assert scheduler.tick() == {"outbox": "failed"}
    row = leases.jobs(engine)["outbox"]
    assert "on fire" in row["last_error"] and row["last_success_at"] is None
    assert scheduler.tick() == {}  # not at once: it waits a minute
    assert scheduler.tick(force=True) == {"outbox": {"ok": 1}}
    row = leases.jobs(engine)["outbox"]
    assert row["last_error"] is None and row["last_success_at"] is not None


# --- real processes ----------------------------------------------------------------------------

class Processes:
    """`patronage worker` and `patronage serve` processes on one database, logged to files."""

    def __init__(self, database: str, tmp: Path, env: dict[str, str]) -> None:
        self.database, self.tmp = database, tmp
        self.env = {**os.environ, **env}
        self.procs: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        log = self.tmp / f"proc-{len(self.procs)}.log"
        proc = subprocess.Popen([str(BIN), *args, "--database", self.database],
                                stdout=log.open("wb"), stderr=subprocess.STDOUT, env=self.env)
        self.procs.append((proc, log))
        return proc

    def logs(self) -> str:
        return "\n".join(f"--- {' '.join(map(str, p.args))}\n{log.read_text(errors='replace')}"
                         for p, log in self.procs)

    def stop(self) -> list[int | None]:
        for proc, _ in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes = []
        for proc, _ in self.procs:
            try:
                codes.append(proc.wait(40))
            except subprocess.TimeoutExpired:
                proc.kill()
                codes.append(proc.wait())
        return codes


def wait_for(what: Callable[[], Any], seconds: float, procs: Processes) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting\n{procs.logs()[-8000:]}")


def shop_on(url: str) -> tuple[Engine, Patronage]:
    """A shop whose award queues three emails (N1), set up today as an operator would."""
    from patronage.bootstrap import open_app
    from patronage.service.clock import SystemClock

    app = open_app(url, SystemClock("UTC"))
    earn_award(app)
    return app.engine, app


def env_for(mail: MailServer, **extra: str) -> dict[str, str]:
    return {"PATRONAGE_DAILY_RUN_AT": "00:00", "PATRONAGE_SCHEDULER_TICK": "0.3",
            "PATRONAGE_OUTBOX_POLL_SECONDS": "0.3", "PATRONAGE_WEBHOOK_POLL_SECONDS": "0.5",
            "PATRONAGE_SMTP_HOST": "127.0.0.1", "PATRONAGE_SMTP_PORT": str(mail.port),
            "PATRONAGE_SMTP_FROM": "shop@example.com", "PATRONAGE_TIMEZONE": "UTC", **extra}


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def test_workers_and_servers_run_the_day_and_send_the_mail_once(
        database_url: str, tmp_path: Path, mail: MailServer) -> None:
    """3 workers and 2 `serve --workers 2` on one database: one daily run, each message
    once, posts taken by both servers, and /metrics answers on both."""
    engine, app = shop_on(database_url)
    procs = Processes(database_url, tmp_path, env_for(mail))
    ports = []
    try:
        for _ in range(3):
            procs.start("worker")
        for _ in range(2):
            ports.append(free_port())
            procs.start("serve", "--workers", "2", "--port", str(ports[-1]))
        wait_for(lambda: last_day(engine) == today_utc(), 90, procs)
        wait_for(lambda: len(mail.inbox.messages) >= 3, 60, procs)
        key = cli("keys", "create", "--role", "cashier", "--name", "till", database=database_url)
        for n, port in enumerate(ports):
            base = f"http://127.0.0.1:{port}"
            wait_for(lambda b=base: up(b), 60, procs)
            r = httpx.post(f"{base}/v1/invoices", headers={"Authorization": f"Bearer {key}"},
                           json={"id": f"S-{n}", "customer": "C1", "store": 1,
                                 "lines": [{"sku": "TIRE", "qty": "1", "price": "10.00"}]},
                           timeout=30)
            assert r.status_code == 201, r.text
        time.sleep(2)  # several more ticks of every process
        for port in ports:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=30).text
            assert 'patronage_job_last_success_timestamp_seconds{job="daily"}' in text
            assert "patronage_invoices_posted_total 3.0" in text
    finally:
        codes = procs.stop()
    assert codes == [0] * 5, procs.logs()[-8000:]
    assert runs(engine) == [today_utc()], procs.logs()[-8000:]
    addresses = sorted(m["To"] for m in mail.inbox.messages)
    assert addresses == ["ann@example.com", "manager@example.com", "owner@example.com"]
    assert "Traceback" not in procs.logs(), procs.logs()[-8000:]
    app.engine.dispose()


def test_a_daily_run_killed_mid_way_is_finished_by_another_process(
        database_url: str, backend: str, tmp_path: Path, mail: MailServer) -> None:
    """A shop whose daily run has many years to catch up (seconds of work, in one
    transaction): the holder is killed with SIGKILL while it runs; nothing it did stays,
    and another worker runs every day once."""
    engine, app = shop_on(database_url)
    years = {"sqlite": 400, "postgresql": 80}[backend]  # some seconds of work on each
    first = today_utc() - dt.timedelta(days=365 * years)
    with engine.begin() as conn:
        conn.execute(sa.update(t.shop).values(first_activity=first))
    days = (today_utc() - first).days + 1
    procs = Processes(database_url, tmp_path,
                      env_for(mail, PATRONAGE_SCHEDULER_LEASE_SECONDS="3"))
    try:
        workers = [procs.start("worker") for _ in range(3)]
        holder = wait_for(lambda: (leases.peek(engine, "daily") or {}).get("holder"), 60, procs)
        victim = next(w for w in workers if w.pid == int(holder.split(":")[1]))
        time.sleep(1)  # inside the run now
        assert leases.jobs(engine)["daily"]["last_success_at"] is None, "it ended too soon"
        victim.send_signal(signal.SIGKILL)
        assert victim.wait(10) == -signal.SIGKILL
        assert runs(engine) == [] and last_day(engine) is None  # nothing of it stays
        row = wait_for(lambda: leases.jobs(engine)["daily"]["last_success_at"] and
                       leases.jobs(engine)["daily"], 120, procs)
        assert int(row["holder"].split(":")[1]) != victim.pid
        time.sleep(1.5)  # more ticks: nobody runs it again
    finally:
        codes = procs.stop()
    assert codes.count(0) == 2, procs.logs()[-8000:]
    assert runs(engine) == [today_utc()], procs.logs()[-8000:]
    with engine.connect() as conn:
        done = conn.execute(sa.select(sa.func.count(), sa.func.min(t.maintenance_days.c.day))
                            ).one()
    assert tuple(done) == (days, first)
    app.engine.dispose()


# --- helpers of the process tests --------------------------------------------------------------

def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/v1/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def cli(*args: str, database: str) -> str:
    done = subprocess.run([str(BIN), *args, "--database", database], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
