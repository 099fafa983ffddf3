"""A points bank with a sub-cent point_value (0.005: 200 points = $1, issue 19 item 6) and
redemptions that would give value (item 2): C2's whole cents, G1's rounded liability, and
no journal entry without its ledger change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from patronage.adapters.db import tables as t
from patronage.core.errors import PatronageError
from patronage.core.money import points_value
from patronage.service import ledger
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .support import make_shop, rows, snapshot

HALF = Decimal("0.005")
HALVES: dict[str, Any] = {  # one point per $1.00 (so any count, odd or even), worth half a cent
    "id": "halves", "name": "Half Cents", "kind": "points_bank", "status": "open",
    "effective": "2024-01-01", "point_value": "0.005", "points_expire_days": 30,
    "report_in_sale_code": "REWARDS", "filters": [{"name": "all"}],
    "multipliers": [{"name": "one per dollar", "currency_per_point": "1.00"}],
}


def sale(ext: str, price: str, **more: Any) -> dict[str, Any]:
    return {"id": ext, "customer": "C1", "store": 1,
            "lines": [{"sku": "X", "qty": "1", "price": price}], **more}


@pytest.fixture
def shop(app: Patronage) -> Patronage:
    make_shop(app, HALVES)
    app.enroll({"customer": "C1", "program": "halves"})
    return app


def held(app: Patronage) -> int:
    """The outstanding points of C1's enrollments (pending + available: every entry)."""
    with app.engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.sum(t.ledger.c.points), 0))
                                .where(t.ledger.c.customer_id == "C1")).scalar())


def liability(app: Patronage) -> Decimal:
    """What the journal owes C1 in points (the liability is a credit: minus its balance)."""
    return -app.journal_balances().get("points_liability", Decimal("0.00"))


def assert_books_agree(app: Patronage) -> None:
    """G1: the liability booked is the rounded value of the points held, within half a cent
    of points x value, and every journal entry balances."""
    assert liability(app) == points_value(held(app), HALF)
    assert abs(liability(app) - held(app) * HALF) <= Decimal("0.005")
    with app.engine.connect() as conn:
        sums = conn.execute(select(t.journal_postings.c.entry_id,
                                   func.sum(t.journal_postings.c.debit),
                                   func.sum(t.journal_postings.c.credit))
                            .group_by(t.journal_postings.c.entry_id)).all()
    assert all(debit == credit for _, debit, credit in sums)


def test_an_odd_number_of_points_accrues_and_is_booked_rounded(shop: Patronage) -> None:
    """Was an internal StatementError: 3 x 0.005 = 0.015 has no cents to store."""
    inv = shop.post_invoice(sale("I1", "3.00"))
    assert inv.points == 3
    assert shop.balance("C1").available == 3
    assert liability(shop) == Decimal("0.02")  # 0.015 half up
    assert shop.journal_balances()["points_expense"] == Decimal("0.02")
    shop.post_invoice(sale("I2", "1.00"))  # 4 points = 0.02 exactly: this one books 0.00
    assert liability(shop) == Decimal("0.02")
    assert_books_agree(shop)


def test_all_takes_the_most_whole_cent_points_never_more_than_held(shop: Patronage) -> None:
    """Was: 3 points (0.015) rounded up to 0.02, spending 4 points the customer lacked."""
    shop.adjust({"customer": "C1", "points": 3})
    assert shop.quote(sale("Q", "5.00"))["rewards"]["max"] == Decimal("0.01")
    inv = shop.post_invoice(sale("I1", "0.50", redeem={"rewards": "all"}))
    assert inv.redeemed_rewards == Decimal("0.01")
    b = shop.balance("C1")
    assert (b.available, b.used) == (1, 2)  # 2 points = 0.01; one left, no debt
    assert not [e for e in rows(shop, t.ledger) if e["lot_id"] is None]
    assert shop.journal_balances()["REWARDS"] == Decimal("-0.01")
    assert_books_agree(shop)


def test_all_is_capped_by_the_invoice_in_whole_cents(shop: Patronage) -> None:
    shop.adjust({"customer": "C1", "points": 1001})  # 5.005 worth
    inv = shop.post_invoice(sale("I1", "0.03", redeem={"rewards": "all"}))
    assert inv.redeemed_rewards == Decimal("0.03")  # 6 points of 1001
    assert shop.balance("C1").available == 995
    inv = shop.post_invoice(sale("I2", "9.00", redeem={"rewards": "all"}))
    assert inv.redeemed_rewards == Decimal("4.97")  # 994 points: 995 is not whole cents
    assert shop.balance("C1").available == 1 + 9  # the one left, and I2's own 9 points
    assert_books_agree(shop)


@pytest.mark.parametrize(("asked", "code"), [("0.02", "above_maximum"),
                                             ("0.015", "invalid")])
def test_an_explicit_amount_above_the_whole_cent_maximum_is_refused(
        shop: Patronage, asked: str, code: str) -> None:
    shop.adjust({"customer": "C1", "points": 3})  # at most 0.01
    before = snapshot(shop)
    with pytest.raises(PatronageError) as err:
        shop.post_invoice(sale("I1", "5.00", redeem={"rewards": asked}))
    assert err.value.code == code
    assert err.value.fields == ["redeem.rewards"]
    assert snapshot(shop) == before


def test_an_amount_that_is_not_whole_points_is_refused(app: Patronage) -> None:
    """C2's `not_whole_points` with a point_value that cents cannot always meet (0.03)."""
    make_shop(app, {**HALVES, "point_value": "0.03"})
    app.enroll({"customer": "C1", "program": "halves"})
    app.adjust({"customer": "C1", "points": 100})
    with pytest.raises(PatronageError) as err:
        app.post_invoice(sale("I1", "5.00", redeem={"rewards": "0.05"}))
    assert (err.value.code, err.value.fields) == ("not_whole_points", ["redeem.rewards"])
    inv = app.post_invoice(sale("I1", "5.00", redeem={"rewards": "0.06"}))
    assert inv.redeemed_rewards == Decimal("0.06")


def test_every_move_keeps_the_journal_within_half_a_cent(shop: Patronage,
                                                         clock: FixedClock) -> None:
    """Accrual, redemption, return, void (restore and reversal), +/- adjustment, expiry and
    forfeit, with odd counts throughout: after each, the books agree (G1)."""
    steps = [
        lambda: shop.post_invoice(sale("I1", "7.00")),                     # +7
        lambda: shop.adjust({"customer": "C1", "points": 5}),              # +5 -> 12
        lambda: shop.post_invoice(sale("I2", "3.00", redeem={"rewards": "0.03"})),  # -6 +3
        lambda: shop.adjust({"customer": "C1", "points": -3}),             # 6
        lambda: shop.post_invoice({"id": "I3", "customer": "C1", "store": 1,
                                   "lines": [{"sku": "Y", "qty": "3", "price": "3.00"}]}),
        lambda: shop.post_return({"id": "R1", "invoice": "I3", "store": 1,
                                  "lines": [{"sku": "Y", "qty": "1"}]}),   # -3
        lambda: shop.void_invoice({"invoice": "I2", "store": 1}),          # +6 -3
        lambda: shop.post_return({"id": "R2", "customer": "C1", "store": 1,
                                  "lines": [{"sku": "Z", "qty": "1", "price": "1.00"}]}),
        lambda: clock.set(dt.date(2024, 2, 15)),
        lambda: shop.run_maintenance(),                                    # every lot expires
        lambda: shop.post_invoice(sale("I4", "9.00")),
        lambda: shop.unenroll({"customer": "C1"}),                         # forfeit
    ]
    seen = set()
    for step in steps:
        step()
        seen.add(held(shop) % 2)
        assert_books_agree(shop)
    assert seen == {0, 1}  # odd holdings were reached, and were booked rounded
    assert held(shop) == 0
    assert liability(shop) == Decimal("0.00")


def test_a_whole_cent_point_value_books_exactly_as_before(app: Patronage) -> None:
    make_shop(app, {**HALVES, "point_value": "0.05"})
    app.enroll({"customer": "C1", "program": "halves"})
    app.post_invoice(sale("I1", "3.00"))
    app.post_invoice(sale("I2", "4.00", redeem={"rewards": "0.10"}))
    assert [(e["kind"], e["memo"]) for e in rows(app, t.journal_entries)] == [
        ("accrual", "accrual of 3 points"), ("redemption", "redemption of -2 points"),
        ("accrual", "accrual of 4 points")]
    assert liability(app) == Decimal("0.25")  # (3 - 2 + 4) x 0.05


# --- item 2: a redemption may not give value ----------------------------------------------


@pytest.mark.parametrize("field", ["rewards", "credit_memos"])
@pytest.mark.parametrize("amount", ["-5.00", "-0.01", "-1e3"])
def test_a_negative_redemption_is_refused_and_changes_nothing(
        shop: Patronage, field: str, amount: str) -> None:
    """Was 201 with a journal entry and no ledger row."""
    shop.adjust({"customer": "C1", "points": 1000})
    before = snapshot(shop)
    with pytest.raises(PatronageError) as err:
        shop.post_invoice(sale("I1", "10.00", redeem={field: amount}))
    assert err.value.code == "invalid"
    assert err.value.fields == [f"redeem.{field}"]
    with pytest.raises(PatronageError):
        shop.quote(sale("I1", "10.00", redeem={field: amount}))
    assert snapshot(shop) == before
    assert_books_agree(shop)


def test_zero_and_all_are_still_accepted(shop: Patronage) -> None:
    shop.adjust({"customer": "C1", "points": 10})
    assert shop.post_invoice(sale("I1", "1.00", redeem={"rewards": "0.00"})).redeemed_rewards \
        == Decimal("0.00")
    assert shop.post_invoice(sale("I2", "1.00", redeem={"rewards": "all",
                                                         "credit_memos": "all"})) \
        .redeemed_rewards == Decimal("0.05")
    assert_books_agree(shop)


def test_the_ledger_refuses_moves_the_other_way(shop: Patronage) -> None:
    """No caller can book a journal entry for points the ledger did not move: an accrual
    of no points or fewer, or a debit of negative points, is a programming error, and the
    transaction rolls back."""
    before = snapshot(shop)
    program = shop.read(lambda tx: tx.repo.program("halves"))
    assert program is not None

    def accrue_negative(tx: Any) -> None:
        enrollment = tx.repo.open_enrollment("C1")
        ledger.accrue(tx, enrollment, program, -5, tx.day)

    def debit_negative(tx: Any) -> None:
        enrollment = tx.repo.open_enrollment("C1")
        ledger.debit(tx, enrollment, -5, tx.day, "redemption")

    for call in (accrue_negative, debit_negative):
        with pytest.raises(ValueError, match="points"):
            shop.run(call)
    assert snapshot(shop) == before
