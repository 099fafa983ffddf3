"""Maintenance (M1): the run log, and a run now for a date at a store."""

from __future__ import annotations

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
    redirect,
    refused,
)
from patronage.service import messaging, reports

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)


@router.get("/maintenance", response_class=HTMLResponse)
def maintenance_page(request: Request, user: Manager, c: ConsoleDep) -> Response:
    runs = c.facade.read(reports.maintenance_log)
    stores = c.facade.read(reports.shop_lists)["stores"]
    return page(request, "maintenance.html", title="Maintenance", runs=runs, stores=stores,
                default_store=user.store_id)


@router.post("/maintenance")
def maintenance_run(user: Manager, form: Posted, c: ConsoleDep) -> Response:
    try:
        body = {"date": day(form.get("date")), "store": int_or_none(form.get("store")),
                "user": user.name}
        outcome = c.facade.run_maintenance(body)
    except PatronageError as err:
        return refused("/maintenance", err)
    data = outcome.data
    done = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in data.items()
                     if k not in ("days", "from", "to", "mail") and v)
    sent = messaging.send_outbox(c.facade.engine)
    mail = f"; mail: {sent['sent']} sent" if sent.get("sent") else ""
    return redirect("/maintenance", f"{outcome.message}" + (f": {done}" if done else "") + mail)
