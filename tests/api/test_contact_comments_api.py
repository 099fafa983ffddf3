"""Issue 21 items 4 and 5 over REST: a customer's postal address and phone (PUT and GET
/v1/customers/{id}), comments and whiteboards on programs (POST, GET, PATCH
/v1/programs), and the refusals of a status the shop does not define and of a
price-group discount outside 0 to 100 %, each `invalid` and changing nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from patronage.service.app import Patronage

from .conftest import SHOP
from .in_process import admin_client

ADDRESS = {"phone": "555 0100", "address_line1": "12 Elm Street", "address_line2": "Apt 4",
           "city": "Springfield", "region": "IL", "postal_code": "62704", "country": "USA"}
CLUB = {"id": "club", "name": "250 Club", "kind": "recurring", "status": "open",
        "effective": "2024-01-01", "comments": "spring launch\nask Maria first",
        "filters": [{"name": "all", "whiteboard": "tires and service"}],
        "multipliers": [{"name": "base", "currency_per_point": "5.00",
                         "whiteboard": "1 point per $5"}],
        "awards": [{"name": "25 dollars", "level": 250, "credit_memo": {"amount": "25.00"},
                    "whiteboard": "printed on the card"}]}


@pytest.fixture
def api(app: Patronage) -> Iterator[TestClient]:
    with admin_client(app) as client:
        assert client.put("/v1/shop", json={**SHOP, "statuses": [{"code": "ACTIVE"}]}) \
            .status_code == 200
        yield client


def invalid(answer: httpx.Response, field: str) -> None:
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text)
    error = answer.json()["error"]
    assert error["code"] == "invalid", error
    assert any(f["field"].endswith(field) for f in error["fields"]), error


def test_a_customer_address_and_phone_are_put_and_read(api: TestClient) -> None:
    put = api.put("/v1/customers/C1", json={"name": "Ann Lee", "status": "ACTIVE", **ADDRESS})
    assert put.status_code == 200, put.text
    assert {k: put.json()[k] for k in ADDRESS} == ADDRESS
    api.put("/v1/customers/C1", json={"phone": "555 0199"})  # names only what changes
    got = api.get("/v1/customers/C1").json()
    assert {k: got[k] for k in ADDRESS} == {**ADDRESS, "phone": "555 0199"}


def test_bad_contact_details_and_unknown_statuses_are_refused(api: TestClient) -> None:
    assert api.put("/v1/customers/C1", json={"name": "Ann", **ADDRESS}).status_code == 200
    before = api.get("/v1/customers/C1").json()
    invalid(api.put("/v1/customers/C1", json={"phone": "call me"}), "phone")
    invalid(api.put("/v1/customers/C1", json={"postal_code": "1" * 21}), "postal_code")
    invalid(api.put("/v1/customers/C1", json={"status": "GOLDEN"}), "status")
    invalid(api.put("/v1/customers/C2", json={"name": "Bo", "status": "GOLDEN"}), "status")
    assert api.get("/v1/customers/C1").json() == before
    assert api.get("/v1/customers/C2").status_code == 404


@pytest.mark.parametrize("percent", ["-5", "100.5"])
def test_a_price_group_discount_outside_0_to_100_is_refused(api: TestClient,
                                                            percent: str) -> None:
    before = api.get("/v1/shop").json()
    groups = [{"code": "GOLD", "discount_percent": percent}]
    invalid(api.put("/v1/shop", json={**SHOP, "price_groups": groups}), "discount_percent")
    assert api.get("/v1/shop").json() == before
    groups = [{"code": "GOLD", "discount_percent": "100"}]
    assert api.put("/v1/shop", json={**SHOP, "price_groups": groups}).status_code == 200


def test_program_comments_are_posted_read_and_patched(api: TestClient) -> None:
    posted = api.post("/v1/programs", json=CLUB)
    assert posted.status_code == 201, posted.text
    body: dict[str, Any] = posted.json()
    assert body["comments"] == "spring launch\nask Maria first"
    assert [body[s][0]["whiteboard"] for s in ("filters", "multipliers", "awards")] == \
        ["tires and service", "1 point per $5", "printed on the card"]
    patched = api.patch("/v1/programs/club", json={"comments": "moved to summer"})
    assert patched.status_code == 200, patched.text
    got = api.get("/v1/programs/club").json()
    assert got["comments"] == "moved to summer"
    assert got["awards"][0]["whiteboard"] == "printed on the card"
    invalid(api.patch("/v1/programs/club", json={"comments": "x" * 2001}), "comments")
    assert api.get("/v1/programs/club").json() == got
