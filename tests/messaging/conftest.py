"""The `mail` fixture: a real local SMTP server for one test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .mailserver import MailServer


@pytest.fixture
def mail() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()
