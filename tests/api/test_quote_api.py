"""POST /v1/quotes through a real server (issue 21 items 12 and 9): the quote honours
`redeem` as the post does, answers the post's refusals, shows the points an unpaid order
will earn (GET /v1/invoices/{id} too), and says why each line earns with ?explain=true."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import BANK, TODAY, set_up_shop

PAID = {**BANK, "id": "paid", "name": "Paid Dollars", "accrue_on": "paid_in_full"}
CART = {"customer": "C1", "store": 1, "date": TODAY.isoformat(), "tax": "3.00",
        "lines": [{"sku": "OIL", "qty": "1", "price": "50.00"},
                  {"sku": "LAB", "item_type": "labor", "qty": "1", "price": "20.00"}]}
FIGURES = ("points", "points_earnable", "subtotal", "tax", "total", "loyalty_discount",
           "redeemed_rewards", "credit_applied", "paid", "eligible_amount")


def test_quotes_through_the_api(start_server: Any, sqlite_url: str) -> None:
    server = start_server(sqlite_url)
    admin = server.client(server.key("admin"))
    pos = server.client(server.key("cashier", "till-1"))
    set_up_shop(admin, ["C1"])
    assert admin.post("/v1/customers/C1/adjustments",
                      json={"points": 700, "reason": "welcome"}).status_code == 201

    # the toggle: the same cart quoted without and with rewards, then posted with them
    off = pos.post("/v1/quotes", json=CART).json()
    assert (off["amount_due"], off["redeemed_rewards"], off["explain"]) == ("73.00", "0.00", None)
    body = {**CART, "redeem": {"rewards": "all"},
            "payments": [{"tender": "cash", "amount": "66.00"}]}
    on = pos.post("/v1/quotes", json=body)
    assert on.status_code == 200, on.text
    quoted = on.json()
    assert (quoted["redeemed_rewards"], quoted["redeemed_points"]) == ("7.00", 700)
    assert (quoted["paid"], quoted["amount_due"], quoted["points"]) == ("73.00", "0.00", 500)
    posted = pos.post("/v1/invoices", json={**body, "id": "INV-1"})
    assert posted.status_code == 201, posted.text
    assert {k: posted.json()[k] for k in FIGURES} == {k: quoted[k] for k in FIGURES}
    assert posted.json()["balance"]["available"] == 500  # 700 used, 500 earned

    # a redemption the post refuses, the quote refuses with the same answer
    too_much = {**CART, "redeem": {"rewards": "6.00"}}
    quote_no = pos.post("/v1/quotes", json=too_much)
    post_no = pos.post("/v1/invoices", json={**too_much, "id": "INV-2"})
    assert quote_no.status_code == post_no.status_code == 422
    assert quote_no.json()["error"]["code"] == post_no.json()["error"]["code"] == "above_maximum"
    assert quote_no.json()["error"]["fields"] == post_no.json()["error"]["fields"]

    # why each line earns what it does, only when asked
    why = pos.post("/v1/quotes?explain=true", json=CART)
    assert why.status_code == 200, why.text
    oil, labor = why.json()["explain"]
    assert (oil["earns"], oil["filter"], oil["points"]) == (True, "all sales", 500)
    assert oil["rate"] == "1 point per 0.10 (multiplier '10 points a dollar')"
    assert (labor["earns"], labor["points"]) == (False, 0)
    assert "item type labor excluded by filter 'all sales'" in labor["reasons"]
    assert why.json()["explain_notes"]
    assert pos.post("/v1/quotes?explain=maybe", json=CART).status_code == 422

    # a paid-in-full program: earnable beside earned, on the quote and on the invoice
    assert admin.post("/v1/programs", json=PAID).status_code == 201
    admin.put("/v1/customers/C2", json={"name": "Customer C2"})
    admin.post("/v1/customers/C2/enrollment", json={"program": "paid", "date": "2024-01-01"})
    unpaid = {**CART, "customer": "C2", "payments": [{"tender": "cash", "amount": "20.00"}]}
    q = pos.post("/v1/quotes", json=unpaid).json()
    assert (q["points"], q["points_earnable"], q["amount_due"]) == (0, 500, "53.00")
    assert pos.post("/v1/invoices", json={**unpaid, "id": "INV-3"}).json()["points_earnable"] \
        == 500
    shown = pos.get("/v1/invoices/INV-3").json()
    assert (shown["points"], shown["points_earnable"], shown["accrued"]) == (0, 500, False)
    pay = pos.post("/v1/invoices/INV-3/payments",
                   json={"id": "P-1", "store": 1, "tender": "card", "amount": "53.00"})
    assert (pay.json()["points"], pay.json()["points_earnable"]) == (500, 500)
