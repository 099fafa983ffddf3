"""A full POS day through a real server: scan, quote, sell, redeem, pay, return, void."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import TODAY, set_up_shop


def test_a_pos_day_end_to_end(start_server: Any, sqlite_url: str) -> None:
    server = start_server(sqlite_url)
    admin = server.client(server.key("admin"))
    manager = server.client(server.key("manager"))
    pos = server.client(server.key("cashier", "till-1"))
    set_up_shop(admin, ["C1"])
    assert manager.post("/v1/customers/C1/cards", json={"number": "4000123"}).status_code == 201
    today = TODAY.isoformat()

    # morning: a $100 sale earns 10 points a dollar
    r = pos.post("/v1/invoices", json={
        "id": "INV-1", "store": 1, "customer": "C1", "date": today,
        "lines": [{"sku": "TIRE", "qty": "2", "price": "50.00"}],
        "payments": [{"tender": "card", "amount": "100.00"}]})
    assert r.status_code == 201, r.text
    assert r.json()["points"] == 1000
    assert r.json()["balance"]["available"] == 1000

    # the customer comes back: scan the card
    r = pos.get("/v1/cards/4000123")
    assert r.status_code == 200
    found = r.json()
    assert found["id"] == "C1" and found["balance"]["value"] == "10.00"

    # quote a $50 cart: what it earns, what can pay for it; nothing changes
    cart = {"customer": "C1", "store": 1, "date": today,
            "lines": [{"sku": "OIL", "qty": "1", "price": "50.00"}]}
    q = pos.post("/v1/quotes", json=cart)
    assert q.status_code == 200, q.text
    assert q.json()["points"] == 500
    assert q.json()["rewards"] == {"available_points": 1000, "available_value": "10.00",
                                   "max": "10.00"}
    assert pos.get("/v1/customers/C1/balance").json()["available"] == 1000

    # post it, paying $10.00 with rewards
    r = pos.post("/v1/invoices", json={**cart, "id": "INV-2", "redeem": {"rewards": "all"},
                                       "payments": [{"tender": "cash", "amount": "40.00"}]})
    assert r.status_code == 201, r.text
    inv = r.json()
    assert inv["redeemed_rewards"] == "10.00"
    assert {"label": "Redeemed Rewards", "amount": "10.00"} in inv["receipt_lines"]
    assert inv["points"] == 500
    assert inv["balance"]["available"] == 500
    assert inv["paid"] == "50.00"

    # more than the maximum is refused and changes nothing
    r = pos.post("/v1/invoices", json={**cart, "id": "INV-3", "redeem": {"rewards": "6.00"}})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "above_maximum"
    assert r.json()["error"]["fields"][0]["field"] == "redeem.rewards"
    assert pos.get("/v1/invoices/INV-3").status_code == 404

    # the POS retries INV-2 after a timeout: same answer, no second redemption
    again = pos.post("/v1/invoices", json={**cart, "id": "INV-2", "redeem": {"rewards": "all"},
                                           "payments": [{"tender": "cash", "amount": "40.00"}]})
    assert again.status_code == 201
    assert again.json()["redeemed_rewards"] == "10.00"
    assert again.json()["balance"]["available"] == 500

    # afternoon: one tire of INV-1 comes back
    r = pos.post("/v1/returns", json={"id": "RET-1", "invoice": "INV-1", "store": 1,
                                      "date": today, "lines": [{"sku": "TIRE", "qty": "1"}]})
    assert r.status_code == 201, r.text
    assert r.json()["points_taken"] == 500 and r.json()["amount"] == "50.00"
    assert r.json()["balance"]["available"] == 0

    # returning more than is left is refused
    r = pos.post("/v1/returns", json={"id": "RET-2", "invoice": "INV-1", "store": 1,
                                      "date": today, "lines": [{"sku": "TIRE", "qty": "2"}]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "return_exceeds_sale"

    # a cashier may not void; the manager voids INV-2: rewards come back, its points go
    assert pos.post("/v1/invoices/INV-2/void", json={"date": today}).status_code == 403
    r = manager.post("/v1/invoices/INV-2/void", json={"date": today})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "voided"
    assert r.json()["balance"]["available"] == 500
    assert manager.post("/v1/invoices/INV-2/void", json={"date": today}).status_code == 200

    # a payment on a voided invoice is refused
    r = pos.post("/v1/invoices/INV-2/payments",
                 json={"id": "PAY-1", "store": 1, "tender": "cash", "amount": "1.00"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "already_voided"

    # the ledger tells the day's story, oldest first, a page at a time
    page = pos.get("/v1/customers/C1/ledger", params={"limit": 2}).json()
    assert len(page["items"]) == 2 and page["next"]
    kinds = [e["kind"] for e in page["items"]]
    rest = pos.get("/v1/customers/C1/ledger", params={"limit": 50, "after": page["next"]}).json()
    kinds += [e["kind"] for e in rest["items"]]
    assert rest["next"] is None
    assert kinds == ["accrual", "redemption", "accrual", "reversal", "restore", "reversal"]

    # the day closes with the maintenance run, logged with the key that ran it
    r = manager.post("/v1/maintenance-runs", json={"date": today, "store": 1})
    assert r.status_code == 201, r.text
    runs = manager.get("/v1/maintenance-runs").json()["items"]
    assert runs[0]["for_date"] == today and runs[0]["user"] == manager_name(manager, admin)

    # every write is in the audit with the key that made it
    audit = admin.get("/v1/audit", params={"limit": 200}).json()["items"]
    by_path = {(a["method"], a["path"], a["status"]): a["key_name"] for a in audit}
    assert by_path[("POST", "/v1/invoices", 201)] == "till-1"
    assert by_path[("POST", "/v1/invoices/INV-2/void", 403)] == "till-1"


def manager_name(manager: Any, admin: Any) -> str:
    keys = admin.get("/v1/keys").json()
    return next(k["name"] for k in keys if k["role"] == "manager")
