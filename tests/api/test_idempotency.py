"""Retries: natural ids (C5) and the Idempotency-Key header, against a real server."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.api.conftest import TODAY, sale, set_up_shop


def test_idempotency_key_replays_the_first_answer(start_server: Any, sqlite_url: str) -> None:
    server = start_server(sqlite_url)
    admin = server.client(server.key("admin"))
    set_up_shop(admin, ["C1"])
    manager = server.client(server.key("manager"))
    body = {"points": 5, "reason": "goodwill"}
    first = manager.post("/v1/customers/C1/adjustments", json=body,
                         headers={"Idempotency-Key": "adj-1"})
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    again = manager.post("/v1/customers/C1/adjustments", json=body,
                         headers={"Idempotency-Key": "adj-1"})
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert manager.get("/v1/customers/C1/balance").json()["adjusted"] == 5

    # the same key with another body is a conflict, and nothing is applied
    other = manager.post("/v1/customers/C1/adjustments", json={"points": 7, "reason": "x"},
                         headers={"Idempotency-Key": "adj-1"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "conflict"
    assert other.json()["error"]["fields"][0]["field"] == "Idempotency-Key"
    assert manager.get("/v1/customers/C1/balance").json()["adjusted"] == 5

    # keys are per API key: another caller's "adj-1" is its own
    other_manager = server.client(server.key("manager"))
    r = other_manager.post("/v1/customers/C1/adjustments", json=body,
                           headers={"Idempotency-Key": "adj-1"})
    assert r.status_code == 201 and "idempotent-replayed" not in r.headers
    assert manager.get("/v1/customers/C1/balance").json()["adjusted"] == 10

    # a refused request is not kept: the retry runs again (and now succeeds)
    take = {"points": -1000, "reason": "oops"}
    r = manager.post("/v1/customers/C1/adjustments", json=take,
                     headers={"Idempotency-Key": "take-1"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "insufficient_points"
    manager.post("/v1/customers/C1/adjustments", json={"points": 2000, "reason": "port"})
    r = manager.post("/v1/customers/C1/adjustments", json=take,
                     headers={"Idempotency-Key": "take-1"})
    assert r.status_code == 201 and r.json()["points"] == -1000

    # maintenance runs have no natural id; the header makes their retry harmless
    run = {"date": TODAY.isoformat()}
    a = manager.post("/v1/maintenance-runs", json=run, headers={"Idempotency-Key": "run-1"})
    b = manager.post("/v1/maintenance-runs", json=run, headers={"Idempotency-Key": "run-1"})
    assert a.status_code == b.status_code == 201 and a.json() == b.json()
    assert len(manager.get("/v1/maintenance-runs").json()["items"]) == 1


def test_concurrent_retries_under_one_key_apply_once(start_server: Any, sqlite_url: str) -> None:
    server = start_server(sqlite_url)
    admin = server.client(server.key("admin"))
    set_up_shop(admin, ["C1"])
    key = server.key("manager")

    def fire(_: int) -> int:
        with server.client(key) as c:
            return c.post("/v1/customers/C1/adjustments", json={"points": 3, "reason": "r"},
                          headers={"Idempotency-Key": "same"}).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(fire, range(16)))
    assert set(codes) <= {201, 409} and 201 in codes
    assert admin.get("/v1/customers/C1/balance").json()["adjusted"] == 3


def test_natural_ids_make_pos_retries_harmless(start_server: Any, sqlite_url: str) -> None:
    server = start_server(sqlite_url)
    admin = server.client(server.key("admin"))
    set_up_shop(admin, ["C1"])
    pos = server.client(server.key("cashier"))
    inv = sale("N-1", "C1", "30.00")
    a, b = pos.post("/v1/invoices", json=inv), pos.post("/v1/invoices", json=inv)
    assert a.status_code == b.status_code == 201 and a.json()["points"] == 300
    assert b.json()["balance"]["earned"] == 300
    changed = {**inv, "lines": [{"sku": "TIRE", "qty": "1", "price": "31.00"}]}
    r = pos.post("/v1/invoices", json=changed)
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    pay = {"id": "P-1", "store": 1, "tender": "cash", "amount": "30.00"}
    assert pos.post("/v1/invoices/N-1/payments", json=pay).json()["paid"] == "30.00"
    assert pos.post("/v1/invoices/N-1/payments", json=pay).json()["paid"] == "30.00"
    ret = {"id": "RT-1", "invoice": "N-1", "store": 1, "lines": [{"sku": "TIRE", "qty": "1"}]}
    assert pos.post("/v1/returns", json=ret).json()["points_taken"] == 300
    assert pos.post("/v1/returns", json=ret).json()["points_taken"] == 300
    assert pos.get("/v1/customers/C1/balance").json()["earned"] == 0


def test_idempotency_records_expire_after_a_day(sqlite_url: str) -> None:
    """In process, with a clock we move: after 24 hours the same key runs again."""
    from fastapi.testclient import TestClient

    from patronage.entrypoints.api import records
    from patronage.entrypoints.api.app import create_app
    from patronage.entrypoints.api.settings import ApiSettings
    from patronage.service.clock import FixedClock

    class Clock(FixedClock):
        at = dt.datetime(2024, 3, 1, 9, 0)

        def now(self) -> dt.datetime:
            return self.at

        def today(self) -> dt.date:
            return self.at.date()

    clock = Clock(dt.date(2024, 3, 1))
    app = create_app(sqlite_url, clock=clock, settings=ApiSettings(webhook_worker=False))
    key = records.create_key(app.state.facade, "admin", "admin")["key"]
    with TestClient(app, headers={"Authorization": f"Bearer {key}"}) as c:
        set_up_shop(c, ["C1"])  # type: ignore[arg-type]
        post = lambda: c.post("/v1/customers/C1/adjustments",
                              json={"points": 1, "reason": "r"}, headers={"Idempotency-Key": "k"})
        assert "idempotent-replayed" not in post().headers
        clock.at += dt.timedelta(hours=23)
        assert post().headers["idempotent-replayed"] == "true"
        clock.at += dt.timedelta(hours=2)
        assert "idempotent-replayed" not in post().headers
        assert c.get("/v1/customers/C1/balance").json()["adjusted"] == 2
