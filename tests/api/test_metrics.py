"""Monitoring: `/metrics` (Prometheus text, requests by route template, the shared figures
read from the database, the token when one is set) and `/ready` (the database, the daily
run on time or late, with the reasons in JSON)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from patronage.adapters.db import tables as t
from patronage.entrypoints.api.app import create_app
from patronage.entrypoints.api.settings import ApiSettings
from patronage.entrypoints.scheduler import Scheduler
from patronage.service import webhooks
from patronage.service.app import Patronage
from tests.clocks import WallClock

from .conftest import BANK, SHOP

DAY = dt.date(2024, 3, 5)


def settings(**values: Any) -> ApiSettings:
    return ApiSettings(**{"scheduler": False, "webhook_worker": False,
                          "metrics_cache_seconds": 0, **values})


@pytest.fixture
def clock() -> WallClock:
    return WallClock(dt.datetime.combine(DAY, dt.time(12, 0)))


@pytest.fixture
def facade(engine: sa.Engine, clock: WallClock) -> Patronage:
    return Patronage(engine, clock, send_mail=False)


def client(facade: Patronage, **values: Any) -> Iterator[TestClient]:
    with TestClient(create_app(facade, settings=settings(**values))) as c:
        yield c


@pytest.fixture
def api(facade: Patronage) -> Iterator[TestClient]:
    yield from client(facade)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape by (name, sorted labels), parsed as Prometheus would."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def scrape(api: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = api.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return samples(r.text)


def shop(app: Patronage) -> None:
    """A points bank at 10 points a dollar and one member."""
    app.configure_shop(SHOP)
    app.put_program(BANK)
    app.put_customer({"id": "C1", "name": "Ann"})
    app.enroll({"customer": "C1", "program": "rewards", "date": "2024-01-01"})


def ledger_sum(engine: sa.Engine, kind: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(t.ledger.c.points), 0))
                                .where(t.ledger.c.kind == kind)).scalar())


def test_requests_are_counted_by_route_template(api: TestClient) -> None:
    """Counts are this process's since it started: the test looks at what it added."""
    def count(name: str, **labels: str) -> float:
        return got.get((name, tuple(sorted(labels.items()))), 0) - before.get(
            (name, tuple(sorted(labels.items()))), 0)

    before = scrape(api)
    for path in ("/v1/customers/C1", "/v1/customers/C2", "/v1/health", "/no/such/page/42"):
        api.get(path)
    got = scrape(api)
    template = {"method": "GET", "route": "/v1/customers/{customer_id}"}
    assert count("patronage_http_requests_total", **template, status="401") == 2
    assert count("patronage_http_request_duration_seconds_count", **template) == 2
    assert count("patronage_http_requests_total", method="GET", route="/v1/health",
                 status="200") == 1
    assert not any("/no/such" in str(k) for k in got)  # no series per unknown path


def test_invoices_points_and_queues_are_read_from_the_database(
        api: TestClient, facade: Patronage, engine: sa.Engine) -> None:
    assert scrape(api)[("patronage_invoices_posted_total", ())] == 0
    shop(facade)
    facade.post_invoice({"id": "S1", "customer": "C1", "store": 1,
                         "lines": [{"sku": "TIRE", "qty": "1", "price": "100.00"}]})
    facade.post_invoice({"id": "S2", "customer": "C1", "store": 1,
                         "lines": [{"sku": "TIRE", "qty": "1", "price": "50.00"}],
                         "redeem": {"rewards": "5.00"}})
    webhooks.create(facade, "http://127.0.0.1:9/hook", [])
    facade.post_invoice({"id": "S3", "customer": "C1", "store": 1,
                         "lines": [{"sku": "TIRE", "qty": "1", "price": "10.00"}]})
    webhooks.fan_out(facade)
    got = scrape(api)
    assert got[("patronage_database_up", ())] == 1
    assert got[("patronage_invoices_posted_total", ())] == 3
    issued, redeemed = ledger_sum(engine, "accrual"), -ledger_sum(engine, "redemption")
    assert issued > 0 and redeemed == 500  # $5.00 at a cent a point
    assert got[("patronage_points_issued_total", ())] == issued
    assert got[("patronage_points_redeemed_total", ())] == redeemed
    assert got[("patronage_webhook_deliveries_pending", ())] >= 1
    assert got[("patronage_outbox_queued", (("channel", "email"),))] == 0


def test_the_daily_runs_last_success_and_duration_are_shown(
        api: TestClient, facade: Patronage) -> None:
    shop(facade)
    assert not any(k[0] == "patronage_job_last_success_timestamp_seconds"
                   for k in scrape(api))
    scheduler = Scheduler.of(facade, settings(), ("daily",))
    assert scheduler.tick()["daily"]["to"] == DAY.isoformat()
    got = scrape(api)
    ended = got[("patronage_job_last_success_timestamp_seconds", (("job", "daily"),))]
    assert abs(ended - dt.datetime.now(dt.UTC).timestamp()) < 120
    assert got[("patronage_job_duration_seconds", (("job", "daily"),))] >= 0
    assert got[("patronage_job_failing", (("job", "daily"),))] == 0
    midnight = dt.datetime.combine(DAY, dt.time(), dt.UTC).timestamp()
    assert got[("patronage_daily_run_last_day_timestamp_seconds", ())] == midnight


def test_metrics_want_the_token_when_one_is_set(facade: Patronage) -> None:
    for api in client(facade, metrics_token="s3cret-token"):
        assert api.get("/metrics").status_code == 401
        r = api.get("/metrics", headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
        ok = api.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
        assert ok.status_code == 200 and "patronage_database_up 1.0" in ok.text


def test_ready_covers_the_database_and_the_daily_run(
        api: TestClient, facade: Patronage, clock: WallClock) -> None:
    r = api.get("/ready")
    assert r.status_code == 200 and r.json()["checks"]["daily_run"]["note"]  # no shop yet
    shop(facade)
    r = api.get("/ready")
    assert r.status_code == 503
    assert r.json()["reasons"] == ["the daily run has never completed"]
    facade.run_maintenance()
    r = api.get("/ready")
    assert r.status_code == 200 and r.json() == {
        "ready": True, "reasons": [],
        "checks": {"database": {"ok": True},
                   "daily_run": {"ok": True, "last_day": "2024-03-05", "due_day": "2024-03-05",
                                 "run_at": "00:05", "grace_minutes": 120}}}
    clock.at = dt.datetime(2024, 3, 6, 2, 4)  # 00:05 plus 119 minutes: still on time
    assert api.get("/ready").status_code == 200
    clock.at = dt.datetime(2024, 3, 6, 2, 6)  # a day and a bit behind
    r = api.get("/ready")
    assert r.status_code == 503 and r.json()["checks"]["daily_run"]["ok"] is False
    assert r.json()["reasons"] == [
        ("the daily run is late: the last day done is 2024-03-05, 2024-03-06 was due by "
         "00:05 plus 120 minutes")]


def test_a_database_that_does_not_answer_is_not_ready() -> None:
    engine = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none",
                              connect_args={"connect_timeout": 2})
    down = Patronage(engine, WallClock(dt.datetime(2024, 3, 5, 12, 0)))
    for api in client(down):
        r = api.get("/ready")
        assert r.status_code == 503 and r.json()["checks"]["database"]["ok"] is False
        assert r.json()["reasons"] == ["the database does not answer"]
        assert scrape(api)[("patronage_database_up", ())] == 0
