"""The webhook worker that runs inside the server, and the HTTP sender it (and the CLI) use.

A daemon thread wakes every `webhook_poll_seconds` (or at once when `wake` is called after
a write), fans new events out and delivers what is due. `stop` ends it cleanly: the pass in
progress finishes, no new one starts.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

import httpx

from patronage.entrypoints.api import records
from patronage.entrypoints.api.settings import ApiSettings
from patronage.service import webhooks
from patronage.service.app import Patronage

log = logging.getLogger("patronage.webhooks")


class HttpSender:
    """POST a delivery; the receiver's status code, or an exception when unreachable."""

    def __init__(self, timeout: float) -> None:
        self.client = httpx.Client(timeout=timeout, follow_redirects=False)

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        return self.client.post(url, content=body, headers=headers).status_code

    def close(self) -> None:
        self.client.close()


class WebhookWorker:
    def __init__(self, app: Patronage, settings: ApiSettings) -> None:
        self.app, self.settings = app, settings
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="patronage-webhooks",
                                        daemon=True)
        self._sender = HttpSender(settings.webhook_timeout_seconds)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        self._sender.close()

    def pass_once(self) -> dict[str, int]:
        s = self.settings
        return webhooks.run_once(self.app, self._sender, s.webhook_backoff_seconds,
                                 s.webhook_backoff_max_seconds)

    def _loop(self) -> None:
        passes = 0
        while not self._stop.is_set():
            try:
                self.pass_once()
                passes += 1
                if passes % 600 == 0:
                    records.purge(self.app, dt.timedelta(hours=self.settings.idempotency_hours))
            except Exception:  # a bad pass must not end the worker
                log.exception("webhook pass failed; retrying")
            self._wake.wait(self.settings.webhook_poll_seconds)
            self._wake.clear()
