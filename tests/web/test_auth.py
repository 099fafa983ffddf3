"""Logging in, roles, sessions that expire, CSRF on every form, safe headers."""

from __future__ import annotations

import re

from sqlalchemy import select

from patronage.adapters.db.tables_web import web_users
from patronage.entrypoints.web import accounts
from patronage.entrypoints.web.deps import COOKIE
from patronage.service.app import Patronage

from .helpers import PASSWORD, Console, console_for, make_user


def test_wrong_password_and_unknown_user_are_refused_alike(shop: Patronage) -> None:
    make_user(shop, "maria", "manager")
    c = Console(shop)
    wrong = c.login("maria", "not her password")
    unknown = c.login("nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong user name or password" in wrong.text and "Wrong user name" in unknown.text
    assert COOKIE not in c.client.cookies


def test_passwords_are_stored_as_argon2_hashes(shop: Patronage) -> None:
    make_user(shop, "maria", "manager")
    with shop.engine.connect() as conn:
        stored = conn.execute(select(web_users.c.password_hash)).scalar()
    assert isinstance(stored, str) and stored.startswith("$argon2") and PASSWORD not in stored


def test_login_then_back_where_you_were(shop: Patronage) -> None:
    make_user(shop, "maria", "manager")
    c = Console(shop)
    first = c.client.get("/reports/balances", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/login?next=")
    page = c.client.get(first.headers["location"])
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    nxt = re.search(r'name="next" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    done = c.client.post("/login", data={"name": "maria", "password": PASSWORD, "csrf": token,
                                         "next": nxt}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/reports/balances"
    cookie = done.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()


def test_login_never_sends_you_off_site(shop: Patronage) -> None:
    make_user(shop, "maria", "manager")
    c = Console(shop)
    page = c.client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    done = c.client.post("/login", data={"name": "maria", "password": PASSWORD, "csrf": token,
                                         "next": "//evil.example/x"}, follow_redirects=False)
    assert done.headers["location"] == "/"


def test_login_form_needs_its_own_csrf_token(shop: Patronage) -> None:
    make_user(shop, "maria", "manager")
    c = Console(shop)
    answer = c.client.post("/login", data={"name": "maria", "password": PASSWORD, "csrf": "x"})
    assert answer.status_code == 401 and "expired" in answer.text


def test_every_form_needs_the_session_csrf_token(shop: Patronage) -> None:
    c = console_for(shop, "admin")
    c.get("/shop")
    forged = c.client.post("/shop/stores", data={"stores.0.id": "9", "stores.0.name": "Evil"})
    assert forged.status_code == 403
    wrong = c.client.post("/shop/stores", data={"csrf": "guess", "stores.0.id": "9"})
    assert wrong.status_code == 403
    assert shop.read(lambda tx: tx.repo.store(9)) is None
    # the htmx header carries the token too
    ok = c.client.post("/shop/stores", data={"stores.0.id": "9", "stores.0.name": "Nine",
                                             "stores.0.active": "on"},
                       headers={"X-CSRF-Token": c.csrf})
    assert ok.status_code == 200 and "stores saved" in ok.text


def test_roles_limit_what_a_user_sees_and_does(shop: Patronage) -> None:
    shop.put_customer({"id": "C1", "name": "Ann Lee"})
    cashier = console_for(shop, "cashier")
    assert cashier.get("/customers/C1").status_code == 200
    assert "Adjust points" not in cashier.get("/customers/C1").text
    for url in ("/programs", "/reports/balances", "/maintenance", "/shop", "/users"):
        answer = cashier.get(url)
        assert answer.status_code == 403, url
        assert "needs the" in answer.text
    refused = cashier.post("/customers/C1/adjust", {"mode": "points", "amount": "50"})
    assert refused.status_code == 403
    manager = console_for(shop, "manager")
    assert manager.get("/programs").status_code == 200
    assert manager.get("/shop").status_code == 403


def test_sessions_expire_and_logging_out_ends_them(shop: Patronage) -> None:
    c = console_for(shop, "manager")
    token = c.client.cookies[COOKIE]
    assert c.get("/programs").status_code == 200
    accounts.expire_session_now(shop.engine, token)
    expired = c.client.get("/programs", follow_redirects=False)
    assert expired.status_code == 303 and "/login" in expired.headers["location"]
    c.login("manager")
    assert c.get("/programs").status_code == 200
    c.post("/logout")
    assert accounts.session_user(shop.engine, c.client.cookies.get(COOKIE)) is None
    assert c.client.get("/programs", follow_redirects=False).status_code == 303


def test_htmx_requests_without_a_session_are_told_where_to_go(shop: Patronage) -> None:
    c = Console(shop)
    answer = c.client.get("/customers?q=a", headers={"HX-Request": "true"},
                          follow_redirects=False)
    assert answer.status_code == 401 and answer.headers["HX-Redirect"].startswith("/login")


def test_a_deactivated_user_is_logged_out(shop: Patronage) -> None:
    admin = console_for(shop, "admin")
    maria = console_for(shop, "manager")
    users = {u["name"]: u["id"] for u in accounts.list_users(shop.engine)}
    admin.get("/users")
    assert "user updated" in admin.post(f"/users/{users['manager']}", {"op": "deactivate"}).text
    assert maria.client.get("/programs", follow_redirects=False).status_code == 303
    assert maria.login("manager").status_code == 401


def test_admin_creates_users_and_bad_ones_are_refused(shop: Patronage) -> None:
    admin = console_for(shop, "admin")
    admin.get("/users")
    made = admin.post("/users", {"name": "joe", "role": "cashier", "password": "long enough 1"})
    assert "user joe created (cashier)" in made.text
    short = admin.post("/users", {"name": "amy", "role": "cashier", "password": "short"})
    assert "password: at least 8 characters" in short.text
    twice = admin.post("/users", {"name": "joe", "role": "cashier", "password": "long enough 1"})
    assert "conflict" in twice.text


def test_pages_carry_a_strict_content_security_policy(shop: Patronage) -> None:
    c = console_for(shop, "admin")
    answer = c.get("/")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    assert "<script>" not in answer.text  # no inline scripts anywhere
