"""The bare reference server of bench/http.py: FastAPI + uvicorn + SQLAlchemy, no rules.

It is the yardstick Patronage's HTTP rates are divided by, so it must stay as it is: one
row written or read per request, on the same database as Patronage, served by one uvicorn
process with the settings `patronage serve` uses (access log off for both, see
bench/patronage_server.py) and as many worker threads (16) for its sync routes.

- POST /invoices: the same JSON body Patronage gets (validated by pydantic), its total
  summed, one row inserted into `bare_invoices` in one transaction; 201.
- GET /customers/{id}/balance: one row of `bare_customers` read by key; 404 if absent.
- POST /quotes: the same body as a quote, validated, one row of `bare_customers` read.

On SQLite the engine is set up as Patronage sets up its own (WAL, synchronous=NORMAL, a
30 s busy timeout, writers BEGIN IMMEDIATE); on PostgreSQL the same pool (10 + 20).
The settings are written out here, not imported from Patronage, so that a change to
Patronage never moves the yardstick.

Run: python bench/bare_server.py --database URL --port PORT
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py would shadow the standard library's `http` for scripts run from bench/.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse
import datetime as dt
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import anyio.to_thread
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine

THREADS = 16  # Patronage's default `threads` setting
metadata = sa.MetaData()
customers = sa.Table(
    "bare_customers", metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("points", sa.Integer, nullable=False, server_default="0"))
invoices = sa.Table(
    "bare_invoices", metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("customer", sa.String(100)),
    sa.Column("store", sa.Integer, nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("total", sa.Numeric(14, 2), nullable=False))


class Line(BaseModel):
    sku: str = Field(min_length=1, max_length=100)
    item_type: str = "product"
    qty: Decimal
    price: Decimal
    discount: Decimal = Decimal("0.00")


class Invoice(BaseModel):
    id: str = Field(min_length=1, max_length=100)
    customer: str | None = None
    store: int = Field(ge=1)
    date: dt.date | None = None
    lines: list[Line] = []


class Quote(Invoice):
    id: str | None = None  # type: ignore[assignment]


def make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("read_only")
                             else "BEGIN IMMEDIATE")

    return engine


def seed(url: str, ids: Iterable[str]) -> None:
    """Create the tables (if missing) and one row for each customer id."""
    engine = make_engine(url)
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(customers.insert(), [{"id": c, "name": f"Customer {c}"} for c in ids])
    finally:
        engine.dispose()


def create_app(url: str) -> FastAPI:
    engine = make_engine(url)
    reader = engine.execution_options(read_only=True)
    find = sa.select(customers.c.id, customers.c.points).where(
        customers.c.id == sa.bindparam("id"))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
        yield
        engine.dispose()

    app = FastAPI(title="bare", lifespan=lifespan)

    def customer_row(customer: str | None) -> Any:
        with reader.begin() as conn:
            return conn.execute(find, {"id": customer}).first()

    @app.post("/invoices", status_code=201)
    def post_invoice(body: Invoice) -> dict[str, Any]:
        total = sum((line.qty * line.price - line.discount for line in body.lines),
                    Decimal("0.00"))
        with engine.begin() as conn:
            conn.execute(invoices.insert(), {
                "id": body.id, "customer": body.customer, "store": body.store,
                "date": body.date or dt.date.today(), "total": total})
        return {"id": body.id, "customer": body.customer, "total": total}

    @app.get("/customers/{customer_id}/balance")
    def balance(customer_id: str) -> dict[str, Any]:
        row = customer_row(customer_id)
        if row is None:
            raise HTTPException(404, "no such customer")
        return {"customer": row.id, "points": row.points}

    @app.post("/quotes")
    def quote(body: Quote) -> dict[str, Any]:
        row = customer_row(body.customer)
        total = sum((line.qty * line.price - line.discount for line in body.lines),
                    Decimal("0.00"))
        return {"customer": body.customer, "total": total,
                "points": row.points if row is not None else None}

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # The arguments `patronage serve` gives uvicorn.run, with the access log off.
    uvicorn.run(create_app(args.database), host=args.host, port=args.port, log_level="info",
                access_log=False, timeout_graceful_shutdown=10)


if __name__ == "__main__":
    main()
