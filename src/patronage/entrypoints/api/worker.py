"""The HTTP sender of webhook deliveries, used by the scheduler's `webhooks` job (in the
server, in `patronage worker`) and by `patronage webhooks deliver`.

The loop that used to live here, a thread of its own in each server, is the scheduler's
`webhooks` job now (entrypoints/scheduler.py): it runs in one process at a time under a
lease, and a write answered by any server wakes that server's scheduler at once.
"""

from __future__ import annotations

import httpx


class HttpSender:
    """POST a delivery; the receiver's status code, or an exception when unreachable."""

    def __init__(self, timeout: float) -> None:
        self.client = httpx.Client(timeout=timeout, follow_redirects=False)

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        return self.client.post(url, content=body, headers=headers).status_code

    def close(self) -> None:
        self.client.close()
