"""The daily run split by customer range, worked by several processes.

`run_split` plans the run (service/maintenance.py: `plan`, under the daily run's lock) or
joins the one already planned and not finished, then works its parts with `workers`
processes, this one among them: each claims a part, does it and marks it done in one
transaction, and goes on until none is left. A worker killed mid-part leaves its
transaction rolled back and its part's row lock released; another takes the part. Any
process may join a run in progress the same way (`work`): `patronage maintenance
--workers N` on another machine, or a `patronage worker` whose scheduler sees the run.

On SQLite one process does every part in turn (one writer holds the file at a time).
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import socket
import time
from typing import Any

from patronage.adapters.db import run_parts
from patronage.adapters.smtp import SmtpSettings
from patronage.service import maintenance, messaging
from patronage.service.app import Patronage
from patronage.service.clock import Clock
from patronage.service.uow import bulk_unit_of_work

POLL = 0.02  # seconds between looks while other workers finish the parts of a day


def holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def run_split(app: Patronage, body: Any, workers: int, parts: int | None = None) -> dict[str, Any]:
    """The daily run to `body`'s date (as `Patronage.run_maintenance`), split in parts
    worked by `workers` processes; what it did (the sum of its parts' counts)."""
    while True:
        planned = app.run(lambda tx: maintenance.plan(tx, body, parts, workers))
        work(app, planned["run"], workers)
        if not planned["joined"] or planned["far_enough"]:
            break  # (a run joined that stops short of our date: then plan the rest)
    data = app.read(lambda tx: maintenance.split_summary(tx, planned["run"]), primary=True)
    data["run"], data["parts"] = planned["run"], planned.get("parts", 0)
    if app.send_mail:  # as `run_maintenance`: M1's last step, after the run
        data["mail"] = messaging.send_outbox(app.engine, SmtpSettings(), now=app.clock.now())
    return data


def work(app: Patronage, run_id: int, workers: int) -> int:
    """Work the run's parts with `workers` processes (this one and workers - 1 started
    here) until none is left; how many parts this process did."""
    if app.engine.dialect.name != "postgresql":
        workers = 1
    url = app.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")  # no threads or pooled sockets inherited
    helpers = [context.Process(target=_helper, args=(url, app.clock, run_id), daemon=True,
                               name=f"patronage-daily-part-{n}") for n in range(1, workers)]
    for process in helpers:
        process.start()
    try:
        return work_here(app, run_id, holder())
    finally:
        for process in helpers:
            process.join()


def work_here(app: Patronage, run_id: int, me: str) -> int:
    """Claim and do parts in this process until none is left."""
    done = 0
    while True:
        with bulk_unit_of_work(app.engine, app.clock) as tx:
            outcome = maintenance.run_next_part(tx, run_id, me)
        if outcome == "finished":
            return done
        if outcome == "done":
            done += 1
        else:
            time.sleep(POLL)


def _helper(url: str, clock: Clock, run_id: int) -> None:
    from patronage.adapters.db.engine import make_engine

    engine = make_engine(url)
    try:
        work_here(Patronage(engine, clock, send_mail=False), run_id, holder())
    finally:
        engine.dispose()


def open_run(app: Patronage) -> int | None:
    """The split run planned and not finished, if any: one to join."""
    return app.read(lambda tx: run_parts.open_run(tx.repo.conn), primary=True)
