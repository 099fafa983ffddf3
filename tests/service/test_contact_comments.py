"""Issue 21 items 4 and 5: comments on programs (seed 001's "Comments") and notes on
filters, multipliers and awards (its "Whiteboard"), which never change what is earned;
customers' postal address and phone, printed on letters (seed 004); and the refusals: a
status the shop does not define, a price-group discount outside 0 to 100 %."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from patronage.core.customers import address_lines, status_problem
from patronage.core.errors import PatronageError
from patronage.entrypoints.ops.files import read_customers
from patronage.entrypoints.simulate import simulate
from patronage.service import bulk, messaging
from patronage.service.app import Patronage
from patronage.service.setup import program_to_dict

from .support import CLUB, make_shop, snapshot

NOTED: dict[str, Any] = {
    **CLUB, "id": "noted", "name": "Noted Club",
    "comments": "Launched for the spring sale.\nAsk Maria before changing the level.",
    "filters": [{"name": "all", "whiteboard": "tires and service alike"}],
    "multipliers": [{"name": "one per dollar", "currency_per_point": "1.00",
                     "whiteboard": "was 1 per $2 until 2023"}],
    "awards": [{**CLUB["awards"][0], "whiteboard": "the card design is in the back office"}],
}
ADDRESS = {"phone": "+1 (555) 010-2030 x12", "address_line1": "12 Elm Street",
           "address_line2": "Apt 4", "city": "Springfield", "region": "IL",
           "postal_code": "62704", "country": "USA"}
STATUSES = [{"code": "ACTIVE"}, {"code": "HOLD", "include_in_loyalty": False}]


def read_back(app: Patronage, program_id: str) -> dict[str, Any]:
    """The program as GET /v1/programs gives it (the ProgramIn mapping)."""
    program = app.read(lambda tx: tx.repo.program(program_id))
    assert program is not None
    return program_to_dict(program)


def refused(app: Patronage, call: Any, body: Any) -> PatronageError:
    """`call(body)` is refused with `invalid` and the database is as it was."""
    before = snapshot(app)
    with pytest.raises(PatronageError) as err:
        call(body)
    assert err.value.code == "invalid", err.value
    assert snapshot(app) == before
    return err.value


# --- comments ---------------------------------------------------------------------------


def test_comments_and_whiteboards_are_kept_returned_and_changed(app: Patronage) -> None:
    make_shop(app, NOTED)
    stored = read_back(app, "noted")
    assert stored["comments"] == NOTED["comments"]  # line breaks kept
    assert stored["filters"][0]["whiteboard"] == "tires and service alike"
    assert stored["multipliers"][0]["whiteboard"] == "was 1 per $2 until 2023"
    assert stored["awards"][0]["whiteboard"] == "the card design is in the back office"
    app.change_program("noted", {"grace_days": 3})  # a change of something else keeps them
    kept = read_back(app, "noted")
    assert (kept["comments"], kept["grace_days"]) == (NOTED["comments"], 3)
    app.change_program("noted", {"comments": None})
    assert "comments" not in read_back(app, "noted")


def test_comments_never_change_what_is_earned(app: Patronage) -> None:
    plain = {**CLUB, "id": "plain", "name": "Plain Club"}
    make_shop(app, plain, NOTED, customers=("C1", "C2"))
    app.enroll({"customer": "C1", "program": "plain"})
    app.enroll({"customer": "C2", "program": "noted"})
    for invoice, customer in (("I1", "C1"), ("I2", "C2")):
        app.post_invoice({"id": invoice, "customer": customer, "store": 1,
                          "lines": [{"sku": "TIRE", "qty": "2", "price": "61.50"}]})
    assert app.invoice("I1").points == app.invoice("I2").points == 123
    assert app.balance("C1") == dataclasses.replace(app.balance("C2"), program="plain",
                                                    program_name="Plain Club")


def test_comments_are_limited_like_other_free_text(app: Patronage) -> None:
    make_shop(app, customers=())
    err = refused(app, app.put_program, {**NOTED, "comments": "x" * 2001})
    assert err.fields == ["comments"]
    err = refused(app, app.put_program, {**NOTED, "comments": "a\x00b",
                                         "awards": [{**NOTED["awards"][0], "whiteboard": "\x1b"}]})
    assert err.fields == ["comments", "awards.0.whiteboard"]


# --- address and phone ------------------------------------------------------------------


def test_a_customer_keeps_an_address_and_phone(app: Patronage) -> None:
    make_shop(app, customers=())
    app.put_customer({"id": "C1", "name": "Ann Lee", **ADDRESS})
    ann = app.customer("C1")
    assert {k: getattr(ann, k) for k in ADDRESS} == ADDRESS
    app.put_customer({"id": "C1", "phone": " 555 0199 "})  # an update names what changes
    ann = app.customer("C1")
    assert (ann.phone, ann.city, ann.name) == ("555 0199", "Springfield", "Ann Lee")
    app.put_customer({"id": "C1", "address_line2": "", "country": None})  # blank clears
    ann = app.customer("C1")
    assert (ann.address_line2, ann.country, ann.address_line1) == (None, None, "12 Elm Street")


@pytest.mark.parametrize(("field", "value"), [
    ("phone", "call after five"), ("phone", "555\n0199"), ("phone", "1" * 51),
    ("postal_code", "6" * 21), ("city", "c" * 101), ("address_line1", "a" * 201),
    ("country", "US\x00A"),
])
def test_contact_details_are_limited(app: Patronage, field: str, value: str) -> None:
    make_shop(app)
    err = refused(app, app.put_customer, {"id": "C1", field: value})
    assert err.fields == [field]


def test_address_lines_of_a_letter() -> None:
    assert address_lines(ADDRESS) == ["12 Elm Street", "Apt 4", "Springfield, IL 62704", "USA"]
    assert address_lines({"address_line1": "1 Rue Haute", "postal_code": "1000",
                          "city": "Bruxelles", "country": "Belgium"}) == \
        ["1 Rue Haute", "Bruxelles, 1000", "BELGIUM"]
    assert address_lines({"city": " ", "phone": "555"}) == []


def test_printed_letters_carry_the_address_block(app: Patronage) -> None:
    make_shop(app, CLUB, customers=("C1", "C2"))
    app.put_customer({"id": "C1", **ADDRESS})
    for cid in ("C1", "C2"):
        app.enroll({"customer": cid, "program": "club"})
    queued = app.run(lambda tx: messaging.queue_statements(tx, "club"))
    assert queued["to_print"] == 2  # neither has an email: both letters are printed
    letters = app.read(lambda tx: messaging.render_letters(tx, queued["ids"]))
    by_customer = {letter["row"]["payload"]["customer"]: letter["html"] for letter in letters}
    block = by_customer["C1"].split('<div class="to">')[1].split("</div>")[0]
    assert [part.strip() for part in block.split("<br>")] == \
        ["Customer C1", "12 Elm Street", "Apt 4", "Springfield, IL 62704", "USA"]
    assert "No postal address" in by_customer["C2"]


# --- statuses ---------------------------------------------------------------------------


def test_a_status_the_shop_does_not_define_is_refused(app: Patronage) -> None:
    make_shop(app, statuses=STATUSES)
    err = refused(app, app.put_customer, {"id": "C9", "name": "New", "status": "ODD"})
    assert err.fields == ["status"] and "ACTIVE, HOLD" in err.message
    refused(app, app.put_customer, {"id": "C1", "status": "active"})  # codes are exact
    app.put_customer({"id": "C1", "status": "HOLD"})
    app.put_customer({"id": "C2", "name": "Bo", "status": "ACTIVE"})
    app.put_customer({"id": "C1", "status": None})  # no status is always allowed
    assert (app.customer("C1").status, app.customer("C2").status) == (None, "ACTIVE")


def test_a_shop_without_statuses_takes_any_and_a_kept_status_stays(app: Patronage) -> None:
    make_shop(app, customers=())
    app.put_customer({"id": "C1", "status": "WHATEVER"})  # no list: statuses are free
    app.configure_shop({"statuses": STATUSES})
    # the shop's list came later: C1 may keep its status while other details change
    app.put_customer({"id": "C1", "status": "WHATEVER", "phone": "555 0100"})
    assert (app.customer("C1").status, app.customer("C1").phone) == ("WHATEVER", "555 0100")
    refused(app, app.put_customer, {"id": "C2", "status": "WHATEVER"})


def test_status_problem_is_a_pure_rule() -> None:
    assert status_problem("X", {"A"}) is not None
    assert status_problem("X", set()) is None
    assert status_problem("X", {"A"}, current="X") is None
    assert status_problem(None, {"A"}) is None


def test_the_import_refuses_unknown_statuses_by_line_and_keeps_addresses(
        app: Patronage, tmp_path: Path) -> None:
    make_shop(app, statuses=STATUSES, customers=())
    path = tmp_path / "customers.csv"
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "name", "status", "city", "postal_code", "address_line1", "phone"])
        out.writerow(["K1", "Kim Park", "ACTIVE", "Springfield", "62704", "12 Elm St", "555 0101"])
        out.writerow(["K2", "Lou Chan", "GOLDEN", "", "", "", ""])
        out.writerow(["K3", "Max Roe", "", "", "", "", "not a phone"])
    result = bulk.import_customers(app, read_customers(path))
    assert {e.line: (e.code, e.message.split(":")[0]) for e in result.errors} == {
        3: ("invalid", "status"), 4: ("invalid", "phone")}
    kim = app.customer("K1")
    assert (kim.status, kim.city, kim.postal_code, kim.address_line1, kim.phone) == \
        ("ACTIVE", "Springfield", "62704", "12 Elm St", "555 0101")
    for cid in ("K2", "K3"):
        with pytest.raises(PatronageError, match="not_found"):
            app.customer(cid)


def test_a_scenario_customer_with_an_unknown_status_fails_its_line(tmp_path: Path) -> None:
    path = tmp_path / "statuses.yaml"
    path.write_text(
        "shop:\n  stores: [{id: 1}]\n  statuses: [{code: ACTIVE}]\n"
        "customers:\n  - {id: C1, status: ACTIVE, city: Springfield}\n"
        "  - {id: C2, status: GOLDEN}\n"
        "timeline:\n  - date: 2024-01-02\n    expect:\n      customers:\n"
        "        C1: {available: 0}\n")
    lines: list[str] = []
    assert simulate([str(path)], None, out=lines.append) != 0
    failed = [line for line in lines if line.startswith("FAIL")]
    assert len(failed) == 1 and ":6 customer C2: invalid: status" in failed[0]


# --- price groups -----------------------------------------------------------------------


@pytest.mark.parametrize("percent", ["-0.01", "-10", "100.01", "150"])
def test_a_price_group_discount_is_0_to_100_percent(app: Patronage, percent: str) -> None:
    make_shop(app, customers=())
    err = refused(app, app.configure_shop,
                  {"price_groups": [{"code": "OK", "discount_percent": "10"},
                                    {"code": "BAD", "discount_percent": percent}]})
    assert err.fields == ["price_groups.1.discount_percent"]


def test_the_ends_of_the_discount_range_are_allowed(app: Patronage) -> None:
    make_shop(app, customers=())
    app.configure_shop({"price_groups": [{"code": "NONE", "discount_percent": "0"},
                                         {"code": "FREE", "discount_percent": "100"}]})
    groups = app.read(lambda tx: [tx.repo.price_group(g) for g in ("NONE", "FREE")])
    assert [g["discount_percent"] if g else None for g in groups] == [0, 100]

