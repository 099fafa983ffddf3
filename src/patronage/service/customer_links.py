"""Links to a customer's own page (P1-P4 of docs/decisions.md, issue 23 item 5): made,
listed and revoked by a manager (console, REST), carried by letters and receipts.

A link is a `customer_links` row; its token is signed from the row (core/links.py) with
PATRONAGE_SECRET_KEY, or else with a key this module makes once and keeps in
`customer_link_keys`, so every process (server, worker, CLI) signs alike. The token is
never stored, and a live link's URL can be shown again at any time.

Settings (read from the environment when used): PATRONAGE_CUSTOMER_LINK_DAYS (how long a
link lasts, default 90), PATRONAGE_PUBLIC_URL (the address customers reach the server
at: letters and receipts carry links only when it is set), PATRONAGE_SECRET_KEY.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import secrets
import urllib.parse
from dataclasses import dataclass
from typing import Any

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from patronage.core import links as rules
from patronage.core.errors import PatronageError, Problem, invalid, not_found
from patronage.service.enrollment import need_customer
from patronage.service.ports import Row
from patronage.service.uow import Tx

log = logging.getLogger("patronage.links")
DOCUMENTS = "letters and receipts"  # created_by of the link documents carry (P4)
PAGE_PATH = "/me/"


class LinkSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATRONAGE_", extra="ignore")

    customer_link_days: int = Field(default=rules.DEFAULT_DAYS, ge=1, le=rules.MAX_DAYS)
    public_url: str | None = None
    secret_key: SecretStr | None = None


def settings() -> LinkSettings:
    """The settings now; one the operator got wrong is an `invalid` naming its variable."""
    try:
        found = LinkSettings()
    except ValidationError as err:
        problems = [Problem("PATRONAGE_" + "_".join(str(p) for p in e["loc"]).upper(), e["msg"])
                    for e in err.errors()]
        raise PatronageError("invalid", "a setting is not valid: " + "; ".join(
            f"{p.field}: {p.message}" for p in problems), problems) from None
    if found.public_url:
        parts = urllib.parse.urlsplit(found.public_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise invalid("PATRONAGE_PUBLIC_URL", "an http:// or https:// address with a host "
                          "(and a path if the server is behind one), no query")
    if found.secret_key is not None and len(found.secret_key.get_secret_value()) < 32:
        raise invalid("PATRONAGE_SECRET_KEY", "at least 32 characters (e.g. the output of "
                      "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`)")
    return found


def url_of(base: str, token: str) -> str:
    """The page's address under `base` (PATRONAGE_PUBLIC_URL, or the server's own)."""
    return base.rstrip("/") + PAGE_PATH + token


# --- the key -----------------------------------------------------------------------------
def signing_key(tx: Tx, config: LinkSettings, make: bool = True) -> bytes | None:
    """The key links are signed with: PATRONAGE_SECRET_KEY, else the database's, made now
    when there is none and `make` (a reader never makes one: no key, no link yet)."""
    if config.secret_key is not None:
        return config.secret_key.get_secret_value().encode()
    found = tx.repo.link_key()
    if found is None and make:  # another process may make one at the same moment: theirs
        found = tx.repo.keep_link_key(
            base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(), tx.now)
    return None if found is None else found.encode()


# --- links -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Link:
    """A link as the console and REST list it; `token` only while it is live."""

    id: int
    customer_id: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    created_by: str | None
    status: str  # live | expired | revoked
    token: str | None


def _row(r: Any) -> rules.LinkRow:
    return rules.LinkRow(r["id"], r["customer_id"], r["expires_at"], r["revoked_at"],
                         r["created_by"])


def _link(r: Any, key: bytes | None, now: dt.datetime) -> Link:
    status = ("revoked" if r["revoked_at"] is not None
              else "expired" if now >= r["expires_at"] else "live")
    token = None
    if status == "live" and key is not None:
        token = rules.sign(key, rules.Claim(r["id"], r["customer_id"], r["expires_at"]))
    return Link(r["id"], r["customer_id"], r["created_at"], r["expires_at"], r["revoked_at"],
                r["created_by"], status, token)


def _insert(tx: Tx, customer_id: str, days: int, by: str | None) -> Row:
    return tx.repo.add_link(customer_id, tx.now, rules.expiry(tx.now, days),
                            (by or None) and by[:100])


def create(tx: Tx, customer_id: str, days: Any = None, by: str | None = None) -> Link:
    """P2, P3: a new link to the customer's page, lasting `days` (None: the setting)."""
    need_customer(tx, customer_id)
    config = settings()
    length = config.customer_link_days if days in (None, "") else days
    problem = rules.days_problem(length)
    if problem:
        raise invalid("days", problem)
    row = _insert(tx, customer_id, length, by)
    return _link(row, signing_key(tx, config), tx.now)


def listing(tx: Tx, customer_id: str) -> list[Link]:
    """P3: every link the customer has had, newest first (revoked and expired ones too)."""
    need_customer(tx, customer_id)
    key = signing_key(tx, settings(), make=False)
    return [_link(r, key, tx.now) for r in tx.repo.links_of(customer_id)]


def revoke(tx: Tx, customer_id: str, link_id: int) -> Link:
    """P3: the link stops working now; revoking it again changes nothing."""
    need_customer(tx, customer_id)
    if not tx.repo.has_link(customer_id, link_id):
        raise not_found("link", link_id, "link")
    tx.repo.revoke_link(customer_id, link_id, tx.now)
    row = tx.repo.link_of(customer_id, link_id)
    return _link(row, None, tx.now)


def revoke_all(tx: Tx, customer_id: str) -> int:
    """P3: every link of the customer not revoked yet stops working now; how many."""
    need_customer(tx, customer_id)
    return tx.repo.revoke_links(customer_id, tx.now)


# --- letters and receipts (P4) -------------------------------------------------------------
def _document_token(tx: Tx, customer_id: str, config: LinkSettings) -> str:
    rows = [_row(r) for r in tx.repo.live_links_by(customer_id, DOCUMENTS)]
    chosen = rules.document_link(rows, DOCUMENTS, tx.now)
    if chosen is None:
        chosen = _row(_insert(tx, customer_id, config.customer_link_days, DOCUMENTS))
    key = signing_key(tx, config)
    if key is None:  # pragma: no cover - signing_key makes one
        raise RuntimeError("no link key")
    return rules.sign(key, rules.Claim(chosen.id, chosen.customer_id, chosen.expires_at))


def receipt_link(tx: Tx, customer_id: str | None) -> str | None:
    """P4: the link a receipt prints, in the command's transaction; None without a
    customer or without PATRONAGE_PUBLIC_URL."""
    config = settings()
    if not customer_id or not config.public_url:
        return None
    return url_of(config.public_url, _document_token(tx, customer_id, config))


def letter_link(tx: Tx, message: dict[str, Any]) -> str | None:
    """P4: the link an outbox message carries when it is addressed to its customer (a
    letter, or an email to the customer's own address; not a notice to employees),
    reckoned from the message's day; None without PATRONAGE_PUBLIC_URL.

    Messages are rendered in a unit of work whose work is thrown away (a send pass, a
    print preview read from a replica), so the link is found or made in a unit of work of
    its own (`tx.repo.apart`), begun before `tx` takes SQLite's write lock. When that
    cannot be (an in-memory database, whose one connection is busy; a read-only replica),
    the message goes without a link and the log says why."""
    customer_id = (message.get("payload") or {}).get("customer")
    day = message.get("created_on")
    try:
        config = settings()
    except PatronageError as err:
        log.warning("link_setting: messages carry no link: %s", err)
        return None
    if not customer_id or not config.public_url or not isinstance(day, dt.date):
        return None
    now = dt.datetime.combine(day, dt.time())

    def token(repo: Any) -> str | None:
        own = Tx(repo, day, now)
        if not _to_customer(own, str(customer_id), message):
            return None
        return _document_token(own, str(customer_id), config)

    found, why = tx.repo.apart(token)
    if why is not None:
        log.warning("link_unavailable: no link on message %s: %s", message.get("id"), why)
    return None if found is None else url_of(config.public_url, found)


def _to_customer(tx: Tx, customer_id: str, message: dict[str, Any]) -> bool:
    if message.get("channel") == "letter":
        return True
    email = tx.repo.customer_email(customer_id)
    recipient = str(message.get("recipient") or "").strip().lower()
    return bool(email) and recipient == str(email).strip().lower()
