"""Logging in (throttled: throttle.py) and out, the front page, the users page and the
audit of writes (admin)."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from patronage.core.errors import PatronageError
from patronage.entrypoints.web import accounts, audit, throttle
from patronage.entrypoints.web.deps import (
    COOKIE,
    Admin,
    ConsoleDep,
    ConsoleRoute,
    Posted,
    Viewer,
    int_or_none,
    page,
    redirect,
)
from patronage.entrypoints.web.forms import refused_form, typed_of
from patronage.service import reports

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)
LOGIN_CSRF = "patronage_login_csrf"
NEW_USER = ("name", "role", "store")  # the password is never sent back to the browser


def _safe_next(value: str | None) -> str:
    """Only a path on this site (no scheme, no host) may follow a login."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html", title="Log in", next=_safe_next(next),
                    login_csrf=token)
    response.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="strict", path="/login")
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, c: ConsoleDep) -> Response:
    form = await request.form()
    cookie = request.cookies.get(LOGIN_CSRF) or ""
    sent = str(form.get("csrf") or "")
    target = _safe_next(str(form.get("next") or "/"))
    name, password = str(form.get("name") or ""), str(form.get("password") or "")
    if not (cookie and hmac.compare_digest(cookie, sent)):
        return _login_again(request, target, name, "The login form expired; please try again.")
    engine, now = c.facade.engine, c.facade.clock.now()
    address = request.client.host if request.client else "unknown"
    refused, locks = await run_in_threadpool(throttle.admit, engine, name, address, now)
    if refused is not None:
        return _login_again(request, target, name, refused.message(now), refused, now)
    user = await run_in_threadpool(accounts.authenticate, engine, name, password)
    if user is None:
        locks = await run_in_threadpool(throttle.failed, engine, address, now) or locks
        text = "Wrong user name or password."
        return _login_again(request, target, name, text if locks is None
                            else f"{text} {locks.message(now)}", locks, now)
    await run_in_threadpool(throttle.succeeded, engine, name)
    token = await run_in_threadpool(accounts.open_session, engine, user)
    done = redirect(target)
    done.set_cookie(COOKIE, token, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https")
    done.delete_cookie(LOGIN_CSRF, path="/login")
    return done


def _login_again(request: Request, target: str, name: str, error: str,
                 locked: throttle.Locked | None = None,
                 now: dt.datetime | None = None) -> Response:
    """The login form again with `error`: 401, or 429 with Retry-After while locked."""
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html", status_code=401 if locked is None else 429,
                    title="Log in", next=target, login_csrf=token, name=name, error=error)
    if locked is not None and now is not None:
        response.headers["Retry-After"] = str(locked.retry_after(now))
    response.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="strict", path="/login")
    return response


@router.post("/logout")
def logout(request: Request, form: Posted, c: ConsoleDep) -> Response:
    accounts.close_session(c.facade.engine, request.cookies.get(COOKIE))
    response = redirect("/login")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, user: Viewer, c: ConsoleDep) -> Response:
    stats = c.facade.read(reports.dashboard)
    programs = c.facade.read(lambda tx: tx.repo.programs())
    return page(request, "dashboard.html", title="Patronage", stats=stats, programs=programs)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, user: Admin, c: ConsoleDep) -> Response:
    return _users_page(request, c)


def _users_page(request: Request, c: ConsoleDep, status_code: int = 200, failed: str = "",
                typed: dict[str, str] | None = None,
                errors: dict[str, list[str]] | None = None) -> Response:
    """The users page; `failed` ("new", or the id of the user whose row was refused) is
    shown again as `typed`, each of the `errors` beside its field."""
    return page(request, "users.html", status_code=status_code, title="Users",
                users=accounts.list_users(c.facade.engine), roles=accounts.ROLES,
                failed=failed, typed=typed or {}, errors=errors or {})


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, user: Admin, c: ConsoleDep) -> Response:
    return page(request, "audit.html", title="Audit", rows=audit.recent(c.facade))


@router.post("/users", response_class=HTMLResponse)
def users_create(request: Request, user: Admin, form: Posted, c: ConsoleDep) -> Response:
    try:
        made = accounts.create_user(c.facade.engine, str(form.get("name") or ""),
                                    str(form.get("role") or ""), str(form.get("password") or ""),
                                    int_or_none(form.get("store")))
    except PatronageError as err:
        return _users_page(request, c, 422, "new", typed_of(form, NEW_USER),
                           refused_form(request, err, (*NEW_USER, "password")))
    return redirect("/users", f"user {made.name} created ({made.role})")


@router.post("/users/{user_id}", response_class=HTMLResponse)
def users_update(user_id: int, request: Request, user: Admin, form: Posted,
                 c: ConsoleDep) -> Response:
    op = str(form.get("op") or "")
    try:
        if op == "deactivate":
            if user_id == user.id:
                return redirect("/users", "you cannot deactivate yourself", "error")
            accounts.update_user(c.facade.engine, user_id, active=False)
        elif op == "activate":
            accounts.update_user(c.facade.engine, user_id, active=True)
        elif op == "password":
            accounts.update_user(c.facade.engine, user_id,
                                 password=str(form.get("password") or ""))
        elif op == "role":
            accounts.update_user(c.facade.engine, user_id, role=str(form.get("role") or ""))
    except PatronageError as err:
        return _users_page(request, c, 422, str(user_id), typed_of(form, ("role",)),
                           refused_form(request, err, ("role", "password")))
    return redirect("/users", "user updated")
