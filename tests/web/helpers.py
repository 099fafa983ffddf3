"""A logged-in console client on a fresh shop (FastAPI's TestClient, no browser)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from patronage.entrypoints.web import accounts
from patronage.entrypoints.web.app import create_app
from patronage.service.app import Patronage

PASSWORD = "correct horse battery"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    if not found:
        raise AssertionError("no CSRF field on the page")
    return found.group(1)


class Console:
    """A browser stand-in: follows redirects, keeps cookies, sends the page's CSRF token."""

    def __init__(self, app: Patronage) -> None:
        self.app = app
        self.client = TestClient(create_app(app), follow_redirects=True)
        self.csrf = ""

    def login(self, name: str, password: str = PASSWORD) -> Any:
        page = self.client.get("/login")
        token = csrf_of(page.text)
        answer = self.client.post("/login", data={"name": name, "password": password,
                                                  "csrf": token, "next": "/"})
        if answer.status_code == 200 and 'name="csrf"' in answer.text:
            self.csrf = csrf_of(answer.text)
        return answer

    def get(self, url: str, **kw: Any) -> Any:
        answer = self.client.get(url, **kw)
        if 'name="csrf"' in answer.text:
            self.csrf = csrf_of(answer.text)
        return answer

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        body = {"csrf": self.csrf, **(data or {})}
        answer = self.client.post(url, data=body, **kw)
        if 'name="csrf"' in answer.text:
            self.csrf = csrf_of(answer.text)
        return answer


def make_user(app: Patronage, name: str, role: str, store: int | None = None) -> None:
    accounts.create_user(app.engine, name, role, PASSWORD, store)


def console_for(app: Patronage, role: str = "admin") -> Console:
    make_user(app, role, role)
    c = Console(app)
    c.login(role)
    return c


CLUB = {
    "id": "club", "name": "250 Club", "kind": "recurring", "status": "open",
    "effective": "2024-01-01", "grace_days": 10, "points_expire_days": 90,
    "filters": [{"name": "all sales"}],
    "multipliers": [{"name": "base", "currency_per_point": "5.00"}],
    "awards": [{"name": "25 dollars", "level": 250,
                "credit_memo": {"amount": "25.00", "expire_days": 30, "reason": "LOYALTY"}}],
}
BANK = {
    "id": "bank", "name": "Reward Dollars", "kind": "points_bank", "status": "open",
    "effective": "2024-01-01", "point_value": "0.01", "points_expire_days": 45,
    "filters": [{"name": "all"}],
    "percent_tiers": [{"up_to": "100.00", "percent": "1"}, {"percent": "2"}],
}


def seed(app: Patronage) -> None:
    """Two programs and three customers: C1 in the club with 250 points pending, C2 in the
    points bank with 400 available, C3 not enrolled."""
    app.put_program(CLUB)
    app.put_program(BANK)
    for cid, name, kind in (("C1", "Ann Lee", "retail"), ("C2", "Bob Stone", "retail"),
                            ("C3", "Cy Young", "commercial")):
        app.put_customer({"id": cid, "name": name, "type": kind, "email": f"{cid.lower()}@x.io"})
    app.enroll({"customer": "C1", "program": "club"})
    app.enroll({"customer": "C2", "program": "bank"})
    app.card({"customer": "C1", "add": "4000123"})
    app.post_invoice({"id": "INV-1", "customer": "C1", "store": 1,
                      "lines": [{"sku": "TIRE", "qty": "4", "price": "312.50"}]})
    app.post_invoice({"id": "INV-2", "customer": "C2", "store": 1,
                      "lines": [{"sku": "POOL", "qty": "1", "price": "200.00"}]})
