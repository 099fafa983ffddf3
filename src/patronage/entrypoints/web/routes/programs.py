"""Programs of all three kinds: list, create, edit, open, close, and "try it".

Saving sends the whole form to `put_program`; opening saves with status open, so the
engine lists every problem at once and each is shown beside its field.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from patronage.core.errors import PatronageError, Problem
from patronage.entrypoints.web import forms, tryit
from patronage.entrypoints.web.deps import ConsoleDep, Manager, Posted, page, redirect, refused
from patronage.entrypoints.web.routes.console import console_router
from patronage.service import messaging, reports, setup
from patronage.service.app import Patronage
from patronage.service.inputs import ProgramIn, parse
from patronage.service.setup import program_to_dict

router = console_router()
KINDS = {"recurring": "Recurring (reach a level, get an award, repeat)",
         "program_end": "Program end (a tier at the end of each period)",
         "points_bank": "Points bank (points are money, redeemed at checkout)"}


def _choices(app: Patronage) -> dict[str, Any]:
    lists = app.read(reports.shop_lists)
    return {"kinds": KINDS, "lists": lists, "letter_templates": messaging.template_names()}


def _form(request: Request, app: Patronage, display: dict[str, Any], new: bool,
          problems: list[Problem] | None = None, status_code: int = 200) -> Response:
    problems = [Problem(p.field, "required") if p.message == "Field required" else p
                for p in problems or []]
    placed = forms.place(problems, display)
    title = "New program" if new else f"Program {display.get('name') or display.get('id')}"
    return page(request, "program_form.html", status_code=status_code, title=title, p=display,
                new=new, errors=placed, problems=problems, **_choices(app))


@router.get("/programs", response_class=HTMLResponse)
def programs_list(request: Request, user: Manager, c: ConsoleDep) -> Response:
    programs = c.facade.read(lambda tx: tx.repo.programs())
    return page(request, "programs.html", title="Programs", programs=programs, kinds=KINDS)


@router.get("/programs/new", response_class=HTMLResponse)
def program_new(request: Request, user: Manager, c: ConsoleDep,
                kind: str = "recurring") -> Response:
    kind = kind if kind in KINDS else "recurring"
    display = forms.display_of({"kind": kind, "status": "draft",
                                "effective": c.facade.clock.today().isoformat()})
    display["filters"] = [forms.blank_row("filters") | {"name": "all sales"}]
    display["multipliers"] = [forms.blank_row("multipliers") | {"name": "base"}]
    if kind == "points_bank":
        display["percent_tiers"] = []
    else:
        display["awards"] = [forms.blank_row("awards")]
    return _form(request, c.facade, display, new=True)


@router.post("/programs/new", response_class=HTMLResponse)
def program_create(request: Request, user: Manager, form: Posted, c: ConsoleDep) -> Response:
    return _submit(request, c.facade, form, None)


@router.get("/programs/{program_id}", response_class=HTMLResponse)
def program_edit(program_id: str, request: Request, user: Manager, c: ConsoleDep) -> Response:
    program = c.facade.read(lambda tx: tx.repo.program(program_id))
    if program is None:
        return redirect("/programs", f"no program {program_id!r}", "error")
    return _form(request, c.facade, forms.display_of(program_to_dict(program)), new=False)


@router.post("/programs/{program_id}", response_class=HTMLResponse)
def program_save(program_id: str, request: Request, user: Manager, form: Posted,
                 c: ConsoleDep) -> Response:
    return _submit(request, c.facade, form, program_id)


@router.post("/programs/{program_id}/close")
def program_close(program_id: str, user: Manager, form: Posted, c: ConsoleDep) -> Response:
    try:
        c.facade.close_program(program_id)
    except PatronageError as err:
        return refused(f"/programs/{program_id}", err)
    return redirect(f"/programs/{program_id}", f"program {program_id} closed to new enrollments")


def _submit(request: Request, app: Patronage, form: Any, program_id: str | None) -> Response:
    display = forms.display_from_form(form)
    new = program_id is None
    if program_id is not None:
        display["id"] = program_id
    op = str(form.get("op") or "save")
    if op.startswith("add:") and op[4:] in forms.ROWS:
        section = op[4:]
        display[section] = [*display[section], forms.blank_row(section)]
        return _form(request, app, display, new)
    if op == "refresh":
        return _form(request, app, display, new)
    status = {"open": "open", "close": "closed"}.get(op, display.get("status") or "draft")
    if new and display.get("id") and \
            app.read(lambda tx: tx.repo.program(str(display["id"]))) is not None:
        problem = Problem("id", f"a program with id {display['id']!r} exists; choose another")
        return _form(request, app, display, new, [problem], 422)
    body = forms.body_of(display, status)
    try:
        app.put_program(body)
    except PatronageError as err:
        problems = err.problems or [Problem("", err.message)]
        if err.code == "invalid" and status != "draft":
            problems = problems + _rule_problems(app, body, problems)
        return _form(request, app, display, new, problems, 422)
    verb = {"open": "saved and opened", "closed": "saved and closed"}.get(status, "saved")
    return redirect(f"/programs/{display['id']}", f"program {display['id']} {verb}")


def _rule_problems(app: Patronage, body: dict[str, Any], read: list[Problem]) -> list[Problem]:
    """Section 2's problems of what could be read, beside the values that could not."""
    salvaged, dropped = forms.salvage(body, read)
    try:
        program = setup.to_program(parse(ProgramIn, salvaged))
        app.read(lambda tx: setup.validate_for(tx, dataclasses.replace(program, status="open")))
    except PatronageError as err:
        seen = {(p.field, p.message) for p in read}
        return [p for p in err.problems if p.field.split(".")[0] not in dropped
                and p.field.split(".")[0] not in {x.field.split(".")[0] for x in read
                                                  if x.field.split(".")[0] not in forms.ROWS}
                and (p.field, p.message) not in seen]
    return []


@router.get("/programs/{program_id}/try", response_class=HTMLResponse)
def try_page(program_id: str, request: Request, user: Manager, c: ConsoleDep) -> Response:
    return page(request, "program_try.html", title="Try a program", program_id=program_id,
                text=tryit.sample(c.facade, program_id), result=None)


@router.post("/programs/{program_id}/try", response_class=HTMLResponse)
async def try_run(program_id: str, request: Request, user: Manager, form: Posted,
                  c: ConsoleDep) -> Response:
    text = str(form.get("scenario") or "")
    upload = form.get("file")
    if upload is not None and not isinstance(upload, str) and upload.filename:
        text = (await upload.read()).decode("utf-8", errors="replace")
    result = await run_in_threadpool(tryit.run, text, c.facade, program_id)
    return page(request, "program_try.html", title="Try a program", program_id=program_id,
                text=text, result=result)
