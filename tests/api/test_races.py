"""Races and replays (issue 19): many clients at once against a real server, on SQLite and
PostgreSQL. Every command takes its customer's lock before it reads what it decides on,
and a twin that committed while it waited is answered as a replay: the same status and
the same body as the first post. No value is created or lost, and `patronage check` holds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx

from tests.api.conftest import TODAY, cli, sale, set_up_shop

CLIENTS = 20
MANUAL_CLUB = {"id": "club", "name": "Club", "kind": "recurring", "status": "open",
               "effective": "2020-01-01", "award_processing": "manual",
               "filters": [{"name": "all"}],
               "multipliers": [{"name": "1 a dollar", "currency_per_point": "1.00"}],
               "awards": [{"name": "ten", "level": 100, "coupon": {"amount": "10.00"}}]}


def at_once(server: Any, key: str, n: int,
            call: Callable[[httpx.Client, int], httpx.Response]) -> list[httpx.Response]:
    """`call` from n clients, each connected first, then all released together."""
    barrier = threading.Barrier(n)

    def one(i: int) -> httpx.Response:
        with server.client(key) as c:
            c.get("/v1/health")  # the connection is open before the race starts
            barrier.wait()
            return call(c, i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def all_alike(answers: list[httpx.Response], status: int) -> dict[str, Any]:
    """Every answer has `status` and the first one's body; returns that body."""
    assert [a.status_code for a in answers] == [status] * len(answers), \
        [a.text for a in answers if a.status_code != status]
    bodies = [a.json() for a in answers]
    assert all(b == bodies[0] for b in bodies), bodies
    return bodies[0]


def books_hold(server: Any) -> None:
    assert cli("check", database=server.database).startswith("ok:")


def shop(start_server: Any, database_url: str, customers: list[str]) -> tuple[Any, ...]:
    server = start_server(database_url)
    admin = server.client(server.key("admin"))
    set_up_shop(admin, customers)
    return server, admin, server.key("manager"), server.key("cashier")


def labor(invoice_id: str, customer: str | None, price: str, **extra: Any) -> dict[str, Any]:
    body = sale(invoice_id, customer, price, **extra)
    body["lines"] = [{"sku": "LABOR", "item_type": "labor", "qty": "1", "price": price}]
    return body


def test_concurrent_voids_give_back_once(start_server: Any, database_url: str) -> None:
    server, admin, manager, cashier = shop(start_server, database_url, ["C1"])
    assert admin.post("/v1/customers/C1/adjustments",
                      json={"points": 1000, "reason": "opening"}).status_code == 201
    pos = server.client(cashier)
    # spends 500 points and earns 300 (a 30.00 tire; labor earns nothing)
    body = labor("V-1", "C1", "5.00", redeem={"rewards": "5.00"})
    body["lines"].append({"sku": "TIRE", "qty": "1", "price": "30.00"})
    r = pos.post("/v1/invoices", json=body)
    assert r.status_code == 201 and r.json()["balance"]["available"] == 800, r.text

    answers = at_once(server, manager, CLIENTS, lambda c, _: c.post("/v1/invoices/V-1/void"))
    voided = all_alike(answers, 200)
    assert voided["status"] == "voided"
    bal = admin.get("/v1/customers/C1/balance").json()
    assert (bal["available"], bal["earned"], bal["used"]) == (1000, 0, 0)
    books_hold(server)


def test_concurrent_identical_returns_answer_alike(start_server: Any,
                                                   database_url: str) -> None:
    server, admin, _, cashier = shop(start_server, database_url, ["C1"])
    pos = server.client(cashier)
    r = pos.post("/v1/invoices", json={**sale("R-1", "C1", "30.00"),
                                       "lines": [{"sku": "TIRE", "qty": "3", "price": "30.00"}]})
    assert r.status_code == 201 and r.json()["points"] == 900, r.text

    ret = {"id": "RT-1", "invoice": "R-1", "store": 1, "lines": [{"sku": "TIRE", "qty": "1"}]}
    answers = at_once(server, cashier, CLIENTS, lambda c, _: c.post("/v1/returns", json=ret))
    first = all_alike(answers, 201)
    assert (first["amount"], first["points_taken"]) == ("30.00", 300)
    assert admin.get("/v1/customers/C1/balance").json()["earned"] == 600
    assert admin.get("/v1/invoices/R-1").json()["points"] == 600

    # different returns at once: two units are left, so two of five succeed
    answers = at_once(server, cashier, 5, lambda c, i: c.post("/v1/returns", json={
        **ret, "id": f"RT-x{i}"}))
    assert sorted(a.status_code for a in answers) == [201, 201, 422, 422, 422]
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 422} \
        == {"return_exceeds_sale"}
    assert admin.get("/v1/customers/C1/balance").json()["earned"] == 0
    books_hold(server)


def test_concurrent_returns_of_an_anonymous_sale(start_server: Any, database_url: str) -> None:
    """No customer to lock: the invoice itself is locked."""
    server, _, _, cashier = shop(start_server, database_url, [])
    pos = server.client(cashier)
    r = pos.post("/v1/invoices", json={**sale("A-1", None, "10.00"),
                                       "lines": [{"sku": "TIRE", "qty": "3", "price": "10.00"}]})
    assert r.status_code == 201, r.text
    ret = {"id": "AR", "invoice": "A-1", "store": 1, "lines": [{"sku": "TIRE", "qty": "1"}]}
    answers = at_once(server, cashier, 6, lambda c, i: c.post("/v1/returns", json={
        **ret, "id": f"AR-{i}"}))
    assert sorted(a.status_code for a in answers) == [201, 201, 201, 422, 422, 422], \
        [a.text for a in answers]
    assert sum(Decimal(a.json()["amount"]) for a in answers if a.status_code == 201) \
        == Decimal("30.00")
    won = next(a.json() for a in answers if a.status_code == 201)
    again = {**ret, "id": won["id"]}  # a winner's id again, many times: its answer each time
    answers = at_once(server, cashier, CLIENTS, lambda c, _: c.post("/v1/returns", json=again))
    assert all_alike(answers, 201) == won
    books_hold(server)


def test_concurrent_payments(start_server: Any, database_url: str) -> None:
    server, admin, _, cashier = shop(start_server, database_url, ["C1"])
    pos = server.client(cashier)
    assert pos.post("/v1/invoices", json=sale("P-1", "C1", "30.00")).status_code == 201
    pay = {"id": "PAY-1", "store": 1, "tender": "cash", "amount": "10.00"}
    answers = at_once(server, cashier, CLIENTS,
                      lambda c, _: c.post("/v1/invoices/P-1/payments", json=pay))
    assert all_alike(answers, 201)["paid"] == "10.00"

    # different payments at once on a sale without a customer: every one counts
    assert pos.post("/v1/invoices", json=sale("P-2", None, "30.00")).status_code == 201
    answers = at_once(server, cashier, 10, lambda c, i: c.post(
        "/v1/invoices/P-2/payments", json={**pay, "id": f"PAY-2-{i}", "amount": "1.00"}))
    assert [a.status_code for a in answers] == [201] * 10, [a.text for a in answers]
    assert admin.get("/v1/invoices/P-2").json()["paid"] == "10.00"
    books_hold(server)


def test_concurrent_identical_invoices_without_customer(start_server: Any,
                                                        database_url: str) -> None:
    server, _, _, cashier = shop(start_server, database_url, [])
    body = sale("N-1", None, "30.00")
    answers = at_once(server, cashier, CLIENTS, lambda c, _: c.post("/v1/invoices", json=body))
    assert all_alike(answers, 201)["id"] == "N-1"


def test_adjustment_replayed_under_its_id(start_server: Any, database_url: str) -> None:
    """5a: once after another (was 201 then 500), then many at once."""
    server, admin, manager, _ = shop(start_server, database_url, ["C1"])
    mgr = server.client(manager)
    body = {"points": 50, "reason": "goodwill", "id": "ADJ-1"}
    first = mgr.post("/v1/customers/C1/adjustments", json=body)
    again = mgr.post("/v1/customers/C1/adjustments", json=body)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json()
    assert first.json()["points"] == 50 and first.json()["available"] == 50

    body = {**body, "id": "ADJ-2"}
    answers = at_once(server, manager, CLIENTS,
                      lambda c, _: c.post("/v1/customers/C1/adjustments", json=body))
    assert all_alike(answers, 201)["available"] == 100
    assert admin.get("/v1/customers/C1/balance").json()["adjusted"] == 100
    books_hold(server)


def test_concurrent_enrollments_and_transfers(start_server: Any, database_url: str) -> None:
    server, admin, manager, cashier = shop(start_server, database_url, [])
    other = {"id": "other", "name": "Other Dollars", "kind": "points_bank", "status": "open",
             "effective": "2020-01-01", "point_value": "0.01", "redeem_as": "payment",
             "filters": [{"name": "all"}],
             "multipliers": [{"name": "1 a dollar", "currency_per_point": "1.00"}]}
    assert admin.post("/v1/programs", json=other).status_code == 201
    assert admin.put("/v1/customers/C9", json={"name": "Nine"}).status_code == 200
    enroll = {"program": "rewards", "date": TODAY.isoformat()}
    answers = at_once(server, manager, CLIENTS,
                      lambda c, _: c.post("/v1/customers/C9/enrollment", json=enroll))
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [409] * (CLIENTS - 1), [a.text for a in answers]
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} \
        == {"already_enrolled"}
    pos = server.client(cashier)
    assert pos.post("/v1/invoices", json=sale("E-1", "C9", "30.00")).json()["points"] == 300

    # item 12: into the program the customer is in, close_current or not: nothing changes
    same = {**enroll, "close_current": True}
    r = server.client(manager).post("/v1/customers/C9/enrollment", json=same)
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_enrolled"
    seen = admin.get("/v1/customers/C9").json()
    assert (seen["balance"]["program"], seen["balance"]["earned"], seen["notes"]) \
        == ("rewards", 300, [])

    # many transfers at once: one moves the customer (forfeiting 300 points), once
    move = {"program": "other", "close_current": True, "date": TODAY.isoformat()}
    answers = at_once(server, manager, CLIENTS,
                      lambda c, _: c.post("/v1/customers/C9/enrollment", json=move))
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [409] * (CLIENTS - 1), [a.text for a in answers]
    seen = admin.get("/v1/customers/C9").json()
    assert seen["balance"]["program"] == "other"
    assert seen["notes"] == ["Left Reward Dollars with 300 points, 0 of them pending"]
    books_hold(server)


def test_concurrent_conversions_accrue_once(start_server: Any, database_url: str) -> None:
    server, admin, _, cashier = shop(start_server, database_url, ["C1"])
    pos = server.client(cashier)
    assert pos.post("/v1/invoices", json=sale("L-1", "C1", "30.00", type="layaway")) \
        .json()["points"] == 0
    answers = at_once(server, cashier, CLIENTS,
                      lambda c, _: c.post("/v1/invoices/L-1/convert"))
    assert all_alike(answers, 200)["points"] == 300
    assert admin.get("/v1/customers/C1/balance").json()["earned"] == 300
    books_hold(server)


def test_concurrent_award_processing_grants_once(start_server: Any, database_url: str) -> None:
    server, admin, manager, cashier = shop(start_server, database_url, [])
    assert admin.post("/v1/programs", json=MANUAL_CLUB).status_code == 201
    assert admin.put("/v1/customers/K1", json={"name": "Kay"}).status_code == 200
    assert admin.post("/v1/customers/K1/enrollment",
                      json={"program": "club", "date": "2024-01-01"}).status_code == 200
    pos = server.client(cashier)
    assert pos.post("/v1/invoices", json=sale("W-1", "K1", "250.00")).json()["points"] == 250
    body = {"commit": True, "date": TODAY.isoformat()}
    answers = at_once(server, manager, 8, lambda c, _: c.post(
        "/v1/programs/club/award-processing", json=body))
    assert [a.status_code for a in answers] == [200] * 8, [a.text for a in answers]
    assert sum(a.json()["awards"] for a in answers) == 2
    coupons = admin.get("/v1/customers/K1/coupons").json()["items"]
    assert len(coupons) == 2
    assert admin.get("/v1/customers/K1/balance").json()["available"] == 50
    books_hold(server)


def test_concurrent_daily_runs_for_one_day(start_server: Any, database_url: str) -> None:
    """5b: one run does the days; the others find nothing to do (was 4 x 500 on PostgreSQL)."""
    server, admin, manager, _ = shop(start_server, database_url, ["C1"])
    assert admin.post("/v1/customers/C1/adjustments", json={
        "points": 100, "reason": "r", "date": "2024-01-01",
        "expires": "2024-06-01"}).status_code == 201
    run = {"date": TODAY.isoformat()}
    answers = at_once(server, manager, 5, lambda c, _: c.post("/v1/maintenance-runs", json=run))
    assert [a.status_code for a in answers] == [201] * 5, [a.text for a in answers]
    days = sorted(a.json()["summary"]["days"] for a in answers)
    assert days[:4] == [0, 0, 0, 0] and days[4] > 0
    assert sum(a.json()["summary"].get("points_expired", 0) for a in answers) == 100
    assert len(admin.get("/v1/maintenance-runs").json()["items"]) == 5
    bal = admin.get("/v1/customers/C1/balance").json()
    assert (bal["available"], bal["expired"]) == (0, 100)
    books_hold(server)

