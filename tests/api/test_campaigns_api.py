"""Issue 23 item 3 over REST: /v1/campaigns makes, lists, reads, changes and stops
campaigns with stable codes (invalid 422, not_found 404, conflict 409, forbidden 403 for a
cashier's write); an invoice posted after earns the campaign's points, and the quote's
`?explain=true` says which campaign gave what."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from patronage.entrypoints.api import records
from patronage.entrypoints.api.app import create_app
from patronage.entrypoints.api.settings import ApiSettings
from patronage.service import explaining
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .conftest import BANK, SHOP
from .in_process import admin_client

DOUBLE: dict[str, Any] = {"id": "double", "program": "rewards", "name": "Double weekend",
                          "effective": "2024-01-01", "multiplier": "2", "budget": 1500}


@pytest.fixture
def api(app: Patronage) -> Iterator[TestClient]:
    with admin_client(app) as client:
        assert client.put("/v1/shop", json=SHOP).status_code == 200
        assert client.post("/v1/programs", json=BANK).status_code == 201
        assert client.put("/v1/customers/C1", json={"name": "Ann"}).status_code == 200
        assert client.post("/v1/customers/C1/enrollment",
                           json={"program": "rewards"}).status_code == 200
        yield client


def sale(ext: str, price: str) -> dict[str, Any]:
    return {"id": ext, "customer": "C1", "store": 1,
            "lines": [{"sku": "X", "qty": "1", "price": price}]}


def test_a_campaign_is_made_read_listed_and_earned(app: Patronage, api: TestClient) -> None:
    made = api.post("/v1/campaigns", json=DOUBLE)
    assert made.status_code == 201, made.text
    assert made.json() | {"created_at": None} == {
        "id": "double", "program": "rewards", "name": "Double weekend",
        "effective": "2024-01-01", "expires": None, "stores": [], "tiers": [], "lines": None,
        "multiplier": "2", "bonus_points": None, "bonus_min_qty": None, "budget": 1500,
        "given": 0, "left": 1500, "status": "active", "created_at": None,
        "created_by": "admin", "stopped_on": None}
    assert api.post("/v1/campaigns", json=DOUBLE).status_code == 201  # the same again (C5)
    # 10 points a dollar: 100.00 gives 1000, and 1000 more from the campaign
    quoted = api.post("/v1/quotes?explain=true", json=sale("Q", "100.00")).json()
    assert quoted["points"] == 2000
    assert "campaign Double weekend: +1000 points" in quoted["explain_notes"]
    posted = api.post("/v1/invoices", json=sale("I1", "100.00"))
    assert posted.json()["points"] == 2000, posted.text
    # the budget has 500 left: the next invoice gets 500 on top, then none
    assert api.post("/v1/invoices", json=sale("I2", "100.00")).json()["points"] == 1500
    assert api.post("/v1/invoices", json=sale("I3", "100.00")).json()["points"] == 1000
    read = api.get("/v1/campaigns/double").json()
    assert (read["given"], read["left"], read["status"]) == (1500, 0, "spent")
    assert [c["id"] for c in api.get("/v1/campaigns?program=rewards").json()["items"]] \
        == ["double"]
    # the console's invoice page: which campaign gave what, from the invoice's own rate
    explained = app.read(lambda tx: explaining.explain_by_id(tx, "I2"))
    assert "campaign Double weekend: +500 points" in explained["explain_notes"]


def test_change_and_stop(api: TestClient, clock: FixedClock) -> None:
    assert api.post("/v1/campaigns", json={**DOUBLE, "budget": None}).status_code == 201
    changed = api.patch("/v1/campaigns/double", json={"name": "Double", "expires": "2030-01-01"})
    assert (changed.json()["name"], changed.json()["expires"]) == ("Double", "2030-01-01")
    stopped = api.patch("/v1/campaigns/double", json={"status": "stopped"})
    assert stopped.status_code == 200, stopped.text
    assert (stopped.json()["status"], stopped.json()["stopped_on"]) == (
        "stopped", clock.today().isoformat())
    assert api.post("/v1/invoices", json=sale("I1", "100.00")).json()["points"] == 1000


@pytest.mark.parametrize(("body", "status", "code"), [
    ({**DOUBLE, "multiplier": "1"}, 422, "invalid"),
    ({**DOUBLE, "multiplier": None}, 422, "invalid"),
    ({**DOUBLE, "expires": "2023-12-31"}, 422, "invalid"),
    ({**DOUBLE, "budget": 0}, 422, "invalid"),
    ({**DOUBLE, "colour": "red"}, 422, "invalid"),
    ({**DOUBLE, "program": "nope"}, 404, "not_found"),
    ({**DOUBLE, "multiplier": "3"}, 409, "conflict"),
])
def test_refusals(api: TestClient, body: dict[str, Any], status: int, code: str) -> None:
    if code == "conflict":
        assert api.post("/v1/campaigns", json=DOUBLE).status_code == 201
    answer = api.post("/v1/campaigns", json=body)
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.text
    if code != "conflict":
        assert api.get("/v1/campaigns").json() == {"items": []}


def test_change_refusals(api: TestClient) -> None:
    assert api.patch("/v1/campaigns/nope", json={"status": "stopped"}).status_code == 404
    assert api.get("/v1/campaigns/nope").json()["error"]["code"] == "not_found"
    assert api.post("/v1/campaigns", json=DOUBLE).status_code == 201
    api.post("/v1/invoices", json=sale("I1", "100.00"))
    low = api.patch("/v1/campaigns/double", json={"budget": 999})
    assert (low.status_code, low.json()["error"]["code"]) == (422, "invalid")
    again = api.patch("/v1/campaigns/double", json={"status": "active"})
    assert again.status_code == 422
    assert api.get("/v1/campaigns/double").json()["budget"] == 1500


def test_a_cashier_reads_but_does_not_make(app: Patronage, api: TestClient) -> None:
    key = records.create_key(app, "till", "cashier")["key"]
    settings = ApiSettings(scheduler=False, webhook_worker=False)
    with TestClient(create_app(app, settings=settings),
                    headers={"Authorization": f"Bearer {key}"}) as till:
        refused = till.post("/v1/campaigns", json=DOUBLE)
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
        assert till.get("/v1/campaigns").status_code == 200
