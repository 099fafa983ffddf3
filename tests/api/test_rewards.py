"""Credit memos and coupons by hand over REST against a real server (issue 21 item 7):
issue, repeat by id, conflict, cancel, refusals with stable codes, and the audit."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests.api.conftest import TODAY, set_up_shop


def test_issue_and_cancel_by_hand(start_server: Any, sqlite_url: str) -> None:
    server = start_server(sqlite_url)
    admin = server.client(server.key("admin"))
    set_up_shop(admin, ["C1"])
    assert admin.put("/v1/customers/C2", json={"name": "Not enrolled"}).status_code == 200
    manager = server.client(server.key("manager", "back-office"))

    body = {"amount": "25.00", "reason": "LOYALTY", "expire_days": 30, "note": "late order",
            "id": "CM-7"}
    r = manager.post("/v1/customers/C2/credit-memos", json=body)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["kind"] == "credit_memo" and made["customer"] == "C2"
    assert made["coupon"] is None and not made["repeated"]
    memo = made["credit_memo"]
    assert (memo["amount"], memo["remaining"], memo["reason"], memo["store"], memo["status"]) \
        == ("25.00", "25.00", "LOYALTY", 1, "open")
    again = manager.post("/v1/customers/C2/credit-memos", json=body).json()
    assert again["repeated"] and again["credit_memo"]["id"] == memo["id"]
    other = manager.post("/v1/customers/C2/credit-memos", json={**body, "amount": "26.00"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "conflict"
    listed = manager.get("/v1/customers/C2/credit-memos").json()["items"]
    assert [m["id"] for m in listed] == [memo["id"]]

    r = manager.post("/v1/customers/C1/coupons", json={"amount": "10.00", "expires": "never"})
    assert r.status_code == 201, r.text
    coupon = r.json()["coupon"]
    assert (coupon["amount"], coupon["expires"], coupon["status"]) == ("10.00", None, "open")

    r = manager.post(f"/v1/credit-memos/{memo['id']}/cancel", json={"note": "duplicate"})
    assert r.status_code == 200, r.text
    assert r.json()["credit_memo"]["status"] == "cancelled"
    r = manager.post(f"/v1/coupons/{coupon['id']}/cancel")  # no body at all
    assert r.status_code == 200 and r.json()["coupon"]["status"] == "cancelled"

    # every write is in the audit with the key that made it, and the records name it
    audit = admin.get("/v1/audit", params={"limit": 50}).json()["items"]
    paths = {(a["path"], a["status"]): a["key_name"] for a in audit}
    assert paths[("/v1/customers/C2/credit-memos", 201)] == "back-office"
    assert paths[(f"/v1/coupons/{coupon['id']}/cancel", 200)] == "back-office"
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        users = conn.execute(sa.text("SELECT action, kind, user FROM manual_rewards "
                                     "ORDER BY id")).all()
    engine.dispose()
    assert [tuple(u) for u in users] == [("issue", "credit_memo", "back-office"),
                                         ("issue", "coupon", "back-office"),
                                         ("cancel", "credit_memo", "back-office"),
                                         ("cancel", "coupon", "back-office")]


def test_refusals_have_stable_codes(start_server: Any, sqlite_url: str) -> None:
    server = start_server(sqlite_url)
    admin = server.client(server.key("admin"))
    set_up_shop(admin, ["C1"])
    cases: list[tuple[str, dict[str, Any], int, str, str]] = [
        ("/v1/customers/C1/credit-memos", {"amount": "0.00"}, 422, "invalid", "amount"),
        ("/v1/customers/C1/credit-memos", {"amount": 5.5}, 422, "invalid", "amount"),
        ("/v1/customers/C1/credit-memos", {"amount": "5.00", "reason": "NOPE"}, 422, "invalid",
         "reason"),
        ("/v1/customers/C1/coupons", {"amount": "5.00", "expires": TODAY.isoformat()}, 422,
         "invalid", "expires"),
        ("/v1/customers/C1/coupons", {"amount": "5.00", "store": 1}, 422, "invalid", "store"),
        ("/v1/customers/NOBODY/coupons", {"amount": "5.00"}, 404, "not_found", "customer"),
        ("/v1/credit-memos/77/cancel", {}, 404, "not_found", "id"),
    ]
    for path, body, status, code, field in cases:
        r = admin.post(path, json=body)
        assert r.status_code == status, (path, body, r.text)
        error = r.json()["error"]
        assert error["code"] == code and field in [f["field"] for f in error["fields"]], error
    memo = admin.post("/v1/customers/C1/credit-memos", json={"amount": "5.00"}).json()
    paid = admin.post("/v1/invoices", json={
        "id": "S-1", "store": 1, "customer": "C1", "date": TODAY.isoformat(),
        "redeem": {"credit_memos": "all"},
        "lines": [{"sku": "TIRE", "qty": "1", "price": "9.00"}]})
    assert paid.status_code == 201, paid.text
    r = admin.post(f"/v1/credit-memos/{memo['credit_memo']['id']}/cancel", json={})
    assert r.status_code == 422 and r.json()["error"]["code"] == "not_open", r.text
