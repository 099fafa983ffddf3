"""Credit memos and coupons by hand (issue 21 item 7): issued to any customer whatever their
status or enrollment, journalled on the reason's account, idempotent by the caller's id;
an open one cancelled gives what remained back; a used or expired one is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from patronage.adapters.db import tables as t
from patronage.core.errors import PatronageError
from patronage.service import check, rewards_manual
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .support import make_shop, rows, snapshot
from .test_coupon_journal import balances, coupon_entries

DAY = dt.date(2024, 3, 1)
LATER = DAY + dt.timedelta(days=2)


@pytest.fixture
def shop(app: Patronage, clock: FixedClock) -> Patronage:
    """C1 enrolled nowhere, with a status left out of loyalty (seed 004: any status)."""
    clock.set(DAY)
    make_shop(app, statuses=[{"code": "BANNED", "include_in_loyalty": False}],
              reasons=[{"code": "loyalty", "account": "4950"},
                       {"code": "goodwill", "account": "6100"}])
    app.put_customer({"id": "C1", "name": "Ann", "status": "BANNED"})
    return app


def memo(app: Patronage, **body: Any) -> dict[str, Any]:
    return app.run(lambda tx: rewards_manual.issue_credit_memo(
        tx, {"customer": "C1", "amount": "25.00", "reason": "goodwill", **body}))


def coupon(app: Patronage, **body: Any) -> dict[str, Any]:
    return app.run(lambda tx: rewards_manual.issue_coupon(
        tx, {"customer": "C1", "amount": "10.00", "reason": "goodwill", **body}))


def cancel(app: Patronage, kind: str, pk: int, **body: Any) -> dict[str, Any]:
    fn = rewards_manual.cancel_credit_memo if kind == "memo" else rewards_manual.cancel_coupon
    return app.run(lambda tx: fn(tx, pk, body))


def refused(app: Patronage, action: Any) -> PatronageError:
    """The refusal `action` raises, having changed nothing."""
    before = snapshot(app)
    with pytest.raises(PatronageError) as err:
        action()
    assert snapshot(app) == before
    return err.value


def assert_books_hold(app: Patronage) -> None:
    assert app.read(check.run).faults == []


def test_a_memo_by_hand_for_a_customer_in_no_program(shop: Patronage) -> None:
    done = memo(shop, expires="2024-04-01", note="sorry for the wait", user="maria")
    view = done["credit_memo"]
    assert (view.amount, view.remaining, view.reason, view.store, view.expires, view.status) == (
        Decimal("25.00"), Decimal("25.00"), "goodwill", 1, dt.date(2024, 4, 1), "open")
    assert balances(shop) == {"6100": Decimal("25.00"),
                              "store_credit_liability": Decimal("-25.00")}
    [record] = rows(shop, t.manual_rewards)
    assert (record["action"], record["kind"], record["memo_id"], record["user"],
            record["note"]) == ("issue", "credit_memo", view.id, "maria", "sorry for the wait")
    [note] = shop.customer("C1").notes
    assert f"Credit memo {view.id} of 25.00 issued by hand until 2024-04-01" in note
    assert "sorry for the wait" in note
    assert_books_hold(shop)
    # it pays a sale as any memo does (C3)
    shop.post_invoice({"id": "I1", "customer": "C1", "store": 1, "redeem": {"credit_memos": "all"},
                       "lines": [{"sku": "X", "qty": "1", "price": "40.00"}]})
    assert balances(shop) == {"6100": Decimal("25.00"), "receivable": Decimal("-25.00")}
    assert_books_hold(shop)


def test_a_coupon_by_hand_is_journalled_on_its_reason_and_expires_back_to_it(
        shop: Patronage, clock: FixedClock) -> None:
    done = coupon(shop, expire_days=5)
    view = done["coupon"]
    assert (view.amount, view.expires, view.status) == (Decimal("10.00"), dt.date(2024, 3, 6),
                                                        "open")
    assert coupon_entries(shop) == [("coupon_issue", f"coupon:{view.id}")]
    assert balances(shop) == {"6100": Decimal("10.00"), "coupon_liability": Decimal("-10.00")}
    clock.set(dt.date(2024, 3, 6))
    shop.run_maintenance({"date": dt.date(2024, 3, 6)})
    assert [c.status for c in shop.customer("C1").coupons] == ["expired"]
    assert balances(shop) == {}
    assert_books_hold(shop)


def test_a_coupon_by_hand_applies_to_the_next_sale_and_forfeits_to_its_reason(
        shop: Patronage) -> None:
    coupon(shop)
    shop.post_invoice({"id": "I1", "customer": "C1", "store": 1,
                       "lines": [{"sku": "X", "qty": "1", "price": "4.00"}]})
    assert shop.invoice("I1").loyalty_discount == Decimal("4.00")
    assert balances(shop) == {"6100": Decimal("4.00"), "receivable": Decimal("-4.00")}
    assert_books_hold(shop)


def test_the_same_id_twice_issues_once_and_another_body_is_a_conflict(shop: Patronage) -> None:
    first = memo(shop, id="CM-1", user="maria")
    again = memo(shop, id="CM-1", user="someone else")  # who ran it again does not matter
    assert again["repeated"] and again["credit_memo"].id == first["credit_memo"].id
    assert len(rows(shop, t.credit_memos)) == 1
    err = refused(shop, lambda: memo(shop, id="CM-1", amount="30.00"))
    assert (err.code, err.fields) == ("conflict", ["id"])
    err = refused(shop, lambda: coupon(shop, id="CM-1"))  # the id names the memo
    assert err.code == "conflict"


def test_cancel_an_open_memo_gives_what_remained_back_to_its_reason(
        shop: Patronage, clock: FixedClock) -> None:
    pk = memo(shop)["credit_memo"].id
    shop.post_invoice({"id": "I1", "customer": "C1", "store": 1,
                       "redeem": {"credit_memos": "10.00"},
                       "lines": [{"sku": "X", "qty": "1", "price": "10.00"}]})
    clock.set(LATER)
    done = cancel(shop, "memo", pk, note="customer moved away", user="maria")
    assert done["credit_memo"].status == "cancelled" and not done["repeated"]
    # 25.00 issued, 10.00 used, 15.00 cancelled back to 6100
    assert balances(shop) == {"6100": Decimal("10.00"), "receivable": Decimal("-10.00")}
    cancels = [r for r in rows(shop, t.manual_rewards) if r["action"] == "cancel"]
    assert [(r["memo_id"], r["amount"], r["user"]) for r in cancels] == [
        (pk, Decimal("15.00"), "maria")]
    assert_books_hold(shop)
    again = cancel(shop, "memo", pk)
    assert again["repeated"] and len(rows(shop, t.manual_rewards)) == 2


def test_cancel_an_open_coupon(shop: Patronage) -> None:
    pk = coupon(shop)["coupon"].id
    assert cancel(shop, "coupon", pk, user="maria")["coupon"].status == "cancelled"
    assert balances(shop) == {}
    assert [k for k, _ in coupon_entries(shop)] == ["coupon_issue", "coupon_cancel"]
    assert_books_hold(shop)


def test_a_used_or_expired_one_cannot_be_cancelled(shop: Patronage,
                                                    clock: FixedClock) -> None:
    used = memo(shop, amount="5.00")["credit_memo"].id
    shop.post_invoice({"id": "I1", "customer": "C1", "store": 1, "redeem": {"credit_memos": "all"},
                       "lines": [{"sku": "X", "qty": "1", "price": "10.00"}]})
    spent = coupon(shop)["coupon"].id  # applied to the next sale
    shop.post_invoice({"id": "I2", "customer": "C1", "store": 1,
                       "lines": [{"sku": "X", "qty": "1", "price": "30.00"}]})
    lapsed = coupon(shop, expires="2024-03-02")["coupon"].id  # expires tomorrow
    clock.set(LATER)  # past its expiry, before any daily run marked it
    for kind, pk, status in (("memo", used, "used"), ("coupon", spent, "used"),
                             ("coupon", lapsed, "expired")):
        err = refused(shop, lambda kind=kind, pk=pk: cancel(shop, kind, pk))
        assert (err.code, err.fields) == ("not_open", ["id"]), err
        assert status in err.message
    err = refused(shop, lambda: cancel(shop, "coupon", 999))
    assert err.code == "not_found"


@pytest.mark.parametrize(("body", "code", "field"), [
    ({"amount": "0.00"}, "invalid", "amount"),
    ({"amount": "-5.00"}, "invalid", "amount"),
    ({"amount": "1.005"}, "invalid", "amount"),
    ({"reason": "typo"}, "invalid", "reason"),
    ({"expires": "2024-03-01"}, "invalid", "expires"),
    ({"expires": "2024-04-01", "expire_days": 5}, "invalid", "expire_days"),
    ({"customer": "NOBODY"}, "not_found", "customer"),
    ({"store": 9}, "not_found", "store"),
    ({"surprise": 1}, "invalid", "surprise"),
])
def test_bad_input_is_refused_and_changes_nothing(shop: Patronage, body: dict[str, Any],
                                                  code: str, field: str) -> None:
    err = refused(shop, lambda: memo(shop, **body))
    assert (err.code, err.fields) == (code, [field]), err


def test_a_coupon_has_no_store(shop: Patronage) -> None:
    err = refused(shop, lambda: coupon(shop, store=1))
    assert (err.code, err.fields) == ("invalid", ["store"])


def test_a_cancel_naming_another_customer_finds_nothing(shop: Patronage) -> None:
    """The console cancels from a customer's page: another customer's memo is not found."""
    shop.put_customer({"id": "C2", "name": "Bob"})
    pk = memo(shop)["credit_memo"].id
    err = refused(shop, lambda: cancel(shop, "memo", pk, customer="C2"))
    assert (err.code, err.fields) == ("not_found", ["id"])
    assert cancel(shop, "memo", pk, customer="C1")["credit_memo"].status == "cancelled"
