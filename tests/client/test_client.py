"""Every call of the client against a real `patronage serve`, on SQLite and PostgreSQL:
typed answers with exact money, and refusals mapped to the API's codes and fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from patronage.client import (
    BalanceOut,
    InvoiceOut,
    PatronageApiError,
    PatronageClient,
    RetryPolicy,
)
from tests.api.conftest import BANK, SHOP

NO_RETRY = RetryPolicy(attempts=1)


def clients(server: Any) -> tuple[PatronageClient, PatronageClient, PatronageClient]:
    """An admin's, a manager's and a till's client."""
    return tuple(PatronageClient(server.url, server.key(role), retry=NO_RETRY, timeout=60)
                 for role in ("admin", "manager", "cashier"))  # type: ignore[return-value]


def opened(start_server: Any, database_url: str) -> tuple[Any, ...]:
    server = start_server(database_url)
    admin, manager, till = clients(server)
    assert admin.put_shop(SHOP).stores[0].name == "Main"
    assert admin.put_program(BANK)["id"] == "rewards"
    manager.put_customer("C1", name="Ann Lee", email="ann@example.com", type="retail")
    assert manager.add_card("C1", "4000123").cards[0].number == "4000123"
    assert manager.enroll("C1", "rewards", date=dt.date(2024, 1, 1)).balance.program == \
        "rewards"
    return server, admin, manager, till


def test_the_pos_calls(start_server: Any, database_url: str) -> None:
    _, _, manager, till = opened(start_server, database_url)
    assert till.health().status == "ok"
    found = till.find_card("4000123")
    assert (found.id, found.name, found.email) == ("C1", "Ann Lee", "ann@example.com")

    sale = till.post_invoice({"id": "INV-1", "store": 1, "customer": "C1",
                              "lines": [{"sku": "TIRE", "qty": "2", "price": Decimal("50.00")},
                                        {"sku": "MOUNT", "item_type": "labor", "qty": "1",
                                         "price": "20.00"}],
                              "tax": "8.40", "payments": [{"tender": "card",
                                                           "amount": "128.40"}]})
    assert isinstance(sale, InvoiceOut)
    assert sale.total == Decimal("128.40") and isinstance(sale.total, Decimal)
    assert sale.points == 1000 and sale.balance is not None and sale.balance.available == 1000

    cart = {"store": 1, "customer": "C1", "lines": [{"sku": "OIL", "qty": "1",
                                                     "price": "45.00"}]}
    quote = till.quote(cart)
    assert quote.points == 450 and quote.rewards.max == Decimal("10.00")
    assert till.balance("C1").available == 1000  # a quote changes nothing

    paid = till.post_invoice({**cart, "id": "INV-2", "redeem": {"rewards": "all"}})
    assert paid.redeemed_rewards == Decimal("10.00")
    assert [(x.label, x.amount) for x in paid.receipt_lines] == \
        [("Redeemed Rewards", Decimal("10.00"))]
    assert till.invoice("INV-2").redeemed_rewards == Decimal("10.00")

    layaway = till.post_invoice({"id": "LAY-1", "store": 1, "customer": "C1",
                                 "type": "layaway",
                                 "lines": [{"sku": "RIMS", "qty": "1", "price": "200.00"}]})
    assert layaway.points == 0
    after_payment = till.post_payment("LAY-1", id="PAY-1", store=1, tender="cash",
                                      amount=Decimal("200.00"))
    assert after_payment.paid == Decimal("200.00")
    converted = till.convert_layaway("LAY-1")
    assert converted.points == 2000 and converted.type == "sale"

    back = till.post_return({"id": "RET-1", "invoice": "INV-1", "store": 1,
                             "lines": [{"sku": "TIRE", "qty": "1"}]})
    assert back.amount == Decimal("50.00") and back.points_taken == 500

    voided = manager.void("INV-2")
    assert voided.status == "voided"  # the 1000 points it spent come back, its 450 go

    goodwill = manager.adjust("C1", points=250, reason="goodwill")
    assert goodwill.points == 250

    balance = till.balance("C1")
    assert isinstance(balance, BalanceOut)
    # 1000 (INV-1) - 500 (RET-1) + 2000 (LAY-1) + 250 (goodwill); INV-2 undone entirely
    assert balance.available == 2750 and balance.value == Decimal("27.50")
    assert till.customer("C1").balance == balance
    assert manager.run_maintenance(store=1).summary["days"] >= 0
    assert till.balance("C1").available == 2750


@pytest.mark.parametrize(("role", "call", "status", "code", "field"), [
    ("cashier", lambda c: c.customer("NOBODY"), 404, "not_found", None),
    ("cashier", lambda c: c.find_card("0000"), 404, "not_found", None),
    ("cashier", lambda c: c.post_invoice({"id": "X-1", "store": 1, "customer": "C1",
                                          "lines": [{"sku": "CAP", "qty": "1",
                                                     "price": "15.00"}],
                                          "redeem": {"rewards": "5.00"}}),
     422, "above_maximum", "redeem.rewards"),
    ("cashier", lambda c: c.void("INV-NONE"), 403, "forbidden", "Authorization"),
    ("manager", lambda c: c.add_card("C2", "4000123"), 409, "card_in_use", None),
    ("manager", lambda c: c.enroll("C1", "rewards"), 409, "already_enrolled", None),
    ("manager", lambda c: c.adjust("C1", points=-5), 422, "insufficient_points", None),
])
def test_refusals_keep_their_code_status_and_field(start_server: Any, database_url: str,
                                                   role: str, call: Any, status: int,
                                                   code: str, field: str | None) -> None:
    _, _, manager, till = opened(start_server, database_url)
    manager.put_customer("C2", name="Bob")
    with pytest.raises(PatronageApiError) as caught:
        call(till if role == "cashier" else manager)
    err = caught.value
    assert (err.status, err.code) == (status, code), err
    if field:
        assert err.field == field
    assert err.message  # written for the cashier
    assert till.balance("C1").available == 0  # a refusal changes nothing


def test_a_bad_key_is_unauthorized(start_server: Any, database_url: str) -> None:
    server = start_server(database_url)
    with PatronageClient(server.url, "not-a-key", retry=NO_RETRY) as stranger, \
            pytest.raises(PatronageApiError) as caught:
        stranger.balance("C1")
    assert (caught.value.status, caught.value.code) == (401, "unauthorized")
