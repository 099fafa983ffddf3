"""Issue 23 item 1 (T1-T9) over REST: `status_tiers` is the program's own key in
/v1/programs (posted, read, patched, refused 422 with the field named); the balance and
the invoice post's answer (the receipt's balance) carry `tier`; `tier.changed` is an event
a webhook subscribes to, and is delivered with its payload."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from patronage.service import webhooks
from patronage.service.app import Patronage

from .conftest import BANK, SHOP
from .in_process import admin_client

TIERS: dict[str, Any] = {
    "measure": "spend", "window": "calendar_year", "grace_days": 30,
    "levels": [{"name": "silver", "threshold": "50", "multiplier": "1.5"},
               {"name": "gold", "threshold": "200", "multiplier": "2"}]}


@pytest.fixture
def api(app: Patronage) -> Iterator[TestClient]:
    with admin_client(app) as client:
        assert client.put("/v1/shop", json=SHOP).status_code == 200
        yield client


def enrolled(api: TestClient) -> None:
    posted = api.post("/v1/programs", json={**BANK, "status_tiers": TIERS})
    assert posted.status_code == 201, posted.text
    assert api.put("/v1/customers/C1", json={"name": "Ann"}).status_code == 200
    assert api.post("/v1/customers/C1/enrollment", json={"program": "rewards"}).status_code \
        == 200


def sale(ext: str, price: str) -> dict[str, Any]:
    return {"id": ext, "customer": "C1", "store": 1,
            "lines": [{"sku": "TIRE", "qty": "1", "price": price}]}


def test_tiers_are_posted_read_and_patched(api: TestClient) -> None:
    enrolled(api)
    read = api.get("/v1/programs/rewards").json()
    assert read["status_tiers"]["levels"][1] == {"name": "gold", "threshold": "200",
                                                 "multiplier": "2"}
    assert read["status_tiers"]["grace_days"] == 30
    patched = api.patch("/v1/programs/rewards",
                        json={"status_tiers": {**TIERS, "window": "rolling", "rolling_days": 90}})
    assert patched.status_code == 200, patched.text
    assert api.get("/v1/programs/rewards").json()["status_tiers"]["rolling_days"] == 90


@pytest.mark.parametrize(("tiers", "code", "field"), [
    ({**TIERS, "levels": list(reversed(TIERS["levels"]))}, "invalid_program",
     "status_tiers.levels.1.threshold"),
    ({**TIERS, "grace_days": -3}, "invalid", "status_tiers.grace_days"),
    ({**TIERS, "levels": [{"name": "x", "threshold": "5", "multiplier": "0.9"}]},
     "invalid_program", "status_tiers.levels.0.multiplier"),
])
def test_bad_tiers_are_refused_with_the_field(api: TestClient, tiers: dict[str, Any], code: str,
                                              field: str) -> None:
    answer = api.post("/v1/programs", json={**BANK, "status_tiers": tiers})
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    assert any(f["field"].startswith(field) for f in error["fields"]), error
    assert api.get("/v1/programs/rewards").status_code == 404


def test_the_balance_and_the_receipt_carry_the_tier(api: TestClient) -> None:
    enrolled(api)
    assert api.get("/v1/customers/C1/balance").json()["tier"] is None
    posted = api.post("/v1/invoices", json=sale("I1", "60.00"))
    assert posted.status_code == 201, posted.text
    assert posted.json()["points"] == 600  # earned at no tier: the crossing invoice (T4)
    balance = api.get("/v1/customers/C1/balance").json()
    assert balance["tier"] == "silver"
    assert balance["programs"][0]["tier"] == "silver"
    second = api.post("/v1/invoices", json=sale("I2", "10.00")).json()
    assert second["points"] == 150  # 100 + floor(100 x 0.5)
    assert second["balance"]["tier"] == "silver"  # the receipt says the tier
    assert api.get("/v1/customers/C1").json()["balance"]["tier"] == "silver"


def test_tier_changed_is_a_webhook_event(api: TestClient, app: Patronage) -> None:
    hook = api.post("/v1/webhooks", json={"url": "https://example.com/hook",
                                          "events": ["tier.changed"]})
    assert hook.status_code == 201, hook.text
    enrolled(api)
    api.post("/v1/invoices", json=sale("I1", "250.00"))
    webhooks.fan_out(app)
    sent: list[dict[str, Any]] = []

    def send(_url: str, body: bytes, _headers: dict[str, str]) -> int:
        sent.append(json.loads(body))
        return 200

    webhooks.deliver_due(app, send)
    assert [e["type"] for e in sent] == ["tier.changed"]  # points.accrued is not asked for
    assert {k: sent[0]["data"][k] for k in ("customer", "program", "from", "to", "direction",
                                            "invoice")} == \
        {"customer": "C1", "program": "rewards", "from": None, "to": "gold", "direction": "up",
         "invoice": "I1"}


def test_the_moves_and_the_count_per_tier(api: TestClient) -> None:
    enrolled(api)
    assert api.get("/v1/customers/C1/tier-changes").json() == {"items": []}
    api.post("/v1/invoices", json=sale("I1", "60.00"))
    api.post("/v1/invoices", json=sale("I2", "150.00"))
    moves = api.get("/v1/customers/C1/tier-changes").json()["items"]
    assert [(x["from"], x["to"], x["reason"]) for x in moves] == \
        [("silver", "gold", "invoice"), (None, "silver", "invoice")]  # newest first
    assert moves[0]["qualifying"] == "210.00"
    assert api.get("/v1/customers/NOPE/tier-changes").status_code == 404
    counts = api.get("/v1/reports/tiers").json()["items"]
    assert [(x["program"], x["tier"], x["customers"]) for x in counts] == \
        [("rewards", "silver", 0), ("rewards", "gold", 1)]
    assert api.get("/v1/reports/tiers?program=nope").status_code == 404
