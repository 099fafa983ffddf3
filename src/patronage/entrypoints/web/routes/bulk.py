"""Many customers at once: mass enroll and unenroll (E3), and processing awards by hand
(W5, seed 004). Each is filter, preview with a tick per customer, run, and the counts.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from patronage.core.errors import PatronageError
from patronage.entrypoints.web.deps import (
    ConsoleDep,
    ConsoleRoute,
    Manager,
    Posted,
    day,
    int_or_none,
    page,
)
from patronage.entrypoints.web.forms import refused_form
from patronage.service import messaging, reports
from patronage.service.app import Patronage

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)
MASS_FIELDS = ("mode", "program", "close_current", "date", "type", "status", "enrolled",
               "program_filter", "purchased_since", "customers")
AWARDS_FIELDS = ("program", "date", "store", "customers")


def _mass_field(field: str) -> str:
    """The form's name for a field of the mass commands (`select.program`: the filter)."""
    if field.startswith("select."):
        name = field.removeprefix("select.")
        return "program_filter" if name == "program" else name
    return field


def _select(form: Any) -> dict[str, Any]:
    sel: dict[str, Any] = {}
    for key in ("type", "status", "program_filter"):
        value = str(form.get(key) or "").strip()
        if value:
            sel["program" if key == "program_filter" else key] = value
    enrolled = str(form.get("enrolled") or "")
    if enrolled in ("yes", "no"):
        sel["enrolled"] = enrolled == "yes"
    since = str(form.get("purchased_since") or "").strip()
    if since:
        sel["purchased_since"] = since
    return sel


def _mass_page(request: Request, app: Patronage, **ctx: Any) -> Response:
    programs = app.read(lambda tx: tx.repo.programs())
    return page(request, "mass.html", title="Mass enroll and unenroll", programs=programs,
                form=ctx.pop("form", {}), **ctx)


@router.get("/enrollment/mass", response_class=HTMLResponse)
def mass_form(request: Request, user: Manager, c: ConsoleDep) -> Response:
    return _mass_page(request, c.facade, form={"mode": "enroll", "enrolled": "no"})


@router.post("/enrollment/mass", response_class=HTMLResponse)
def mass_run(request: Request, user: Manager, form: Posted, c: ConsoleDep) -> Response:
    mode = "unenroll" if form.get("mode") == "unenroll" else "enroll"
    shown = {k: str(v) for k, v in form.items() if k not in ("csrf", "customers", "op")}
    op = str(form.get("op") or "preview")
    base: dict[str, Any] = {"select": _select(form), "user": user.name}
    chosen = [str(x) for x in form.getlist("customers")]
    try:
        when = day(form.get("date"))
        if when is not None:
            base["date"] = when
        if mode == "enroll":
            base |= {"program": str(form.get("program") or ""),
                     "close_current": form.get("close_current") == "on"}
        if op == "run":
            body = base | {"customers": chosen}
            outcome = c.facade.mass_enroll(body) if mode == "enroll" \
                else c.facade.mass_unenroll(body)
            return _mass_page(request, c.facade, form=shown, result=outcome.data,
                              message=outcome.message)
        ids = c.facade.preview_mass_enroll(base) if mode == "enroll" \
            else c.facade.preview_mass_unenroll(base)
    except PatronageError as err:
        errors = refused_form(request, err, MASS_FIELDS, _mass_field)
        kept = _preview_kept(c.facade, mode, base) if op == "run" else {}
        return _mass_page(request, c.facade, form=shown, errors=errors, status_code=422,
                          chosen=set(chosen), **kept)
    rows = c.facade.read(lambda tx: reports.customers_by_ids(tx, ids))
    return _mass_page(request, c.facade, form=shown, preview=rows)


def _preview_kept(app: Patronage, mode: str, base: dict[str, Any]) -> dict[str, Any]:
    """A refused run keeps its preview, as ticked, when the selection still reads."""
    try:
        ids = app.preview_mass_enroll(base) if mode == "enroll" \
            else app.preview_mass_unenroll(base)
    except PatronageError:
        return {}
    return {"preview": app.read(lambda tx: reports.customers_by_ids(tx, ids))}


@router.get("/awards", response_class=HTMLResponse)
def awards_form(request: Request, user: Manager, c: ConsoleDep) -> Response:
    return _awards_page(request, c.facade, form={"store": user.store_id or ""})


def _awards_page(request: Request, app: Patronage, **ctx: Any) -> Response:
    programs = [p for p in app.read(lambda tx: tx.repo.programs()) if p.kind == "recurring"]
    stores = app.read(reports.shop_lists)["stores"]
    return page(request, "awards.html", title="Process awards", programs=programs,
                stores=stores, form=ctx.pop("form", {}), **ctx)


@router.post("/awards", response_class=HTMLResponse)
def awards_run(request: Request, user: Manager, form: Posted, c: ConsoleDep) -> Response:
    shown = {k: str(v) for k, v in form.items() if k not in ("csrf", "customers", "op")}
    op = str(form.get("op") or "load")
    try:
        body: dict[str, Any] = {"program": str(form.get("program") or ""), "user": user.name}
        when = day(form.get("date"))
        if when is not None:
            body["date"] = when
        store = int_or_none(form.get("store"))
        if store is not None:
            body["store"] = store
        elif user.store_id is not None:
            body["store"] = user.store_id
        if op == "process":
            body["customers"] = [str(x) for x in form.getlist("customers")]
            before = c.facade.read(lambda tx: reports.outbox(tx, limit=1), primary=True)
            last_id = before[0]["id"] if before else 0
            outcome = c.facade.process_awards(body)
            processed = {str(x) for x in outcome.data.get("processed") or []}  # type: ignore[attr-defined]
            letters = [m for m in c.facade.read(
                lambda tx: reports.outbox(tx, status="queued", channel="letter", limit=5000,
                                          after_id=last_id), primary=True)
                if (m["payload"] or {}).get("customer") in processed]
            return _awards_page(request, c.facade, form=shown, result=outcome.data,
                                message=outcome.message, letters=letters)
        preview = c.facade.preview_awards(body)
    except PatronageError as err:
        return _awards_page(request, c.facade, form=shown, status_code=422,
                            errors=refused_form(request, err, AWARDS_FIELDS))
    return _awards_page(request, c.facade, form=shown, preview=preview,
                        templates=messaging.template_names())
