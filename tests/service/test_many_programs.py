"""E1 with `programs_per_customer: many` (issue 21 item 1) through the facade: the shop
setting and the refused switch back, commands that name their program (unenroll, adjust),
balances per program, the invoice's points by program, and a redemption body without a
program hashing as it did before the field existed (C5 on databases posted before)."""

from __future__ import annotations

import hashlib
import json

import pytest

from patronage.core.errors import PatronageError
from patronage.service import reports
from patronage.service.app import Patronage
from patronage.service.inputs import InvoiceIn, body_hash

from .support import CENTS, CLUB, make_shop


def two_programs(app: Patronage) -> None:
    make_shop(app, CLUB, CENTS, programs_per_customer="many")
    app.enroll({"customer": "C1", "program": "club"})
    app.enroll({"customer": "C1", "program": "cents"})


def test_the_setting_defaults_to_one_and_a_left_out_key_keeps_it(app: Patronage) -> None:
    make_shop(app)
    assert app.read(lambda tx: tx.repo.shop()["programs_per_customer"]) == "one"
    app.configure_shop({"programs_per_customer": "many"})
    app.configure_shop({"name": "Renamed"})  # no key: the setting stays
    assert app.read(lambda tx: tx.repo.shop()["programs_per_customer"]) == "many"


def test_back_to_one_is_refused_while_a_customer_holds_two(app: Patronage) -> None:
    two_programs(app)
    with pytest.raises(PatronageError) as err:
        app.configure_shop({"programs_per_customer": "one"})
    assert err.value.code == "conflict"
    assert err.value.problems[0].field == "programs_per_customer"
    assert "C1" in err.value.message
    assert app.read(lambda tx: tx.repo.shop()["programs_per_customer"]) == "many"
    app.unenroll({"customer": "C1", "program": "cents"})
    app.configure_shop({"programs_per_customer": "one"})  # one program each: allowed
    assert app.read(lambda tx: tx.repo.shop()["programs_per_customer"]) == "one"


def test_unenroll_and_adjust_name_the_program_when_there_are_several(app: Patronage) -> None:
    two_programs(app)
    for call, body in ((app.unenroll, {"customer": "C1"}),
                       (app.adjust, {"customer": "C1", "points": 10, "reason": "x"})):
        with pytest.raises(PatronageError) as err:
            call(body)
        assert (err.value.code, err.value.problems[0].field) == ("invalid", "program")
    app.adjust({"customer": "C1", "program": "cents", "points": 30, "reason": "welcome"})
    by_program = {b.program: b.available for b in app.balances("C1")}
    assert by_program == {"club": 0, "cents": 30}
    out = app.unenroll({"customer": "C1", "program": "club"})
    assert out.message.startswith("Left Club with 0 points")
    assert [b.program for b in app.balances("C1")] == ["cents"]
    # one program left: the program may be omitted again
    app.adjust({"customer": "C1", "points": 5, "reason": "more"})
    assert app.balance("C1").available == 35


def test_an_invoice_earns_in_each_program_and_says_how_much(app: Patronage) -> None:
    two_programs(app)
    # club: 1 per 1.00 on 250.00 = 250; cents: 2 % band (100-500) on 250.00 = 5.00 = 500
    app.post_invoice({"id": "I1", "customer": "C1", "store": 1,
                      "lines": [{"sku": "X", "qty": "1", "price": "250.00"}]})
    view = app.invoice("I1")
    assert [(e.program, e.points) for e in view.earned] == [("club", 250), ("cents", 500)]
    assert view.points == 750
    assert app.balance("C1", program="cents").available == 500
    assert app.balance("C1").program == "club"  # no program named: the oldest enrollment
    with pytest.raises(PatronageError) as err:
        app.balance("C1", program="nope")
    assert err.value.code == "not_enrolled"


def test_in_one_mode_an_invoice_earns_in_the_one_program(app: Patronage) -> None:
    make_shop(app)
    app.enroll({"customer": "C1", "program": "club"})
    app.post_invoice({"id": "I1", "customer": "C1", "store": 1,
                      "lines": [{"sku": "X", "qty": "1", "price": "20.00"}]})
    assert [(e.program, e.points) for e in app.invoice("I1").earned] == [("club", 20)]
    with pytest.raises(PatronageError) as err:
        app.enroll({"customer": "C1", "program": "cents"})
    assert err.value.code == "already_enrolled"


def test_a_redemption_without_a_program_hashes_as_before() -> None:
    body = {"id": "I1", "store": 1, "customer": "C1", "redeem": {"rewards": "all"}}
    digest = body_hash(InvoiceIn.model_validate(body))
    before = {**InvoiceIn.model_validate(body).model_dump(mode="json", exclude={"date"})}
    before["redeem"].pop("program")
    assert digest == hashlib.sha256(json.dumps(before, sort_keys=True).encode()).hexdigest()
    named = {**body, "redeem": {"program": "cents", "rewards": "all"}}
    assert body_hash(InvoiceIn.model_validate(named)) != digest


def test_reports_filter_by_program_and_total_each_program_apart(app: Patronage) -> None:
    """The reports that list points by customer (balances, points per month, expiring)
    answer one program's rows when asked, refuse a program that does not exist (an empty
    report for a typo would read as "nobody holds points"), and total per program."""
    two_programs(app)
    app.put_customer({"id": "C2", "name": "Customer C2"})
    app.enroll({"customer": "C2", "program": "club"})
    # C1: club 250 (1 per 1.00, pending 5 days), cents 500 (2 % of 250.00); C2: club 40
    app.post_invoice({"id": "I1", "customer": "C1", "store": 1,
                      "lines": [{"sku": "X", "qty": "1", "price": "250.00"}]})
    app.post_invoice({"id": "I2", "customer": "C2", "store": 1,
                      "lines": [{"sku": "X", "qty": "1", "price": "40.00"}]})
    today = app.clock.today()

    def balances(program: str | None) -> list[tuple[str, str, int, int]]:
        got = app.read(lambda tx: reports.customer_balances(tx, today, program))
        return [(r["customer"], r["program"], r["pending"], r["available"]) for r in got]

    assert balances("cents") == [("C1", "cents", 0, 500)]
    assert balances("club") == [("C1", "club", 250, 0), ("C2", "club", 40, 0)]
    every = app.read(lambda tx: reports.customer_balances(tx, today))
    assert reports.totals_by_program(every, ("pending", "available")) == [
        {"program": "cents", "pending": 0, "available": 500},
        {"program": "club", "pending": 290, "available": 0}]

    def earned(program: str) -> int:
        return int(app.read(lambda tx: reports.points_by_month(tx, today, today, program))[0]
                   ["earned"])

    assert (earned("club"), earned("cents")) == (290, 500)
    for read in (lambda tx: reports.customer_balances(tx, today, "nope"),
                 lambda tx: reports.points_by_month(tx, today, today, "nope"),
                 lambda tx: reports.expiring(tx, today, "nope")):
        with pytest.raises(PatronageError) as err:
            app.read(read)
        assert (err.value.code, err.value.problems[0].field) == ("not_found", "program")
