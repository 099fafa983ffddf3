"""The console's users and sessions: argon2 password hashes, server-side sessions that
expire, and one CSRF token per session.

A session cookie holds a random token; the database keeps only its SHA-256, the user, the
CSRF token and when it expires. Every request that finds the session slides its expiry
(idle timeout, `PATRONAGE_WEB_SESSION_MINUTES`, default 60) up to an absolute limit of
12 hours after login.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Engine

from patronage.adapters.db.tables_web import web_sessions, web_users
from patronage.core.errors import PatronageError, Problem
from patronage.entrypoints.web import throttle

ROLES = ("cashier", "manager", "admin")
RANK = {role: i for i, role in enumerate(ROLES)}
MAX_AGE = dt.timedelta(hours=12)
MIN_PASSWORD = 8
_hasher = PasswordHasher()
# verified against when the user is unknown, so that timing does not tell who exists
_DUMMY_HASH = _hasher.hash("not a password of anyone")


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    store_id: int | None
    csrf: str = ""

    def can(self, role: str) -> bool:
        return RANK[self.role] >= RANK[role]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def idle_timeout() -> dt.timedelta:
    try:
        minutes = int(os.environ.get("PATRONAGE_WEB_SESSION_MINUTES", "60"))
    except ValueError:
        minutes = 60
    return dt.timedelta(minutes=max(1, minutes))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _problem(field: str, message: str) -> PatronageError:
    return PatronageError("invalid", f"{field}: {message}", [Problem(field, message)])


# --- users ---------------------------------------------------------------------------------
def create_user(engine: Engine, name: str, role: str, password: str,
                store_id: int | None = None) -> User:
    name = name.strip()
    problems = []
    if not name or len(name) > 100 or not name.isprintable():  # no NUL, no control character
        problems.append(Problem("name", "give a name of 1 to 100 printable characters"))
    if role not in ROLES:
        problems.append(Problem("role", f"one of {', '.join(ROLES)}"))
    if len(password) < MIN_PASSWORD:
        problems.append(Problem("password", f"at least {MIN_PASSWORD} characters"))
    if problems:
        raise PatronageError("invalid", "; ".join(f"{p.field}: {p.message}" for p in problems),
                             problems)
    with engine.begin() as conn:
        if conn.execute(select(web_users.c.id).where(web_users.c.name == name)).first():
            raise PatronageError("conflict", f"a user named {name!r} exists",
                                 [Problem("name", "already taken")])
        result = conn.execute(insert(web_users).values(
            name=name, role=role, password_hash=_hasher.hash(password), store_id=store_id,
            active=True, created_at=utcnow()))
        key = result.inserted_primary_key
        return User(int(key[0]) if key else 0, name, role, store_id)


def list_users(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(web_users).order_by(web_users.c.name)).mappings().all()
        return [{k: v for k, v in r.items() if k != "password_hash"} for r in rows]


def update_user(engine: Engine, user_id: int, *, active: bool | None = None,
                password: str | None = None, role: str | None = None) -> None:
    values: dict[str, Any] = {}
    if active is not None:
        values["active"] = active
    if role is not None:
        if role not in ROLES:
            raise _problem("role", f"one of {', '.join(ROLES)}")
        values["role"] = role
    if password is not None:
        if len(password) < MIN_PASSWORD:
            raise _problem("password", f"at least {MIN_PASSWORD} characters")
        values["password_hash"] = _hasher.hash(password)
    if not values:
        return
    with engine.begin() as conn:
        conn.execute(update(web_users).where(web_users.c.id == user_id).values(**values))
        if active is False or password is not None:
            conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))
        if password is not None:  # a new password lifts a lock on the account
            name = conn.execute(select(web_users.c.name).where(web_users.c.id == user_id)) \
                .scalar()
            if name is not None:
                throttle.forget(conn, name)


def count_users(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(web_users)).scalar() or 0)


def authenticate(engine: Engine, name: str, password: str) -> User | None:
    """The active user with this name and password, or None (same work either way)."""
    with engine.connect() as conn:
        row = conn.execute(select(web_users).where(web_users.c.name == name.strip())).mappings() \
            .first()
    try:
        _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row["active"]:
        return None
    if _hasher.check_needs_rehash(row["password_hash"]):
        with engine.begin() as conn:
            conn.execute(update(web_users).where(web_users.c.id == row["id"])
                         .values(password_hash=_hasher.hash(password)))
    return User(row["id"], row["name"], row["role"], row["store_id"])


# --- sessions -----------------------------------------------------------------------------
def open_session(engine: Engine, user: User, now: dt.datetime | None = None) -> str:
    """Start a session for `user`; returns the cookie token (shown nowhere else)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))
        conn.execute(insert(web_sessions).values(
            token_hash=_digest(token), user_id=user.id, csrf=secrets.token_urlsafe(32),
            created_at=now, expires_at=now + idle_timeout()))
    return token


def session_user(engine: Engine, token: str | None, now: dt.datetime | None = None) -> User | None:
    """The user of a live session (sliding its expiry), or None."""
    if not token:
        return None
    now = now or utcnow()
    s, u = web_sessions, web_users
    with engine.connect() as conn:
        row = conn.execute(
            select(s.c.csrf, s.c.created_at, s.c.expires_at, u.c.id, u.c.name, u.c.role,
                   u.c.store_id, u.c.active)
            .join(u, u.c.id == s.c.user_id).where(s.c.token_hash == _digest(token))
        ).mappings().first()
        conn.rollback()
    if row is None or not row["active"] or row["expires_at"] <= now:
        return None
    limit = row["created_at"] + MAX_AGE
    if now >= limit:
        return None
    new_expiry = min(now + idle_timeout(), limit)
    if new_expiry - row["expires_at"] > dt.timedelta(minutes=1):
        with engine.begin() as conn:
            conn.execute(update(s).where(and_(s.c.token_hash == _digest(token)))
                         .values(expires_at=new_expiry))
    return User(row["id"], row["name"], row["role"], row["store_id"], row["csrf"])


def close_session(engine: Engine, token: str | None) -> None:
    if token:
        with engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == _digest(token)))


def expire_session_now(engine: Engine, token: str) -> None:
    """Make a session expired (tests of expiry)."""
    with engine.begin() as conn:
        conn.execute(update(web_sessions).where(web_sessions.c.token_hash == _digest(token))
                     .values(expires_at=utcnow() - dt.timedelta(seconds=1)))
