"""The web console, mounted by the API server at `/`.

`mount(api, facade)` adds the console's pages (server-rendered Jinja2 with htmx, charts by
Chart.js, both served from `static/vendor`: no page needs the internet) to the FastAPI
app `api`. The console's routes stay out of the OpenAPI schema. Every answer carries a
Content-Security-Policy that allows only this server's scripts.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from patronage.core.money import fmt
from patronage.entrypoints.web.deps import HERE, Console
from patronage.entrypoints.web.routes import ROUTERS
from patronage.service.app import Patronage

STATIC_PREFIX = "/static"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
       "base-uri 'self'")


def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(HERE / "templates"))
    env = t.env
    env.filters["money"] = lambda v: "" if v is None or v == "" else fmt(Decimal(str(v)))
    env.filters["csv"] = lambda v: ", ".join(str(x) for x in v) if isinstance(v, (list, tuple)) \
        else ("" if v is None else str(v))
    env.filters["tojson_safe"] = lambda v: json.dumps(v, default=str)
    env.filters["date"] = lambda v: v.isoformat() if isinstance(v, (dt.date, dt.datetime)) \
        else ("" if v is None else str(v))
    env.filters["zip_pairs"] = lambda values: [(v, v) for v in values]
    env.globals["static"] = lambda path: f"{STATIC_PREFIX}/{path}"
    return t


def mount(api: Any, facade: Patronage) -> None:
    """Add the console's routes to the FastAPI app `api`, serving `facade`."""
    api.state.patronage_console = Console(facade, templates())
    api.mount(STATIC_PREFIX, StaticFiles(directory=str(HERE / "static")), name="console-static")
    for router in ROUTERS:
        api.include_router(router)

    api.add_middleware(SecurityHeaders)


class SecurityHeaders:
    """A plain ASGI middleware: the console's pages get the CSP and framing headers, every
    answer `nosniff` (Starlette's BaseHTTPMiddleware cost each request a task group)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])  # ASGI lets an answer start without any
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", CSP)
                    headers.setdefault("X-Frame-Options", "DENY")
                    headers.setdefault("Referrer-Policy", "same-origin")
                    headers.setdefault("Cache-Control", "no-store")
                headers.setdefault("X-Content-Type-Options", "nosniff")
            await send(message)

        await self.app(scope, receive, sending)


def create_app(facade: Patronage) -> FastAPI:
    """A FastAPI app serving the console alone (tests, and until `patronage serve` exists)."""
    app = FastAPI(title="Patronage console", docs_url=None, redoc_url=None, openapi_url=None)
    mount(app, facade)
    return app
