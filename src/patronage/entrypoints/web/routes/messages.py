"""Messages (N1, N2): the outbox, sending now, letters to print, and statements."""

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
    page,
    redirect,
    refused,
)
from patronage.service import messaging, reports

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)


@router.get("/messages", response_class=HTMLResponse)
def messages_page(request: Request, user: Manager, c: ConsoleDep, status: str = "") -> Response:
    rows = c.facade.read(lambda tx: reports.outbox(tx, status=status or None))
    letters = c.facade.read(messaging.letters_to_print)
    programs = c.facade.read(lambda tx: tx.repo.programs())
    smtp = SmtpSettings()
    return page(request, "messages.html", title="Messages", rows=rows, letters=letters,
                programs=programs, smtp=smtp, status=status)


@router.post("/messages/send")
def messages_send(user: Manager, form: Posted, c: ConsoleDep) -> Response:
    ids = [int(str(x)) for x in form.getlist("ids") if str(x).isdigit()] or None
    messaging.retry_now(c.facade.engine, ids)
    result = messaging.send_outbox(c.facade.engine, SmtpSettings())
    text = f"{result['sent']} sent, {result['failed']} failed"
    if result.get("skipped") or result.get("error"):
        text += f" ({result.get('skipped') or result.get('error')})"
    back = str(form.get("back") or "/messages")
    return redirect(back if back.startswith("/") and not back.startswith("//") else "/messages",
                    text, "error" if result["failed"] or result.get("skipped") else "ok")


@router.post("/messages/statements")
def statements_queue(user: Manager, form: Posted, c: ConsoleDep) -> Response:
    try:
        program = str(form.get("program") or "")
        as_of = day(form.get("as_of"))
        out = c.facade.run(lambda tx: messaging.queue_statements(tx, program, as_of),
                           user=user.name)
    except PatronageError as err:
        return refused("/messages", err)
    return redirect("/messages", f"{out['queued']} statements queued: {out['by_email']} by "
                    f"email, {out['to_print']} to print ({out['already_queued']} already queued)")


@router.get("/messages/letters/print", response_class=HTMLResponse)
def letters_print(request: Request, user: Manager, c: ConsoleDep, ids: str = "") -> Response:
    chosen = [int(x) for x in ids.split(",") if x.strip().isdigit()]
    if not chosen:
        chosen = [m["id"] for m in c.facade.read(messaging.letters_to_print)]
    letters = c.facade.read(lambda tx: messaging.render_letters(tx, chosen))
    css = (messaging.PACKAGE_TEMPLATES / "letters" / "_print.css").read_text()
    return page(request, "letters_print.html", title="Letters", letters=letters, css=css,
                ids=",".join(str(i) for i in chosen))


@router.post("/messages/letters/printed")
def letters_printed(user: Manager, form: Posted, c: ConsoleDep) -> Response:
    ids = [int(x) for x in str(form.get("ids") or "").split(",") if x.strip().isdigit()]
    done = c.facade.run(lambda tx: messaging.mark_printed(tx, ids))
    return redirect("/messages", f"{done} letters marked printed")
