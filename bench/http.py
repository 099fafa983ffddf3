"""Patronage's HTTP rates against a bare FastAPI server on the same database, with wrk.

    .venv/bin/python bench/http.py --database sqlite|postgresql [--seconds 10]
        [--connections 8] [--runs 3]

It builds a shop on a fresh database (a SQLite file in a temporary directory, or a new
schema on the PostgreSQL server of --postgres-url, dropped afterwards) through Patronage's
own commands and API: an admin and a cashier key (`patronage keys create`), the shop and a
points bank (PUT /v1/shop, POST /v1/programs), then, with no server running,
`--customers` customers enrolled with an invoice each and two more, LOTS with `--lots`
live lots and ONE with a single lot (`patronage import customers`, `patronage import
invoices`, `patronage maintenance`). The bare server (bench/bare_server.py) gets a table
of the same customers in the same database.

Then both servers run, each one uvicorn process with the same settings and the access log
off (bench/patronage_server.py is `patronage serve` so changed; its scheduler and webhook
worker are off, as the bare server has no background work), and wrk (bench/load.lua)
drives each at `--connections` for `--seconds` a run, in turns of `--slice` seconds, the
two sides alternating (bare then Patronage, then Patronage then bare...) so that the
machine's drift between minutes falls on both alike:

- post: POST /v1/invoices, each request a new invoice (two lines) for a random customer;
  the bare server writes one row;
- balance: GET /v1/customers/{random customer}/balance; the bare server reads one row;
- quote: POST /v1/quotes, the same cart for a random customer; the bare server reads one row;
- lots: Patronage's balance of LOTS against ONE's (no bare server): the slowdown.

Printed as JSON on stdout (progress on stderr): for each side in each run, requests/s,
latency p50/p99 (medians over its turns) and the CPU milliseconds a request cost its server
(the process, and on PostgreSQL its backends, named by application_name); their medians
over the runs; each run's ratio Patronage/bare of the rates (ONE/LOTS for lots) and of the
CPU costs (inverted), and the medians of those ratios, set against the targets of issue
20; the machine (nproc, python, load average), the git commit. On a shared machine the
rates drift; the ratios, measured in alternating turns, and the CPU costs drift less.
A non-2xx answer is counted in `errors`, and makes the exit status 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file's name shadows the standard library's `http` for everything run from bench/.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse
import csv
import datetime as dt
import importlib.util
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ROOT = HERE.parent
PATRONAGE = Path(sys.executable).parent / "patronage"
LOAD = HERE / "load.lua"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGETS = {"post": 0.3, "balance": 0.5, "quote": 0.3}  # Patronage/bare at 8 connections
LOTS_TARGET = 2.0  # LOTS's balance at most this many times slower than ONE's
TODAY = dt.date.today()
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PROGRAM = {"id": "rewards", "name": "Reward Dollars", "kind": "points_bank",
           "status": "open", "effective": (TODAY - dt.timedelta(days=90)).isoformat(),
           "point_value": "0.01", "redeem_as": "payment", "points_expire_days": 365,
           "filters": [{"name": "all sales", "exclude_item_types": ["labor"]}],
           "multipliers": [{"name": "10 points a dollar", "currency_per_point": "0.10"}]}
POINTS_AN_INVOICE = 1000  # a seeded invoice: one $100.00 tire at 10 points a dollar
SHOP = {"name": "Bench Tires", "currency": "USD",
        "stores": [{"id": 1, "name": "Main"}, {"id": 2, "name": "North"}]}
# One process, serving requests only: the background jobs off (the bare server has none).
PATRONAGE_ENV = {"PATRONAGE_WORKERS": "1", "PATRONAGE_SCHEDULER": "false",
                 "PATRONAGE_WEBHOOK_WORKER": "false"}
# (name, Patronage's wrk arguments, the bare server's): kind, path
ENDPOINTS = {
    "post": (("post", "/v1/invoices"), ("post", "/invoices")),
    "balance": (("get", "/v1/customers/{c}/balance"), ("get", "/customers/{c}/balance")),
    "quote": (("post_quote", "/v1/quotes"), ("post_quote", "/quotes")),
}


def say(text: str) -> None:
    print(f"[bench/http {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the database ---------------------------------------------------------------------------

@contextmanager
def fresh_database(kind: str, postgres_url: str, work: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file in `work`, or a new PostgreSQL schema
    (made every connection's search_path), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{work / 'bench.db'}"
        return
    schema = f"bench_http_{secrets.token_hex(4)}"
    if make_url(postgres_url).drivername == "postgresql":  # psycopg (3), as Patronage uses
        postgres_url = "postgresql+psycopg" + postgres_url[len("postgresql"):]
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        scoped = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
        try:
            yield scoped.render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


def cli(*args: str, database: str) -> str:
    done = subprocess.run([str(PATRONAGE), *args, "--database", database], check=False,
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"patronage {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)
    return path


def configure_shop(server: Server, admin: str) -> None:
    """The shop and its points bank, through the API."""
    with httpx.Client(base_url=server.url, timeout=120,
                      headers={"Authorization": f"Bearer {admin}"}) as api:
        for method, path, body in (("PUT", "/v1/shop", SHOP), ("POST", "/v1/programs", PROGRAM)):
            r = api.request(method, path, json=body)
            if r.status_code >= 300:
                raise RuntimeError(f"{method} {path}: {r.status_code} {r.text}")


def import_history(url: str, customers: int, lots: int, work: Path) -> None:
    """The customers and their lots through the import (no server running), then the
    daily run up to today."""
    enrolled = (TODAY - dt.timedelta(days=60)).isoformat()
    ids = [f"C{n}" for n in range(customers)] + ["LOTS", "ONE"]
    write_csv(work / "customers.csv", ["id", "name", "program", "enrolled_on"],
              [[c, f"Customer {c}", "rewards", enrolled] for c in ids])
    say(f"importing {len(ids)} customers")
    cli("import", "customers", str(work / "customers.csv"), "--quiet", database=url)

    def line(invoice: str, day: dt.date, customer: str) -> list[Any]:
        return [invoice, day.isoformat(), 1, customer, "TIRE", "product", "1", "100.00"]

    # LOTS's lots over the last 30 days; one invoice for every other customer 20 days ago.
    rows = [line(f"LOTS-{n}", TODAY - dt.timedelta(days=30 - n * 30 // lots), "LOTS")
            for n in range(lots)]
    rows += [line(f"SEED-{c}", TODAY - dt.timedelta(days=20), c) for c in ids if c != "LOTS"]
    rows.sort(key=lambda row: row[1])
    write_csv(work / "invoices.csv",
              ["invoice_id", "date", "store", "customer", "sku", "item_type", "qty", "price"],
              rows)
    say(f"importing {len(rows)} invoices ({lots} for LOTS)")
    cli("import", "invoices", str(work / "invoices.csv"), "--quiet", database=url)
    cli("maintenance", database=url)


def check_lots(server: Server, admin: str, lots: int) -> None:
    """LOTS holds `lots` lots and ONE one, each of an invoice's points."""
    with httpx.Client(base_url=server.url, timeout=120,
                      headers={"Authorization": f"Bearer {admin}"}) as api:
        for customer, count in (("LOTS", lots), ("ONE", 1)):
            got = api.get(f"/v1/customers/{customer}/balance").json()
            if got.get("available") != count * POINTS_AN_INVOICE:
                raise RuntimeError(f"{customer} should hold {count} lots of "
                                   f"{POINTS_AN_INVOICE} points: {got}")


def load_bare_server() -> Any:
    spec = importlib.util.spec_from_file_location("bare_server", HERE / "bare_server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the servers ----------------------------------------------------------------------------

class Server:
    """One uvicorn process: bench/patronage_server.py or bench/bare_server.py."""

    def __init__(self, name: str, script: str, url: str, health: str, log: Path,
                 env: dict[str, str]) -> None:
        self.name, self.script, self.health = name, script, health
        self.postgres = make_url(url).get_backend_name() == "postgresql"
        # On PostgreSQL its connections are named, so that their backends' CPU is counted.
        self.app_name = f"bench_{name}_{secrets.token_hex(3)}"
        self.database = (make_url(url).update_query_dict({"application_name": self.app_name})
                         .render_as_string(hide_password=False) if self.postgres else url)
        self.admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool) \
            if self.postgres else None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self.env = {**os.environ, **env}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        self.log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / self.script), "--port", str(self.port),
             "--database", self.database],
            stdout=self.log, stderr=subprocess.STDOUT, env=self.env, cwd=ROOT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.tail()}")
            try:
                if httpx.get(self.url + self.health, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start:\n{self.tail()}")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        self.proc = None
        if self.admin is not None:
            self.admin.dispose()

    def tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def cpu_times(self) -> dict[int, float]:
        """CPU seconds used so far by the server process and each of its PostgreSQL
        backends, by process id."""
        assert self.proc is not None
        pids = [self.proc.pid]
        if self.admin is not None:
            with self.admin.connect() as conn:
                pids += conn.execute(sa.text("SELECT pid FROM pg_stat_activity "
                                             "WHERE application_name = :name"),
                                     {"name": self.app_name}).scalars().all()
        return {pid: process_cpu(pid) for pid in pids}


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """The CPU seconds used between two `cpu_times`: by the processes alive at the end (a
    backend opened meanwhile counts whole; one closed meanwhile, an overflow connection of
    the pool, is missed, so on PostgreSQL this is a lower bound)."""
    return sum(max(0.0, seconds - before.get(pid, 0.0)) for pid, seconds in after.items())


def process_cpu(pid: int) -> float:
    """User and system CPU seconds of a process (all its threads); 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


# --- wrk ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Load:
    """One side of a measurement: a server, and what wrk sends it (bench/load.lua's KIND
    and PATH) with which key."""

    server: Server
    kind: str
    path: str
    token: str = ""


def wrk(load: Load, customers: int, prefix: str, seconds: int, connections: int,
        threads: int) -> dict[str, Any]:
    """One wrk run, with the CPU time the server (and its PostgreSQL backends) used."""
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
           "--timeout", "30s", "-s", str(LOAD), load.server.url, "--",
           load.kind, load.token or "-", load.path, str(customers), prefix]
    before = load.server.cpu_times()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120,
                          check=False)
    cpu = cpu_used(before, load.server.cpu_times())
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw = json.loads(line[len("BENCH "):])
    return {"requests": raw["requests"], "seconds": raw["duration_us"] / 1e6,
            "p50_ms": raw["p50_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
            "cpu_seconds": cpu, "errors": raw["errors"]}


def side_figures(slices: list[dict[str, Any]]) -> dict[str, Any]:
    """One side's figures over its slices: the rate over their whole time, the latency
    percentiles of the median slice, the server's CPU time per request."""
    requests = sum(s["requests"] for s in slices)
    elapsed = sum(s["seconds"] for s in slices)
    kinds = {k: sum(s["errors"][k] for s in slices) for k in slices[0]["errors"]}
    return {"rps": round(requests / elapsed, 1) if elapsed else 0.0,
            "p50_ms": round(statistics.median(s["p50_ms"] for s in slices), 2),
            "p99_ms": round(statistics.median(s["p99_ms"] for s in slices), 2),
            "cpu_ms": round(1000 * sum(s["cpu_seconds"] for s in slices) / requests, 3)
            if requests else 0.0,
            "requests": requests, "seconds": round(elapsed, 2),
            "errors": sum(kinds.values()), "error_kinds": {k: v for k, v in kinds.items() if v}}


def check_once(load: Load) -> None:
    """One request by hand before wrk, so that a refusal shows its answer."""
    body: dict[str, Any] = {
        "customer": "C0", "store": 1,
        "lines": [{"sku": "TIRE", "qty": "1", "price": "120.00"},
                  {"sku": "LAB", "item_type": "labor", "qty": "1", "price": "40.00"}]}
    headers = {"Authorization": f"Bearer {load.token}"} if load.token else {}
    url = load.server.url + load.path.replace("{c}", "C0")
    if load.kind == "get":
        r = httpx.get(url, headers=headers, timeout=60)
    else:
        if load.kind == "post":
            body["id"] = f"check-{secrets.token_hex(4)}"
        r = httpx.post(url, json=body, headers=headers, timeout=60)
    if r.status_code >= 300:
        raise RuntimeError(f"{load.server.name} {load.kind} {load.path}: {r.status_code} "
                           f"{r.text[:1000]}")


def share(part: float, whole: float) -> float:
    return round(part / whole, 3) if whole else 0.0


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3) if values else 0.0


def medians(sides: list[dict[str, Any]]) -> dict[str, Any]:
    return {**{k: median([s[k] for s in sides]) for k in ("rps", "p50_ms", "p99_ms", "cpu_ms")},
            "errors": sum(s["errors"] for s in sides)}


# --- the benchmark --------------------------------------------------------------------------

def measure(patronage: Server, bare: Server, cashier: str, args: argparse.Namespace,
            ) -> dict[str, Any]:
    tag = secrets.token_hex(3)
    # name: (the side measured, the side it is divided by), the ratio's name
    pairs = {name: ((Load(patronage, ours[0], ours[1], cashier), "patronage"),
                    (Load(bare, theirs[0], theirs[1]), "bare"), "ratio")
             for name, (ours, theirs) in ENDPOINTS.items()}
    pairs["lots"] = ((Load(patronage, "get", "/v1/customers/ONE/balance", cashier), "one_lot"),
                     (Load(patronage, "get", "/v1/customers/LOTS/balance", cashier),
                      "many_lots"), "slowdown")

    def run_wrk(load: Load, prefix: str, seconds: int) -> dict[str, Any]:
        return wrk(load, args.customers, prefix, seconds, args.connections, args.threads)

    for (a, _), (b, _), _ in pairs.values():
        check_once(a)
        check_once(b)
    say(f"warming up ({args.warmup} s a side)")
    for (a, _), (b, _), _ in pairs.values():
        run_wrk(a, f"w{tag}", args.warmup)
        run_wrk(b, f"w{tag}", args.warmup)

    # Each run gives each side `seconds` in slices of `slice`, the two sides taking turns,
    # first A B, then B A, so that the machine's drift between minutes falls on both alike.
    cuts = [args.slice] * (args.seconds // args.slice)
    if args.seconds % args.slice:
        cuts.append(args.seconds % args.slice)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in pairs}
    for run in range(args.runs):
        for name, ((a, a_name), (b, b_name), ratio_name) in pairs.items():
            slices: dict[str, list[dict[str, Any]]] = {a_name: [], b_name: []}
            for k, seconds in enumerate(cuts):
                turn = [(a, a_name), (b, b_name)]
                for load, side in (turn if (run + k) % 2 == 0 else turn[::-1]):
                    slices[side].append(run_wrk(load, f"r{run}s{k}{tag}", seconds))
            got: dict[str, Any] = {side: side_figures(slices[side]) for side in slices}
            if ratio_name == "ratio":
                got["ratio"] = share(got[a_name]["rps"], got[b_name]["rps"])
                got["cpu_ratio"] = share(got[a_name]["cpu_ms"], got[b_name]["cpu_ms"])
            else:
                got["slowdown"] = share(got[a_name]["rps"], got[b_name]["rps"])
                got["cpu_slowdown"] = share(got[b_name]["cpu_ms"], got[a_name]["cpu_ms"])
            runs[name].append(got)
            say(f"run {run + 1}/{args.runs} {name}: {a_name} {got[a_name]['rps']} req/s "
                f"({got[a_name]['cpu_ms']} ms CPU), {b_name} {got[b_name]['rps']} req/s "
                f"({got[b_name]['cpu_ms']} ms CPU), {ratio_name} {got[ratio_name]}")

    results: dict[str, Any] = {}
    for name, ((_, a_name), (_, b_name), ratio_name) in pairs.items():
        cpu_name = f"cpu_{ratio_name}"
        ratio = median([r[ratio_name] for r in runs[name]])
        target = TARGETS.get(name, LOTS_TARGET)
        results[name] = {a_name: medians([r[a_name] for r in runs[name]]),
                         b_name: medians([r[b_name] for r in runs[name]]),
                         ratio_name: ratio, cpu_name: median([r[cpu_name] for r in runs[name]]),
                         "target": target,
                         "met": ratio >= target if ratio_name == "ratio" else 0 < ratio <= target,
                         "runs": runs[name]}
    results["lots"]["lots"] = args.lots
    return results


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def machine() -> dict[str, Any]:
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True,
                                 check=False).stdout.split("\n", 1)[0]
    return {"nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
            else os.cpu_count(),
            "python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "wrk": wrk_version.strip(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def run(args: argparse.Namespace) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run scripts/install-bench-tools")
    began = time.monotonic()
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-http-")))
        url = stack.enter_context(fresh_database(args.database, args.postgres_url, work))
        say(f"database {args.database}; keys")
        admin = cli("keys", "create", "--role", "admin", "--name", "bench-admin",
                    database=url).strip()
        cashier = cli("keys", "create", "--role", "cashier", "--name", "bench-cashier",
                      database=url).strip()
        setup = Server("patronage", "patronage_server.py", url, "/v1/health",
                       work / "setup.log", PATRONAGE_ENV).start()
        try:
            configure_shop(setup, admin)
        finally:
            setup.stop()
        import_history(url, args.customers, args.lots, work)
        patronage = Server("patronage", "patronage_server.py", url, "/v1/health",
                           work / "patronage.log", PATRONAGE_ENV)
        stack.callback(patronage.stop)
        patronage.start()
        check_lots(patronage, admin, args.lots)
        load_bare_server().seed(url, [f"C{n}" for n in range(args.customers)])
        bare = Server("bare", "bare_server.py", url, "/health", work / "bare.log", {})
        stack.callback(bare.stop)
        bare.start()
        say(f"set up in {time.monotonic() - began:.0f} s; measuring")
        try:
            results = measure(patronage, bare, cashier, args)
        except Exception:
            say(f"patronage log:\n{patronage.tail()}\nbare log:\n{bare.tail()}")
            raise
    return {"benchmark": "http", "database": args.database,
            "commit": git("rev-parse", "--short", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
            "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
            "settings": {"seconds": args.seconds, "slice_seconds": args.slice,
                         "connections": args.connections, "runs": args.runs,
                         "wrk_threads": args.threads, "customers": args.customers,
                         "lots": args.lots, "warmup_seconds": args.warmup},
            "machine": machine(), "results": results,
            "ratios": {**{name: results[name]["ratio"] for name in ENDPOINTS},
                       "lots_slowdown": results["lots"]["slowdown"]},
            "cpu_ratios": {**{name: results[name]["cpu_ratio"] for name in ENDPOINTS},
                           "lots_slowdown": results["lots"]["cpu_slowdown"]},
            "errors": sum(side["errors"] for result in results.values()
                          for side in result.values() if isinstance(side, dict)),
            "elapsed_seconds": round(time.monotonic() - began, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("PATRONAGE_TEST_POSTGRES_URL")
                        or DEFAULT_POSTGRES, help="the server to make a schema on")
    parser.add_argument("--seconds", type=int, default=10,
                        help="of each side of each measurement, in each run")
    parser.add_argument("--slice", type=int, default=2,
                        help="seconds of each turn, the two sides taking turns")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="wrk's threads")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--lots", type=int, default=3000, help="live lots of the customer LOTS")
    parser.add_argument("--warmup", type=int, default=1, help="seconds, once for each side")
    args = parser.parse_args()
    if min(args.seconds, args.slice, args.connections, args.runs, args.threads, args.customers,
           args.lots, args.warmup) < 1 or args.threads > args.connections:
        parser.error("every number must be at least 1, and --threads at most --connections")
    out = run(args)
    print(json.dumps(out, indent=2))
    if out["errors"]:
        say(f"{out['errors']} requests failed (non-2xx, or socket errors): see `errors`")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
