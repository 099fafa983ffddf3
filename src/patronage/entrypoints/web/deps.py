"""What every console route shares: the facade, templates, the logged-in user, role
checks, CSRF-checked forms, flash messages and redirects.

`Viewer`, `Manager`, `Admin` are dependency aliases: a route that names one needs a live
session of at least that role (cashier < manager < admin). `Posted` is the submitted form,
read only after its CSRF token (field `csrf` or header `X-CSRF-Token`) matched the
session's.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import urllib.parse
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from patronage.core.errors import PatronageError, invalid
from patronage.entrypoints.web import audit
from patronage.entrypoints.web.accounts import User, session_user
from patronage.service.app import Patronage

HERE = Path(__file__).parent
log = logging.getLogger("patronage.web")
READS = ("GET", "HEAD", "OPTIONS")
COOKIE = "patronage_session"
FLASH = "patronage_flash"


@dataclass
class Console:
    facade: Patronage
    templates: Jinja2Templates


class LoginRequired(Exception):
    """No live session: the browser is sent to the login page."""


class Forbidden(Exception):
    """A live session whose role is too low, or a form with a bad CSRF token."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConsoleRoute(APIRoute):
    """A console route: refusals, missing sessions and low roles become pages, not JSON
    (whatever handlers the host app has for the API)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            note: str | None = None
            try:
                response = await handler(request)
                note = getattr(request.state, "refusal", None)  # forms.refused_form
            except LoginRequired:
                return login_redirect(request)
            except Forbidden as exc:
                note = exc.message
                response = page(request, "error.html", status_code=403, title="Not allowed",
                                message=exc.message)
            except PatronageError as exc:
                note = f"{exc.code}: {exc.message}"
                response = page(request, "error.html", status_code=422, title="Refused",
                                message=note)
            user: User | None = getattr(request.state, "user", None)
            if request.method not in READS and user is not None:
                await run_in_threadpool(_audit, request, user, response, note)
            return response

        return handle


def _audit(request: Request, user: User, response: Response, note: str | None) -> None:
    """Record a write made in the console and who made it (`web_requests`), as every API
    write is recorded with its key; the answer stands if the record cannot be written."""
    flash = _flash_sent(response)
    try:
        audit.record(request.app.state.patronage_console.facade, user, request.method,
                     request.url.path, response.status_code,
                     f"{flash['kind']}: {flash['text']}" if flash else note)
    except Exception:  # the fault is logged, the user's answer stands
        log.exception("could not record the audit of %s %s", request.method, request.url.path)


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = "/login" + (f"?next={urllib.parse.quote(target, safe='/')}"
                      if target not in ("/", "/login") else "")
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def console(request: Request) -> Console:
    found: Console = request.app.state.patronage_console
    return found


ConsoleDep = Annotated[Console, Depends(console)]


def current_user(request: Request, c: ConsoleDep) -> User:
    user = session_user(c.facade.engine, request.cookies.get(COOKIE))
    if user is None:
        raise LoginRequired()
    request.state.user = user
    return user


def _role(role: str) -> Any:
    def need(user: Annotated[User, Depends(current_user)]) -> User:
        if not user.can(role):
            raise Forbidden(f"this page needs the {role} role; you are {user.role}")
        return user

    need.__name__ = f"need_{role}"
    return need


Viewer = Annotated[User, Depends(_role("cashier"))]
Manager = Annotated[User, Depends(_role("manager"))]
Admin = Annotated[User, Depends(_role("admin"))]


async def checked_form(request: Request, user: Annotated[User, Depends(current_user)]) -> FormData:
    form = await request.form()
    sent = str(form.get("csrf") or request.headers.get("x-csrf-token") or "")
    if not user.csrf or not hmac.compare_digest(sent, user.csrf):
        raise Forbidden("the form has expired or did not come from this console; reload the page")
    return form


Posted = Annotated[FormData, Depends(checked_form)]


# --- answers -------------------------------------------------------------------------------
def page(request: Request, template: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """Render a console page with the user, CSRF token and any flash message."""
    c: Console = request.app.state.patronage_console
    user: User | None = getattr(request.state, "user", None)
    flash = _read_flash(request.cookies.get(FLASH))
    response = c.templates.TemplateResponse(request, template, {
        "user": user, "csrf": user.csrf if user else "", "flash": flash,
        "today": c.facade.clock.today(), **ctx}, status_code=status_code)
    if flash:
        response.delete_cookie(FLASH, path="/")
    return response


def redirect(url: str, message: str | None = None, kind: str = "ok") -> RedirectResponse:
    """303 to `url`, carrying a one-time flash message."""
    response = RedirectResponse(url, status_code=303)
    if message:
        response.set_cookie(FLASH, urllib.parse.quote(f"{kind}|{message}"[:1500]), max_age=60,
                            httponly=True, samesite="lax", path="/")
    return response


def refused(url: str, err: PatronageError) -> RedirectResponse:
    details = "; ".join(f"{p.field}: {p.message}" for p in err.problems)
    text = err.message if not details or details in err.message else f"{err.message} ({details})"
    return redirect(url, f"{err.code}: {text}", "error")


def _flash_sent(response: Response) -> dict[str, str] | None:
    """The flash message an answer sets, if any."""
    for header in response.headers.getlist("set-cookie"):
        name, _, rest = header.partition("=")
        found = _read_flash(rest.partition(";")[0].strip('"')) if name == FLASH else None
        if found and found["text"]:
            return found
    return None


def _read_flash(raw: str | None) -> dict[str, str] | None:
    if not raw:
        return None
    kind, _, text = urllib.parse.unquote(raw).partition("|")
    return {"kind": kind if kind in ("ok", "error") else "ok", "text": text}


def csv_download(text: str, filename: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def day(value: Any, default: dt.date | None = None) -> dt.date | None:
    """A date from a form or query string; blank gives `default`, garbage raises `invalid`."""
    if value in (None, ""):
        return default
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise invalid("date", f"not a date: {value!r} (use YYYY-MM-DD)") from None


def int_or_none(value: Any, field: str = "store") -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        raise invalid(field, f"not a whole number: {value!r}") from None
