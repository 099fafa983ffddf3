"""One request, one transaction (issue 20): the key check, the command, the balance it
answers and the audit row go through one connection checkout and commit together.

Counted with SQLAlchemy's events on the real app (every middleware), in process, on both
databases. The counts are what the design promises, not timings.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import event

from patronage.bootstrap import open_app
from patronage.core.journal import Posting
from patronage.entrypoints.api import records
from patronage.entrypoints.api.app import create_app
from patronage.entrypoints.api.settings import ApiSettings

TODAY = dt.date.today()
PROGRAM = {"id": "rewards", "name": "Rewards", "kind": "points_bank", "status": "open",
           "effective": (TODAY - dt.timedelta(days=30)).isoformat(), "point_value": "0.01",
           "filters": [{"name": "all"}],
           "multipliers": [{"name": "10 a dollar", "currency_per_point": "0.10"}]}


def sale(invoice_id: str, customer: str = "C1", store: int = 1) -> dict[str, Any]:
    return {"id": invoice_id, "date": TODAY.isoformat(), "store": store, "customer": customer,
            "lines": [{"sku": "TIRE", "qty": "1", "price": "120.00"}]}


class Shop:
    """The real app on a fresh database, a shop with one customer, keys, and counters."""

    def __init__(self, url: str) -> None:
        self.facade = open_app(url)
        self.app = create_app(self.facade, settings=ApiSettings(scheduler=False,
                                                                webhook_worker=False))
        self.admin = records.create_key(self.facade, "root", "admin")["key"]
        self.cashier = records.create_key(self.facade, "till-1", "cashier")["key"]
        self.counts: Counter[str] = Counter()
        self.counting = False
        engine = self.facade.engine
        event.listen(engine, "begin", lambda _conn: self._count("transactions"))
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine.pool, "checkout", lambda *_: self._count("checkouts"))

    def _statement(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self._count("statements")
        self._count("lots read" if re.search(r"\sFROM lots\b", statement) else "other")
        if getattr(conn.connection.dbapi_connection, "autocommit", False) is True:
            self._count("autocommitted")  # psycopg's own: sends no BEGIN

    def _count(self, what: str) -> None:
        if self.counting:
            self.counts[what] += 1

    def counted(self, client: TestClient, method: str, path: str, key: str,
                body: Any = None) -> tuple[Any, Counter[str]]:
        self.counts.clear()
        self.counting = True
        try:
            answer = client.request(method, path, json=body,
                                    headers={"Authorization": f"Bearer {key}"})
        finally:
            self.counting = False
        return answer, Counter(self.counts)

    def audit(self) -> list[tuple[str, str, int, str]]:
        with self.facade.engine.connect() as conn:
            rows = conn.execute(sa.text(
                "select method, path, status, key_name from api_requests order by id"))
            return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.fixture
def shop(database_url: str) -> Iterator[tuple[Shop, TestClient]]:
    shop = Shop(database_url)
    with TestClient(shop.app) as client:
        for method, path, body in (
                ("PUT", "/v1/shop", {"name": "Tires", "stores": [{"id": 1, "name": "Main"}]}),
                ("POST", "/v1/programs", PROGRAM),
                ("PUT", "/v1/customers/C1", {"name": "Ann"}),
                ("POST", "/v1/customers/C1/enrollment", {"program": "rewards"})):
            answer = client.request(method, path, json=body,
                                    headers={"Authorization": f"Bearer {shop.admin}"})
            assert answer.status_code < 300, answer.text
        yield shop, client
    shop.facade.engine.dispose()


def test_a_post_is_one_transaction_with_its_balance_and_audit(
        shop: tuple[Shop, TestClient]) -> None:
    s, client = shop
    client.get("/v1/customers/C1/balance", headers={"Authorization": f"Bearer {s.cashier}"})
    answer, counts = s.counted(client, "POST", "/v1/invoices", s.cashier, sale("INV-1"))
    assert answer.status_code == 201, answer.text
    assert (counts["transactions"], counts["checkouts"]) == (1, 1)
    assert answer.json()["balance"]["pending"] + answer.json()["balance"]["available"] == 1200
    assert s.audit()[-1] == ("POST", "/v1/invoices", 201, "till-1")

    answer, counts = s.counted(client, "GET", "/v1/customers/C1/balance", s.cashier)
    assert answer.status_code == 200
    assert (counts["transactions"], counts["checkouts"]) == (1, 1)
    assert counts["lots read"] == 1  # the enrollment's figures are worked out once
    # A lookup on PostgreSQL commits each statement by itself (no BEGIN and ROLLBACK: at
    # READ COMMITTED a transaction gives its statements no common snapshot anyway).
    postgresql = s.facade.engine.dialect.name == "postgresql"
    assert counts["autocommitted"] == (counts["statements"] if postgresql else 0)
    assert counts["statements"] > 0


def test_a_quote_is_one_checkout_with_its_audit(shop: tuple[Shop, TestClient]) -> None:
    s, client = shop
    client.get("/v1/customers/C1/balance", headers={"Authorization": f"Bearer {s.cashier}"})
    body = {k: v for k, v in sale("Q").items() if k != "id"}
    answer, counts = s.counted(client, "POST", "/v1/quotes", s.cashier, body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["points"] == 1200
    assert s.audit()[-1] == ("POST", "/v1/quotes", 200, "till-1")
    postgresql = s.facade.engine.dialect.name == "postgresql"
    # PostgreSQL: the lookup writes the audit row itself; SQLite: a unit of work after it.
    assert (counts["transactions"], counts["checkouts"]) == ((1, 1) if postgresql else (2, 2))
    assert counts["autocommitted"] == (counts["statements"] if postgresql else 0)
    assert counts["statements"] > 0
    answer, _ = s.counted(client, "POST", "/v1/quotes", s.cashier, {**body, "store": 7})
    assert answer.status_code == 404, answer.text  # refused: recorded all the same
    assert s.audit()[-1] == ("POST", "/v1/quotes", 404, "till-1")


def test_a_lookup_never_writes(shop: tuple[Shop, TestClient]) -> None:
    """A point read on the primary keeps nothing: on PostgreSQL, where each of its statements
    commits by itself, a write is refused before it is sent."""
    s, _client = shop

    def renames(tx: Any) -> None:
        tx.repo.conn.execute(sa.text("update customers set name = 'Eve' where id = 'C1'"))

    def journals(tx: Any) -> None:  # on PostgreSQL a WITH ... INSERT: one statement
        tx.repo.journal(TODAY, "test", [Posting("a", Decimal("1.00"), Decimal(0)),
                                        Posting("b", Decimal(0), Decimal("1.00"))], "x")

    for writes in (renames, journals):
        if s.facade.engine.dialect.name == "postgresql":
            with pytest.raises(RuntimeError, match="a lookup may not write"):
                s.facade.read(writes, primary=True)
        else:
            s.facade.read(writes, primary=True)  # a read transaction, rolled back
    with s.facade.engine.connect() as conn:
        name = conn.execute(sa.text("select name from customers where id = 'C1'"))
        assert name.scalar_one() == "Ann"
        entries = conn.execute(sa.text("select count(*) from journal_entries where kind = 'test'"))
        assert entries.scalar_one() == 0


def test_a_refused_post_keeps_nothing_but_its_audit(shop: tuple[Shop, TestClient]) -> None:
    s, client = shop
    answer, _ = s.counted(client, "POST", "/v1/invoices", s.cashier, sale("INV-9", store=7))
    assert answer.status_code == 404, answer.text
    assert s.audit()[-1] == ("POST", "/v1/invoices", 404, "till-1")
    assert ("POST", "/v1/invoices", 201, "till-1") not in s.audit()
    with s.facade.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from invoices")).scalar_one() == 0


def test_a_key_revoked_elsewhere_is_refused_at_once(shop: tuple[Shop, TestClient]) -> None:
    """The guard keeps the keys it found; each request still checks, in its own unit of
    work, that its key is live. Revoked by another process (here: another connection)."""
    s, client = shop
    for _ in range(2):  # found, then kept
        answer, _counts = s.counted(client, "GET", "/v1/customers/C1/balance", s.cashier)
        assert answer.status_code == 200
    with s.facade.engine.begin() as conn:
        conn.execute(sa.text("update api_keys set revoked_at = :now where name = 'till-1'"),
                     {"now": dt.datetime.now()})
    for path, body in (("/v1/customers/C1/balance", None), ("/v1/invoices", sale("INV-2"))):
        answer, _counts = s.counted(client, "GET" if body is None else "POST", path,
                                    s.cashier, body)
        assert answer.status_code == 401, answer.text
        assert answer.json()["error"]["code"] == "unauthorized"
    with s.facade.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from invoices")).scalar_one() == 0
