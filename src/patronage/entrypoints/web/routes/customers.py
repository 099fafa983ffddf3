"""Customers: find (name, id, email, card scan), the customer's page, and what a manager
does there: edit, enroll, transfer, unenroll, cards, adjustments. Cashiers may look only.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from patronage.core.customers import CONTACT_FIELDS, address_lines
from patronage.core.errors import PatronageError, not_found
from patronage.entrypoints.web.deps import (
    ConsoleDep,
    ConsoleRoute,
    Manager,
    Posted,
    Viewer,
    day,
    page,
    redirect,
    refused,
)
from patronage.service import reports

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)


def _url(customer_id: str) -> str:
    return "/customers/" + urllib.parse.quote(customer_id, safe="")


@router.get("/customers", response_class=HTMLResponse)
def customers_find(request: Request, user: Viewer, c: ConsoleDep, q: str = "") -> Response:
    q = q.strip()
    live = bool(request.headers.get("hx-request"))  # typing: show matches, never jump
    card = c.facade.read(lambda tx: reports.card_owner(tx, q)) if q else None
    if card is not None and card["active"] and not live:
        return redirect(_url(card["customer_id"]))  # a card scan opens the customer
    ids = [str(r["id"]) for r in c.facade.find_customers(q)] if q else []
    found = c.facade.read(lambda tx: reports.customers_by_ids(tx, ids))
    if len(found) == 1 and found[0]["id"] == q and not live:
        return redirect(_url(q))
    template = "customers_results.html" if live else "customers.html"
    return page(request, template, title="Customers", q=q, found=found,
                inactive_card=card if card and not card["active"] else None)


@router.post("/customers")
def customers_add(user: Manager, form: Posted, c: ConsoleDep) -> Response:
    body = _customer_body(form)
    try:
        c.facade.put_customer(body)
    except PatronageError as err:
        return refused("/customers", err)
    return redirect(_url(body["id"]), f"customer {body['id']} saved")


def _customer_body(form: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": str(form.get("id") or "").strip()}
    for key in ("name", "email", "type", "status", "price_group", *CONTACT_FIELDS):
        if key in form:
            value = str(form.get(key) or "").strip()
            body[key] = value or None
    if body.get("name") is None:
        body["name"] = ""
    return body


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(customer_id: str, request: Request, user: Viewer, c: ConsoleDep,
                  as_of: str = "") -> Response:
    try:
        when = day(as_of)
        view = c.facade.customer(customer_id, when)
    except PatronageError as err:
        return refused("/customers", err)
    ledger = c.facade.read(lambda tx: reports.customer_ledger(tx, customer_id))
    enrollments = c.facade.read(lambda tx: reports.enrollments_of(tx, customer_id))
    programs = c.facade.read(lambda tx: tx.repo.programs())
    lists = c.facade.read(reports.shop_lists)
    chart = {"type": "bar", "data": {
        "labels": [x.date.isoformat() for x in view.balance.expiring],
        "datasets": [{"label": "points expiring", "data": [x.points for x in view.balance.expiring],
                      "backgroundColor": "#d97706"}]},
        "options": {"plugins": {"legend": {"display": False}},
                    "scales": {"y": {"beginAtZero": True}}}}
    return page(request, "customer.html", title=view.name or view.id, cust=view, ledger=ledger,
                enrollments=enrollments, programs=programs, lists=lists, chart=chart,
                as_of=as_of, url=_url(customer_id),
                address=address_lines({k: getattr(view, k) for k in CONTACT_FIELDS}))


@router.post("/customers/{customer_id}/edit")
def customer_edit(customer_id: str, user: Manager, form: Posted, c: ConsoleDep) -> Response:
    body = _customer_body(form) | {"id": customer_id}
    return _do(customer_id, lambda: c.facade.put_customer(body).message)


@router.post("/customers/{customer_id}/enroll")
def customer_enroll(customer_id: str, request: Request, user: Manager, form: Posted,
                    c: ConsoleDep) -> Response:
    """Enroll, or transfer: a transfer that forfeits points first shows how many (the
    confirming form carries the figures shown, so a balance that moved meanwhile is shown
    again rather than forfeited unseen)."""
    program = str(form.get("program") or "").strip()
    if not program:
        return redirect(_url(customer_id), "choose the program to enroll in", "error")
    close_current = form.get("close_current") == "on"
    try:
        when = day(form.get("date"))
        if close_current:
            held = c.facade.balance(customer_id, when)
            figures = f"{held.pending},{held.available}"
            loses = held.program is not None and (held.pending > 0 or held.available > 0)
            if loses and form.get("confirm") != figures:
                target = c.facade.read(lambda tx: tx.repo.program(program))
                if target is None:
                    raise not_found("program", program, "program")
                return page(request, "transfer_confirm.html", title="Confirm the transfer",
                            cust=c.facade.customer(customer_id, when), b=held, target=target,
                            when=when or c.facade.clock.today(), figures=figures,
                            changed="confirm" in form, url=_url(customer_id))
    except PatronageError as err:
        return refused(_url(customer_id), err)
    body = {"customer": customer_id, "program": program, "close_current": close_current,
            "user": user.name, "date": when}
    return _do(customer_id, lambda: c.facade.enroll(body).message)


@router.post("/customers/{customer_id}/unenroll")
def customer_unenroll(customer_id: str, user: Manager, form: Posted, c: ConsoleDep) -> Response:
    return _do(customer_id, lambda: c.facade.unenroll(
        {"customer": customer_id, "user": user.name, "date": day(form.get("date"))}).message)


@router.post("/customers/{customer_id}/cards")
def customer_card(customer_id: str, user: Manager, form: Posted, c: ConsoleDep) -> Response:
    if form.get("deactivate"):
        body = {"deactivate": str(form.get("deactivate"))}
    else:
        body = {"customer": customer_id, "add": str(form.get("number") or "").strip()}
    return _do(customer_id, lambda: c.facade.card(body).message)


@router.post("/customers/{customer_id}/adjust")
def customer_adjust(customer_id: str, user: Manager, form: Posted, c: ConsoleDep) -> Response:
    mode = str(form.get("mode") or "points")
    body: dict[str, Any] = {"customer": customer_id, "user": user.name,
                            "reason": str(form.get("reason") or "").strip() or None,
                            "allow_negative": form.get("allow_negative") == "on"}
    amount = str(form.get("amount") or "").strip()
    if mode in ("points", "set_balance"):
        body[mode] = amount or None
    elif mode == "expiry":
        body["points"] = 0
    body["expires"] = str(form.get("expires") or "").strip() or None

    def act() -> str:
        out = c.facade.adjust(body)
        now = c.facade.balance(customer_id)
        return f"{out.message}; available now {now.available}, pending {now.pending}"

    return _do(customer_id, act)


def _do(customer_id: str, action: Any) -> Response:
    try:
        message = action()
    except PatronageError as err:
        return refused(_url(customer_id), err)
    return redirect(_url(customer_id), message)
