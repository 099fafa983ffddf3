"""Issue 23 item 2 (R6-R8) over REST: the redemption rules are a points bank's own keys in
/v1/programs (posted, read, patched; absurd values refused `invalid`); /v1/quotes answers
each limit and the largest redeemable now; /v1/invoices refuses `below_minimum`,
`not_whole_steps` and `above_maximum` (422, the field named) and records nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from patronage.service.app import Patronage

from .conftest import BANK, SHOP
from .in_process import admin_client

RULES = {"redeem_min_points": 500, "redeem_step_points": 100, "redeem_max_share_percent": 50}


@pytest.fixture
def api(app: Patronage) -> Iterator[TestClient]:
    with admin_client(app) as client:
        assert client.put("/v1/shop", json=SHOP).status_code == 200
        yield client


def with_points(api: TestClient, points: int) -> None:
    """C1 in BANK with the rules, holding `points`."""
    assert api.post("/v1/programs", json={**BANK, **RULES}).status_code == 201
    assert api.put("/v1/customers/C1", json={"name": "Ann"}).status_code == 200
    assert api.post("/v1/customers/C1/enrollment", json={"program": "rewards"}).status_code \
        == 200
    answer = api.post("/v1/customers/C1/adjustments", json={"points": points, "reason": "start"})
    assert answer.status_code in (200, 201), answer.text


def cart(price: str, rewards: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": "I1", "customer": "C1", "store": 1,
                            "lines": [{"sku": "TIRE", "qty": "1", "price": price}]}
    if rewards is not None:
        body["redeem"] = {"rewards": rewards}
    return body


def refused(answer: httpx.Response, code: str, field: str) -> dict[str, Any]:
    assert answer.status_code == 422, (answer.status_code, answer.text)
    error: dict[str, Any] = answer.json()["error"]
    assert error["code"] == code, error
    assert [f["field"] for f in error["fields"]] == [field], error
    return error


def test_rules_are_posted_read_and_patched(api: TestClient) -> None:
    posted = api.post("/v1/programs", json={**BANK, **RULES})
    assert posted.status_code == 201, posted.text
    assert {k: posted.json()[k] for k in RULES} == RULES
    patched = api.patch("/v1/programs/rewards", json={"redeem_step_points": 1})
    assert patched.status_code == 200, patched.text
    got = api.get("/v1/programs/rewards").json()
    assert {k: got[k] for k in RULES} == {**RULES, "redeem_step_points": 1}


@pytest.mark.parametrize(("setting", "value"), [
    ("redeem_min_points", -5), ("redeem_step_points", 0), ("redeem_max_share_percent", 120)])
def test_absurd_rules_are_refused_and_change_nothing(api: TestClient, setting: str,
                                                     value: int) -> None:
    assert api.post("/v1/programs", json=BANK).status_code == 201
    before = api.get("/v1/programs/rewards").json()
    refused(api.patch("/v1/programs/rewards", json={setting: value}), "invalid", setting)
    assert api.get("/v1/programs/rewards").json() == before


def test_the_quote_answers_each_limit(api: TestClient) -> None:
    with_points(api, 5000)
    quote = api.post("/v1/quotes", json=cart("25.00"))
    assert quote.status_code == 200, quote.text
    rewards = quote.json()["rewards"]
    assert rewards["max"] == "12.00"  # half of 25.00, down to whole hundreds of points
    assert quote.json()["redeem_limits"] == {"min_points": 500, "step_points": 100,
                                 "max_share_percent": 50, "max_amount": "12.50",
                                 "max_points": 1200}


@pytest.mark.parametrize(("points", "price", "rewards", "code"), [
    (5000, "100.00", "4.00", "below_minimum"),
    (400, "100.00", "5.00", "below_minimum"),  # the customer holds fewer than the minimum
    (5000, "100.00", "5.50", "not_whole_steps"),
    (5000, "20.00", "11.00", "above_maximum"),
])
def test_refusals_have_codes_and_record_nothing(api: TestClient, points: int, price: str,
                                                rewards: str, code: str) -> None:
    with_points(api, points)
    error = refused(api.post("/v1/invoices", json=cart(price, rewards)), code, "redeem.rewards")
    if code == "above_maximum":
        assert "50%" in error["message"] and "10.00" in error["message"]
    refused(api.post("/v1/quotes", json=cart(price, rewards)), code, "redeem.rewards")
    assert api.get("/v1/invoices/I1").status_code == 404
    assert api.get("/v1/customers/C1/balance").json()["available"] == points
