"""The one translator from refusals to HTTP answers: `{"error": {code, message, fields}}`.

Domain refusals keep their PRODUCT.md section 12 code. Status: 404 not_found; 409
conflict, already_enrolled, card_in_use; 400 for a body that is not JSON; 422 for every
other refusal. Values the database cannot hold (a number too large, a NUL character) are
refused as `invalid`, as is a body nested too deep to decode (RecursionError); a database
that stays busy answers 503. Nothing a caller sends may produce a 500: the last-resort
handler exists for our own bugs, and logs them.
"""

from __future__ import annotations

import decimal
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from patronage.core.errors import PatronageError
from patronage.service.inputs import message_of
from patronage.service.inputs import where as fieldpath

log = logging.getLogger("patronage.api")

STATUS = {"not_found": 404, "conflict": 409, "already_enrolled": 409, "card_in_use": 409}
HTTP_CODES = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "invalid", 415: "invalid",
              422: "invalid", 503: "unavailable"}


def body(code: str, message: str, fields: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or []}}


def answer(status: int, code: str, message: str, fields: list[dict[str, str]] | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body(code, message, fields), status_code=status, headers=headers)


class ApiError(Exception):
    """A refusal made by the HTTP edge itself (authentication, roles, headers)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = [{"field": field, "message": message}] if field else []
        self.headers = headers


def unauthorized() -> JSONResponse:
    message = "a valid API key is required (Authorization: Bearer KEY)"
    return answer(401, "unauthorized", message, [{"field": "Authorization", "message": message}],
                  headers={"WWW-Authenticate": "Bearer"})


def refusal(err: PatronageError) -> JSONResponse:
    data = err.to_dict()
    return JSONResponse({"error": data}, status_code=STATUS.get(err.code, 422))


def _validation(exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    fields = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            where, loc = loc[0], loc[1:]
        else:
            where = "body"
        name = fieldpath(loc) if loc else where  # an unknown key cut short, printable
        fields.append({"field": name if where == "body" else f"{where}.{name}",
                       "message": message_of(e)})
    bad = [e for e in errors if e.get("type") == "json_invalid"]
    if bad:
        where = str(bad[0].get("ctx", {}).get("error", "JSON decode error"))
        return answer(400, "invalid", f"the body is not valid JSON ({where})",
                      [{"field": "body", "message": where}])
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
    return answer(422, "invalid", summary or "invalid request", fields)


def transient(exc: BaseException) -> bool:
    """A database fault that a retry of the whole unit of work can cure."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, OperationalError):
        return False
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    text = str(exc.orig).lower()
    return code in ("40001", "40P01", "55P03") or "locked" in text or "busy" in text


def translate(exc: BaseException) -> JSONResponse:
    """Answer any exception raised while serving a request."""
    if isinstance(exc, PatronageError):
        return refusal(exc)
    if isinstance(exc, ApiError):
        return answer(exc.status, exc.code, exc.message, exc.fields, exc.headers)
    if isinstance(exc, RequestValidationError):
        return _validation(exc)
    if isinstance(exc, StarletteHTTPException):
        code = HTTP_CODES.get(exc.status_code, "invalid")
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and message == "Not Found":
            message = "no such resource"
        return answer(exc.status_code, code, message, headers=getattr(exc, "headers", None))
    if isinstance(exc, RecursionError):
        return answer(400, "invalid", "the body is nested too deeply",
                      [{"field": "body", "message": "nested too deeply"}])
    if isinstance(exc, IntegrityError):
        return answer(409, "conflict", "a concurrent request changed the same record; retry")
    if transient(exc):
        return answer(503, "unavailable", "the database is busy; retry shortly",
                      headers={"Retry-After": "1"})
    if isinstance(exc, (DataError, OverflowError, decimal.InvalidOperation, ValueError)):
        log.warning("value refused by the database or engine: %s: %s", type(exc).__name__, exc)
        return answer(422, "invalid", "a value is out of the range this system can store")
    log.error("unexpected error", exc_info=exc)
    return answer(500, "internal", "an unexpected error happened; it has been logged")


def install(app: FastAPI) -> None:
    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        return translate(exc)

    for kind in (PatronageError, ApiError, RequestValidationError, StarletteHTTPException,
                 Exception):
        app.add_exception_handler(kind, handle)
