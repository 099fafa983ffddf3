"""`patronage serve --workers N`: N processes on one port, fast keep-alive answers (the
listening socket keeps TCP_NODELAY on accepted connections), children started again when
they die, SIGTERM stopping them all, figures added up across them, JSON logs."""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import BIN, free_port


class Supervised:
    """`patronage serve --workers N` on a free port, its output in a file."""

    def __init__(self, database: str, log: Path, workers: int, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self.proc = subprocess.Popen(
            [str(BIN), "serve", "--workers", str(workers), "--port", str(self.port),
             "--database", database], stdout=log.open("wb"), stderr=subprocess.STDOUT,
            env={**os.environ, "PATRONAGE_SCHEDULER": "false",
                 "PATRONAGE_WEBHOOK_WORKER": "false", **env})
        self.wait_children(workers)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError(self.log())

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def wait_children(self, count: int, besides: set[int] = frozenset()) -> list[int]:  # type: ignore[assignment]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log()
            now = self.children()
            if len(now) == count and not besides & set(now):
                return now
            time.sleep(0.1)
        raise AssertionError(f"children {self.children()}\n{self.log()}")

    def wait_started(self, count: int) -> None:
        deadline = time.monotonic() + 90
        while self.log_path.read_text().count("Application startup complete.") < count:
            assert time.monotonic() < deadline, self.log()
            time.sleep(0.1)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(40)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


@pytest.fixture
def supervised(sqlite_url: str, tmp_path: Path) -> Iterator[type[Supervised]]:
    started: list[Supervised] = []

    def start(workers: int = 2, **env: str) -> Supervised:
        server = Supervised(sqlite_url, tmp_path / f"serve-{len(started)}.log", workers, **env)
        started.append(server)
        return server

    yield start  # type: ignore[misc]
    for server in started:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()


def alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text(errors="replace")
    except FileNotFoundError:
        return False


def keep_alive_latencies(url: str, count: int) -> list[float]:
    """Seconds per request, all on one kept-alive connection."""
    took = []
    with httpx.Client(base_url=url, timeout=10) as client:
        client.get("/v1/health")
        for _ in range(count):
            start = time.perf_counter()
            assert client.get("/v1/health").status_code == 200
            took.append(time.perf_counter() - start)
    return took


def test_keep_alive_answers_do_not_wait_for_the_delayed_ack(supervised) -> None:  # type: ignore[no-untyped-def]
    """With uvicorn's own --workers every answer on a kept-alive connection takes about
    44 ms (Nagle's algorithm waits for the client's delayed ACK); ours take a few ms."""
    server = supervised(workers=2)
    took = keep_alive_latencies(server.url, 100)
    median = statistics.median(took)
    assert median < 0.025, f"median {median * 1000:.1f} ms: TCP_NODELAY is lost"
    assert server.stop() == 0


def test_n_processes_serve_and_one_that_dies_is_started_again(supervised) -> None:  # type: ignore[no-untyped-def]
    server = supervised(workers=3, PATRONAGE_LOG_FORMAT="json")
    first = server.wait_children(3)
    server.wait_started(3)
    os.kill(first[0], signal.SIGKILL)
    again = server.wait_children(3, besides={first[0]})
    assert set(first[1:]) <= set(again)
    server.wait_started(4)  # the new one is up
    for _ in range(20):
        with httpx.Client(timeout=10) as fresh:  # a new connection each time
            assert fresh.get(f"{server.url}/v1/health").status_code == 200
    assert server.stop() == 0
    assert server.children() == []
    lines = [json.loads(line) for line in server.log_path.read_text().splitlines()]
    assert sum(1 for e in lines if e["message"] == "Application shutdown complete.") == 3
    assert sum(1 for e in lines if e["message"] == "Application startup complete.") == 4
    access = [e for e in lines if e["logger"] == "uvicorn.access"]
    assert access and access[-1]["path"] == "/v1/health" and access[-1]["status"] == 200
    assert any("ended with signal SIGKILL" in e["message"] for e in lines)
    assert not any("exception" in e for e in lines), server.log()


def test_metrics_add_up_every_process(supervised) -> None:  # type: ignore[no-untyped-def]
    server = supervised(workers=2)
    server.wait_started(2)
    line = 'patronage_http_requests_total{method="GET",route="/v1/health",status="200"}'

    def counted() -> float:
        text = httpx.get(f"{server.url}/metrics", timeout=10).text
        found = [float(x.rsplit(" ", 1)[1]) for x in text.splitlines() if x.startswith(line)]
        assert len(found) == 1, text
        return found[0]

    before = counted()
    for _ in range(30):
        with httpx.Client(timeout=10) as fresh:  # new connections: both processes answer
            assert fresh.get(f"{server.url}/v1/health").status_code == 200
    assert counted() - before == 30
    assert server.stop() == 0


def test_a_bad_setting_is_refused_in_one_line(sqlite_url: str) -> None:
    done = subprocess.run([str(BIN), "serve", "--workers", "0", "--database", sqlite_url],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "PATRONAGE_DAILY_RUN_AT": "25:00"})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: invalid: a setting is not valid: PATRONAGE_WORKERS:")
    assert "PATRONAGE_DAILY_RUN_AT:" in done.stderr


def test_a_supervisor_killed_with_sigkill_leaves_no_server_behind(supervised) -> None:  # type: ignore[no-untyped-def]
    server = supervised(workers=2)
    children = server.wait_children(2)
    server.wait_started(2)
    server.proc.kill()
    server.proc.wait(10)
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in children):
        assert time.monotonic() < deadline, f"children {children} outlived the supervisor"
        time.sleep(0.1)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/v1/health", timeout=2)
