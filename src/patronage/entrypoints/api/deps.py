"""Dependencies of the routes, as Annotated aliases: the service, the caller's key by role.

`Service` is the facade wrapped so that a unit of work that lost a race (a unique id
inserted by a concurrent request, a deadlock, a busy SQLite file) is run again from the
start; the engine's own rules then decide (C5: the same id answers the same result).
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from patronage.entrypoints.api.errors import ApiError, transient
from patronage.entrypoints.api.records import ApiKey
from patronage.service.app import Patronage

ATTEMPTS = 5
bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer KEY`")


def retrying(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return fn(*args, **kwargs)
            except IntegrityError:
                if attempt == ATTEMPTS:
                    raise
            except Exception as exc:
                if attempt == ATTEMPTS or not transient(exc):
                    raise
                time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    return run


class OneHop(APIRoute):
    """The API's routes: a plain `def` handler is run in the thread pool whole, and its
    answer is checked against the route's model on the event loop. FastAPI would hop to
    the pool twice, once to call the handler and once to check its answer, and under load
    each hop (a queue, a condition, a thread woken for the GIL) cost the server about as
    much CPU as the rest of a balance lookup."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _in_thread(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _in_thread(handler: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(handler)  # FastAPI reads the handler's own signature and annotations
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(handler, *args, **kwargs)

    return run


class Retrying:
    """The facade, each method retried on a lost race (see the module docstring)."""

    def __init__(self, facade: Patronage) -> None:
        self._facade = facade

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._facade, name)
        return retrying(value) if callable(value) else value


async def service(request: Request) -> Patronage:
    """Async, as it does no I/O: FastAPI runs a plain `def` dependency in the thread pool,
    a hop there and back for every request (this one and the role check below)."""
    return cast(Patronage, Retrying(request.app.state.facade))


Service = Annotated[Patronage, Depends(service)]


def require(role: str) -> Callable[..., Awaitable[ApiKey]]:
    async def check(request: Request,
                    _credentials: Annotated[HTTPAuthorizationCredentials | None,
                                            Depends(bearer)] = None) -> ApiKey:
        key: ApiKey | None = getattr(request.state, "api_key", None)
        if key is None:
            raise ApiError(401, "unauthorized", "a valid API key is required "
                           "(Authorization: Bearer KEY)", "Authorization",
                           headers={"WWW-Authenticate": "Bearer"})
        if not key.may(role):
            raise ApiError(403, "forbidden", f"this needs a {role} key; "
                           f"{key.name!r} is a {key.role} key", "Authorization")
        return key

    return check


Cashier = Annotated[ApiKey, Depends(require("cashier"))]
Manager = Annotated[ApiKey, Depends(require("manager"))]
Admin = Annotated[ApiKey, Depends(require("admin"))]
