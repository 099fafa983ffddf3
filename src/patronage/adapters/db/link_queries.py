"""The statements of the customer's own page links (P1-P4), as named repository methods
(issue 20 item 2: service/ reads and writes through ports, see service/ports.py).

`LinkQueries` is a mixin of `Repository`: each method runs the statement
service/customer_links.py ran, unchanged, on `self.conn`. `apart` is the one thing that is
not a statement: a unit of work of its own beside this one, for the link a letter carries
(see `customer_links.letter_link`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from patronage.adapters.db.engine import base_engine
from patronage.adapters.db.tables import customers
from patronage.adapters.db.tables_links import customer_link_keys as keys
from patronage.adapters.db.tables_links import customer_links as links

if TYPE_CHECKING:
    from patronage.adapters.db.repository import Repository

T = TypeVar("T")
BUSY = "the database has one connection and it is busy"


class LinkQueries:
    conn: Connection

    if TYPE_CHECKING:  # Repository's
        def one(self, stmt: Any) -> RowMapping | None: ...

        def all(self, stmt: Any) -> list[RowMapping]: ...

    # --- the key -------------------------------------------------------------------------
    def link_key(self) -> str | None:
        """The signing key kept in the database, if one was made."""
        found = self.conn.execute(select(keys.c.secret).where(keys.c.id == 1)).scalar()
        return None if found is None else str(found)

    def keep_link_key(self, made: str, now: dt.datetime) -> str | None:
        """Keep `made` as the signing key; the one kept, another process's if it made one at
        the same moment (a savepoint: this unit of work goes on either way)."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(keys).values(id=1, secret=made, created_at=now))
            return made
        except IntegrityError:
            return self.link_key()

    # --- links ---------------------------------------------------------------------------
    def add_link(self, customer_id: str, created_at: dt.datetime, expires_at: dt.datetime,
                 created_by: str | None) -> RowMapping:
        """A new link, as stored."""
        result = self.conn.execute(insert(links).values(
            customer_id=customer_id, created_at=created_at, expires_at=expires_at,
            revoked_at=None, created_by=created_by))
        key = result.inserted_primary_key
        if key is None:
            raise RuntimeError("the database returned no primary key")
        return self.conn.execute(select(links).where(links.c.id == key[0])).mappings().one()

    def links_of(self, customer_id: str) -> list[RowMapping]:
        """Every link the customer has had, newest first."""
        return self.all(select(links).where(links.c.customer_id == customer_id)
                        .order_by(links.c.id.desc()))

    def has_link(self, customer_id: str, link_id: int) -> bool:
        where = and_(links.c.id == link_id, links.c.customer_id == customer_id)
        return self.one(select(links.c.id).where(where)) is not None

    def link_of(self, customer_id: str, link_id: int) -> RowMapping | None:
        where = and_(links.c.id == link_id, links.c.customer_id == customer_id)
        return self.one(select(links).where(where))

    def revoke_link(self, customer_id: str, link_id: int, now: dt.datetime) -> None:
        """The link stops at `now`, unless it was revoked before."""
        where = and_(links.c.id == link_id, links.c.customer_id == customer_id)
        self.conn.execute(update(links).where(and_(where, links.c.revoked_at.is_(None)))
                          .values(revoked_at=now))

    def revoke_links(self, customer_id: str, now: dt.datetime) -> int:
        """Every link of the customer not revoked yet stops at `now`; how many."""
        done = self.conn.execute(update(links).where(and_(
            links.c.customer_id == customer_id, links.c.revoked_at.is_(None)))
            .values(revoked_at=now))
        return int(done.rowcount or 0)

    def live_links_by(self, customer_id: str, created_by: str) -> list[RowMapping]:
        """The customer's links made by `created_by`, not revoked (expired ones too)."""
        return list(self.conn.execute(select(links).where(and_(
            links.c.customer_id == customer_id, links.c.created_by == created_by,
            links.c.revoked_at.is_(None)))).mappings())

    def customer_email(self, customer_id: str) -> str | None:
        return self.conn.execute(select(customers.c.email)
                                 .where(customers.c.id == customer_id)).scalar()

    # --- a unit of work of its own -------------------------------------------------------
    def apart(self, work: Callable[[Repository], T]) -> tuple[T | None, str | None]:
        """`work` on a repository of its own on the same database, committed when it
        returns: (its answer, None); or (None, why it could not be) when the database has
        one connection and this unit of work holds it (in-memory SQLite), or the database
        refused (a read-only replica), nothing of it kept."""
        from patronage.adapters.db.repository import Repository  # it imports this module

        engine = base_engine(self.conn.engine)  # not a lookup's: this one writes
        if self.conn.in_transaction() and isinstance(engine.pool, StaticPool):
            return None, BUSY
        try:
            with engine.begin() as own:
                return work(Repository(own)), None
        except SQLAlchemyError as err:
            return None, str(err)
