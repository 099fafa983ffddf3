"""Balance adjustments in bulk from a CSV upload (issue 21 item 8; seed 003: "Balance
adjustment can be done in bulk (from the list view)").

The file is the one `patronage adjust --file` takes, read by the same reader
(`ops/files.py`, every bad line reported) and applied by the same service call
(`bulk.apply_adjustments`): first tried and rolled back to preview each row (its
customer, points and resulting balance, or its refusal beside it), then applied whole or
not at all. A row without an id gets one derived from the file's name and the row, so
uploading the same file again changes nothing.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from patronage.core.errors import PatronageError
from patronage.entrypoints.ops.files import ADJUSTMENT_COLUMNS, read_adjustments
from patronage.entrypoints.web.deps import (
    ConsoleDep,
    ConsoleRoute,
    Manager,
    Posted,
    csv_download,
    page,
)
from patronage.service import reports
from patronage.service.app import Patronage
from patronage.service.bulk import Result, apply_adjustments
from patronage.service.documents import Doc

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)
MAX_BYTES = 1_000_000  # larger files: `patronage adjust --file` on the server
COLUMNS = ADJUSTMENT_COLUMNS + ("date",)
SAMPLE = ("customer,points,set_balance,expires,reason,user,allow_negative,id,date\n"
          "C1,50,,,goodwill,,,,\n"
          "C2,-20,,,damaged goods,,,,\n"
          "C3,,500,2025-12-31,migrated balance,,,,\n")


@router.get("/adjustments/bulk", response_class=HTMLResponse)
def upload_form(request: Request, user: Manager, c: ConsoleDep) -> Response:
    return _page(request)


@router.get("/adjustments/bulk/sample.csv")
def sample(user: Manager) -> Response:
    return csv_download(SAMPLE, "adjustments-sample.csv")


def _page(request: Request, status_code: int = 200, **ctx: Any) -> Response:
    return page(request, "adjust_file.html", status_code=status_code,
                title="Bulk adjustments", columns=COLUMNS, **ctx)


@router.post("/adjustments/bulk", response_class=HTMLResponse)
async def upload(request: Request, user: Manager, form: Posted, c: ConsoleDep) -> Response:
    upload_file = form.get("file")
    if upload_file is not None and not isinstance(upload_file, str) and upload_file.filename:
        raw = await upload_file.read(MAX_BYTES + 1)
        name = upload_file.filename
    else:
        raw = str(form.get("text") or "").encode("utf-8")
        name = str(form.get("filename") or "")
    if not raw.strip():
        return _page(request, 422, error="choose a CSV file to upload")
    if len(raw) > MAX_BYTES:
        return _page(request, 422, error=f"the file is larger than {MAX_BYTES:,} bytes: "
                     "split it, or run `patronage adjust --file` on the server")
    name = _file_name(name)
    keep = form.get("op") == "apply"
    try:
        docs, result, answers = _try(c.facade, name, raw, user.name, keep)
    except PatronageError as err:  # the file as a whole: no header, a required column missing
        return _page(request, 422, error=f"{err.code}: {err.message.split(': ', 1)[-1]}")
    rows = _rows(c.facade, docs, result, answers)
    return _page(request, 422 if result.errors else 200, filename=name,
                 text=raw.decode("utf-8", errors="replace"), rows=rows, result=result,
                 applied=keep and not result.errors)


def _file_name(name: str) -> str:
    """The upload's own name (without folders), as the CLI's ids are derived from it."""
    base = re.sub(r"[\x00-\x1f/\\]", "_", Path(name.replace("\\", "/")).name)[:120]
    return base if base.strip(". ") else "upload.csv"


def _try(app: Patronage, name: str, raw: bytes, user: str,
         keep: bool) -> tuple[list[Doc], Result, dict[int, dict[str, Any]]]:
    with tempfile.TemporaryDirectory(prefix="patronage-adjust-") as folder:
        path = Path(folder) / name
        path.write_bytes(raw)
        docs = [_by(doc, user) for doc in read_adjustments(path)]
    answers: list[tuple[int, dict[str, Any]]] = []
    result = apply_adjustments(app, docs, keep=keep, answers=answers)
    return docs, result, dict(answers)


def _by(doc: Doc, user: str) -> Doc:
    """A row naming no user is made by the console's user (not part of its derived id)."""
    if doc.body is None or doc.body.get("user"):
        return doc
    return dataclasses.replace(doc, body={**doc.body, "user": user})


def _rows(app: Patronage, docs: list[Doc], result: Result,
          answers: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    errors = {e.line: e for e in result.errors}
    ids = list(dict.fromkeys(d.customer for d in docs if d.customer))
    names = {r["id"]: r["name"] for r in app.read(lambda tx: reports.customers_by_ids(tx, ids))}
    return [{"line": d.line, "customer": d.customer or "", "name": names.get(d.customer or "", ""),
             "body": d.body or {}, "answer": answers.get(d.line), "error": errors.get(d.line)}
            for d in docs]
