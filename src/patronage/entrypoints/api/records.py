"""The API's own records: keys (hashed), the audit of write requests, idempotency replays.

Reached through the facade's units of work like every other write, on the tables of
`adapters/db/tables_api.py`. A key is a random token shown once; only its SHA-256 is kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from patronage.adapters.db import tables_api as ta
from patronage.core.errors import PatronageError, Problem, not_found
from patronage.service.app import Patronage
from patronage.service.uow import Tx
from patronage.service.webhooks import new_id

ROLES = ("cashier", "manager", "admin")  # each may do what the ones before it may
STALE_CLAIM = dt.timedelta(minutes=5)  # a first request that never answered (a crash)


@dataclass(frozen=True)
class ApiKey:
    id: int
    name: str
    role: str

    def may(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _key_view(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "role": row["role"], "prefix": row["prefix"],
            "created_at": row["created_at"], "revoked_at": row["revoked_at"]}


def create_key(app: Patronage, name: str, role: str) -> dict[str, Any]:
    """A new key; the answer's `key` is the only time the token is ever shown."""
    name = name.strip()
    if role not in ROLES:
        raise PatronageError("invalid", f"role must be one of {', '.join(ROLES)}",
                             [Problem("role", "cashier, manager or admin")])
    if not name or len(name) > 100 or not name.isprintable():  # no NUL, no control character
        raise PatronageError("invalid", "a key needs a name of 1 to 100 printable characters",
                             [Problem("name", "1 to 100 printable characters")])
    token = "pat_" + secrets.token_urlsafe(32)

    def work(tx: Tx) -> dict[str, Any]:
        k = ta.api_keys
        if tx.repo.one(select(k.c.id).where(k.c.name == name)) is not None:
            raise PatronageError("conflict", f"a key named {name!r} exists already",
                                 [Problem("name", "names are unique, revoked keys included")])
        pk = new_id(tx.repo.conn.execute(insert(k).values(
            name=name, role=role, key_hash=digest(token), prefix=token[:12],
            created_at=tx.now)))
        row = tx.repo.one(select(k).where(k.c.id == pk))
        return {**_key_view(row), "key": token}

    return app.run(work)


def list_keys(app: Patronage) -> list[dict[str, Any]]:
    return app.read(lambda tx: [_key_view(r) for r in tx.repo.all(
        select(ta.api_keys).order_by(ta.api_keys.c.id))])


def revoke_key(app: Patronage, name_or_id: str, keep: int | None = None) -> dict[str, Any]:
    """Revoke by name, or by id when no key has that name. Revoking twice is harmless.

    `keep` is the caller's own key over the API: revoking it would lock the caller out.
    """
    def work(tx: Tx) -> dict[str, Any]:
        k = ta.api_keys
        row = tx.repo.one(select(k).where(k.c.name == name_or_id))
        if row is None and name_or_id.isdigit() and len(name_or_id) < 18:
            row = tx.repo.one(select(k).where(k.c.id == int(name_or_id)))
        if row is None:
            raise not_found("key", name_or_id, "key")
        if row["id"] == keep:
            raise PatronageError("invalid", "a key cannot revoke itself; use another admin key",
                                 [Problem("key", "this is the key making the request")])
        if row["revoked_at"] is None:
            tx.repo.conn.execute(update(k).where(k.c.id == row["id"]).values(revoked_at=tx.now))
        return _key_view(tx.repo.one(select(k).where(k.c.id == row["id"])))

    return app.run(work)


def find_key(app: Patronage, token: str) -> ApiKey | None:
    """The live key a bearer token names, or None (unknown or revoked)."""
    if not token or len(token) > 200:
        return None

    def work(tx: Tx) -> ApiKey | None:
        k = ta.api_keys
        row = tx.repo.one(select(k.c.id, k.c.name, k.c.role)
                          .where(and_(k.c.key_hash == digest(token), k.c.revoked_at.is_(None))))
        return None if row is None else ApiKey(row["id"], row["name"], row["role"])

    return app.read(work)


# Run by every request (the key's live check, the audit row): built once, as the post's
# statements (adapters/db/books.py).
KEY_LIVE = select(ta.api_keys.c.id).where(and_(ta.api_keys.c.id == bindparam("key"),
                                               ta.api_keys.c.revoked_at.is_(None)))
INSERT_AUDIT = insert(ta.api_requests).returning(ta.api_requests.c.id)


def key_live(tx: Tx, key_id: int) -> bool:
    """Whether a key found earlier (and kept by the guard) is still not revoked."""
    return tx.repo.conn.execute(KEY_LIVE, {"key": key_id}).first() is not None


# --- audit ---------------------------------------------------------------------------------

def audit(app: Patronage, key: ApiKey | None, method: str, path: str, status: int,
          idempotency_key: str | None) -> None:
    """Record one write request: which key, what, and how it was answered."""
    app.run(lambda tx: audit_row(tx, key, method, path, status, idempotency_key))


def audit_row(tx: Tx, key: ApiKey | None, method: str, path: str, status: int,
              idempotency_key: str | None) -> int:
    """The audit row, written in `tx`; its id."""
    return int(tx.repo.conn.execute(INSERT_AUDIT, {
        "at": tx.now, "key_id": key.id if key else None, "key_name": key.name if key else None,
        "method": method, "path": path[:500], "status": status,
        "idempotency_key": idempotency_key}).scalar_one())


def correct_audit(app: Patronage, row_id: int, status: int) -> None:
    """A request's audit row written with its command said the route's status; the answer
    had another (the command's commit stands, something after it failed): say so."""
    app.run(lambda tx: tx.repo.conn.execute(
        update(ta.api_requests).where(ta.api_requests.c.id == row_id).values(status=status)))


def audit_page(app: Patronage, limit: int, after: int | None) -> tuple[list[Any], Any]:
    def work(tx: Tx) -> tuple[list[Any], Any]:
        r = ta.api_requests
        stmt = select(r)
        if after is not None:
            stmt = stmt.where(r.c.id < after)
        rows = [dict(x) for x in tx.repo.all(stmt.order_by(r.c.id.desc()).limit(limit + 1))]
        return rows[:limit], (rows[limit - 1]["id"] if len(rows) > limit else None)

    return app.read(work)


# --- idempotency ---------------------------------------------------------------------------

Claim = Literal["new", "replay", "mismatch", "busy"]


def claim(app: Patronage, key_id: int, idem_key: str, method: str, path: str, body_hash: str,
          ttl: dt.timedelta) -> tuple[Claim, tuple[int, str] | None]:
    """Start a request under an Idempotency-Key, or find the answer it already had."""
    i = ta.api_idempotency

    def work(tx: Tx) -> tuple[Claim, tuple[int, str] | None]:
        mine = and_(i.c.key_id == key_id, i.c.idem_key == idem_key)
        row = tx.repo.one(select(i).where(mine))
        if row is not None and (row["created_at"] < tx.now - ttl or (
                row["status"] is None and row["created_at"] < tx.now - STALE_CLAIM)):
            tx.repo.conn.execute(delete(i).where(i.c.id == row["id"]))
            row = None
        if row is None:
            tx.repo.conn.execute(insert(i).values(
                key_id=key_id, idem_key=idem_key, method=method, path=path[:500],
                body_hash=body_hash, created_at=tx.now))
            return "new", None
        if (row["method"], row["path"], row["body_hash"]) != (method, path[:500], body_hash):
            return "mismatch", None
        if row["status"] is None:
            return "busy", None
        return "replay", (int(row["status"]), row["response"] or "")

    try:
        return app.run(work)
    except IntegrityError:  # the same key arrived twice at once (PostgreSQL)
        return "busy", None


def finish(app: Patronage, key_id: int, idem_key: str, status: int, body: str) -> None:
    i = ta.api_idempotency
    app.run(lambda tx: tx.repo.conn.execute(
        update(i).where(and_(i.c.key_id == key_id, i.c.idem_key == idem_key))
        .values(status=status, response=body)))


def release(app: Patronage, key_id: int, idem_key: str) -> None:
    """Forget a claim whose request was refused: a retry under the same key runs again."""
    i = ta.api_idempotency
    app.run(lambda tx: tx.repo.conn.execute(
        delete(i).where(and_(i.c.key_id == key_id, i.c.idem_key == idem_key,
                             i.c.status.is_(None)))))


def purge(app: Patronage, ttl: dt.timedelta) -> int:
    """Drop replay records older than `ttl`; returns how many."""
    i = ta.api_idempotency

    def work(tx: Tx) -> int:
        old = or_(i.c.created_at < tx.now - ttl,
                  and_(i.c.status.is_(None), i.c.created_at < tx.now - ttl - STALE_CLAIM))
        return int(tx.repo.conn.execute(delete(i).where(old)).rowcount or 0)

    return app.run(work)
