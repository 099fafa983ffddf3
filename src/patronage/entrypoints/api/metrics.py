"""Monitoring: `/metrics` in the Prometheus text format and the `/ready` check.

Two kinds of figures. Requests and their latency are counted by each server process
(prometheus-client; with `serve --workers N` its multiprocess mode adds the processes up
from files in PROMETHEUS_MULTIPROC_DIR). Everything shared by all processes and machines
is read from the database when scraped, so a worker on another machine is seen from any
server: the queues of the outbox and the webhooks and each scheduled job's last success and
duration (its lease row) at every scrape; invoices posted and points issued and redeemed
(the ledger's cached totals by kind, which `patronage check` proves equal to the entries)
at most every `metrics_cache_seconds` per process. Docs: docs/operations.md, "Monitoring".

`/ready` answers 200 when the database answers and the daily run is on time: the last
day done is at least the day due `ready_grace_minutes` ago. Otherwise 503 with the reasons.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
import re
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from patronage.adapters.db import leases
from patronage.adapters.db import tables as t
from patronage.adapters.db import tables_api as ta
from patronage.core.entries import EntryKind
from patronage.entrypoints.api.settings import ApiSettings
from patronage.service.app import Patronage

MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"
REQUESTS = Counter("patronage_http_requests", "HTTP requests answered, by route template",
                   ["method", "route", "status"])
LATENCY = Histogram("patronage_http_request_duration_seconds",
                    "Time to answer, by route template", ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class Instrument:
    """ASGI middleware: count and time every HTTP request by its route template (the
    path a route was declared with, `/v1/customers/{customer_id}`), so figures do not
    grow with every customer id; requests no route matched count as `unmatched`."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._templates: list[tuple[re.Pattern[str], str]] | None = None

    def template(self, scope: Scope) -> str:
        """The route a request answered before routing (the guard's 401) would reach."""
        if self._templates is None:
            self._templates = templates(scope["app"])
        path = scope.get("path", "")
        return next((t for rx, t in self._templates if rx.fullmatch(path)), "unmatched")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def sending(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or self.template(scope)
            method = scope.get("method", "")
            REQUESTS.labels(method, route, str(status[0])).inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - start)


def templates(app: Any) -> list[tuple[re.Pattern[str], str]]:
    """The API's path templates as patterns, the most literal first (from its OpenAPI
    schema: FastAPI keeps included routers' routes out of `app.routes` until dispatch)."""
    found = []
    for path in app.openapi().get("paths", {}):
        parts = re.split(r"(\{[^}]+\})", path)
        pattern = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
        found.append((re.compile(pattern), path, sum(len(p) for p in parts
                                                     if not p.startswith("{"))))
    return [(rx, path) for rx, path, _ in sorted(found, key=lambda f: -f[2])]


# --- figures from the database ------------------------------------------------------------

def _epoch(value: dt.datetime | None) -> float | None:
    return None if value is None else value.replace(tzinfo=dt.UTC).timestamp()


def totals(app: Patronage) -> dict[str, Any]:
    """All-time totals: they read every enrollment's cached totals and count the invoices
    (about 1.3 s of PostgreSQL at a million customers), so they are kept a while."""
    def work(tx: Any) -> dict[str, Any]:
        conn, et = tx.repo.conn, t.enrollment_totals
        points = conn.execute(select(et.c.kind, func.sum(et.c.points)).group_by(et.c.kind))
        return {"invoices": conn.execute(select(func.count()).select_from(t.invoices)).scalar(),
                "points": {k: int(v or 0) for k, v in points.all()}}

    return app.read(work)


def queues(app: Patronage) -> dict[str, Any]:
    """What waits now and how the jobs went: small indexed reads, fresh at every scrape."""
    def work(tx: Any) -> dict[str, Any]:
        conn, o, d = tx.repo.conn, t.outbox, ta.webhook_deliveries
        return {
            "outbox": dict(conn.execute(select(o.c.channel, func.count())
                                        .where(o.c.status == "queued")
                                        .group_by(o.c.channel)).all()),
            "webhooks": conn.execute(select(func.count()).select_from(d)
                                     .where(d.c.status == "pending")).scalar(),
            "last_day": tx.repo.last_done_day(),
        }

    return app.read(work) | {"jobs": leases.jobs(app.engine)}


class DatabaseCollector(Collector):
    """The shared figures, read at scrape time; the totals are kept `ttl` seconds."""

    def __init__(self, app: Patronage, ttl: float) -> None:
        self.app, self.ttl = app, ttl
        self._lock = threading.Lock()
        self._at = -1e18
        self._totals: dict[str, Any] | None = None

    def figures(self) -> dict[str, Any] | None:
        with self._lock:
            try:
                now = queues(self.app)
                if self._totals is None or time.monotonic() - self._at >= self.ttl:
                    self._totals = totals(self.app)
                    self._at = time.monotonic()
            except Exception:  # noqa: BLE001 - the scrape says the database is down
                return None
            return now | self._totals

    def collect(self) -> Iterator[Metric]:
        f = self.figures()
        yield GaugeMetricFamily("patronage_database_up", "1 when the database answered",
                                value=0 if f is None else 1)
        if f is None:
            return
        yield CounterMetricFamily("patronage_invoices_posted", "Invoices (sales, returns, "
                                  "layaways) posted, all time", value=f["invoices"])
        yield CounterMetricFamily("patronage_points_issued", "Points earned (accrual "
                                  "entries), all time", value=f["points"].get(EntryKind.ACCRUAL, 0))
        yield CounterMetricFamily("patronage_points_redeemed", "Points redeemed at checkout "
                                  "(redemption entries), all time",
                                  value=-f["points"].get(EntryKind.REDEMPTION, 0))
        by_kind = GaugeMetricFamily("patronage_ledger_points", "Sum of ledger entries by "
                                    "kind", labels=["kind"])
        for kind, points in sorted(f["points"].items()):
            by_kind.add_metric([kind], points)
        yield by_kind
        outbox = GaugeMetricFamily("patronage_outbox_queued", "Messages waiting in the "
                                   "outbox, by channel", labels=["channel"])
        for channel in ("email", "letter"):
            outbox.add_metric([channel], f["outbox"].get(channel, 0))
        yield outbox
        yield GaugeMetricFamily("patronage_webhook_deliveries_pending", "Webhook deliveries "
                                "waiting to be sent", value=f["webhooks"] or 0)
        if f["last_day"] is not None:
            yield GaugeMetricFamily(
                "patronage_daily_run_last_day_timestamp_seconds", "The last business day "
                "the daily run has done (its midnight, UTC)",
                value=_epoch(dt.datetime.combine(f["last_day"], dt.time())) or 0)
        success = GaugeMetricFamily("patronage_job_last_success_timestamp_seconds",
                                    "When each scheduled job last ended well", labels=["job"])
        duration = GaugeMetricFamily("patronage_job_duration_seconds",
                                     "How long each scheduled job's last good run took",
                                     labels=["job"])
        failing = GaugeMetricFamily("patronage_job_failing", "1 when a job's last run "
                                    "failed", labels=["job"])
        for name, row in sorted(f["jobs"].items()):
            ok_at, error_at = row["last_success_at"], row["last_error_at"]
            if ok_at is not None:
                success.add_metric([name], _epoch(ok_at) or 0)
                duration.add_metric([name], (row["last_duration_ms"] or 0) / 1000)
            failing.add_metric([name], 1 if row["last_error"] and error_at is not None and (
                ok_at is None or error_at > ok_at) else 0)
        yield success
        yield duration
        yield failing


class _Local(Collector):
    """This process's own figures (one process: no multiprocess files)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def exposition(database: DatabaseCollector) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROC):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Local())
    registry.register(database)
    return generate_latest(registry)


def authorized(settings: ApiSettings, header: str | None) -> bool:
    """With PATRONAGE_METRICS_TOKEN set, /metrics wants `Authorization: Bearer <token>`."""
    if settings.metrics_token is None:
        return True
    scheme, _, value = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        value.strip().encode(), settings.metrics_token.get_secret_value().encode())


CONTENT_TYPE = CONTENT_TYPE_LATEST


# --- readiness ------------------------------------------------------------------------------

def readiness(app: Patronage, settings: ApiSettings) -> tuple[bool, dict[str, Any]]:
    """(ready, the answer): the database answers and the daily run is not late."""
    from patronage.entrypoints.scheduler import daily_target

    reasons: list[str] = []
    try:
        shop, last = app.read(lambda tx: (tx.repo.shop(), tx.repo.last_done_day()),
                              primary=True)
    except Exception as exc:  # noqa: BLE001 - readiness reports, never fails
        return False, {"ready": False, "reasons": ["the database does not answer"],
                       "checks": {"database": {"ok": False, "error": type(exc).__name__},
                                  "daily_run": {"ok": False}}}
    now = app.clock.now()
    late = now - dt.timedelta(minutes=settings.ready_grace_minutes)
    due = daily_target(late, settings.daily_run_at)
    daily: dict[str, Any] = {"last_day": last, "due_day": due,
                             "run_at": settings.daily_run_at.strftime("%H:%M"),
                             "grace_minutes": settings.ready_grace_minutes}
    if shop is None:
        daily |= {"ok": True, "note": "no shop is configured yet: nothing to run"}
    elif last is None or last < due:
        daily["ok"] = False
        reasons.append("the daily run has never completed" if last is None else
                       f"the daily run is late: the last day done is {last.isoformat()}, "
                       f"{due.isoformat()} was due by "
                       f"{settings.daily_run_at.strftime('%H:%M')} plus "
                       f"{settings.ready_grace_minutes} minutes")
    else:
        daily["ok"] = True
    ready = not reasons
    return ready, {"ready": ready, "reasons": reasons,
                   "checks": {"database": {"ok": True}, "daily_run": daily}}
