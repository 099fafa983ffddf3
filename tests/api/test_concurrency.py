"""C4 under load: many simultaneous redemptions of one balance never overspend it.

A real server on SQLite (writers begin IMMEDIATE) and on PostgreSQL (writers lock the
customer's row). Many threads post invoices that each redeem from the same customer at
once; an observer polls the balance throughout and never sees it below zero.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from tests.api.conftest import SHOP, TODAY, set_up_shop

REQUESTS = 60
CLUB = {"id": "club", "name": "250 Club", "kind": "recurring", "status": "open",
        "effective": "2020-01-01", "filters": [{"name": "all"}],
        "multipliers": [{"name": "1 a dollar", "currency_per_point": "1.00"}],
        "awards": [{"name": "20 dollars", "level": 100,
                    "credit_memo": {"amount": "20.00", "reason": "LOYALTY"}}]}


def labor(invoice_id: str, customer: str, price: str, redeem: dict[str, str]) -> dict[str, Any]:
    """A sale that earns nothing (labor is excluded), so only redemptions move the balance."""
    return {"id": invoice_id, "store": 1, "customer": customer, "date": TODAY.isoformat(),
            "lines": [{"sku": "LABOR", "item_type": "labor", "qty": "1", "price": price}],
            "redeem": redeem}


def storm(server: Any, key: str, bodies: list[dict[str, Any]], customer: str,
          field: str) -> tuple[list[Any], list[int], float]:
    """Post every body at once from many threads, watching `field` of the balance."""
    seen: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        with server.client(key) as c:
            while not stop.is_set():
                seen.append(c.get(f"/v1/customers/{customer}/balance").json()[field])
                time.sleep(0.01)

    def post(body: dict[str, Any]) -> Any:
        with server.client(key) as c:
            return c.post("/v1/invoices", json=body)

    observer = threading.Thread(target=watch)
    observer.start()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(post, bodies))
    elapsed = time.monotonic() - started
    stop.set()
    observer.join()
    return answers, seen, elapsed


def check(server: Any, database: str) -> None:
    admin = server.client(server.key("admin"))
    set_up_shop(admin, ["C1"])
    cashier = server.key("cashier")
    manager = server.client(server.key("manager"))
    assert manager.post("/v1/customers/C1/adjustments",
                        json={"points": 1000, "reason": "opening balance"}).status_code == 201

    # 60 tills each redeem $1.00 (100 points) of a $10.00 balance at the same moment
    bodies = [labor(f"A-{n}", "C1", "5.00", {"rewards": "1.00"}) for n in range(REQUESTS)]
    answers, seen, elapsed = storm(server, cashier, bodies, "C1", "available")
    codes = [a.status_code for a in answers]
    assert all(a.status_code in (201, 422) for a in answers), [a.text for a in answers]
    refused = {a.json()["error"]["code"] for a in answers if a.status_code == 422}
    assert refused <= {"above_maximum"}
    won = codes.count(201)
    assert won == 10, codes
    balance = manager.get("/v1/customers/C1/balance").json()
    assert balance["available"] == 0 and balance["used"] == 1000
    assert min(seen) >= 0
    print(f"\n[{database}] {REQUESTS} concurrent redemptions of $1.00 from $10.00: {won} "
          f"succeeded, {REQUESTS - won} refused above_maximum, {len(seen)} balance reads "
          f"never below 0 (min {min(seen)}), {elapsed:.1f}s")

    # "all" from many tills at once: what is taken adds up to exactly the balance
    manager.post("/v1/customers/C1/adjustments", json={"points": 1000, "reason": "top up"})
    bodies = [labor(f"B-{n}", "C1", "3.00", {"rewards": "all"}) for n in range(30)]
    answers, seen, _ = storm(server, cashier, bodies, "C1", "available")
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
    taken = sum(Decimal(a.json()["redeemed_rewards"]) for a in answers)
    assert taken == Decimal("10.00") and min(seen) >= 0
    assert manager.get("/v1/customers/C1/balance").json()["available"] == 0

    # credit memos (C3): four $5.00 uses fit a $20.00 memo, however many try at once
    admin.put("/v1/shop", json=SHOP)
    assert admin.post("/v1/programs", json=CLUB).status_code == 201
    admin.put("/v1/customers/C2", json={"name": "Bob"})
    manager.post("/v1/customers/C2/enrollment", json={"program": "club", "date": "2024-01-01"})
    pos = server.client(cashier)
    r = pos.post("/v1/invoices", json={"id": "EARN", "store": 1, "customer": "C2",
                                       "date": TODAY.isoformat(),
                                       "lines": [{"sku": "T", "qty": "1", "price": "100.00"}]})
    assert r.status_code == 201, r.text
    memos = pos.get("/v1/customers/C2/credit-memos").json()["items"]
    assert [m["remaining"] for m in memos] == ["20.00"]
    bodies = [labor(f"M-{n}", "C2", "9.00", {"credit_memos": "5.00"}) for n in range(24)]
    answers, _, _ = storm(server, cashier, bodies, "C2", "available")
    assert [a.status_code for a in answers].count(201) == 4, [a.text for a in answers]
    memos = pos.get("/v1/customers/C2/credit-memos").json()["items"]
    assert [(m["remaining"], m["status"]) for m in memos] == [("0.00", "used")]


def test_concurrent_redemptions_sqlite(start_server: Any, sqlite_url: str) -> None:
    check(start_server(sqlite_url), "sqlite")


def test_concurrent_redemptions_postgresql(start_server: Any, postgres_url: str) -> None:
    check(start_server(postgres_url), "postgresql")
