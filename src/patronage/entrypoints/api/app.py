"""The REST API's app factory: routes, the edge guard, error translation, the scheduler,
and the monitoring answers (`/metrics`, `/ready`: see metrics.py).

`create_app` takes a facade (or a database URL, migrated first) and an optional clock.
The web console is mounted last by `patronage.entrypoints.web.app.mount`, and owns `/`.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

import patronage
from patronage.entrypoints.api import errors, metrics, schemas
from patronage.entrypoints.api.guard import HEADER, Guard
from patronage.entrypoints.api.routes import (
    admin,
    campaigns,
    customers,
    links,
    operations,
    pos,
    rewards,
    tiers,
)
from patronage.entrypoints.api.settings import ApiSettings
from patronage.entrypoints.render import to_jsonable
from patronage.service.app import Patronage
from patronage.service.clock import Clock

DESCRIPTION = """A POS or web shop integrates with Patronage over this API.

Send `Authorization: Bearer KEY` (a key from `patronage keys create`). Roles: **cashier**
(lookups, balances, quotes, invoices, payments, returns), **manager** (also customers,
cards, enrollment, adjustments, voids, maintenance, award processing), **admin** (also the
shop, stores, programs, keys and webhooks).

Money is a decimal string (`"25.00"`), points are integers, dates `YYYY-MM-DD`. Every
refusal is `{"error": {"code", "message", "fields"}}`. Any POST may carry an
`Idempotency-Key` header: the same key and body within 24 hours answers the first answer
again; POS documents are idempotent by their own ids as well.
"""


def _facade(facade_or_url: Patronage | str | None, clock: Clock | None) -> Patronage:
    if isinstance(facade_or_url, Patronage):
        if clock is None:
            return facade_or_url
        return Patronage(facade_or_url.engine, clock, read_engine=facade_or_url.read_engine)
    from patronage.bootstrap import open_app

    return open_app(facade_or_url, clock)


def create_app(facade_or_url: Patronage | str | None = None, clock: Clock | None = None,
               settings: ApiSettings | None = None) -> FastAPI:
    settings = settings or ApiSettings()
    facade = _facade(facade_or_url if facade_or_url is not None else settings.database_url,
                     clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = settings.threads
        worker = _scheduler(facade, settings)
        app.state.worker = worker  # the guard wakes it after a write
        if worker:
            worker.start()
        try:
            yield
        finally:
            if worker:
                await anyio.to_thread.run_sync(worker.stop)

    app = FastAPI(title="Patronage", version=patronage.__version__, description=DESCRIPTION,
                  docs_url=None, redoc_url=None,  # /docs is served by _docs; no /redoc
                  lifespan=lifespan, responses={
                      401: {"model": schemas.ErrorOut, "description": "no or unknown key"},
                      403: {"model": schemas.ErrorOut, "description": "the key's role may not"},
                      422: {"model": schemas.ErrorOut, "description": "refused"}})
    app.state.facade = facade
    app.state.settings = settings
    app.state.worker = None
    errors.install(app)
    app.add_middleware(Guard)
    app.add_middleware(metrics.Instrument)  # outermost: it times the guard too
    shared = metrics.DatabaseCollector(facade, settings.metrics_cache_seconds)

    @app.get("/v1/health", response_model=schemas.Health, tags=["health"])
    def health() -> Any:
        try:
            facade.read(lambda tx: tx.repo.shop(), primary=True)
        except Exception:  # noqa: BLE001 - health reports, never fails
            return errors.answer(503, "unavailable", "the database does not answer")
        return {"status": "ok", "version": patronage.__version__}

    @app.get("/metrics", include_in_schema=False)
    def prometheus(request: Request) -> Response:
        if not metrics.authorized(settings, request.headers.get("authorization")):
            return errors.answer(401, "unauthorized", "/metrics wants the bearer token of "
                                 "PATRONAGE_METRICS_TOKEN")
        return Response(metrics.exposition(shared), media_type=metrics.CONTENT_TYPE)

    @app.get("/ready", include_in_schema=False)
    def ready() -> Any:
        ok, body = metrics.readiness(facade, settings)
        return JSONResponse(to_jsonable(body), status_code=200 if ok else 503)

    for module in (admin, customers, pos, operations, rewards, links):
        app.include_router(module.router)
    app.include_router(campaigns.router)  # issue 23 item 3
    app.include_router(tiers.router)  # issue 23 item 1
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    _docs(app)

    from patronage.entrypoints.web.app import mount

    mount(app, facade)
    return app


def _scheduler(facade: Patronage, settings: ApiSettings) -> Any:
    """The server's scheduler: the daily run, the outbox and the purge unless
    PATRONAGE_SCHEDULER=false, webhooks unless PATRONAGE_WEBHOOK_WORKER=false."""
    from patronage.entrypoints.scheduler import Scheduler

    names = (("daily", "outbox", "purge") if settings.scheduler else ()) + (
        ("webhooks",) if settings.webhook_worker else ())
    return Scheduler.of(facade, settings, names) if names else None


DOCS_STATIC = "/docs-static"


def _docs(app: FastAPI) -> None:
    """`/docs` (Swagger UI) with its script and styles served from the fastapi-offline
    package, never a CDN: the console's Content-Security-Policy allows only this server's
    scripts. The page's one inline script is allowed by its hash. There is no `/redoc`: its
    page fetches a logo from its vendor's site, which that policy blocks."""
    static = importlib.resources.files("fastapi_offline") / "static"
    app.mount(DOCS_STATIC, StaticFiles(directory=str(static)), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _with_csp(get_swagger_ui_html(
            openapi_url="/openapi.json", title=f"{app.title} - API reference",
            swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_STATIC}/favicon.png"))


def _with_csp(page: HTMLResponse) -> HTMLResponse:
    """The console's policy, plus the hash of each inline script the page carries."""
    from patronage.entrypoints.web.app import CSP

    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in re.findall(r"<script>(.*?)</script>", bytes(page.body).decode(), re.DOTALL))
    policy = CSP.replace("script-src 'self'", f"script-src 'self' {hashes}".rstrip())
    page.headers["Content-Security-Policy"] = policy
    return page


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated schema, plus the Idempotency-Key header on every POST."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description,
                         routes=app.routes)
    for path, ops in schema.get("paths", {}).items():
        post = ops.get("post")
        if post is not None and path.startswith("/v1/"):
            post.setdefault("parameters", []).append({
                "name": HEADER, "in": "header", "required": False,
                "description": "Replays the first answer for 24 hours",
                "schema": {"type": "string", "minLength": 1, "maxLength": 200}})
    app.openapi_schema = schema
    return schema
