"""Return proration (R1, R4; issue 19 item 7): whatever is returned, in however many
returns, what is kept plus what was returned is what was sold, to the cent, in the return
amounts, the tax share, the invoice's kept eligible amount and paid-in-full."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patronage.adapters.db import tables as t
from patronage.entrypoints.ops.scratch import scratch_engine
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .support import CLUB, make_shop, rows

PAID = {**CLUB, "id": "paid", "accrue_on": "paid_in_full", "grace_days": 0}
ON_INVOICE = {**CLUB, "id": "now", "grace_days": 0}


def invoice_row(app: Patronage, ext: str) -> dict[str, Any]:
    return next(r for r in rows(app, t.invoices) if r["external_id"] == ext)


def give_back(app: Patronage, ext: str, sku: str, qty: str, invoice: str = "I1") -> Decimal:
    out = app.post_return({"id": ext, "invoice": invoice, "store": 1,
                           "lines": [{"sku": sku, "qty": qty}]})
    return Decimal(str(out.data["amount"]))


def test_a_line_of_three_returned_in_two_returns_then_paid_is_paid_in_full(
        app: Patronage) -> None:
    """The issue's case: 10.00 for 3, two returns of one, the kept unit paid at 3.33."""
    make_shop(app, PAID)
    app.enroll({"customer": "C1", "program": "paid"})
    app.post_invoice({"id": "I1", "customer": "C1", "store": 1,
                      "lines": [{"sku": "X", "qty": "3", "price": "3.34", "discount": "0.02"}]})
    # a 10.00 line: 10.00 x 1/3 = 3.33; 10.00 x 2/3 = 6.67 less the 3.33 already returned = 3.34
    assert [give_back(app, "R1", "X", "1"), give_back(app, "R2", "X", "1")] \
        == [Decimal("3.33"), Decimal("3.34")]
    assert invoice_row(app, "I1")["returned_value"] == Decimal("6.67")
    inv = app.post_payment({"id": "P1", "invoice": "I1", "store": 1, "tender": "cash",
                            "amount": "3.33"})
    assert inv.accrued  # 3.33 + 6.67 = 10.00
    assert (inv.points, inv.eligible_amount) == (3, Decimal("3.33"))
    assert app.balance("C1").available == 3


def test_the_tax_share_is_split_the_same_way(app: Patronage) -> None:
    """Three 1.00 lines and 1.00 tax: returning two lines one by one gives tax shares 0.33
    and 0.34 (not 0.33 twice), so the kept line paid with its own share 0.33 settles it."""
    make_shop(app, PAID)
    app.enroll({"customer": "C1", "program": "paid"})
    app.post_invoice({"id": "I1", "customer": "C1", "store": 1, "tax": "1.00",
                      "lines": [{"sku": s, "qty": "1", "price": "1.00"} for s in "ABC"]})
    give_back(app, "R1", "A", "1")
    assert invoice_row(app, "I1")["returned_value"] == Decimal("1.33")
    give_back(app, "R2", "B", "1")
    assert invoice_row(app, "I1")["returned_value"] == Decimal("2.67")  # 1.33 + 1.00 + 0.34
    inv = app.post_payment({"id": "P1", "invoice": "I1", "store": 1, "tender": "cash",
                            "amount": "1.33"})
    assert inv.accrued and inv.points == 1


def test_returning_everything_in_steps_returns_exactly_the_total(app: Patronage) -> None:
    make_shop(app, ON_INVOICE)
    app.enroll({"customer": "C1", "program": "now"})
    app.post_invoice({"id": "I1", "customer": "C1", "store": 1, "tax": "0.70",
                      "lines": [{"sku": "X", "qty": "7", "price": "1.4286"}]})  # 10.00 + 0.70
    amounts = [give_back(app, f"R{k}", "X", q) for k, q in enumerate(["2", "1", "3", "1"])]
    # 2/7: 2.86; 3/7: 4.29 - 2.86 = 1.43; 6/7: 8.57 - 4.29 = 4.28; 7/7: 10.00 - 8.57 = 1.43
    assert amounts == [Decimal("2.86"), Decimal("1.43"), Decimal("4.28"), Decimal("1.43")]
    inv = invoice_row(app, "I1")
    assert inv["returned_value"] == inv["total"] == Decimal("10.70")
    assert (inv["points"], inv["eligible_amount"]) == (0, Decimal("0.00"))


sizes = st.integers(min_value=1, max_value=9)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(qty=sizes, cents=st.integers(min_value=1, max_value=100_000),
       tax_cents=st.integers(min_value=0, max_value=9_999), data=st.data())
def test_any_sequence_of_partial_returns_keeps_every_cent(
        qty: int, cents: int, tax_cents: int, data: st.DataObject) -> None:
    """Every path that splits a line (the return's amount, its tax share, the kept eligible
    amount the points are recomputed on) agrees: after each return, kept + returned = sold;
    after the last unit, the value returned is the invoice's total."""
    price = Decimal(cents) / 100
    steps = data.draw(st.lists(sizes, min_size=1, max_size=qty))
    with scratch_engine(None, prefix="test") as engine:
        app = Patronage(engine, FixedClock(dt.date(2024, 1, 1)))
        make_shop(app, ON_INVOICE)
        app.enroll({"customer": "C1", "program": "now"})
        app.post_invoice({"id": "I1", "customer": "C1", "store": 1,
                          "tax": str(Decimal(tax_cents) / 100),
                          "lines": [{"sku": "X", "qty": str(qty), "price": str(price)}]})
        sold = invoice_row(app, "I1")
        returned, left = Decimal("0.00"), qty
        for k, step in enumerate(steps):
            step = min(step, left)
            if step == 0:
                break
            returned += give_back(app, f"R{k}", "X", str(step))
            left -= step
            inv = invoice_row(app, "I1")
            assert inv["eligible_amount"] + returned == sold["subtotal"]
        if left == 0:
            assert invoice_row(app, "I1")["returned_value"] == sold["total"]
