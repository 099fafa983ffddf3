"""When to try a request again, and how long to wait first.

Retried: no answer at all (connection refused or dropped, a timeout), 502/503/504, 429,
and a 409 that carries `Retry-After` (the server's "this Idempotency-Key is still being
processed"). Never retried: any other 4xx, which is the caller's input and would be
refused again. Writes are safe to retry because every write carries one Idempotency-Key
for all its tries (sync.py). The wait doubles from `backoff`, with jitter so that tills
which failed together do not come back together; a `Retry-After` is obeyed as given, and
one longer than `max_delay` ends the retries rather than being cut short.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
from dataclasses import dataclass, field

import httpx

TRANSIENT = (httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError)
"""Transport faults worth another try (not a bad URL or an unsupported scheme)."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    """Tries in all, the first included; 1 means never retry."""
    backoff: float = 0.25
    """Seconds before the second try; doubled before each later one."""
    max_delay: float = 10.0
    """No wait is longer; a Retry-After above it stops retrying."""
    statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 502, 503, 504}))
    """Answers that say "try again later"."""

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.backoff < 0 or self.max_delay < 0:
            raise ValueError("backoff and max_delay must not be negative")

    def backoff_delay(self, attempt: int) -> float:
        """Seconds to wait after failed try number `attempt` (1-based): half fixed, half
        random, so the waits still double but spread out."""
        full = min(self.max_delay, self.backoff * 2 ** (attempt - 1))
        return full / 2 + random.uniform(0, full / 2)  # jitter, not a secret

    def delay_after(self, response: httpx.Response, attempt: int,
                    now: dt.datetime | None = None) -> float | None:
        """Seconds to wait before trying again after `response`, or None: do not retry."""
        status = response.status_code
        asked = retry_after(response, now)
        if status not in self.statuses and not (status == 409 and asked is not None):
            return None
        if asked is None:
            return self.backoff_delay(attempt)
        return asked if asked <= self.max_delay else None


def retry_after(response: httpx.Response, now: dt.datetime | None = None) -> float | None:
    """The `Retry-After` header in seconds (it may be seconds or an HTTP date), or None."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    current = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - current).total_seconds())
