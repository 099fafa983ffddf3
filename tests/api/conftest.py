"""Real server processes for the API tests: `patronage serve` on a free port.

Each server runs on its own database: a SQLite file in a temporary directory, or a fresh
PostgreSQL schema (`PATRONAGE_TEST_POSTGRES_URL`; tests needing it skip when it is unset)
that is dropped afterwards. Keys are made with `patronage keys create`, as an operator would.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

BIN = Path(sys.executable).parent / "patronage"
TODAY = dt.date.today()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str, database: str) -> str:
    done = subprocess.run([str(BIN), *args, "--database", database], check=False,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


class Server:
    """One `patronage serve` process; `client(key)` talks to it."""

    def __init__(self, database: str, log: Path, env: dict[str, str] | None = None) -> None:
        self.database, self.log_path = database, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PATRONAGE_WEBHOOK_WORKER": "false",
                    "PATRONAGE_SCHEDULER": "false", **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        self.log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [str(BIN), "serve", "--port", str(self.port), "--database", self.database],
            stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.log.close()
        self.proc = None
        return code

    def key(self, role: str, name: str | None = None) -> str:
        return cli("keys", "create", "--role", role, "--name",
                   name or f"{role}-{secrets.token_hex(3)}", database=self.database).strip()

    def client(self, key: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **kwargs)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'patronage.db'}"


def postgres_base() -> str | None:
    return os.environ.get("PATRONAGE_TEST_POSTGRES_URL")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections use a fresh schema of their own, dropped afterwards."""
    base = postgres_base()
    if not base:
        pytest.skip("PATRONAGE_TEST_POSTGRES_URL is not set")
    import sqlalchemy as sa

    schema = f"t_{secrets.token_hex(6)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Any]:
    """start_server(database, **env) -> a running Server, stopped at the end of the test."""
    started: list[Server] = []

    def start(database: str, **env: str) -> Server:
        server = Server(database, tmp_path / f"server-{len(started)}.log", env).start()
        started.append(server)
        return server

    yield start
    for server in started:
        code = server.stop()  # uvicorn re-raises SIGTERM once it has shut down cleanly
        assert code in (0, -signal.SIGTERM), server.log_text()[-5000:]
        assert "Application shutdown complete" in server.log_text()
        assert "Traceback" not in server.log_text(), server.log_text()[-5000:]


# --- a shop to work with ---------------------------------------------------------------------

SHOP = {"name": "Tire Town", "currency": "USD",
        "stores": [{"id": 1, "name": "Main"}, {"id": 2, "name": "North"}],
        "reasons": [{"code": "LOYALTY", "account": "4950"}]}

BANK = {"id": "rewards", "name": "Reward Dollars", "kind": "points_bank", "status": "open",
        "effective": "2020-01-01", "point_value": "0.01", "redeem_as": "payment",
        "filters": [{"name": "all sales", "exclude_item_types": ["labor"]}],
        "multipliers": [{"name": "10 points a dollar", "currency_per_point": "0.10"}]}


def set_up_shop(admin: httpx.Client, customers: list[str]) -> None:
    """A shop, a points bank (10 points = 10 cents per dollar), customers enrolled in it."""
    assert admin.put("/v1/shop", json=SHOP).status_code == 200
    assert admin.post("/v1/programs", json=BANK).status_code == 201
    for cid in customers:
        assert admin.put(f"/v1/customers/{cid}", json={"name": f"Customer {cid}"}).status_code \
            == 200
        r = admin.post(f"/v1/customers/{cid}/enrollment",
                       json={"program": "rewards", "date": "2024-01-01"})
        assert r.status_code == 200, r.text


def sale(invoice_id: str, customer: str | None, amount: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": invoice_id, "store": 1, "date": TODAY.isoformat(),
                            "lines": [{"sku": "TIRE", "qty": "1", "price": amount}], **extra}
    if customer:
        body["customer"] = customer
    return body
