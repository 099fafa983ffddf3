"""The scheduler: the daily run, the mail outbox, webhook deliveries and the purge of replay
records, run unattended by every server process and by `patronage worker`.

Each job is looked at every few seconds. When it is due the process claims the job's lease
(adapters/db/leases.py); only the holder runs it, renewing the lease from a heartbeat thread
while it runs, so across any number of processes and machines on one database a job runs in
one place at a time. A process that dies mid-run leaves its transaction rolled back (the
daily run is one transaction) and stops renewing; when the lease expires the next process
to look finds the job still due and runs it. A clean stop gives the leases up at once.

The daily run is due once the shop's clock (PATRONAGE_TIMEZONE) has passed
PATRONAGE_DAILY_RUN_AT and the last day done is before today; before that time of day, a
day missed earlier (downtime) is caught up at once, up to yesterday. With
PATRONAGE_DAILY_RUN_WORKERS above 1 the holder splits it by customer range across that many
processes (entrypoints/ops/daily_run.py); while a split run is open, every scheduler that
looks joins it with its own processes, without the lease: its parts are claimed one by one
under row locks, so no part is done twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from patronage.adapters.db import leases, run_parts
from patronage.adapters.smtp import SmtpSettings
from patronage.entrypoints.api.settings import ApiSettings
from patronage.entrypoints.ops import daily_run
from patronage.service import messaging, webhooks
from patronage.service.app import Patronage

log = logging.getLogger("patronage.scheduler")
ALL = ("daily", "outbox", "webhooks", "purge")


@dataclass
class Job:
    """A named piece of work: `due()` says whether to claim it now (None: not due), `run()`
    does it and returns what it did. Looked at every `every` seconds."""

    name: str
    every: float
    due: Callable[[], Any]
    run: Callable[[Any], dict[str, Any]]
    next_at: float = 0.0
    failed_until: float = 0.0
    close: Callable[[], None] | None = None  # called when the scheduler stops


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def daily_target(now: dt.datetime, run_at: dt.time) -> dt.date:
    """The last day whose daily run is due at `now`: today from `run_at`, else yesterday."""
    return now.date() if now.time() >= run_at else now.date() - dt.timedelta(days=1)


@dataclass(frozen=True)
class JoinRun:
    """A split daily run in progress, to work on alongside its other workers."""

    run_id: int


def daily_due(app: Patronage, run_at: dt.time) -> dt.date | JoinRun | None:
    """The day to run the daily run to, a split run in progress to join, or None when it is
    not due (or there is no shop)."""
    target = daily_target(app.clock.now(), run_at)
    shop, last, open_run = app.read(lambda tx: (tx.repo.shop(), tx.repo.last_done_day(),
                                                run_parts.open_run(tx.repo.conn)))
    if open_run is not None:
        return JoinRun(open_run)
    if shop is None or (last is not None and last >= target):
        return None
    return target


def jobs_for(app: Patronage, settings: ApiSettings, names: tuple[str, ...] = ALL) -> list[Job]:
    """The jobs named, wired to the service: what the server or the worker runs."""
    from patronage.entrypoints.api import records
    from patronage.entrypoints.api.worker import HttpSender

    s = settings
    made: dict[str, Job] = {}
    unknown = set(names) - set(ALL)
    if unknown:
        raise ValueError(f"unknown jobs: {sorted(unknown)}")

    def daily(target: dt.date | JoinRun) -> dict[str, Any]:
        if isinstance(target, JoinRun):
            return {"joined": target.run_id,
                    "parts": daily_run.work(app, target.run_id, s.daily_run_workers)}
        body = {"date": target, "user": "scheduler"}
        if s.daily_run_workers > 1:
            return daily_run.run_split(app, body, s.daily_run_workers)
        return app.run_maintenance(body).data

    def outbox(_: Any) -> dict[str, Any]:
        return messaging.send_outbox(app.engine, SmtpSettings(), now=app.clock.now())

    def deliverer() -> Job:
        sender = HttpSender(s.webhook_timeout_seconds)  # one client: connections are reused

        def deliver(_: Any) -> dict[str, Any]:
            return webhooks.run_once(app, sender, s.webhook_backoff_seconds,
                                     s.webhook_backoff_max_seconds)

        return Job("webhooks", s.webhook_poll_seconds, lambda: True, deliver, close=sender.close)

    def purge(_: Any) -> dict[str, Any]:
        return {"purged": records.purge(app, dt.timedelta(hours=s.idempotency_hours))}

    made["daily"] = Job("daily", s.scheduler_tick, lambda: daily_due(app, s.daily_run_at), daily)
    made["outbox"] = Job("outbox", s.outbox_poll_seconds,
                         lambda: True if SmtpSettings().configured else None, outbox)
    if "webhooks" in names:
        made["webhooks"] = deliverer()
    made["purge"] = Job("purge", s.purge_every_seconds, lambda: True, purge)
    return [made[n] for n in names]


@dataclass
class Scheduler:
    """Runs `jobs` on `app`'s database: `tick()` once, or `start()` a thread (the server) or
    `run_forever()` in the foreground (the worker) until `stop()`."""

    app: Patronage
    jobs: list[Job]
    lease: dt.timedelta = dt.timedelta(seconds=60)
    tick_seconds: float = 10.0
    holder: str = field(default_factory=holder_id)
    wall: Callable[[], dt.datetime] = leases.utcnow
    _stop: threading.Event = field(default_factory=threading.Event)
    _wake: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _running: str | None = None

    @classmethod
    def of(cls, app: Patronage, settings: ApiSettings,
           names: tuple[str, ...] = ALL) -> Scheduler:
        jobs = jobs_for(app, settings, names)
        return cls(app, jobs, dt.timedelta(seconds=settings.scheduler_lease_seconds),
                   min([settings.scheduler_tick, *(j.every for j in jobs)]))

    # --- one look at every job -----------------------------------------------------------
    def tick(self, force: bool = False) -> dict[str, Any]:
        """Run each job whose time has come (every job when `force`); what each one did,
        or why it did not run."""
        done: dict[str, Any] = {}
        for job in self.jobs:
            now = time.monotonic()
            if not force and (now < job.next_at or now < job.failed_until):
                continue
            job.next_at = now + job.every
            done[job.name] = self.execute(job)
        return done

    def execute(self, job: Job) -> Any:
        try:
            first = job.due()
            if first is None:
                return "not due"
            if isinstance(first, JoinRun):  # no lease: its parts are locked one by one
                return self._join(job, first)
            if not leases.claim(self.app.engine, job.name, self.holder, self.lease,
                                self.wall()):
                return "held elsewhere"
            arg = job.due()  # again, holding the lease: another holder may have run it
            if arg is None:
                return "not due"
        except Exception as exc:  # noqa: BLE001 - a database that does not answer: next tick
            log.warning("could not look at job %s: %s: %s", job.name, type(exc).__name__, exc)
            return "unavailable"
        started = self.wall()
        self._running = job.name
        try:
            result = job.run(arg)
        except Exception as exc:  # a failed run is logged, kept on the row, tried later
            log.exception("job %s failed", job.name)
            job.failed_until = time.monotonic() + max(60.0, job.every)
            self._record(job.name, started, f"{type(exc).__name__}: {exc}")
            return "failed"
        finally:
            self._running = None
        self._record(job.name, started, None)
        if job.name == "daily" or any(isinstance(v, int) and v for v in result.values()):
            log.info("job %s: %s", job.name, result)
        return result

    def _join(self, job: Job, run: JoinRun) -> Any:
        try:
            result = job.run(run)
        except Exception:  # the parts left are taken by the run's other workers
            log.exception("joining daily run %s failed", run.run_id)
            return "failed"
        log.info("job %s: %s", job.name, result)
        return result

    def _record(self, name: str, started: dt.datetime, error: str | None) -> None:
        try:
            leases.record(self.app.engine, name, self.holder, started, self.wall(), error)
        except Exception:  # the outcome is a record for monitoring; the work is done
            log.exception("could not record the outcome of job %s", name)

    def wake(self) -> None:
        """Look again now (after a write, new events may wait for their webhooks)."""
        for job in self.jobs:
            if job.name == "webhooks":
                job.next_at = 0.0
        self._wake.set()

    # --- running -------------------------------------------------------------------------
    def run_forever(self) -> None:
        done = threading.Event()
        heartbeat = threading.Thread(target=self._heartbeat, args=(done,),
                                     name="patronage-lease", daemon=True)
        heartbeat.start()
        try:
            while not self._stop.is_set():
                self.tick()
                soonest = min((max(j.next_at, j.failed_until) for j in self.jobs),
                              default=time.monotonic() + self.tick_seconds)
                self._wake.wait(max(0.05, min(self.tick_seconds, soonest - time.monotonic())))
                self._wake.clear()
        finally:
            done.set()
            heartbeat.join(5)
            self.release()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="patronage-scheduler",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the job in progress (up to `timeout`), start no other, give up leases."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def release(self) -> None:
        for job in self.jobs:
            if job.close is not None:
                job.close()
            try:
                leases.release(self.app.engine, job.name, self.holder, self.wall())
            except Exception:  # noqa: BLE001 - it expires by itself
                log.warning("could not release the lease of job %s", job.name)

    def _heartbeat(self, done: threading.Event) -> None:
        """Renew the lease of the job in progress every third of its length (a stop waits
        for that job, so this goes on until the loop has ended)."""
        while not done.wait(self.lease.total_seconds() / 3):
            name = self._running
            if name is None:
                continue
            try:
                if not leases.claim(self.app.engine, name, self.holder, self.lease,
                                    self.wall()):
                    log.error("lost the lease of job %s while running it", name)
            except Exception as exc:  # noqa: BLE001 - SQLite: the run holds the write lock
                log.debug("could not renew job %s: %s", name, exc)
