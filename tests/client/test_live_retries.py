"""Retries against a real server whose answers are lost: a proxy that forwards a write and
then drops the connection, and a server killed and started again. The client tries again
under the same Idempotency-Key, so each write is applied once and the points are exact."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from typing import Any

from patronage.client import PatronageApiError, PatronageClient, RetryPolicy
from tests.api.conftest import sale, set_up_shop
from tests.client.proxy import LosingProxy

PATIENT = RetryPolicy(attempts=5, backoff=0.1, max_delay=1.0)


def test_a_write_whose_answer_was_lost_is_applied_once(start_server: Any,
                                                       database_url: str) -> None:
    server = start_server(database_url)
    set_up_shop(server.client(server.key("admin")), ["C1"])
    manager_key = server.key("manager")
    with LosingProxy(server.url, drop=2) as proxy, \
            PatronageClient(proxy.url, manager_key, retry=PATIENT, timeout=60) as manager:
        # an adjustment has no natural id: only the Idempotency-Key tells the retry apart
        done = manager.adjust("C1", points=250, reason="goodwill")
        assert done.points == 250 and done.available == 250
        # an invoice is known by its id too; the retry is answered as the first post was
        posted = manager.post_invoice(sale("INV-1", "C1", "100.00"))
        assert posted.points == 1000 and posted.balance is not None
        assert posted.balance.available == 1250
        writes = [(path, key) for method, path, key in proxy.seen if method == "POST"]
    # each write reached the server twice (the first answer lost), with one key each time
    assert [path for path, _ in writes] == ["/v1/customers/C1/adjustments"] * 2 + \
        ["/v1/invoices"] * 2
    assert writes[0][1] == writes[1][1] and writes[2][1] == writes[3][1]
    assert writes[0][1] != writes[2][1]
    with server.client(manager_key) as direct:
        balance = direct.get("/v1/customers/C1/balance").json()
        ledger = direct.get("/v1/customers/C1/ledger").json()["items"]
    assert balance["available"] == 1250 and balance["adjusted"] == 250
    assert balance["value"] == "12.50"
    assert sorted(entry["points"] for entry in ledger) == [250, 1000]


def test_without_retries_a_lost_answer_is_reported_not_guessed(start_server: Any,
                                                               database_url: str) -> None:
    server = start_server(database_url)
    set_up_shop(server.client(server.key("admin")), ["C1"])
    with LosingProxy(server.url, drop=1) as proxy, \
            PatronageClient(proxy.url, server.key("manager"),
                            retry=RetryPolicy(attempts=1)) as manager:
        try:
            manager.adjust("C1", points=250, reason="goodwill")
        except PatronageApiError as err:
            assert err.code == "unavailable" and err.status is None
        else:
            raise AssertionError("a lost answer must not pass for a success")
        assert manager.balance("C1").available == 250  # the server did apply it, once


def test_a_sale_rung_while_the_server_restarts_is_posted_once(start_server: Any,
                                                              database_url: str) -> None:
    server = start_server(database_url)
    set_up_shop(server.client(server.key("admin")), ["C1"])
    key = server.key("cashier")
    patient = RetryPolicy(attempts=60, backoff=0.2, max_delay=1.0)
    with PatronageClient(server.url, key, retry=patient, timeout=30) as till:
        assert till.post_invoice(sale("INV-1", "C1", "100.00")).points == 1000
        server.stop()

        def come_back() -> None:
            time.sleep(1.5)  # the till rings while nothing listens
            server.start()

        restart = threading.Thread(target=come_back)
        restart.start()
        try:
            posted = till.post_invoice(sale("INV-2", "C1", "25.00"))  # refused connections
        finally:
            restart.join()
        assert posted.points == 250
        balance = till.balance("C1")
    assert balance.available == 1250 and balance.value == Decimal("12.50")
