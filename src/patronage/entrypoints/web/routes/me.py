"""The customer's own page (P1, P5, P6 of docs/decisions.md): `GET /me/{token}`, public,
no login, read only.

A link that opens nothing (forged, expired, revoked, unknown) gets the same plain "not
found" page, whatever the reason; the log says which (`link_forged`, `link_expired`,
`link_revoked`, `link_unknown`). Such links count against the client's address in the
login throttle's table (throttle.py, scope `link`): 20 within 15 minutes lock the address
out of every link for a while, so guessing does not pay. The page is never cached, never
indexed, and sends no referrer, so the token does not travel further than the address bar.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from patronage.core.errors import PatronageError
from patronage.entrypoints.web import throttle
from patronage.entrypoints.web.deps import ConsoleDep
from patronage.service import own_page

router = APIRouter(include_in_schema=False)
log = logging.getLogger("patronage.web")
PRIVATE = {"X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-store"}


def _answer(request: Request, c: ConsoleDep, template: str, status_code: int,
            **ctx: object) -> Response:
    response = c.templates.TemplateResponse(request, template, ctx, status_code=status_code)
    response.headers.update(PRIVATE)
    return response


@router.get("/me/{token}", response_class=HTMLResponse)
def customer_page(token: str, request: Request, c: ConsoleDep) -> Response:
    engine, now = c.facade.engine, c.facade.clock.now()
    address = request.client.host if request.client else "unknown"
    locked = throttle.link_refused(engine, address, now)
    if locked is not None:
        log.warning("link_throttled: %s may open no customer link until %s", address,
                    locked.until)
        response = _answer(request, c, "me_gone.html", 429, busy=True)
        response.headers["Retry-After"] = str(locked.retry_after(now))
        return response
    try:
        why, found = c.facade.read(lambda tx: own_page.open_page(tx, token), primary=True)
    except PatronageError as err:  # a link setting the operator got wrong
        log.error("link_setting: the customer page cannot open: %s", err)
        return _answer(request, c, "me_gone.html", 503, busy=False)
    if found is None:
        log.warning("%s: a customer link from %s opened nothing", why, address)
        throttle.link_failed(engine, address, now)
        return _answer(request, c, "me_gone.html", 404, busy=False)
    return _answer(request, c, "me.html", 200, p=found, today=c.facade.clock.today())
