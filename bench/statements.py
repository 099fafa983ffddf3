"""What one request costs the database: statements, transactions and connection checkouts.

    .venv/bin/python bench/statements.py --database sqlite|postgresql [--requests 20]

The real app (`create_app`, every middleware) on a fresh database (as bench/http.py
makes it: a SQLite file, or a new PostgreSQL schema dropped afterwards), a shop with
bench/http.py's points bank and a customer holding a lot, driven in process (Starlette's
TestClient) one request at a time. For each kind of request (post, balance, quote, the
same requests bench/http.py sends), SQLAlchemy's events count what each request sent:
statements executed (an executemany is one), transactions begun, pool checkouts. Printed
as JSON: the counts a request (the mean over `--requests`; they do not vary), and the
statements of the last request of each kind, in order, to see what they are.

These are counts, not times: they do not drift with the machine's load, so they show
what a change to the request path saved. The times are bench/http.py's.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse
import datetime as dt
import importlib.util
import json
import tempfile
from collections import Counter
from typing import Any

from sqlalchemy import event


def _bench_http() -> Any:
    if "bench_http" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bench_http", HERE / "http.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_http"] = module  # its dataclasses look their module up
        spec.loader.exec_module(module)
    return sys.modules["bench_http"]


class Counts:
    """SQLAlchemy's events on an engine, counted while `on`."""

    def __init__(self, engine: Any) -> None:
        self.on = False
        self.counts: Counter[str] = Counter()
        self.statements: list[str] = []
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "begin", self._begin)
        event.listen(engine.pool, "checkout", self._checkout)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.on:
            self.counts["statements"] += 1
            self.statements.append(" ".join(statement.split())[:160])

    def _begin(self, _conn: Any) -> None:
        if self.on:
            self.counts["transactions"] += 1

    def _checkout(self, *_: Any) -> None:
        if self.on:
            self.counts["checkouts"] += 1

    def start(self) -> None:
        self.counts.clear()
        self.statements.clear()
        self.on = True

    def stop(self) -> None:
        self.on = False


def measure(url: str, requests: int) -> dict[str, Any]:
    from starlette.testclient import TestClient

    from patronage.bootstrap import open_app
    from patronage.entrypoints.api import records
    from patronage.entrypoints.api.app import create_app
    from patronage.entrypoints.api.settings import ApiSettings

    bench = _bench_http()
    facade = open_app(url)
    settings = ApiSettings(scheduler=False, webhook_worker=False)
    app = create_app(facade, settings=settings)
    admin = records.create_key(facade, "bench-admin", "admin")["key"]
    cashier = records.create_key(facade, "bench-cashier", "cashier")["key"]
    today = dt.date.today()
    results: dict[str, Any] = {}
    with TestClient(app) as client:
        def call(method: str, path: str, key: str, body: Any = None) -> Any:
            answer = client.request(method, path, json=body,
                                    headers={"Authorization": f"Bearer {key}"})
            if answer.status_code >= 300:
                raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text}")
            return answer

        call("PUT", "/v1/shop", admin, bench.SHOP)
        call("POST", "/v1/programs", admin, bench.PROGRAM)
        for n in range(requests):
            call("PUT", f"/v1/customers/C{n}", admin, {"name": f"Customer {n}"})
            call("POST", f"/v1/customers/C{n}/enrollment", admin, {"program": "rewards"})
            call("POST", "/v1/invoices", admin, invoice(f"SEED-{n}", f"C{n}", today))
        counts = Counts(facade.engine)
        kinds = {
            "post": lambda n: call("POST", "/v1/invoices", cashier,
                                   invoice(f"POST-{n}", f"C{n}", today)),
            "balance": lambda n: call("GET", f"/v1/customers/C{n}/balance", cashier),
            "quote": lambda n: call("POST", "/v1/quotes", cashier,
                                    {**invoice("Q", f"C{n}", today), "id": None}),
        }
        for kind, send in kinds.items():
            send(0)  # the first of a kind warms what is cached per process
            counts.start()
            for n in range(1, requests):
                send(n)
            counts.stop()
            each = requests - 1
            results[kind] = {name: round(counts.counts[name] / each, 2)
                             for name in ("statements", "transactions", "checkouts")}
            last = counts.statements[-int(counts.counts["statements"] / each):]
            results[kind]["last request"] = last
    facade.engine.dispose()
    return results


def invoice(invoice_id: str, customer: str, day: dt.date) -> dict[str, Any]:
    """bench/load.lua's cart: a tire that earns and labour that does not."""
    return {"id": invoice_id, "date": day.isoformat(), "store": 1, "customer": customer,
            "lines": [{"sku": "TIRE", "qty": "1", "price": "120.00"},
                      {"sku": "LAB", "item_type": "labor", "qty": "1", "price": "40.00"}]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=_bench_http().DEFAULT_POSTGRES)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    bench = _bench_http()
    with tempfile.TemporaryDirectory() as work, \
            bench.fresh_database(args.database, args.postgres_url, Path(work)) as url:
        results = measure(url, args.requests)
    print(json.dumps({"database": args.database, "commit": bench.git("rev-parse", "--short",
                                                                        "HEAD"),
                      "a request": results}, indent=2))


if __name__ == "__main__":
    main()
