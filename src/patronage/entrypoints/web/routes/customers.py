"""Customers: find (name, id, email, card scan), the customer's page, and what a manager
does there: edit, enroll, transfer, unenroll, cards, adjustments. Cashiers may look only.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from patronage.core.customers import CONTACT_FIELDS, address_lines
from patronage.core.errors import PatronageError, Problem, invalid, not_found
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
from patronage.entrypoints.web.forms import refused_form, typed_of
from patronage.service import memberships, reports, tiers

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)
DETAILS = ("name", "email", "type", "status", "price_group", *CONTACT_FIELDS)
NEW_CUSTOMER = ("id", "name", "email", "type", "status")
# the fields of each form on the customer's page, shown again as typed when refused
FORMS: dict[str, tuple[str, ...]] = {
    "edit": DETAILS,
    "enroll": ("program", "date", "close_current"),
    "unenroll": ("program",),  # E1 `many`: which program to leave
    "cards": ("number",),
    "adjust": ("program", "mode", "amount", "expires", "reason", "allow_negative"),
}
CHECKBOXES = ("close_current", "allow_negative")
RENAMED = {"cards": {"add": "number"},
           "adjust": {"points": "amount", "set_balance": "amount"}}


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
    if live:
        return page(request, "customers_results.html", title="Customers", q=q, found=found,
                    inactive_card=card if card and not card["active"] else None)
    return _customers_page(request, c, q=q, found=found,
                           inactive_card=card if card and not card["active"] else None)


def _customers_page(request: Request, c: Any, status_code: int = 200, **ctx: Any) -> Response:
    """The find page with the new-customer form (`typed` and `errors` when refused)."""
    return page(request, "customers.html", status_code=status_code, title="Customers",
                lists=c.facade.read(reports.shop_lists), typed=ctx.pop("typed", {}),
                errors=ctx.pop("errors", {}), **ctx)


@router.post("/customers", response_class=HTMLResponse)
def customers_add(request: Request, user: Manager, form: Posted, c: ConsoleDep) -> Response:
    """A new customer; an id already in use is refused (the details form on that
    customer's page changes them), and a refused form comes back as typed."""
    body = _customer_body(form)
    try:
        if body["id"] and c.facade.read(lambda tx: tx.repo.customer(body["id"])) is not None:
            raise PatronageError("conflict", f"customer {body['id']} exists already",
                                 [Problem("id", "taken: open that customer to change them")])
        c.facade.put_customer(body)
    except PatronageError as err:
        return _customers_page(request, c, 422, q="", found=[], inactive_card=None,
                               typed=typed_of(form, NEW_CUSTOMER),
                               errors=refused_form(request, err, NEW_CUSTOMER))
    return redirect(_url(body["id"]), f"customer {body['id']} saved")


def _customer_body(form: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": str(form.get("id") or "").strip()}
    for key in DETAILS:
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
        return _customer_page(request, c, customer_id, as_of)
    except PatronageError as err:
        return refused("/customers", err)


def _customer_page(request: Request, c: Any, customer_id: str, as_of: str = "",
                   status_code: int = 200, failed: str = "", typed: Any = None,
                   errors: Any = None) -> Response:
    """The customer's page; `failed` names its refused form, shown again as `typed` with
    each of the `errors` beside its field."""
    when = day(as_of)
    view = c.facade.customer(customer_id, when)
    ledger = c.facade.read(lambda tx: reports.customer_ledger(tx, customer_id))
    enrollments = c.facade.read(lambda tx: reports.enrollments_of(tx, customer_id))
    programs = c.facade.read(lambda tx: tx.repo.programs())
    lists = c.facade.read(reports.shop_lists)
    # E1 `many`: a card per program the customer is in, and forms that name the program
    many = c.facade.read(memberships.many)
    cards = c.facade.read(lambda tx: reports.program_cards(tx, customer_id, when))
    # issue 23 item 1 (T9): the programs with tiers show the tier held, and the moves
    tiered = {p.id for p in programs if p.status_tiers is not None}
    tier_moves = c.facade.read(lambda tx: tiers.history(tx, customer_id)) if tiered else []
    chart = {"type": "bar", "data": {
        "labels": [x.date.isoformat() for x in view.balance.expiring],
        "datasets": [{"label": "points expiring", "data": [x.points for x in view.balance.expiring],
                      "backgroundColor": "#d97706"}]},
        "options": {"plugins": {"legend": {"display": False}},
                    "scales": {"y": {"beginAtZero": True}}}}
    return page(request, "customer.html", status_code=status_code, title=view.name or view.id,
                cust=view, ledger=ledger, enrollments=enrollments, programs=programs,
                lists=lists, chart=chart, as_of=as_of, url=_url(customer_id),
                address=address_lines({k: getattr(view, k) for k in CONTACT_FIELDS}),
                many=many, cards=cards, failed=failed, typed=typed or {}, errors=errors or {},
                tiered=tiered, tier_moves=tier_moves)


@router.post("/customers/{customer_id}/edit")
def customer_edit(customer_id: str, request: Request, user: Manager, form: Posted,
                  c: ConsoleDep) -> Response:
    body = _customer_body(form) | {"id": customer_id}
    return _do(request, c, customer_id, "edit", form,
               lambda: c.facade.put_customer(body).message)


@router.post("/customers/{customer_id}/enroll")
def customer_enroll(customer_id: str, request: Request, user: Manager, form: Posted,
                    c: ConsoleDep) -> Response:
    """Enroll, or transfer: a transfer that forfeits points first shows how many (the
    confirming form carries the figures shown, so a balance that moved meanwhile is shown
    again rather than forfeited unseen)."""
    program = str(form.get("program") or "").strip()
    # E1 `many`: enrolling keeps the programs held; only `one` transfers
    close_current = form.get("close_current") == "on" and not c.facade.read(memberships.many)
    try:
        if not program:
            raise invalid("program", "choose the program to enroll in")
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
        return _refused(request, c, customer_id, "enroll", form, err)
    body = {"customer": customer_id, "program": program, "close_current": close_current,
            "user": user.name, "date": when}
    return _do(request, c, customer_id, "enroll", form, lambda: c.facade.enroll(body).message)


@router.post("/customers/{customer_id}/unenroll")
def customer_unenroll(customer_id: str, request: Request, user: Manager, form: Posted,
                      c: ConsoleDep) -> Response:
    body: dict[str, Any] = {"customer": customer_id, "user": user.name,
                            "date": day(form.get("date"))}
    if form.get("program"):
        body["program"] = str(form.get("program"))  # E1 `many`: which program to leave
    return _do(request, c, customer_id, "unenroll", form,
               lambda: c.facade.unenroll(body).message)


@router.post("/customers/{customer_id}/cards")
def customer_card(customer_id: str, request: Request, user: Manager, form: Posted,
                  c: ConsoleDep) -> Response:
    if form.get("deactivate"):
        body = {"deactivate": str(form.get("deactivate"))}
    else:
        body = {"customer": customer_id, "add": str(form.get("number") or "").strip()}
    return _do(request, c, customer_id, "cards", form, lambda: c.facade.card(body).message)


@router.post("/customers/{customer_id}/adjust")
def customer_adjust(customer_id: str, request: Request, user: Manager, form: Posted,
                    c: ConsoleDep) -> Response:
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
    program = str(form.get("program") or "").strip() or None
    if program is not None:
        body["program"] = program  # E1 `many`: which program to adjust

    def act() -> str:
        out = c.facade.adjust(body)
        now = c.facade.balance(customer_id, program=program)
        return f"{out.message}; available now {now.available}, pending {now.pending}"

    return _do(request, c, customer_id, "adjust", form, act)


def _do(request: Request, c: Any, customer_id: str, name: str, form: Any,
        action: Any) -> Response:
    """Run one of the page's forms: back to the page with the outcome, or the page again
    with the form `name` as typed and its problems beside their fields."""
    try:
        message = action()
    except PatronageError as err:
        return _refused(request, c, customer_id, name, form, err)
    return redirect(_url(customer_id), message)


def _refused(request: Request, c: Any, customer_id: str, name: str, form: Any,
             err: PatronageError) -> Response:
    if err.code == "not_found" and "customer" in err.fields:
        return refused("/customers", err)  # no page to show the form on
    renamed = RENAMED.get(name, {})
    errors = refused_form(request, err, FORMS[name], lambda field: renamed.get(field, field))
    return _customer_page(request, c, customer_id, status_code=422, failed=name,
                          typed=typed_of(form, FORMS[name], CHECKBOXES), errors=errors)
