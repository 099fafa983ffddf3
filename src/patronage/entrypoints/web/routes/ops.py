"""Maintenance (M1): the run log, and a run now for a date at a store."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from patronage.adapters.smtp import SmtpSettings
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
from patronage.entrypoints.web.wording import run_summary
from patronage.service import messaging, reports

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)


@router.get("/maintenance", response_class=HTMLResponse)
def maintenance_page(request: Request, user: Manager, c: ConsoleDep) -> Response:
    runs = [r | {"said": run_summary(r["summary"] or {})}
            for r in c.facade.read(reports.maintenance_log)]
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
    sent = messaging.send_outbox(c.facade.engine, SmtpSettings())
    data = dict(outcome.data)
    mail = dict(data.get("mail") or {})  # type: ignore[call-overload]
    data["mail"] = {"sent": int(mail.get("sent") or 0) + int(sent.get("sent") or 0),
                    "failed": int(sent.get("failed") or 0)}
    return redirect("/maintenance", run_summary(data))
