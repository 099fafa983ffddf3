"""Section 12: malformed bodies are refused as `invalid`, naming every field at fault, and
nothing is recorded."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from patronage.core.errors import PatronageError
from patronage.entrypoints.ops.files import INVOICE_COLUMNS, read_invoices
from patronage.service import bulk
from patronage.service.app import Patronage

from .support import CENTS, make_shop, snapshot

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


# --- the date window (docs/decisions.md, "Bad input": [today - 10 years, today + 1 day]) --

TODAY = dt.date(2024, 1, 1)  # the `clock` fixture's


@pytest.fixture
def documents(shop: Patronage) -> Patronage:
    """An invoice, a layaway and a program with manual awards to act on."""
    shop.post_invoice(SALE)
    shop.post_invoice({**SALE, "id": "L1", "type": "layaway"})
    shop.put_program({"id": "manual", "name": "Manual", "kind": "recurring", "status": "open",
                      "effective": "2024-01-01", "award_processing": "manual",
                      "filters": [{"name": "all"}],
                      "multipliers": [{"name": "m", "currency_per_point": "1.00"}],
                      "awards": [{"name": "a", "level": 5, "credit_memo": {"amount": "5.00"}}]})
    shop.put_customer({"id": "C2", "name": "Customer C2"})
    return shop


COMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("post_invoice", {**SALE, "id": "I2"}),
    ("post_payment", {"id": "P1", "invoice": "I1", "store": 1, "tender": "cash",
                      "amount": "5.00"}),
    ("post_return", {"id": "R1", "invoice": "I1", "customer": "C1", "store": 1,
                     "lines": [{"sku": "X", "qty": "1"}]}),
    ("void_invoice", {"invoice": "I1", "store": 1}),
    ("convert_layaway", {"invoice": "L1", "store": 1}),
    ("adjust", {"customer": "C1", "points": 5, "reason": "goodwill"}),
    ("enroll", {"customer": "C2", "program": "club"}),
    ("unenroll", {"customer": "C1"}),
    ("mass_enroll", {"program": "club", "customers": ["C2"]}),
    ("mass_unenroll", {"customers": ["C1"]}),
    ("card", {"customer": "C1", "add": "7001"}),
    ("process_awards", {"program": "manual", "customers": ["C1"]}),
    ("run_maintenance", {}),
]


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(2013, 12, 31), dt.date(2024, 1, 3),
                                 dt.date(2099, 12, 31)], ids=str)
@pytest.mark.parametrize(("method", "body"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_a_date_out_of_the_window_is_refused(documents: Patronage, method: str,
                                             body: dict[str, Any], day: dt.date) -> None:
    err = refused(documents, getattr(documents, method), {**body, "date": day.isoformat()})
    assert (err.code, err.fields) == ("invalid", ["date"])
    assert "2014-01-01 to 2024-01-0" in err.message


@pytest.mark.parametrize("day", [dt.date(2014, 1, 1), TODAY, dt.date(2024, 1, 2)], ids=str)
def test_a_document_dated_within_the_window_is_taken(shop: Patronage, day: dt.date) -> None:
    view = shop.post_invoice({**SALE, "customer": None, "date": day.isoformat()})
    assert view.date == day


def test_a_daily_run_is_for_a_day_that_has_come(shop: Patronage, clock: Any) -> None:
    """Not tomorrow (a POS may be a day ahead, a run may not); a typo of 2099 marks nothing
    done, and the run for today then does its days."""
    for day in ("2024-01-02", "2099-12-31"):
        err = refused(shop, shop.run_maintenance, {"date": day})
        assert (err.code, err.fields) == ("invalid", ["date"])
    shop.post_invoice(SALE)
    clock.set(dt.date(2024, 1, 3))
    ran = shop.run_maintenance({}).data
    assert (ran["from"], ran["to"], ran["days"]) == ("2024-01-01", "2024-01-03", 3)


def test_an_invoice_of_year_one_cannot_make_the_run_catch_up_for_ages(shop: Patronage) -> None:
    """Issue 19 item 4: a till dated 0001-01-01 made the next run catch up 739,957 days."""
    refused(shop, shop.post_invoice, {**SALE, "date": "0001-01-01"})
    assert shop.run_maintenance({}).data["days"] == 1


def test_an_import_reports_out_of_window_rows_by_line_and_runs_no_catch_up(
        shop: Patronage, tmp_path: Path) -> None:
    def row(inv: str, day: str) -> list[str]:
        return [inv, day, "1", "C1", "sale", "", "X", "product", "", "", "", "", "1", "10.00",
                "0.00", "0.00"]

    path = tmp_path / "invoices.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows([INVOICE_COLUMNS, row("OLD", "0001-01-01"),
                                  row("OK", "2024-01-01"), row("TYPO", "2099-12-31")])
    result = bulk.import_invoices(shop, read_invoices(path))
    assert sorted((e.line, e.code) for e in result.errors) == [(2, "invalid"), (4, "invalid")]
    assert result.done == 1
    assert shop.read(lambda tx: tx.repo.last_done_day()) == TODAY
    assert shop.read(lambda tx: tx.repo.shop())["first_activity"] == TODAY


# --- input limits (docs/decisions.md, "Bad input"), the same on every database ---------------

TEN_MB = "x" * 10_000_000


@pytest.mark.parametrize(("change", "fields"), [
    ({"id": "I\x001"}, ["id"]),
    ({"customer": "C" * 101}, ["customer"]),
    ({"type": "sale\x1b"}, ["type"]),
    ({"lines": [{"sku": TEN_MB, "qty": "1", "price": "10.00"}]}, ["lines.0.sku"]),
    ({"lines": [{"sku": "X\x00", "qty": "1", "price": "10.00"}]}, ["lines.0.sku"]),
    ({"lines": [{"sku": "X\n", "qty": "1", "price": "10.00"}]}, ["lines.0.sku"]),
    ({"lines": [{"sku": "X", "vendor": "v" * 101, "qty": "1", "price": "10.00"}]},
     ["lines.0.vendor"]),
    ({"lines": [{"sku": "X", "item_type": "p" * 51, "qty": "1", "price": "10.00"}]},
     ["lines.0.item_type"]),
    # issue 19 item 10: 1e15 a line was accepted
    ({"lines": [{"sku": "X", "qty": "1000000", "price": "1000000000"}]}, ["lines.0.price"]),
    ({"lines": [{"sku": "X", "qty": "1", "price": "1e15"}]}, ["lines.0.price"]),
    ({"lines": [{"sku": "X", "qty": "1000", "price": "10000000"}]}, ["lines"]),
    ({"lines": [{"sku": "X", "qty": "60", "price": "10000000"}] * 2}, ["lines"]),
    ({"lines": [{"sku": "X", "qty": "0.0000001", "price": "10.00"}]}, ["lines.0.qty"]),
    ({"lines": [{"sku": "X", "qty": "1", "price": "10." + "0" * 40}]}, ["lines.0.price"]),
    ({"payments": [{"tender": "cash", "amount": "0.01"}] * 101}, ["payments"]),
    ({"payments": [{"tender": "ca\x00sh", "amount": "1.00"}]}, ["payments.0.tender"]),
])
def test_invoice_limits(shop: Patronage, change: dict[str, Any], fields: list[str]) -> None:
    err = refused(shop, shop.post_invoice, {**SALE, **change})
    assert (err.code, err.fields) == ("invalid", fields)


def test_the_largest_invoice_within_the_limits_is_taken(shop: Patronage) -> None:
    lines = [{"sku": "X", "qty": "100", "price": "10000000"}]  # 1,000,000,000.00
    assert shop.post_invoice({**SALE, "customer": None, "lines": lines}).subtotal == \
        Decimal("1000000000.00")


@pytest.mark.parametrize(("method", "body", "fields"), [
    ("put_customer", {"id": "C9", "name": TEN_MB}, ["name"]),
    ("put_customer", {"id": "C9", "name": "Ann\x00Lee"}, ["name"]),
    ("put_customer", {"id": "C\x009", "name": "Ann"}, ["id"]),
    ("put_customer", {"id": "C9", "email": "a" * 250 + "@x.io"}, ["email"]),
    ("put_customer", {"id": "C9", "status": "s" * 51}, ["status"]),
    ("adjust", {"customer": "C1", "points": 5, "reason": "r" * 201}, ["reason"]),
    ("adjust", {"customer": "C1", "points": 5, "reason": "bad\x00"}, ["reason"]),
    ("adjust", {"customer": "C1", "points": 5, "user": "ann\x07"}, ["user"]),
    ("card", {"customer": "C1", "add": "70\x0001"}, ["add"]),
    ("enroll", {"customer": "C1\x00", "program": "club"}, ["customer"]),
    ("post_return", {"id": "R1", "customer": "C1", "store": 1,
                     "lines": [{"sku": "X", "qty": "1000", "price": "10000000"}]}, ["lines"]),
    ("configure_shop", {"name": "Tire\x00Town"}, ["name"]),
    ("configure_shop", {"stores": [{"id": 1, "name": "M" * 201}]}, ["stores.0.name"]),
    ("put_program", {**CENTS, "point_value": "0.0000001"}, ["point_value"]),
    ("put_program", {**CENTS, "percent_tiers": [{"percent": "1" * 20}]},
     ["percent_tiers.0.percent"]),
    ("put_program", {**CENTS, "name": "Cents\x00"}, ["name"]),
    ("put_program", {**CENTS, "filters": [{"name": "f", "whiteboard": "w" * 2001}]},
     ["filters.0.whiteboard"]),
])
def test_other_limits(shop: Patronage, method: str, body: dict[str, Any],
                      fields: list[str]) -> None:
    err = refused(shop, getattr(shop, method), body)
    assert (err.code, err.fields) == ("invalid", fields)
    assert "\x00" not in err.message and len(err.message) < 1000


def test_free_text_may_have_tabs_and_line_breaks(shop: Patronage) -> None:
    shop.adjust({"customer": "C1", "points": 5, "reason": "ported\tfrom\r\nthe old till"})
    shop.put_program({**CENTS, "filters": [{"name": "parts", "whiteboard": "a\nb",
                                            "exclude_item_types": ["labor"]}]})
    assert shop.balance("C1").adjusted == 5
