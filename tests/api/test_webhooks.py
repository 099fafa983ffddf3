"""Webhooks: signed deliveries that wait while the receiver is down and arrive once it is up."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.api.conftest import TODAY, cli, free_port, sale, set_up_shop

SECRET = "a-shared-secret-of-some-length"


class Receiver:
    """A small local HTTP server that records deliveries; it fails the first `fail` of them."""

    def __init__(self, port: int, fail: int = 0) -> None:
        self.port, self.fail = port, fail
        self.got: list[tuple[dict[str, str], bytes]] = []
        self.paths: list[str] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the http.server API names it so
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if len(receiver.answers) < receiver.fail else 200
                receiver.answers.append(status)
                if status == 200:
                    receiver.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    receiver.paths.append(self.path)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def events(self) -> dict[int, dict[str, Any]]:
        return {json.loads(body)["id"]: json.loads(body) for _, body in self.got}


def wait_for(check: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def test_deliveries_wait_for_a_receiver_that_is_down(start_server: Any, sqlite_url: str) -> None:
    server = start_server(sqlite_url, PATRONAGE_WEBHOOK_WORKER="true",
                          PATRONAGE_WEBHOOK_POLL_SECONDS="0.2",
                          PATRONAGE_WEBHOOK_BACKOFF_SECONDS="0.5",
                          PATRONAGE_WEBHOOK_BACKOFF_MAX_SECONDS="2")
    admin = server.client(server.key("admin"))
    port = free_port()  # nothing listens here yet: the receiver is down
    hook = admin.post("/v1/webhooks", json={"url": f"http://127.0.0.1:{port}/hook",
                                            "events": [], "secret": SECRET})
    assert hook.status_code == 201, hook.text
    hook_id = hook.json()["id"]
    assert hook.json()["secret"] == SECRET
    assert "secret" not in admin.get(f"/v1/webhooks/{hook_id}").json()
    only_awards = admin.post("/v1/webhooks", json={"url": f"http://127.0.0.1:{port}/awards",
                                                   "events": ["award.granted"]})
    assert only_awards.status_code == 201

    set_up_shop(admin, ["C1", "C2"])  # two enrollment.changed events
    pos = server.client(server.key("cashier"))
    for n, customer in enumerate(["C1", "C2", "C1"]):  # three points.accrued
        assert pos.post("/v1/invoices", json=sale(f"W-{n}", customer, "10.00")).status_code == 201

    def pending() -> list[dict[str, Any]]:
        return admin.get(f"/v1/webhooks/{hook_id}/deliveries").json()["items"]

    # while it is down the oldest delivery probes it, with backoff; the others wait their turn
    wait_for(lambda: len(pending()) == 5 and max(d["attempts"] for d in pending()) >= 3)
    assert all(d["status"] == "pending" for d in pending())
    assert any("ConnectError" in (d["last_error"] or "") for d in pending())

    receiver = Receiver(port, fail=1)  # up again, though its first answer is a 500
    try:
        wait_for(lambda: len(receiver.events()) == 5)
        wait_for(lambda: all(d["status"] == "delivered" for d in pending()))
    finally:
        receiver.stop()
    assert 500 in receiver.answers
    events = receiver.events()
    types = sorted(e["type"] for e in events.values())
    assert types == ["enrollment.changed"] * 2 + ["points.accrued"] * 3
    for headers, body in receiver.got:
        mac = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["x-patronage-signature"] == f"sha256={mac}"
        assert headers["x-patronage-event-id"] == str(json.loads(body)["id"])
        assert headers["x-patronage-event"] == json.loads(body)["type"]
        assert headers["content-type"] == "application/json"
    accrued = [e for e in events.values() if e["type"] == "points.accrued"]
    assert {e["data"]["invoice"] for e in accrued} == {"W-0", "W-1", "W-2"}
    assert all(e["data"]["points"] == 100 for e in accrued)
    assert set(receiver.paths) == {"/hook"}  # the award-only webhook had nothing to send

    # unsubscribed: later events are not delivered
    assert admin.delete(f"/v1/webhooks/{hook_id}").status_code == 200
    assert admin.get(f"/v1/webhooks/{hook_id}").status_code == 404
    assert [w["id"] for w in admin.get("/v1/webhooks").json()] == [only_awards.json()["id"]]


def test_cli_delivers_one_pass(start_server: Any, sqlite_url: str) -> None:
    """`patronage webhooks deliver` with no worker running, as from cron."""
    server = start_server(sqlite_url)  # worker off
    admin = server.client(server.key("admin"))
    port = free_port()
    hook = admin.post("/v1/webhooks", json={"url": f"http://127.0.0.1:{port}/",
                                            "events": ["enrollment.changed"]}).json()
    set_up_shop(admin, ["C1"])
    receiver = Receiver(port)
    try:
        counts = json.loads(cli("webhooks", "deliver", database=sqlite_url))
        assert counts == {"queued": 1, "delivered": 1, "failed": 0, "deferred": 0}
        assert json.loads(cli("webhooks", "deliver", database=sqlite_url))["delivered"] == 0
    finally:
        receiver.stop()
    (headers, body), = receiver.got
    mac = hmac.new(hook["secret"].encode(), body, hashlib.sha256).hexdigest()
    assert headers["x-patronage-signature"] == f"sha256={mac}"
    event = json.loads(body)
    assert event["data"] == {"action": "enrolled", "customer": "C1", "program": "rewards",
                             "date": "2024-01-01"}
    assert event["customer"] == "C1" and event["date"] == "2024-01-01"
    assert TODAY  # dates in events are business dates, not the delivery day


def test_webhook_bodies_are_checked(start_server: Any, sqlite_url: str) -> None:
    server = start_server(sqlite_url)
    admin = server.client(server.key("admin"))
    r = admin.post("/v1/webhooks", json={"url": "ftp://x", "events": []})
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "url"
    r = admin.post("/v1/webhooks", json={"url": "http://x/", "events": ["points.spent"]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid"
