"""Issue 19 items 4, 5 and 10 through a real server, on SQLite and PostgreSQL: what one
database would store and the other refuse (a 10 MB name, NUL bytes), absurd amounts, dates
out of the window and bodies nested 1,000 deep are all `invalid` (4xx), and none is kept."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest

from tests.api.conftest import TODAY, sale, set_up_shop

DEEP = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


@pytest.fixture(params=["sqlite_url", "postgres_url"], ids=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> str:
    """A server's database: a SQLite file, or a PostgreSQL schema (skipped without one)."""
    return str(request.getfixturevalue(request.param))


def invalid(r: httpx.Response) -> None:
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert r.json()["error"]["code"] == "invalid", r.text[:300]


def test_bad_input_is_refused_alike_on_every_database(start_server: Any, database: str) -> None:
    server = start_server(database)
    admin = server.client(server.key("admin"))
    set_up_shop(admin, ["C1"])

    # text: a 10 MB name, NUL bytes, control characters; nothing stored
    invalid(admin.put("/v1/customers/C9", json={"name": "x" * 10_000_000}))
    invalid(admin.put("/v1/customers/C9", json={"name": "Ann\x00Lee"}))
    invalid(admin.put("/v1/customers/C%009", json={"name": "Ann"}))
    assert admin.get("/v1/customers/C9").status_code == 404
    invalid(admin.post("/v1/invoices", json=sale("N1", "C1", "10.00", type="sale\x00")))
    body = sale("N2", "C1", "10.00")
    body["lines"][0]["sku"] = "TI\x00RE"
    invalid(admin.post("/v1/invoices", json=body))
    invalid(admin.post("/v1/customers/C1/adjustments",
                       json={"points": 5, "reason": "goodwill\x00"}))
    invalid(admin.post("/v1/keys", json={"name": "till\x00", "role": "cashier"}))
    assert all("\x00" not in k["name"] for k in admin.get("/v1/keys").json())

    # amounts: 1e15 a line, lines above a billion in all
    for qty, price in (("1000000", "1000000000"), ("1", "1e15"), ("1000", "10000000")):
        body = sale("N3", "C1", price)
        body["lines"][0]["qty"] = qty
        invalid(admin.post("/v1/invoices", json=body))

    # dates: an invoice of year 1, a daily run for 2099
    invalid(admin.post("/v1/invoices", json={**sale("N4", "C1", "10.00"), "date": "0001-01-01"}))
    invalid(admin.post("/v1/maintenance-runs", json={"date": "2099-12-31"}))
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    invalid(admin.post("/v1/maintenance-runs", json={"date": tomorrow}))
    assert admin.get("/v1/maintenance-runs").json()["items"] == []
    for n in range(1, 5):
        assert admin.get(f"/v1/invoices/N{n}").status_code == 404
    assert admin.get("/v1/customers/C1/balance").json()["adjusted"] == 0

    # the shop still works, and its first run catches up from the enrollment (2024-01-01)
    assert admin.post("/v1/invoices", json=sale("OK", "C1", "10.00")).status_code == 201
    run = admin.post("/v1/maintenance-runs", json={})
    assert run.status_code == 201
    assert run.json()["summary"]["days"] == (TODAY - dt.date(2024, 1, 1)).days + 1


def test_deep_bodies_are_refused_on_every_route(start_server: Any, database: str) -> None:
    """Item 5: 1,000 levels with an Idempotency-Key was a 500 (RecursionError)."""
    server = start_server(database)
    admin = server.client(server.key("admin"))
    set_up_shop(admin, ["C1"])
    routes = [("POST", "/v1/invoices"), ("POST", "/v1/customers/C1/adjustments"),
              ("PUT", "/v1/customers/C1"), ("POST", "/v1/maintenance-runs"),
              ("POST", "/v1/programs/rewards/open"), ("PATCH", "/v1/programs/rewards")]
    for n, (method, path) in enumerate(routes):
        for deep in (DEEP, DEEP_OBJECT):
            for headers in ({}, {"Idempotency-Key": f"deep-{n}-{len(deep)}"}):
                r = admin.request(method, path, content=deep,
                                  headers={"Content-Type": "application/json", **headers})
                invalid(r)
    # a key refused for its body is free again: the same key with a good body works
    r = admin.post("/v1/customers/C1/adjustments", json={"points": 5, "reason": "ok"},
                   headers={"Idempotency-Key": "deep-1-2000"})
    assert r.status_code == 201, r.text
    assert admin.get("/v1/customers/C1/balance").json()["adjusted"] == 5
    # a deep string is only text, not nesting
    r = admin.put("/v1/customers/C2", content=json.dumps({"name": "[" * 150}),
                  headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
