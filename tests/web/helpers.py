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
