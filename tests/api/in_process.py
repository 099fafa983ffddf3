"""The API in this process for tests that need no real server: a TestClient on the
facade's app, its scheduler and webhook worker off, carrying a new admin key."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient

from patronage.entrypoints.api import records
from patronage.entrypoints.api.app import create_app
from patronage.entrypoints.api.settings import ApiSettings
from patronage.service.app import Patronage


@contextmanager
def admin_client(app: Patronage) -> Iterator[TestClient]:
    key = records.create_key(app, "admin", "admin")["key"]
    settings = ApiSettings(scheduler=False, webhook_worker=False)
    with TestClient(create_app(app, settings=settings),
                    headers={"Authorization": f"Bearer {key}"}) as client:
        yield client
