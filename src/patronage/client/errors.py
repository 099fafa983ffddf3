"""The one exception the client raises: the API's refusal, with its stable code.

A refusal from the server keeps its `{"error": {code, message, fields}}` (PRODUCT.md
section 12 codes) and HTTP status. A request that never got an answer has `status` None:
a body the client refused before sending it (`invalid`, checked with the server's own
input models) or a server that could not be reached after every retry (`unavailable`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

# the server's own mapping (entrypoints/api/errors.py) for answers without a JSON body,
# such as a proxy's 502 page
HTTP_CODES = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "invalid", 415: "invalid",
              422: "invalid", 429: "too_many_requests", 502: "unavailable",
              503: "unavailable", 504: "unavailable"}


@dataclass(frozen=True)
class FieldProblem:
    """One field the server (or the client) found fault with, e.g. `redeem.rewards`."""

    field: str
    message: str


class PatronageApiError(Exception):
    """A request refused, or one that got no answer; `code` is the stable part to test."""

    def __init__(self, code: str, message: str, status: int | None = None,
                 fields: list[FieldProblem] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status
        self.fields = fields or []

    @property
    def field(self) -> str | None:
        """The first field named, if any (most refusals name exactly one)."""
        return self.fields[0].field if self.fields else None

    def __repr__(self) -> str:
        return (f"PatronageApiError(code={self.code!r}, message={self.message!r}, "
                f"status={self.status!r}, field={self.field!r})")


def from_response(response: httpx.Response) -> PatronageApiError:
    """The error an answer of status 400 or more stands for."""
    status = response.status_code
    try:
        detail: Any = json.loads(response.content)["error"]
        fields = [FieldProblem(str(f["field"]), str(f["message"]))
                  for f in detail.get("fields") or []]
        return PatronageApiError(str(detail["code"]), str(detail["message"]), status, fields)
    except (ValueError, KeyError, TypeError):
        text = response.text.strip()[:200] or response.reason_phrase
        return PatronageApiError(HTTP_CODES.get(status, "http_error"), text, status)


def unreachable(request: httpx.Request, exc: httpx.TransportError) -> PatronageApiError:
    """No answer at all: the server is down, the network dropped, or it timed out."""
    kind = type(exc).__name__
    return PatronageApiError("unavailable", f"no answer from {request.url.host}: {kind}: {exc}")
