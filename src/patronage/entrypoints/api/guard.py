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
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class Guard:
    """A plain ASGI middleware (Starlette's BaseHTTPMiddleware ran each request through a
    task group and memory streams: about a third of a post's CPU in the server)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.keys = KnownKeys()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        app = scope["app"].state.facade
        token = _token(request)
        key = self.keys.get(token) if token else None
        check = self.keys.check(token, key) if token and key else None
        if key is None and token:
            try:
                key = await run_in_threadpool(records.find_key, app, token)
            except Exception as exc:  # noqa: BLE001 - one translator answers every fault
                await translate(exc)(scope, receive, send)
                return
            if key is not None:
                self.keys.keep(token, key)
        request.state.api_key = key
        if key is None and scope["path"] not in OPEN:
            await unauthorized()(scope, receive, send)  # before the body is even read
            return
        if scope["method"] in READS:
            await self._run(scope, receive, send, Rider(check=check))
            return
        raw = await _body(receive)
        if raw is None:
            return  # the client went away
        receive = _replay(raw, receive)
        idem = request.headers.get(HEADER)
        audit = None if key is None else Audit(
            key, scope["method"], _clean(scope["path"], 500),
            None if idem is None else _clean(idem, 200), scope)
        rider = Rider(check=check, write=audit.write if audit is not None else None)
        answered = Answer()
        if too_deep(raw):
            await answer(400, "invalid", f"the body nests more than {MAX_DEPTH} levels deep",
                         [{"field": "body", "message": f"at most {MAX_DEPTH} levels"}],
                         )(scope, receive, answered.keep)
        elif idem is not None and scope["method"] == "POST" and key is not None:
            await self._idempotent(scope, receive, answered, request, key, idem, raw, rider)
        else:
            await self._run(scope, receive, answered.keep, rider, answered)
        worker = getattr(scope["app"].state, "worker", None)
        if worker is not None and answered.status < 300:
            worker.wake()  # new events may wait for delivery
        if audit is not None:  # only writes made with a key are recorded
            try:
                await audit.settle(app, rider, answered.status)
            except Exception:  # the answer stands; the fault is logged
                log.exception("could not record the audit of %s %s", scope["method"],
                              scope["path"])
        await answered.send(send)  # after the audit, as the answer is final only then

    async def _run(self, scope: Scope, receive: Receive, send: Send,
                   rider: Rider | None = None, answered: Answer | None = None) -> None:
        """The app, its faults translated. `answered`: a write's held answer (`send` is
        its `keep`), which a fault replaces whole, as nothing of it has reached the client."""
        token = uow.rider.set(rider)  # the request's command writes its audit row
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:  # one translator answers every fault
            if answered is not None:
                answered.forget()
            elif started:
                raise
            await translate(exc)(scope, receive, send)
        finally:
            uow.rider.reset(token)

    async def _idempotent(self, scope: Scope, receive: Receive, answered: Answer,
                          request: Request, key: ApiKey, idem: str, raw: bytes,
                          rider: Rider | None) -> None:
        if not idem or len(idem) > 200 or not idem.isprintable():
            await answer(422, "invalid", "Idempotency-Key must be 1 to 200 printable "
                         "characters", [{"field": HEADER, "message": "1 to 200 characters"}],
                         )(scope, receive, answered.keep)
            return
        app = scope["app"].state.facade
        ttl = dt.timedelta(hours=scope["app"].state.settings.idempotency_hours)
        try:
            state, stored = await run_in_threadpool(
                records.claim, app, key.id, idem, scope["method"], _clean(scope["path"], 500),
                _fingerprint(request, raw), ttl)
        except Exception as exc:  # noqa: BLE001
            await translate(exc)(scope, receive, answered.keep)
            return
        if state == "mismatch":
            await answer(409, "conflict", "this Idempotency-Key was used for a different "
                         "request", [{"field": HEADER, "message": "used with another body"}],
                         )(scope, receive, answered.keep)
            return
        if state == "busy":
            await answer(409, "conflict", "a request with this Idempotency-Key is still "
                         "being processed; retry shortly",
                         [{"field": HEADER, "message": "in progress"}],
                         headers={"Retry-After": "1"})(scope, receive, answered.keep)
            return
        if state == "replay" and stored is not None:
            await Response(content=stored[1], status_code=stored[0],
                           media_type="application/json",
                           headers={"Idempotent-Replayed": "true"})(scope, receive,
                                                                    answered.keep)
            return
        await self._run(scope, receive, answered.keep, rider, answered)
        try:
            if 200 <= answered.status < 300:
                await run_in_threadpool(records.finish, app, key.id, idem,
                                        answered.status, answered.content().decode())
            else:
                await run_in_threadpool(records.release, app, key.id, idem)
        except Exception:  # the answer stands; a retry will run again
            log.exception("could not store the answer for Idempotency-Key %r", idem)


class Answer:
    """A write's answer, held until the guard has recorded it (its status decides the
    audit row, and an Idempotency-Key keeps its body), then sent as it was made."""

    def __init__(self) -> None:
        self.status = 500
        self.messages: list[Message] = []

    async def keep(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
        self.messages.append(message)

    def forget(self) -> None:
        """Drop what was kept (a fault after the answer began: it is answered anew)."""
        self.status = 500
        self.messages.clear()

    def content(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages
                        if m["type"] == "http.response.body")

    async def send(self, send: Send) -> None:
        for message in self.messages:
            await send(message)


async def _body(receive: Receive) -> bytes | None:
    """The whole request body, or None if the client disconnected first."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(raw: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body already read, then what the client sends next."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": raw, "more_body": False}

    return replay
