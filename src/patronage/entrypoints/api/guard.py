"""The edge every /v1 request passes: who is calling, Idempotency-Key replays, the audit.

A write's audit row is written by the write's own unit of work (a `Rider`, service/uow.py),
so that the request is one transaction; a request refused before it wrote anything, or
answered with no unit of work, is recorded in one of its own afterwards.

The caller's key is looked up once (by the SHA-256 of the bearer token) and left on
`request.state.api_key` for the role checks in `deps.py`. A key found is kept (`KnownKeys`):
the next request with it checks only that it is still live, in its own unit of work, so a
revoked key is refused at once by every process. A POST with an Idempotency-Key
answers its first 2xx answer again for `idempotency_hours`; the same key with another body
is a 409 conflict, as is a second request arriving while the first still runs. Refused
requests are not kept, so a retry under the same key runs again (and is refused again,
or succeeds if what was missing now exists). Every write is recorded with its key.
A write whose body nests arrays and objects deeper than MAX_DEPTH is refused (400 invalid)
before anything parses it: a decoder's recursion would fail on it, on any route.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response

from patronage.entrypoints.api import records
from patronage.entrypoints.api.errors import ApiError, answer, translate, unauthorized
from patronage.entrypoints.api.records import ApiKey
from patronage.service import uow
from patronage.service.uow import Rider

log = logging.getLogger("patronage.api")
READS = ("GET", "HEAD", "OPTIONS")
OPEN = frozenset({"/v1/health"})
HEADER = "Idempotency-Key"
MAX_DEPTH = 32  # our deepest body (a program's award actions) nests 4 levels
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')  # a JSON string whole, or a bracket


def too_deep(raw: bytes) -> bool:
    """Whether a JSON body nests deeper than MAX_DEPTH (brackets inside strings not counted)."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return False  # the usual case: too few brackets to be that deep
    depth = 0
    for match in _TOKENS.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def _token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _fingerprint(request: Request, raw: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        canonical = raw
    head = f"{request.method}\n{request.url.path}?{request.url.query}\n".encode()
    return hashlib.sha256(head + canonical).hexdigest()


async def _content(response: Response) -> bytes:
    """The whole body of an answer, streamed (from the app) or not (from the translator)."""
    stream = getattr(response, "body_iterator", None)
    if stream is None:
        return bytes(response.body)
    return b"".join([chunk async for chunk in stream])


def _clean(text: str, size: int) -> str:
    """Text safe to store in any database: no NUL characters, at most `size` long."""
    return text.replace("\x00", "\ufffd")[:size]


class KnownKeys:
    """The keys this process has found, by the SHA-256 of their token. Their roles never
    change; that a key is not revoked is checked again by each request (`check`)."""

    LIMIT = 10_000  # tokens remembered; past it, forgotten all at once and found again

    def __init__(self) -> None:
        self._keys: dict[str, ApiKey] = {}

    def get(self, token: str) -> ApiKey | None:
        return self._keys.get(records.digest(token))

    def keep(self, token: str, key: ApiKey) -> None:
        if len(self._keys) >= self.LIMIT:
            self._keys.clear()
        self._keys[records.digest(token)] = key

    def check(self, token: str, key: ApiKey) -> Callable[[uow.Tx], None]:
        """The request's first statement: the key kept is still live, or a 401."""
        def still_live(tx: uow.Tx) -> None:
            if not records.key_live(tx, key.id):
                self._keys.pop(records.digest(token), None)
                raise ApiError(401, "unauthorized", "this API key has been revoked",
                               "Authorization", headers={"WWW-Authenticate": "Bearer"})

        return still_live


@dataclass
class Audit:
    """One write request's audit row: written with the request's command, in its unit of
    work, with the status its route answers on success; else by the guard afterwards."""

    key: ApiKey
    method: str
    path: str
    idem: str | None
    scope: MutableMapping[str, Any]
    row: int | None = None
    status: int = 0

    def write(self, tx: uow.Tx) -> None:
        route = self.scope.get("route")  # the router has matched it by now
        self.status = getattr(route, "status_code", None) or 200
        self.row = records.audit_row(tx, self.key, self.method, self.path, self.status,
                                     self.idem)

    async def settle(self, app: Any, rider: Rider, status: int) -> None:
        """After the answer: record it if no unit of work did, or correct the status."""
        if not rider.written:
            await run_in_threadpool(records.audit, app, self.key, self.method, self.path,
                                    status, self.idem)
        elif status != self.status and self.row is not None:
            await run_in_threadpool(records.correct_audit, app, self.row, status)


class Guard(BaseHTTPMiddleware):
    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.keys = KnownKeys()

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if not request.url.path.startswith("/v1/"):
            return await call_next(request)
        app = request.app.state.facade
        token = _token(request)
        key = self.keys.get(token) if token else None
        check = self.keys.check(token, key) if token and key else None
        if key is None and token:
            try:
                key = await run_in_threadpool(records.find_key, app, token)
            except Exception as exc:  # noqa: BLE001 - one translator answers every fault
                return translate(exc)
            if key is not None:
                self.keys.keep(token, key)
        request.state.api_key = key
        if key is None and request.url.path not in OPEN:
            return unauthorized()  # before the body is even parsed
        if request.method in READS:
            return await self._run(request, call_next, Rider(check=check))
        idem = request.headers.get(HEADER)
        audit = None if key is None else Audit(
            key, request.method, _clean(request.url.path, 500),
            None if idem is None else _clean(idem, 200), request.scope)
        rider = Rider(check=check, write=audit.write if audit is not None else None)
        if too_deep(await request.body()):
            response: Response = answer(
                400, "invalid", f"the body nests more than {MAX_DEPTH} levels deep",
                [{"field": "body", "message": f"at most {MAX_DEPTH} levels"}])
        elif idem is not None and request.method == "POST" and key is not None:
            response = await self._idempotent(request, call_next, key, idem, rider)
        else:
            response = await self._run(request, call_next, rider)
        worker = getattr(request.app.state, "worker", None)
        if worker is not None and response.status_code < 300:
            worker.wake()  # new events may wait for delivery
        if audit is None:
            return response  # only writes made with a key are recorded
        try:
            await audit.settle(app, rider, response.status_code)
        except Exception:  # the answer stands; the fault is logged
            log.exception("could not record the audit of %s %s", request.method,
                          request.url.path)
        return response

    async def _run(self, request: Request, call_next: RequestResponseEndpoint,
                   rider: Rider | None = None) -> Response:
        token = uow.rider.set(rider)  # the request's command writes its audit row
        try:
            return await call_next(request)
        except Exception as exc:  # noqa: BLE001 - one translator answers every fault
            return translate(exc)
        finally:
            uow.rider.reset(token)

    async def _idempotent(self, request: Request, call_next: RequestResponseEndpoint,
                          key: ApiKey, idem: str, rider: Rider | None) -> Response:
        if not idem or len(idem) > 200 or not idem.isprintable():
            return answer(422, "invalid", "Idempotency-Key must be 1 to 200 printable "
                          "characters", [{"field": HEADER, "message": "1 to 200 characters"}])
        app = request.app.state.facade
        ttl = dt.timedelta(hours=request.app.state.settings.idempotency_hours)
        raw = await request.body()
        try:
            state, stored = await run_in_threadpool(
                records.claim, app, key.id, idem, request.method, _clean(request.url.path, 500),
                _fingerprint(request, raw), ttl)
        except Exception as exc:  # noqa: BLE001
            return translate(exc)
        if state == "mismatch":
            return answer(409, "conflict", "this Idempotency-Key was used for a different "
                          "request", [{"field": HEADER, "message": "used with another body"}])
        if state == "busy":
            return answer(409, "conflict", "a request with this Idempotency-Key is still "
                          "being processed; retry shortly",
                          [{"field": HEADER, "message": "in progress"}],
                          headers={"Retry-After": "1"})
        if state == "replay" and stored is not None:
            return Response(content=stored[1], status_code=stored[0],
                            media_type="application/json",
                            headers={"Idempotent-Replayed": "true"})
        response = await self._run(request, call_next, rider)
        content = await _content(response)
        try:
            if 200 <= response.status_code < 300:
                await run_in_threadpool(records.finish, app, key.id, idem,
                                        response.status_code, content.decode())
            else:
                await run_in_threadpool(records.release, app, key.id, idem)
        except Exception:  # the answer stands; a retry will run again
            log.exception("could not store the answer for Idempotency-Key %r", idem)
        headers: dict[str, Any] = dict(response.headers)
        return Response(content=content, status_code=response.status_code, headers=headers)
