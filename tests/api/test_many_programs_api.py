"""E1 with `programs_per_customer: many` over REST (issue 21 item 1): PUT /v1/shop sets
it and a switch back to `one` is refused `conflict` while a customer holds two programs;
GET /v1/customers/{id}/balance keeps its top-level figures (the oldest enrollment's) and
adds `programs`, one per program, `?program=` choosing one; an invoice answers its points
by program (`earned`); a redemption without `redeem.program` is refused `invalid` when the
customer holds two points banks, and pays from the named one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from patronage.entrypoints.api import records
from patronage.entrypoints.api.app import create_app
from patronage.entrypoints.api.settings import ApiSettings
from patronage.service.app import Patronage

from .conftest import SHOP


def bank(program_id: str) -> dict[str, object]:
    return {"id": program_id, "name": f"Bank {program_id}", "kind": "points_bank",
            "status": "open", "effective": "2020-01-01", "point_value": "0.01",
            "filters": [{"name": "all"}],
            "multipliers": [{"name": "m", "currency_per_point": "1.00"}]}


@pytest.fixture
def api(app: Patronage) -> Iterator[TestClient]:
    key = records.create_key(app, "admin", "admin")["key"]
    settings = ApiSettings(scheduler=False, webhook_worker=False)
    with TestClient(create_app(app, settings=settings),
                    headers={"Authorization": f"Bearer {key}"}) as client:
        shop = client.put("/v1/shop", json={**SHOP, "programs_per_customer": "many"})
        assert shop.status_code == 200, shop.text
        assert shop.json()["programs_per_customer"] == "many"
        for program in ("b1", "b2"):
            assert client.post("/v1/programs", json=bank(program)).status_code == 201
        assert client.put("/v1/customers/C1", json={"name": "Ann"}).status_code == 200
        for program in ("b1", "b2"):
            done = client.post("/v1/customers/C1/enrollment", json={"program": program})
            assert done.status_code == 200, done.text
        yield client


def test_balance_per_program_and_the_invoice_by_program(api: TestClient) -> None:
    posted = api.post("/v1/invoices", json={"id": "I1", "customer": "C1", "store": 1,
                                            "lines": [{"sku": "X", "qty": "1", "price": "30.00"}]})
    assert posted.status_code == 201, posted.text
    # 30.00 / 1.00 = 30 points in each bank
    assert posted.json()["points"] == 60
    assert posted.json()["earned"] == [{"program": "b1", "points": 30},
                                       {"program": "b2", "points": 30}]
    got = api.get("/v1/customers/C1/balance").json()
    assert (got["program"], got["available"]) == ("b1", 30)
    assert [(p["program"], p["available"], p["value"]) for p in got["programs"]] == [
        ("b1", 30, "0.30"), ("b2", 30, "0.30")]
    one = api.get("/v1/customers/C1/balance", params={"program": "b2"}).json()
    assert one["program"] == "b2" and [p["program"] for p in one["programs"]] == ["b2"]
    missing = api.get("/v1/customers/C1/balance", params={"program": "zz"})
    assert missing.json()["error"]["code"] == "not_enrolled"


def test_a_redemption_names_its_program(api: TestClient) -> None:
    api.post("/v1/invoices", json={"id": "I1", "customer": "C1", "store": 1,
                                   "lines": [{"sku": "X", "qty": "1", "price": "30.00"}]})
    sale = {"id": "I2", "customer": "C1", "store": 1,
            "lines": [{"sku": "X", "qty": "1", "price": "10.00"}]}
    refused = api.post("/v1/invoices", json={**sale, "redeem": {"rewards": "0.10"}})
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "invalid"
    assert [f["field"] for f in error["fields"]] == ["redeem.program"]
    assert api.get("/v1/invoices/I2").status_code == 404  # nothing was posted
    paid = api.post("/v1/invoices", json={**sale, "redeem": {"program": "b2", "rewards": "0.10"}})
    assert paid.status_code == 201, paid.text
    by_program = {p["program"]: p["available"]
                  for p in api.get("/v1/customers/C1/balance").json()["programs"]}
    # b2: 30 - 10 redeemed + 10 earned = 30; b1: 30 + 10 = 40
    assert by_program == {"b1": 40, "b2": 30}


def test_back_to_one_is_a_conflict_while_a_customer_holds_two(api: TestClient) -> None:
    refused = api.put("/v1/shop", json={**SHOP, "programs_per_customer": "one"})
    assert refused.json()["error"]["code"] == "conflict", refused.text
    assert api.get("/v1/shop").json()["programs_per_customer"] == "many"
    left = api.delete("/v1/customers/C1/enrollment", params={"program": "b1"})
    assert left.status_code == 200, left.text
    assert api.put("/v1/shop", json={**SHOP, "programs_per_customer": "one"}).status_code == 200
    assert api.get("/v1/shop").json()["programs_per_customer"] == "one"


def test_the_ledger_answers_one_programs_entries(api: TestClient) -> None:
    """`GET .../ledger?program=` (E1): only the entries of the customer's enrollments in
    that program; a program that does not exist is `not_found` (404), one the customer was
    never in is `not_enrolled` (the balance's code for a program the customer is not in)."""
    api.post("/v1/invoices", json={"id": "I1", "customer": "C1", "store": 1,
                                   "lines": [{"sku": "X", "qty": "1", "price": "30.00"}]})
    adjusted = api.post("/v1/customers/C1/adjustments",
                        json={"program": "b2", "points": 5, "reason": "goodwill"})
    assert adjusted.status_code == 201, adjusted.text
    every = api.get("/v1/customers/C1/ledger").json()["items"]
    assert sorted((e["program"], e["kind"], e["points"]) for e in every) == [
        ("b1", "accrual", 30), ("b2", "accrual", 30), ("b2", "adjustment", 5)]
    only = api.get("/v1/customers/C1/ledger", params={"program": "b2"})
    assert only.status_code == 200, only.text
    assert [(e["program"], e["kind"], e["points"]) for e in only.json()["items"]] == [
        ("b2", "accrual", 30), ("b2", "adjustment", 5)]
    first = api.get("/v1/customers/C1/ledger", params={"program": "b2", "limit": 1}).json()
    rest = api.get("/v1/customers/C1/ledger",
                   params={"program": "b2", "after": first["next"]}).json()
    assert [e["kind"] for e in first["items"] + rest["items"]] == ["accrual", "adjustment"]
    missing = api.get("/v1/customers/C1/ledger", params={"program": "zz"})
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    assert api.post("/v1/programs", json=bank("b3")).status_code == 201
    never = api.get("/v1/customers/C1/ledger", params={"program": "b3"})
    assert never.json()["error"]["code"] == "not_enrolled", never.text
    balance = api.get("/v1/customers/C1/balance", params={"program": "b3"})
    assert balance.json()["error"]["code"] == never.json()["error"]["code"]
    assert never.status_code == balance.status_code
