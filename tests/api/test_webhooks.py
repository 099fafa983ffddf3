"""Webhooks: deliveries signed as Standard Webhooks sign them, that wait while the receiver
is down and arrive once it is up; the receiver's URL is checked when it subscribes."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from patronage.service import webhooks
from patronage.service.app import Patronage
from tests.api.conftest import TODAY, cli, free_port, sale, set_up_shop

SECRET = "whsec_" + base64.b64encode(b"a shared secret, thirty-two byte").decode()
DOCS = Path(__file__).resolve().parents[2] / "docs" / "pos-integration.md"


def documented_verify() -> Any:
    """The `verify` of the Python example in docs/pos-integration.md, run as written."""
    text = DOCS.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    examples = [b for b in blocks if "def verify" in b]
    assert len(examples) == 1, "the webhook section has one verification example"
    scope: dict[str, Any] = {}
    exec(compile(examples[0], str(DOCS), "exec"), scope)  # noqa: S102 - our own docs
    return scope["verify"]


class Receiver:
    """A small local HTTP server that records deliveries; it fails the first `fail` of them."""

    def __init__(self, port: int, fail: int = 0) -> None:
        self.port, self.fail = port, fail
        self.got: list[tuple[dict[str, str], bytes]] = []
        self.paths: list[str] = []
        self.answers: list[int] = []
        self.tries: list[tuple[int, dict[str, str], bytes]] = []  # every attempt, failed too
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the http.server API names it so
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if len(receiver.answers) < receiver.fail else 200
                receiver.answers.append(status)
                receiver.tries.append((status, {k.lower(): v for k, v in self.headers.items()},
                                       body))
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
    verify = documented_verify()
    for headers, body in receiver.got:
        assert verify(SECRET, headers, body)  # the docs' example, on a real delivery
        assert headers["webhook-id"] == str(json.loads(body)["id"])
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
    assert hook["secret"].startswith("whsec_")
    assert len(base64.b64decode(hook["secret"].removeprefix("whsec_"))) == 32
    verify = documented_verify()
    assert verify(hook["secret"], headers, body)
    # what a receiver refuses: another body, another secret, a stale or future timestamp
    assert not verify(hook["secret"], headers, body.replace(b'"C1"', b'"C2"'))
    assert not verify(SECRET, headers, body)
    stamp = int(headers["webhook-timestamp"])
    assert abs(stamp - time.time()) < 60
    for moved in (-400, 400):
        resigned = {**headers, "webhook-timestamp": str(stamp + moved),
                    "webhook-signature": webhooks.sign(hook["secret"], headers["webhook-id"],
                                                       stamp + moved, body)}
        assert not verify(hook["secret"], resigned, body)
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


def test_webhook_urls_and_secrets_are_checked(start_server: Any, sqlite_url: str) -> None:
    server = start_server(sqlite_url)
    admin = server.client(server.key("admin"))
    for url in ("http://user:pw@pos.example.com/hook", "https://token@pos.example.com/",
                "http:///no-host", "http://pos.example.com:99999/", "http://pos.example.com:0/",
                "https://pos.example.com/" + "x" * 2000, "http://pos.example.com/a\x00b",
                "javascript:alert(1)", "ftp://x"):
        r = admin.post("/v1/webhooks", json={"url": url, "events": []})
        assert r.status_code == 422, (url, r.text)
        assert r.json()["error"]["code"] == "invalid", url
        assert [f["field"] for f in r.json()["error"]["fields"]] == ["url"], url
    for secret in ("a-shared-secret-of-some-length", "whsec_" + "A" * 20,
                   "whsec_" + base64.b64encode(b"too short, 20 bytes.").decode(),
                   "whsec_not base64 at all!!!!!!!!!!"):
        r = admin.post("/v1/webhooks", json={"url": "https://pos.example.com/", "secret": secret})
        assert r.status_code == 422, (secret, r.text)
        assert [f["field"] for f in r.json()["error"]["fields"]] == ["secret"], secret
    assert admin.get("/v1/webhooks").json() == []  # nothing was subscribed
    ok = admin.post("/v1/webhooks", json={"url": "https://pos.example.com:8443/hooks?s=1",
                                          "secret": SECRET})
    assert ok.status_code == 201 and ok.json()["secret"] == SECRET


def test_a_retry_keeps_its_id_and_is_signed_anew(app: Patronage) -> None:
    """The same event sent again (after a 500) has the same `webhook-id`; its timestamp is
    the new attempt's, and its signature verifies with it."""
    hook = webhooks.create(app, "http://127.0.0.1:9/hook", [], SECRET)
    assert hook["secret"] == SECRET
    set_up = {"name": "Shop", "stores": [{"id": 1, "name": "Main"}]}
    app.configure_shop(set_up)
    app.put_program({"id": "rewards", "name": "Rewards", "kind": "points_bank",
                     "status": "open", "effective": "2024-01-01", "point_value": "0.01",
                     "filters": [{"name": "all"}], "percent_tiers": [{"percent": "1"}]})
    app.put_customer({"id": "C1", "name": "Ann"})
    app.enroll({"customer": "C1", "program": "rewards"})
    sent: list[dict[str, str]] = []
    answers = iter([500, 200])
    start = time.time()
    now = iter([start, start + 7])

    def send(url: str, body: bytes, headers: dict[str, str]) -> int:
        sent.append({k.lower(): v for k, v in headers.items()} | {"body": body.decode()})
        return next(answers)

    first = webhooks.run_once(app, send, base=0.0, cap=0.0, unix_time=lambda: next(now))
    second = webhooks.run_once(app, send, base=0.0, cap=0.0, unix_time=lambda: next(now))
    assert (first["failed"], second["delivered"]) == (1, 1)
    one, two = sent
    assert one["webhook-id"] == two["webhook-id"] == str(json.loads(one["body"])["id"])
    assert one["body"] == two["body"]
    assert (int(one["webhook-timestamp"]), int(two["webhook-timestamp"])) == \
        (int(start), int(start + 7))
    assert one["webhook-signature"] != two["webhook-signature"]
    verify = documented_verify()
    for headers in (one, two):
        assert verify(SECRET, headers, headers["body"].encode())
