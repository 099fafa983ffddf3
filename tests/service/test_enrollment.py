"""Enrollment through the facade (E1-E4): transfer notes, mass-enroll results, cards."""

from __future__ import annotations

import datetime as dt

import pytest

from patronage.core.errors import PatronageError
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .support import make_shop, snapshot


def test_transfer_forfeits_notes_and_keeps_credit(app: Patronage, clock: FixedClock) -> None:
    make_shop(app)
    app.enroll({"customer": "C1", "program": "club"})
    app.adjust({"customer": "C1", "points": 130, "reason": "welcome"})  # award: 30 left, memo
    app.post_invoice({"id": "I1", "customer": "C1", "store": 1,
                      "lines": [{"sku": "X", "qty": "1", "price": "80.00"}]})  # 80 pending
    with pytest.raises(PatronageError) as err:
        app.enroll({"customer": "C1", "program": "cents"})
    assert err.value.code == "already_enrolled"
    clock.set(dt.date(2024, 1, 3))
    app.enroll({"customer": "C1", "program": "cents", "close_current": True, "user": "mgr"})
    view = app.customer("C1")
    assert view.notes == ["Left Club with 110 points, 80 of them pending"]
    assert view.balance.program == "cents"
    assert (view.balance.available, view.balance.pending, view.balance.earned) == (0, 0, 0)
    assert [(m.amount, m.status) for m in view.credit_memos] == [(5, "open")]


def test_unenroll_writes_the_note_and_leaves_no_program(app: Patronage) -> None:
    make_shop(app)
    app.enroll({"customer": "C1", "program": "cents"})
    app.adjust({"customer": "C1", "points": 25, "reason": "welcome"})
    out = app.unenroll({"customer": "C1"})
    assert out.message == "Left Reward Cents with 25 points, 0 of them pending"
    view = app.customer("C1")
    assert view.notes == [out.message]
    assert view.balance.program is None
    with pytest.raises(PatronageError) as err:
        app.unenroll({"customer": "C1"})
    assert err.value.code == "not_enrolled"


def test_mass_enroll_counts_with_reasons(app: Patronage) -> None:
    make_shop(app, customers=())
    for cid, kind in (("R1", "retail"), ("R2", "retail"), ("R3", "retail"), ("K1", "commercial")):
        app.put_customer({"id": cid, "type": kind})
    app.enroll({"customer": "R2", "program": "club"})
    body = {"program": "cents", "select": {"type": "retail"}, "exclude": ["R3"]}
    assert app.preview_mass_enroll(body) == ["R1", "R2"]
    out = app.mass_enroll(body)
    assert (out.data["enrolled"], out.data["skipped"], out.data["failed"]) == (1, 1, 0)
    details = out.data["details"]
    assert details["done"] == ["R1"]
    assert [(x["customer"], x["code"]) for x in details["skipped"]] == [("R2", "already_enrolled")]
    assert "club" in details["skipped"][0]["reason"]
    assert out.message == "enrolled 1, skipped 1, failed 0"
    assert app.balance("R2").program == "club"
    assert app.balance("R3").program is None


def test_mass_enroll_a_failure_spoils_nothing_else(app: Patronage) -> None:
    make_shop(app, customers=("A", "B"))
    app.enroll({"customer": "B", "program": "club"})
    out = app.mass_enroll({"program": "cents", "customers": ["A", "GHOST", "B"],
                           "close_current": True})
    assert (out.data["enrolled"], out.data["skipped"], out.data["failed"]) == (2, 0, 1)
    [failed] = out.data["details"]["failed"]
    assert (failed["customer"], failed["code"]) == ("GHOST", "not_found")
    assert app.balance("A").program == "cents"
    assert app.balance("B").program == "cents"  # moved: one close_current for the batch
    assert app.customer("B").notes == ["Left Club with 0 points, 0 of them pending"]


def test_mass_enroll_into_a_closed_program_fails_each_with_the_reason(app: Patronage) -> None:
    make_shop(app, customers=("A", "B"))
    app.close_program("cents")
    before = snapshot(app)
    out = app.mass_enroll({"program": "cents", "customers": ["A", "B"]})
    assert (out.data["enrolled"], out.data["failed"]) == (0, 2)
    assert {x["code"] for x in out.data["details"]["failed"]} == {"program_not_open"}
    assert snapshot(app) == before


def test_mass_unenroll_counts(app: Patronage) -> None:
    make_shop(app, customers=("A", "B", "C"))
    for c in ("A", "B"):
        app.enroll({"customer": c, "program": "club"})
    body = {"select": {"program": "club"}, "exclude": ["B"]}
    assert app.preview_mass_unenroll(body) == ["A"]
    out = app.mass_unenroll({"customers": ["A", "C"]})
    assert (out.data["unenrolled"], out.data["skipped"], out.data["failed"]) == (1, 1, 0)
    assert out.data["details"]["skipped"][0]["code"] == "not_enrolled"


def test_cards_find_deactivate_and_inactive(app: Patronage) -> None:
    make_shop(app, customers=("C1", "C2"))
    app.card({"customer": "C1", "add": "4000-1"})
    app.card({"customer": "C1", "add": "4000-2"})
    assert app.find_by_card("4000-1") == "C1"
    assert app.find_by_card("4000-2") == "C1"
    before = snapshot(app)
    with pytest.raises(PatronageError) as err:
        app.card({"customer": "C2", "add": "4000-1"})
    assert err.value.code == "card_in_use"
    assert snapshot(app) == before
    app.card({"customer": "C1", "add": "4000-1"})  # adding it again to its owner is harmless
    assert snapshot(app) == before
    app.card({"deactivate": "4000-1"})
    with pytest.raises(PatronageError) as err:
        app.find_by_card("4000-1")
    assert err.value.code == "card_inactive"
    assert err.value.fields == ["card"]
    with pytest.raises(PatronageError) as err:
        app.card({"customer": "C2", "add": "4000-1"})  # a lost card's number stays taken
    assert err.value.code == "card_in_use"
    assert app.find_by_card("4000-2") == "C1"
    assert app.customer("C1").cards == [("4000-1", False), ("4000-2", True)]
    with pytest.raises(PatronageError) as err:
        app.find_by_card("9999")
    assert err.value.code == "not_found"
    with pytest.raises(PatronageError) as err:
        app.card({"deactivate": "9999"})
    assert err.value.code == "not_found"
    with pytest.raises(PatronageError) as err:
        app.card({"customer": "C1"})
    assert err.value.code == "invalid"


def test_into_the_current_program_nothing_changes(app: Patronage) -> None:
    """E1 (issue 19 item 12): with close_current too, one by one or in bulk: no forfeit,
    no note, no new enrollment (it forfeited every point and enrolled again)."""
    make_shop(app, customers=("C1", "C2"))
    for cid in ("C1", "C2"):
        app.enroll({"customer": cid, "program": "cents"})
        app.adjust({"customer": cid, "points": 40, "reason": "welcome"})
    before = snapshot(app)
    with pytest.raises(PatronageError) as err:
        app.enroll({"customer": "C1", "program": "cents", "close_current": True})
    assert err.value.code == "already_enrolled" and "nothing changed" in err.value.message
    out = app.mass_enroll({"program": "cents", "customers": ["C1", "C2"], "close_current": True})
    assert (out.data["enrolled"], out.data["skipped"], out.data["failed"]) == (0, 2, 0)
    assert snapshot(app) == before
    assert app.balance("C1").available == 40 and app.customer("C1").notes == []
