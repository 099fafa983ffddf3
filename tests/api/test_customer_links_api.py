"""Issue 23 item 5 over REST: a manager makes a link to a customer's own page
(`POST /v1/customers/{id}/links` -> url, expires), lists them, revokes one (`DELETE
.../links/{link_id}`) or all; the page answers until then and a plain 404 after. The
invoice answer carries `customer_link` only when the POS asks (`?link=true`) and the shop
set PATRONAGE_PUBLIC_URL. Cashiers may do none of it; bad input changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from patronage.entrypoints.api import records
from patronage.entrypoints.api.app import create_app
from patronage.entrypoints.api.settings import ApiSettings
from patronage.entrypoints.web import throttle
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock
from tests.api.conftest import BANK, SHOP
from tests.service.support import snapshot

PUBLIC = "https://points.example.com"
SALE = {"customer": "C1", "store": 1, "lines": [{"sku": "TIRE", "qty": "1", "price": "120.00"}]}


@pytest.fixture(autouse=True)
def no_link_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PATRONAGE_PUBLIC_URL", "PATRONAGE_SECRET_KEY", "PATRONAGE_CUSTOMER_LINK_DAYS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def api(app: Patronage) -> Iterator[TestClient]:
    """A manager's client on a shop with C1 (in the points bank) and C2."""
    key = records.create_key(app, "back-office", "manager")["key"]
    admin = records.create_key(app, "root", "admin")["key"]
    settings = ApiSettings(scheduler=False, webhook_worker=False)
    with TestClient(create_app(app, settings=settings),
                    headers={"Authorization": f"Bearer {key}"}) as client:
        root = {"Authorization": f"Bearer {admin}"}
        assert client.put("/v1/shop", json=SHOP, headers=root).status_code == 200
        assert client.post("/v1/programs", json={**BANK, "effective": "2024-01-01"},
                           headers=root).status_code == 201
        for customer in ("C1", "C2"):
            assert client.put(f"/v1/customers/{customer}",
                              json={"name": f"Customer {customer}"}).status_code == 200
        assert client.post("/v1/customers/C1/enrollment",
                           json={"program": "rewards"}).status_code == 200
        yield client


def page_of(api: TestClient, url: str) -> int:
    """The status of the customer's page at `url`, fetched with no key at all."""
    return int(api.get(url.replace("http://testserver", ""),
                       headers={"Authorization": ""}).status_code)


def test_a_manager_makes_lists_and_revokes_links(api: TestClient) -> None:
    made = api.post("/v1/customers/C1/links", json={"days": 10})
    assert made.status_code == 201, made.text
    link = made.json()
    assert link["url"].startswith("http://testserver/me/")  # no PATRONAGE_PUBLIC_URL
    assert link["expires"] == "2024-01-11T12:00:00" and link["status"] == "live"
    assert link["created_by"] == "back-office"
    page = api.get(link["url"], headers={"Authorization": ""})
    assert page.status_code == 200 and "Customer C1" in page.text
    assert '<b id="me-available">0</b>' in page.text and "Reward Dollars" in page.text
    assert page.headers["x-robots-tag"] == "noindex, nofollow"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    second = api.post("/v1/customers/C1/links").json()  # no body: the default 90 days
    assert second["expires"] == "2024-03-31T12:00:00"
    listed = api.get("/v1/customers/C1/links").json()["items"]
    assert [x["id"] for x in listed] == [second["id"], link["id"]]
    revoked = api.delete(f"/v1/customers/C1/links/{link['id']}")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked" and revoked.json()["url"] is None
    assert page_of(api, link["url"]) == 404
    assert page_of(api, second["url"]) == 200
    assert api.delete("/v1/customers/C1/links").json() == {"revoked": 1}
    assert page_of(api, second["url"]) == 404
    assert [x["status"] for x in api.get("/v1/customers/C1/links").json()["items"]] == \
        ["revoked", "revoked"]


def test_cashiers_may_not_and_bad_input_changes_nothing(api: TestClient,
                                                        app: Patronage) -> None:
    link = api.post("/v1/customers/C1/links").json()
    cashier = {"Authorization": f"Bearer {records.create_key(app, 'till', 'cashier')['key']}"}
    before = snapshot(app, skip=("api_requests", "api_idempotency"))
    for method, path in (("POST", "/v1/customers/C1/links"), ("GET", "/v1/customers/C1/links"),
                         ("DELETE", f"/v1/customers/C1/links/{link['id']}"),
                         ("DELETE", "/v1/customers/C1/links")):
        answer = api.request(method, path, headers=cashier)
        assert answer.status_code == 403, (method, path, answer.text)
    for body in ({"days": 0}, {"days": 3651}, {"days": "many"}, {"hours": 3}):
        answer = api.post("/v1/customers/C1/links", json=body)
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid", body
    assert api.post("/v1/customers/NOPE/links").json()["error"]["code"] == "not_found"
    assert api.get("/v1/customers/NOPE/links").json()["error"]["code"] == "not_found"
    gone = api.delete(f"/v1/customers/C2/links/{link['id']}")  # C1's, not C2's
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
    assert api.delete("/v1/customers/C1/links/0").status_code == 422
    assert snapshot(app, skip=("api_requests", "api_idempotency")) == before
    assert page_of(api, link["url"]) == 200


def test_the_invoice_answer_carries_the_link_only_when_asked(
        api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = api.post("/v1/invoices?link=true", json={**SALE, "id": "INV-0"})
    assert plain.status_code == 201 and plain.json()["customer_link"] is None  # no public URL
    monkeypatch.setenv("PATRONAGE_PUBLIC_URL", PUBLIC)
    unasked = api.post("/v1/invoices", json={**SALE, "id": "INV-1"})
    assert unasked.status_code == 201 and unasked.json()["customer_link"] is None
    assert api.get("/v1/customers/C1/links").json()["items"] == []  # nothing made unasked
    asked = api.post("/v1/invoices?link=true", json={**SALE, "id": "INV-2"})
    assert asked.status_code == 201, asked.text
    link = asked.json()["customer_link"]
    assert link.startswith(f"{PUBLIC}/me/")
    page = api.get(link.replace(PUBLIC, ""), headers={"Authorization": ""})
    assert page.status_code == 200 and "Earned 1,200 points on invoice INV-2" in page.text
    again = api.get("/v1/invoices/INV-2?link=true").json()["customer_link"]
    assert again == link  # a reprint, or the next receipt, carries the same link
    anonymous = api.post("/v1/invoices?link=true",
                         json={**SALE, "id": "INV-3", "customer": None})
    assert anonymous.status_code == 201 and anonymous.json()["customer_link"] is None
    monkeypatch.setenv("PATRONAGE_PUBLIC_URL", "not a url")
    broken = api.post("/v1/invoices?link=true", json={**SALE, "id": "INV-4"})
    assert broken.status_code == 201 and broken.json()["customer_link"] is None  # sale stands


def test_bad_links_from_one_address_lock_it_out_for_a_while(api: TestClient,
                                                            clock: FixedClock) -> None:
    link = api.post("/v1/customers/C1/links").json()
    body, _, signature = link["url"].rsplit("/", 1)[1].partition(".")
    # forged: the signature's first character changed (never to itself, which is the link)
    others = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c != signature[0]]
    for attempt in range(throttle.LIMITS[throttle.LINK]):
        assert page_of(api, f"/me/{body}.{others[attempt]}{signature[1:]}") == 404, attempt
    locked = api.get(link["url"], headers={"Authorization": ""})  # the right one, too
    assert locked.status_code == 429 and "Please wait" in locked.text
    assert locked.headers["retry-after"] == "60"  # the first lock: a minute
    clock.set(clock.today() + dt.timedelta(days=1))
    assert page_of(api, link["url"]) == 200
