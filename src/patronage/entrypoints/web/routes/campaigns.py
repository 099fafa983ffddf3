"""Campaigns in the console (issue 23 item 3; K1-K7 in docs/decisions.md): the list with
what each has given and has left, a form to make one, and per campaign: stop now, end on
a date, change the budget.

The form's lists (stores, tiers, item types, items) are written comma-separated. A refused
form is shown again as typed, each problem beside its field (docs/decisions.md, "refused
forms kept as typed"); nothing is saved.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from patronage.core.errors import PatronageError, Problem
from patronage.entrypoints.web.deps import ConsoleDep, Manager, Posted, page, redirect, refused
from patronage.entrypoints.web.routes.console import console_router
from patronage.service import campaigns
from patronage.service.app import Patronage

router = console_router()
FIELDS = ("id", "program", "name", "effective", "expires", "stores", "tiers", "item_types",
          "items", "multiplier", "bonus_points", "bonus_min_qty", "budget")
LINE_LISTS = ("item_types", "items")


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def body_of(form: dict[str, str]) -> dict[str, Any]:
    """The REST body the form stands for: blanks left out, lists split on commas."""
    body: dict[str, Any] = {}
    for name in ("id", "program", "name", "effective", "expires", "multiplier",
                 "bonus_min_qty"):
        if form.get(name):
            body[name] = form[name]
    for name in ("bonus_points", "budget"):
        if form.get(name):
            body[name] = int(form[name]) if form[name].lstrip("-").isdigit() else form[name]
    if form.get("stores"):
        body["stores"] = [int(s) if s.isdigit() else s for s in _listed(form["stores"])]
    if form.get("tiers"):
        body["tiers"] = _listed(form["tiers"])
    lines = {name: _listed(form[name]) for name in LINE_LISTS if form.get(name)}
    if lines:
        body["lines"] = lines
    return body


def _page(request: Request, app: Patronage, typed: dict[str, str] | None = None,
          problems: list[Problem] | None = None, status_code: int = 200) -> Response:
    rows = app.read(lambda tx: campaigns.listing(tx), primary=True)
    programs = app.read(lambda tx: tx.repo.programs())
    errors: dict[str, list[str]] = {}
    for p in problems or []:
        head = p.field.split(".")[0]
        where = p.field.split(".")[1] if head == "lines" and "." in p.field else head
        errors.setdefault(where if where in FIELDS else "", []).append(p.message)
    typed = typed or {"effective": app.clock.today().isoformat()}
    return page(request, "campaigns.html", status_code=status_code, title="Campaigns",
                rows=rows, programs=programs, f=typed, errors=errors)


@router.get("/campaigns", response_class=HTMLResponse)
def campaigns_page(request: Request, user: Manager, c: ConsoleDep) -> Response:
    return _page(request, c.facade)


@router.post("/campaigns", response_class=HTMLResponse)
def campaign_create(request: Request, user: Manager, form: Posted, c: ConsoleDep) -> Response:
    typed = {name: str(form.get(name) or "").strip() for name in FIELDS}
    try:
        made = c.facade.run(lambda tx: campaigns.create(tx, body_of(typed), user.name),
                            user=user.name)
    except PatronageError as err:
        return _page(request, c.facade, typed, err.problems or [Problem("", err.message)],
                     status_code=422 if err.code != "not_found" else 404)
    return redirect("/campaigns", f"campaign {made['name']} made")


@router.post("/campaigns/{campaign_id}/change")
def campaign_change(campaign_id: str, user: Manager, form: Posted, c: ConsoleDep) -> Response:
    """One button or small form per row: stop, end on a date, or a new budget."""
    change: dict[str, Any] = {}
    if form.get("stop"):
        change["status"] = "stopped"
    if form.get("expires"):
        change["expires"] = str(form.get("expires"))
    budget = str(form.get("budget") or "").strip()
    if budget:
        change["budget"] = int(budget) if budget.isdigit() else budget
    try:
        done = c.facade.run(lambda tx: campaigns.change(tx, campaign_id, change),
                            user=user.name)
    except PatronageError as err:
        return refused("/campaigns", err)
    return redirect("/campaigns", f"campaign {done['name']}: {done['status']}")
