"""A customer's own page by signed link (P1-P4 of docs/decisions.md, issue 23 item 5).

A link token names the customer, the link's id and its expiry, signed with HMAC-SHA256
under the shop's link key. The signature stops anyone from making or altering a token;
the link's row (revocation, the customer it was made for) is checked by the service. The
token is opaque to the eye but not secret in what it names: the customer id is readable
by whoever decodes it, nothing else (no name, no balance).

Standard library only; time comes in as arguments.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass

DOMAIN = b"patronage customer link v1\n"  # signs nothing else with the same key
EPOCH = dt.datetime(1970, 1, 1)
DEFAULT_DAYS = 90
MAX_DAYS = 3650
DOCUMENT_MARGIN = dt.timedelta(days=30)  # P4: a document's link keeps at least this long

# P1: why a token opens nothing; the page says none of them, the log says which
FORGED, EXPIRED, REVOKED, UNKNOWN = "link_forged", "link_expired", "link_revoked", "link_unknown"


@dataclass(frozen=True)
class Claim:
    """What a token says: the link's id, the customer and the moment it stops working."""

    link_id: int
    customer_id: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class LinkRow:
    """A link as its row keeps it (only what the rules read)."""

    id: int
    customer_id: str
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    created_by: str | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, body: str) -> str:
    return _b64(hmac.new(key, DOMAIN + body.encode(), hashlib.sha256).digest())


def sign(key: bytes, claim: Claim) -> str:
    """P1: the token of `claim`: `<body>.<signature>`, both URL-safe base64."""
    seconds = int((claim.expires_at - EPOCH).total_seconds())
    body = _b64(json.dumps([claim.link_id, claim.customer_id, seconds],
                           separators=(",", ":")).encode())
    return f"{body}.{_mac(key, body)}"


def read(key: bytes, token: str) -> Claim | None:
    """P1: the claim of a token signed with `key`, or None for anything else (a token made
    with another key, altered, cut short, or not a token at all)."""
    body, dot, signature = token.partition(".")
    if not dot or len(token) > 600 or not hmac.compare_digest(signature, _mac(key, body)):
        return None
    try:
        link_id, customer_id, seconds = json.loads(_unb64(body))
    except (ValueError, TypeError, binascii.Error):
        return None
    if not (isinstance(link_id, int) and isinstance(customer_id, str)
            and isinstance(seconds, int)):
        return None
    return Claim(link_id, customer_id, EPOCH + dt.timedelta(seconds=seconds))


def verdict(claim: Claim | None, row: LinkRow | None, now: dt.datetime) -> str | None:
    """P1: None when the link opens the page, else why not (FORGED, EXPIRED, REVOKED,
    UNKNOWN). The row's own expiry and customer are what count: a token must say what its
    row says."""
    if claim is None:
        return FORGED
    if row is None:
        return UNKNOWN
    if row.customer_id != claim.customer_id or _second(row.expires_at) != claim.expires_at:
        return FORGED
    if row.revoked_at is not None:
        return REVOKED
    if now >= row.expires_at:
        return EXPIRED
    return None


def _second(moment: dt.datetime) -> dt.datetime:
    return moment.replace(microsecond=0)


def expiry(now: dt.datetime, days: int) -> dt.datetime:
    """P2: the moment a link made at `now` for `days` days stops working."""
    return _second(now) + dt.timedelta(days=days)


def days_problem(days: object) -> str | None:
    """P2: what is wrong with a link's length in days, or None."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        return f"a whole number of days from 1 to {MAX_DAYS}"
    return None


def document_link(rows: list[LinkRow], marker: str, now: dt.datetime) -> LinkRow | None:
    """P4: the link a letter or receipt carries again: the newest live one made for
    documents (`created_by == marker`) that still has DOCUMENT_MARGIN to run; None: make
    a new one."""
    live = [r for r in rows if r.created_by == marker and r.revoked_at is None
            and r.expires_at >= now + DOCUMENT_MARGIN]
    return max(live, key=lambda r: r.id, default=None)
