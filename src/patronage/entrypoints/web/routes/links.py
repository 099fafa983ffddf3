"""A customer's links to their own page, in the console (P3): a manager lists them, makes
one, revokes one or all. The customer page loads the list into its "Own page" card."""

from __future__ import annotations

import urllib.parse

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from patronage.core.errors import PatronageError
from patronage.entrypoints.web.deps import (
    ConsoleDep,
    ConsoleRoute,
    Manager,
    Posted,
    int_or_none,
    page,
    redirect,
    refused,
)
from patronage.service import customer_links

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)


def _url(customer_id: str) -> str:
    return "/customers/" + urllib.parse.quote(customer_id, safe="")


def public_base(request: Request) -> str:
    """Where customers reach the server: PATRONAGE_PUBLIC_URL, else this request's host."""
    return customer_links.settings().public_url or str(request.base_url)


@router.get("/customers/{customer_id}/links", response_class=HTMLResponse)
def links_list(customer_id: str, request: Request, user: Manager, c: ConsoleDep) -> Response:
    try:
        found = c.facade.read(lambda tx: customer_links.listing(tx, customer_id), primary=True)
        base, config = public_base(request), customer_links.settings()
    except PatronageError as err:
        return refused(_url(customer_id), err)
    fragment = bool(request.headers.get("hx-request"))
    return page(request, "_customer_links.html" if fragment else "customer_links.html",
                title=f"Links to {customer_id}'s own page", links=found, base=base,
                public=bool(config.public_url), days=config.customer_link_days,
                url=_url(customer_id), customer_id=customer_id)


@router.post("/customers/{customer_id}/links")
def links_create(customer_id: str, user: Manager, form: Posted, c: ConsoleDep) -> Response:
    back = _url(customer_id) + "#links"
    try:
        days = int_or_none(form.get("days"), "days")
        made = c.facade.run(lambda tx: customer_links.create(tx, customer_id, days, user.name),
                            user=user.name)
    except PatronageError as err:
        return refused(back, err)
    return redirect(back, f"link {made.id} made; it works until "
                          f"{made.expires_at:%Y-%m-%d %H:%M}: copy it from the list")


@router.post("/customers/{customer_id}/links/revoke-all")
def links_revoke_all(customer_id: str, user: Manager, form: Posted, c: ConsoleDep) -> Response:
    back = _url(customer_id) + "#links"
    try:
        count = c.facade.run(lambda tx: customer_links.revoke_all(tx, customer_id),
                             user=user.name)
    except PatronageError as err:
        return refused(back, err)
    return redirect(back, f"{count} link{'' if count == 1 else 's'} revoked")


@router.post("/customers/{customer_id}/links/{link_id}/revoke")
def links_revoke(customer_id: str, link_id: int, user: Manager, form: Posted,
                 c: ConsoleDep) -> Response:
    back = _url(customer_id) + "#links"
    try:
        c.facade.run(lambda tx: customer_links.revoke(tx, customer_id, link_id), user=user.name)
    except PatronageError as err:
        return refused(back, err)
    return redirect(back, f"link {link_id} revoked")
