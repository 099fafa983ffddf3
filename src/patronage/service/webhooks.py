"""Webhooks: subscriptions, the delivery outbox fed from `events`, and delivery passes.

Every change the engine makes writes an `events` row in the same transaction. `fan_out`
copies new events into `webhook_deliveries`, one row per (webhook, event), and moves a
cursor (the last event id fanned out). On PostgreSQL ids can commit out of order, so the
cursor never passes a gap younger than `SETTLE` (the gap may be a transaction still in
flight); rows beyond the gap are fanned out anyway and found again harmlessly later.

`deliver_due` claims due deliveries with a short lease (so two workers never send the same
row at once), sends each outside any transaction through an injected `send`, and records
the answer: 2xx delivers; anything else backs off exponentially and tries again, forever,
so nothing is lost while a receiver is down. Delivery is at least once: receivers dedupe
on the event id.

Deliveries are signed as Standard Webhooks (standardwebhooks.com) sign them: `webhook-id`
(the event id, the same on every retry), `webhook-timestamp` (the attempt's Unix time) and
`webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` keyed with the
secret, `whsec_<base64 of the key>`. A receiver refuses a stale timestamp and an id it has
seen, so a captured delivery cannot be replayed.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from patronage.core.errors import PatronageError, Problem, not_found
from patronage.service.app import Patronage
from patronage.service.ports import Row
from patronage.service.uow import Tx

EVENT_TYPES = ("points.accrued", "points.expired", "award.granted", "credit_memo.issued",
               "coupon.issued", "enrollment.changed",
               "points.expiring", "credit_memo.expiring",  # issue 23 item 4: reminders
               "tier.changed")  # issue 23 item 1 (T8)
SETTLE = dt.timedelta(seconds=60)
LEASE = dt.timedelta(seconds=60)
SECRET_PREFIX = "whsec_"
SECRET_BYTES = (24, 64)  # the sizes of key a secret given by the caller may have
MAX_URL = 2000

# send(url, body, headers) -> HTTP status; raises OSError-like errors when unreachable
Send = Callable[[str, bytes, dict[str, str]], int]


def new_id(result: Any) -> int:
    """The primary key an INSERT made (its result; entrypoints/api/records.py's too)."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the database returned no primary key")
    return int(key[0])


def new_secret() -> str:
    """A signing secret: `whsec_` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    """The HMAC key of a secret (a secret stored before secrets were `whsec_`: its bytes)."""
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret[len(SECRET_PREFIX):])
    return secret.encode()


def check_secret(secret: str) -> str:
    """A secret chosen by the caller, if it is `whsec_` and the base64 of 24 to 64 bytes."""
    low, high = SECRET_BYTES
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not secret.startswith(SECRET_PREFIX) or not low <= len(key) <= high:
        raise PatronageError("invalid", "a webhook secret is whsec_ followed by the base64 "
                             f"of {low} to {high} random bytes (or leave it out to get one)",
                             [Problem("secret", f"whsec_ and base64 of {low} to {high} bytes")])
    return secret


def check_url(url: str) -> str:
    """A receiver's URL, if it is a plain http(s) URL with a host and no credentials."""
    def refuse(message: str) -> PatronageError:
        return PatronageError("invalid", f"url: {message}", [Problem("url", message)])

    if not url or len(url) > MAX_URL:
        raise refuse(f"give a URL of 1 to {MAX_URL} characters")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise refuse("no spaces or control characters")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise refuse("not a URL (is the port a number from 1 to 65535?)") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise refuse("only http:// and https:// URLs")
    if "@" in parts.netloc:
        raise refuse("no user name or password in the URL; the signature authenticates")
    if not parts.hostname:
        raise refuse("the URL needs a host")
    if port == 0:
        raise refuse("the port must be 1 to 65535")
    return url


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: `v1,` and the base64 HMAC-SHA256, keyed with the
    secret, of `{msg_id}.{timestamp}.{body}`."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256)
                                    .digest()).decode()


def _view(row: Row, with_secret: bool = False) -> dict[str, Any]:
    out = {"id": row["id"], "url": row["url"], "events": list(row["events"] or []),
           "active": bool(row["active"]), "created_at": row["created_at"],
           "created_by": row["created_by"]}
    if with_secret:
        out["secret"] = row["secret"]
    return out


def create(app: Patronage, url: str, events: list[str], secret: str | None = None,
           user: str | None = None) -> dict[str, Any]:
    """Subscribe `url` to `events` (empty: all). The answer carries the secret, once."""
    unknown = [e for e in events if e not in EVENT_TYPES]
    if unknown:
        raise PatronageError("invalid", f"unknown event types: {', '.join(unknown)}",
                             [Problem("events", f"known: {', '.join(EVENT_TYPES)}")])
    check_url(url)
    key = new_secret() if secret is None else check_secret(secret)

    def work(tx: Tx) -> dict[str, Any]:
        last = tx.repo.last_event_id()
        row = tx.repo.add_webhook({
            "url": url, "events": sorted(set(events)), "secret": key, "active": True,
            "after_event_id": last, "created_at": tx.now, "created_by": user})
        return _view(row, with_secret=True)

    return app.run(work, user=user)


def listing(app: Patronage) -> list[dict[str, Any]]:
    def work(tx: Tx) -> list[dict[str, Any]]:
        return [_view(r) for r in tx.repo.active_webhooks()]

    return app.read(work)


def _need(tx: Tx, webhook_id: int) -> Row:
    row = tx.repo.active_webhook(webhook_id)
    if row is None:
        raise not_found("webhook", webhook_id, "id")
    return row


def get(app: Patronage, webhook_id: int) -> dict[str, Any]:
    return app.read(lambda tx: _view(_need(tx, webhook_id)))


def delete(app: Patronage, webhook_id: int) -> dict[str, Any]:
    """Unsubscribe: the webhook stops; its undelivered rows are cancelled, not sent."""
    def work(tx: Tx) -> dict[str, Any]:
        row = _need(tx, webhook_id)
        tx.repo.stop_webhook(webhook_id)
        return _view({**row, "active": False})

    return app.run(work)


def deliveries(app: Patronage, webhook_id: int, limit: int,
               after: int | None) -> tuple[list[dict[str, Any]], int | None]:
    def work(tx: Tx) -> tuple[list[dict[str, Any]], int | None]:
        _need(tx, webhook_id)
        rows = tx.repo.deliveries_of(webhook_id, after, limit + 1)
        items = [{k: r[k] for k in ("id", "event_id", "event_type", "status", "attempts",
                                    "next_attempt_at", "last_status", "last_error",
                                    "created_at", "delivered_at")} for r in rows[:limit]]
        return items, (rows[limit - 1]["id"] if len(rows) > limit else None)

    return app.read(work)


# --- fan-out -------------------------------------------------------------------------------

def _event_body(ev: Row) -> str:
    return json.dumps({"id": ev["id"], "type": ev["type"], "date": ev["date"].isoformat(),
                       "customer": ev["customer_id"], "recorded_at": ev["recorded_at"].isoformat(),
                       "data": ev["payload"]}, sort_keys=True, separators=(",", ":"))


def fan_out(app: Patronage, batch: int = 500) -> int:
    """Copy events after the cursor into deliveries; returns how many rows were created."""
    def work(tx: Tx) -> tuple[int, bool]:
        cursor = tx.repo.webhook_cursor()  # locked: one fan-out at a time
        hooks = tx.repo.listening_webhooks()
        if not hooks:  # nobody listens: events so far are for no one, now or later
            last = tx.repo.last_event_id()
            if last > cursor:
                tx.repo.move_webhook_cursor(last)
            return 0, False
        start = max(cursor, min(int(h["after_event_id"]) for h in hooks))
        events = tx.repo.events_after(start, batch)
        created, moved, settled = 0, start, True
        for ev in events:
            if settled and ev["id"] != moved + 1 and tx.now - ev["recorded_at"] < SETTLE:
                settled = False  # a younger gap: an earlier id may still commit
            for hook in hooks:
                wanted = not hook["events"] or ev["type"] in hook["events"]
                if not wanted or ev["id"] <= hook["after_event_id"]:
                    continue
                if not tx.repo.has_delivery(hook["id"], ev["id"]):
                    tx.repo.add_delivery({
                        "webhook_id": hook["id"], "event_id": ev["id"], "event_type": ev["type"],
                        "body": _event_body(ev), "status": "pending", "attempts": 0,
                        "next_attempt_at": tx.now, "created_at": tx.now})
                    created += 1
            if settled:
                moved = ev["id"]
        if moved != cursor:
            tx.repo.move_webhook_cursor(moved)
        return created, len(events) == batch and moved != start

    total = 0
    while True:
        created, more = app.run(work)
        total += created
        if not more:
            return total


# --- delivery ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Claimed:
    id: int
    webhook_id: int
    event_id: int
    event_type: str
    url: str
    secret: str
    body: str
    attempts: int


def _claim(app: Patronage, limit: int) -> list[Claimed]:
    def work(tx: Tx) -> list[Claimed]:
        out = []
        for r in tx.repo.deliveries_due(tx.now, limit):
            if tx.repo.lease_delivery(r["id"], tx.now, tx.now + LEASE):
                out.append(Claimed(r["id"], r["webhook_id"], r["event_id"], r["event_type"],
                                   r["url"], r["secret"], r["body"], r["attempts"]))
        return out

    return app.run(work)


def backoff(attempts: int, base: float, cap: float) -> dt.timedelta:
    """Seconds to wait after the `attempts`-th failure: base, 2 x base, 4 x base, ... cap."""
    return dt.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def _record(app: Patronage, c: Claimed, status: int | None, error: str | None,
            base: float, cap: float) -> bool:
    ok = status is not None and 200 <= status < 300

    def work(tx: Tx) -> None:
        if ok:
            tx.repo.delivered(c.id, c.attempts + 1, status, tx.now)
            return
        attempts = c.attempts + 1
        later = tx.now + backoff(attempts, base, cap)
        tx.repo.delivery_failed(c.id, attempts, status, (error or "")[:2000], later)
        # the receiver is down: its other rows wait too rather than hammer it
        tx.repo.defer_deliveries(c.webhook_id, c.id, later)

    app.run(work)
    return ok


def headers_for(c: Claimed, timestamp: int) -> dict[str, str]:
    """The headers of one attempt: signed anew at `timestamp`, under the event's own id."""
    msg_id = str(c.event_id)
    return {"Content-Type": "application/json", "User-Agent": "patronage-webhooks",
            "webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(c.secret, msg_id, timestamp, c.body.encode()),
            "X-Patronage-Event": c.event_type, "X-Patronage-Event-Id": msg_id,
            "X-Patronage-Delivery": str(c.id)}


def deliver_due(app: Patronage, send: Send, base: float = 5.0, cap: float = 3600.0,
                limit: int = 100, unix_time: Callable[[], float] = time.time) -> dict[str, int]:
    """One pass: send what is due, oldest first; a receiver that fails is left for later.
    Signatures carry `unix_time()`: the receiver's clock judges them, not the shop's."""
    counts = {"delivered": 0, "failed": 0, "deferred": 0}
    failing: set[int] = set()
    for c in _claim(app, limit):
        if c.webhook_id in failing:
            _release(app, c.id)
            counts["deferred"] += 1
            continue
        status: int | None = None
        error: str | None = None
        try:
            status = send(c.url, c.body.encode(), headers_for(c, int(unix_time())))
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except Exception as exc:  # noqa: BLE001 - any transport fault means "try again later"
            error = f"{type(exc).__name__}: {exc}"
        if _record(app, c, status, error, base, cap):
            counts["delivered"] += 1
        else:
            counts["failed"] += 1
            failing.add(c.webhook_id)
    return counts


def _release(app: Patronage, delivery_id: int) -> None:
    app.run(lambda tx: tx.repo.release_delivery(delivery_id))


def run_once(app: Patronage, send: Send, base: float = 5.0, cap: float = 3600.0,
             unix_time: Callable[[], float] = time.time) -> dict[str, int]:
    """Fan out new events, then deliver what is due: what `patronage webhooks deliver` does."""
    created = fan_out(app)
    counts = deliver_due(app, send, base, cap, unix_time=unix_time)
    return {"queued": created, **counts}
