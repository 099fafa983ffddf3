"""Section 12: malformed bodies are refused as `invalid`, naming every field at fault, and
nothing is recorded."""

from __future__ import annotations

from typing import Any

import pytest

from patronage.core.errors import PatronageError
from patronage.service.app import Patronage

from .support import make_shop, snapshot

SALE = {"id": "I1", "customer": "C1", "store": 1,
        "lines": [{"sku": "X", "qty": "1", "price": "10.00"}]}


def refused(app: Patronage, call: Any, body: Any) -> PatronageError:
    before = snapshot(app)
    with pytest.raises(PatronageError) as err:
        call(body)
    assert snapshot(app) == before
    assert err.value.message
    return err.value


@pytest.fixture
def shop(app: Patronage) -> Patronage:
    make_shop(app)
    app.enroll({"customer": "C1", "program": "cents"})
    return app


@pytest.mark.parametrize(("change", "fields"), [
    ({"lines": [{"sku": "X", "qty": "1", "price": 10.5}]}, ["lines.0.price"]),  # a float
    ({"lines": [{"sku": "X", "qty": "-1", "price": "10.00"}]}, ["lines.0.qty"]),
    ({"lines": [{"sku": "X", "qty": "1", "price": "-1.00"}]}, ["lines.0.price"]),
    ({"lines": [{"sku": "X", "qty": "1", "price": "abc"}]}, ["lines.0.price"]),
    ({"lines": [{"sku": "X", "qty": "99999999", "price": "1.00"}]}, ["lines.0.qty"]),
    ({"tax": "1.005"}, ["tax"]),
    ({"date": "2024-02-30"}, ["date"]),
    ({"bogus": 1}, ["bogus"]),
    # absurd magnitudes are refused as invalid, not crashed on (quantize overflows past 1e26)
    ({"payments": [{"tender": "cash", "amount": "1e400"}]}, ["payments.0.amount"]),
    ({"tax": "1e30"}, ["tax"]),
    ({"lines": [{"sku": "X", "qty": "1", "price": "1e30"}]}, ["lines.0.price"]),
    ({"lines": [{"sku": "X", "qty": "1", "price": "10.00", "discount": "1e27"}]},
     ["lines.0.discount"]),
    ({"redeem": {"credit_memos": "1e28"}}, ["redeem.credit_memos"]),
    ({"redeem": {"rewards": "lots"}}, ["redeem.rewards"]),
])
def test_invoice_field_paths(shop: Patronage, change: dict[str, Any], fields: list[str]) -> None:
    err = refused(shop, shop.post_invoice, {**SALE, **change})
    assert err.code == "invalid"
    assert err.fields == fields
    assert shop.quote({**SALE, "id": "fine"})["points"] == 10  # the shop still works


def test_every_problem_is_listed(shop: Patronage) -> None:
    body = {"id": "", "store": "main", "tax": 1.5,
            "lines": [{"sku": "X", "qty": "0", "price": "1.00", "colour": "red"}]}
    err = refused(shop, shop.post_invoice, body)
    assert err.code == "invalid"
    assert set(err.fields) == {"id", "store", "tax", "lines.0.qty", "lines.0.colour"}
    assert all(p.message for p in err.problems)


def test_a_refused_invoice_leaves_its_id_free(shop: Patronage) -> None:
    refused(shop, shop.post_invoice, {**SALE, "tax": "0.001"})
    assert shop.post_invoice(SALE).id == "I1"


@pytest.mark.parametrize(("method", "body", "fields"), [
    ("enroll", {"program": "cents"}, ["customer"]),
    ("enroll", {"customer": "C1", "program": "cents", "date": "soon"}, ["date"]),
    ("adjust", {"customer": "C1", "points": 1.5}, ["points"]),
    ("adjust", {"customer": "C1", "points": 10**12}, ["points"]),
    ("post_payment", {"id": "P1", "invoice": "I1", "store": 1, "tender": "cash",
                      "amount": "-5.00"}, ["amount"]),
    ("post_return", {"id": "R1", "invoice": "I1", "store": 1, "lines": []}, ["lines"]),
    ("void_invoice", {"store": 1}, ["invoice"]),
    ("run_maintenance", {"date": "yesterday"}, ["date"]),
    ("put_customer", {"id": "", "name": "x"}, ["id"]),
    ("card", {"customer": "C1", "add": "1", "extra": True}, ["extra"]),
    ("mass_enroll", {"program": "cents", "select": {"kind": "x"}}, ["select.kind"]),
])
def test_other_commands_name_their_fields(shop: Patronage, method: str, body: dict[str, Any],
                                          fields: list[str]) -> None:
    err = refused(shop, getattr(shop, method), body)
    assert err.code == "invalid"
    assert err.fields == fields


def test_program_bodies(shop: Patronage) -> None:
    err = refused(shop, shop.put_program, {"id": "p", "name": "P", "kind": "lottery",
                                           "effective": "2024-01-01", "grace_days": -1})
    assert err.code == "invalid"
    assert set(err.fields) == {"kind", "grace_days"}
    err = refused(shop, shop.put_program, {
        "id": "p", "name": "P", "kind": "recurring", "status": "open", "effective": "2024-01-01",
        "filters": [{"name": "all"}], "multipliers": [{"name": "m", "currency_per_point": 5.0}],
        "awards": [{"name": "a", "level": 10, "credit_memo": {"amount": "5.00"}}]})
    assert (err.code, err.fields) == ("invalid", ["multipliers.0.currency_per_point"])


def test_a_draft_may_be_incomplete_but_opening_lists_every_problem(shop: Patronage) -> None:
    shop.put_program({"id": "p", "name": "P", "kind": "recurring", "effective": "2024-01-01",
                      "cash_equivalent_only": True})
    err = refused(shop, lambda _: shop.open_program("p"), None)
    assert err.code == "invalid_program"
    assert err.fields == ["filters", "cash_equivalent_only", "multipliers", "awards"]
