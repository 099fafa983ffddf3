"""Issue 23 items 4 and 6 over REST: a program's reminder days and its "a return gives back
redeemed points" option are posted, read and patched through /v1/programs; bad reminder
days are refused `invalid` beside the field and change nothing."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from patronage.service.app import Patronage

from .conftest import BANK, SHOP
from .in_process import admin_client


@pytest.fixture
def api(app: Patronage) -> Iterator[TestClient]:
    with admin_client(app) as client:
        assert client.put("/v1/shop", json=SHOP).status_code == 200
        yield client


def invalid(answer: httpx.Response, field: str) -> None:
    assert answer.status_code == 422, (answer.status_code, answer.text)
    error = answer.json()["error"]
    assert error["code"] == "invalid", error
    assert any(f["field"].startswith(field) for f in error["fields"]), error


def test_reminder_days_and_give_back_are_posted_read_and_patched(api: TestClient) -> None:
    posted = api.post("/v1/programs", json={**BANK, "remind_points_expiring_days": [7, 30],
                                            "return_restores_redemption": True})
    assert posted.status_code == 201, posted.text
    body = posted.json()
    assert (body["remind_points_expiring_days"], body["remind_credit_expiring_days"],
            body["return_restores_redemption"]) == ([30, 7], [], True)
    patched = api.patch("/v1/programs/rewards", json={"remind_credit_expiring_days": [14],
                                                      "return_restores_redemption": False})
    assert patched.status_code == 200, patched.text
    got = api.get("/v1/programs/rewards").json()
    assert (got["remind_points_expiring_days"], got["remind_credit_expiring_days"],
            got["return_restores_redemption"]) == ([30, 7], [14], False)


def test_bad_reminder_days_are_refused_and_change_nothing(api: TestClient) -> None:
    assert api.post("/v1/programs", json=BANK).status_code == 201
    before = api.get("/v1/programs/rewards").json()
    invalid(api.patch("/v1/programs/rewards", json={"remind_points_expiring_days": [0]}),
            "remind_points_expiring_days")
    invalid(api.patch("/v1/programs/rewards", json={"remind_credit_expiring_days": "14"}),
            "remind_credit_expiring_days")
    invalid(api.patch("/v1/programs/rewards", json={"remind_points_expiring_days": None}),
            "remind_points_expiring_days")  # a null once made the server answer 500
    assert api.get("/v1/programs/rewards").json() == before
