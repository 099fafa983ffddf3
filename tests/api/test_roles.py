"""Keys and roles against a real server: 401 without a valid key, 403 for the wrong role."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import cli, set_up_shop

ROLES = ("cashier", "manager", "admin")
INVOICE = {"id": "R-1", "store": 1, "lines": [{"sku": "A", "qty": "1", "price": "1.00"}]}

# (method, path, body, the least role that may)
MATRIX: list[tuple[str, str, dict[str, Any] | None, str]] = [
    ("GET", "/v1/customers", None, "cashier"),
    ("GET", "/v1/customers/C1", None, "cashier"),
    ("GET", "/v1/cards/4000", None, "cashier"),
    ("GET", "/v1/customers/C1/balance", None, "cashier"),
    ("GET", "/v1/customers/C1/ledger", None, "cashier"),
    ("GET", "/v1/customers/C1/credit-memos", None, "cashier"),
    ("GET", "/v1/customers/C1/coupons", None, "cashier"),
    ("GET", "/v1/programs", None, "cashier"),
    ("GET", "/v1/programs/rewards", None, "cashier"),
    ("GET", "/v1/shop", None, "cashier"),
    ("POST", "/v1/quotes", {"store": 1, "lines": []}, "cashier"),
    ("POST", "/v1/invoices", INVOICE, "cashier"),
    ("GET", "/v1/invoices/R-1", None, "cashier"),
    ("POST", "/v1/invoices/R-1/payments",
     {"id": "P-1", "store": 1, "tender": "cash", "amount": "1.00"}, "cashier"),
    ("POST", "/v1/returns",
     {"id": "RT-1", "invoice": "R-1", "store": 1, "lines": [{"sku": "A", "qty": "1"}]},
     "cashier"),
    ("POST", "/v1/invoices/R-1/convert", {}, "cashier"),
    ("PUT", "/v1/customers/C9", {"name": "New"}, "manager"),
    ("POST", "/v1/customers/C9/cards", {"number": "4009"}, "manager"),
    ("POST", "/v1/cards/4009/deactivate", None, "manager"),
    ("POST", "/v1/customers/C9/enrollment", {"program": "rewards"}, "manager"),
    ("DELETE", "/v1/customers/C9/enrollment", None, "manager"),
    ("POST", "/v1/enrollments/bulk", {"program": "rewards"}, "manager"),
    ("POST", "/v1/customers/C1/adjustments", {"points": 5, "reason": "goodwill"}, "manager"),
    ("POST", "/v1/customers/C1/credit-memos", {"amount": "5.00"}, "manager"),
    ("POST", "/v1/customers/C1/coupons", {"amount": "5.00"}, "manager"),
    ("POST", "/v1/credit-memos/1/cancel", {}, "manager"),
    ("POST", "/v1/coupons/1/cancel", None, "manager"),
    ("POST", "/v1/invoices/R-1/void", {}, "manager"),
    ("POST", "/v1/maintenance-runs", {}, "manager"),
    ("GET", "/v1/maintenance-runs", None, "manager"),
    ("POST", "/v1/programs/rewards/award-processing", {}, "manager"),
    ("PUT", "/v1/shop", {"stores": [{"id": 1, "name": "Main"}]}, "admin"),
    ("PUT", "/v1/stores/3", {"name": "South"}, "admin"),
    ("POST", "/v1/programs", {"id": "draft", "name": "Draft", "kind": "recurring",
                              "effective": "2024-01-01"}, "admin"),
    ("PATCH", "/v1/programs/draft", {"name": "Draft 2"}, "admin"),
    ("POST", "/v1/programs/draft/close", None, "admin"),
    ("POST", "/v1/programs/draft/open", None, "admin"),
    ("GET", "/v1/keys", None, "admin"),
    ("POST", "/v1/keys", {"name": "made-by-api", "role": "cashier"}, "admin"),
    ("GET", "/v1/audit", None, "admin"),
    ("GET", "/v1/webhooks", None, "admin"),
    ("POST", "/v1/webhooks", {"url": "http://127.0.0.1:9/hook"}, "admin"),
]


def test_role_matrix(start_server: Any, sqlite_url: str) -> None:
    server = start_server(sqlite_url)
    keys = {role: server.key(role) for role in ROLES}
    admin = server.client(keys["admin"])
    set_up_shop(admin, ["C1"])
    clients = {role: server.client(keys[role]) for role in ROLES}
    anonymous, stranger = server.client(), server.client("pat_not-a-key")
    seen: list[str] = []
    for method, path, body, least in MATRIX:
        kwargs = {"json": body} if body is not None else {}
        for c in (anonymous, stranger):
            r = c.request(method, path, **kwargs)
            assert r.status_code == 401, (method, path, r.text)
            assert r.json()["error"]["code"] == "unauthorized"
            assert r.headers["www-authenticate"] == "Bearer"
        for role in ROLES:
            r = clients[role].request(method, path, **kwargs)
            allowed = ROLES.index(role) >= ROLES.index(least)
            if allowed:
                assert r.status_code not in (401, 403, 500), (role, method, path, r.text)
            else:
                assert r.status_code == 403, (role, method, path, r.text)
                assert r.json()["error"]["code"] == "forbidden"
            seen.append(f"{role} {method} {path} {r.status_code}")
    assert len(seen) == len(MATRIX) * 3


def test_health_needs_no_key_and_bad_bodies_are_still_401(start_server: Any,
                                                           sqlite_url: str) -> None:
    server = start_server(sqlite_url)
    c = server.client()
    assert c.get("/v1/health").json()["status"] == "ok"
    assert c.get("/openapi.json").status_code == 200
    assert c.get("/docs").status_code == 200
    r = c.post("/v1/invoices", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 401


def test_keys_are_hashed_listed_and_revoked(start_server: Any, sqlite_url: str) -> None:
    server = start_server(sqlite_url)
    key = server.key("manager", "back-office")
    assert key.startswith("pat_") and len(key) > 40
    c = server.client(key)
    assert c.get("/v1/customers").status_code == 200
    listed = cli("keys", "list", database=sqlite_url)
    assert "back-office\tmanager" in listed and key not in listed
    import sqlalchemy as sa

    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("select key_hash from api_keys")).scalars().all()
    engine.dispose()
    assert key not in stored and all(len(h) == 64 for h in stored)
    assert "revoked" in cli("keys", "revoke", "back-office", database=sqlite_url)
    assert c.get("/v1/customers").status_code == 401
    admin = server.client(server.key("admin", "root"))
    made = admin.post("/v1/keys", json={"name": "till-9", "role": "cashier"}).json()
    assert server.client(made["key"]).get("/v1/customers").status_code == 200
    assert admin.delete("/v1/keys/till-9").json()["revoked_at"]
    assert server.client(made["key"]).get("/v1/customers").status_code == 401
    r = admin.delete("/v1/keys/root")
    assert r.status_code == 422  # a key cannot lock its caller out


@pytest.mark.parametrize("role", ["boss", ""])
def test_keys_create_refuses_unknown_roles(sqlite_url: str, role: str) -> None:
    import subprocess

    from tests.api.conftest import BIN

    done = subprocess.run([str(BIN), "keys", "create", "--role", role, "--name", "x",
                           "--database", sqlite_url], check=False, capture_output=True,
                          text=True)
    assert done.returncode == 1 and "invalid" in done.stderr and done.stdout == ""
