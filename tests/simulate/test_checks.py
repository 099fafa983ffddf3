"""Expectations: only written keys, lists whole and in order, money as Decimal, dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from patronage.entrypoints.simulate.checks import run_checks
from patronage.service.clock import FixedClock
from patronage.service.views import CouponView, CreditMemoView

from .fakes import FakeFacade, customer_view, invoice_view
from .test_runner import run

DAY = dt.date(2017, 6, 20)


def memo(
    amount: str, remaining: str, expires: dt.date | None, status: str = "open"
) -> CreditMemoView:
    return CreditMemoView(
        id=1,
        amount=Decimal(amount),
        remaining=Decimal(remaining),
        reason="LOYALTY",
        store=1,
        issued_on=DAY,
        expires=expires,
        status=status,
    )


def coupon(amount: str, status: str = "open", applied: str | None = None) -> CouponView:
    return CouponView(
        id=1,
        amount=Decimal(amount),
        issued_on=DAY,
        expires=None,
        status=status,
        applied=Decimal(applied) if applied else None,
        forfeited=None,
    )


def fake_with(**customer: Any) -> FakeFacade:
    fake = FakeFacade(FixedClock(DAY))
    fake.customers["C1"] = customer_view(**customer)
    return fake


def checked(fake: FakeFacade, body: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """(subject, difference) of every check of an expect block, as of DAY."""
    return [(c.subject, c.difference) for c in run_checks(fake, body, DAY)]


def test_points_program_and_price_group_and_only_the_keys_written() -> None:
    fake = fake_with(
        balance={"pending": 250, "earned": 250},
        price_group="GOLD",
    )
    assert checked(
        fake,
        {
            "customers": {
                "C1": {
                    "pending": 250,
                    "available": 0,
                    "earned": 200,
                    "program": None,
                    "price_group": "GOLD",
                }
            }
        },
    ) == [
        ("customer C1 pending", None),
        ("customer C1 available", None),
        ("customer C1 earned", "expected 200, got 250"),
        ("customer C1 program", None),
        ("customer C1 price_group", None),
    ]


def test_money_is_compared_as_decimal_and_no_value_counts_as_zero() -> None:
    fake = fake_with(balance={"value": Decimal("6.00")})
    assert checked(fake, {"customers": {"C1": {"value": "6"}}}) == [("customer C1 value", None)]
    assert checked(fake, {"customers": {"C1": {"value": "6.01"}}}) == [
        ("customer C1 value", "expected 6.01, got 6.00")
    ]
    no_value = fake_with()  # not a points_bank: value is None
    assert checked(no_value, {"customers": {"C1": {"value": "0.00"}}}) == [
        ("customer C1 value", None)
    ]


def test_lists_are_compared_whole_in_order_with_only_the_item_keys_written() -> None:
    later, never = dt.date(2017, 7, 20), None
    fake = fake_with(
        credit_memos=[memo("25.00", "25.00", later), memo("80.00", "0.00", never, "used")]
    )
    ok = [{"amount": "25.00", "expires": later}, {"status": "used", "expires": None}]
    assert checked(fake, {"customers": {"C1": {"credit_memos": ok}}}) == [
        ("customer C1 credit_memos", None)
    ]
    swapped = [ok[1], ok[0]]
    assert checked(fake, {"customers": {"C1": {"credit_memos": swapped}}}) == [
        (
            "customer C1 credit_memos",
            (
                "[0] status: expected used, got open; [0] expires: expected null, got 2017-07-20; "
                "[1] amount: expected 25.00, got 80.00; [1] expires: expected 2017-07-20, got null"
            ),
        )
    ]
    one = [{"amount": "25.00", "status": "open"}]
    assert checked(fake, {"customers": {"C1": {"credit_memos": one}}}) == [
        (
            "customer C1 credit_memos",
            (
                "expected 1 credit memo, got 2 credit memos: "
                "[{amount: 25.00, status: open}, {amount: 80.00, status: used}]"
            ),
        )
    ]
    assert checked(fake, {"customers": {"C1": {"credit_memos": []}}})[0][1] == (
        "expected 0 credit memos, got 2 credit memos: [{amount: 25.00, remaining: 25.00, "
        "expires: 2017-07-20, store: 1, status: open, reason: LOYALTY}, {amount: 80.00, "
        "remaining: 0.00, expires: null, store: 1, status: used, reason: LOYALTY}]"
    )


def test_expires_never_and_null_both_mean_no_expiry() -> None:
    fake = fake_with(credit_memos=[memo("80.00", "80.00", None)])
    for written in (None, "never"):
        body: dict[str, Any] = {"customers": {"C1": {"credit_memos": [{"expires": written}]}}}
        assert checked(fake, body) == [("customer C1 credit_memos", None)]
    body = {"customers": {"C1": {"credit_memos": [{"expires": dt.date(2017, 7, 20)}]}}}
    assert checked(fake, body)[0][1] == "[0] expires: expected 2017-07-20, got null"


def test_coupons_and_notes() -> None:
    fake = fake_with(coupons=[coupon("80.00", "used", "55.00")], notes=["Earned 250 points", "Hi"])
    body = {
        "customers": {
            "C1": {
                "coupons": [
                    {"amount": "80.00", "status": "used", "applied": "55.00", "forfeited": "0.00"}
                ],
                "notes_contain": ["250", "Hi"],
            }
        }
    }
    assert checked(fake, body) == [
        ("customer C1 coupons", None),
        ("customer C1 notes_contain", None),
    ]
    assert checked(fake, {"customers": {"C1": {"notes_contain": ["300", "Hi"]}}}) == [
        ("customer C1 notes_contain", "no note contains [300]; notes are [Earned 250 points, Hi]")
    ]


def test_invoices_journal_and_outbox() -> None:
    fake = FakeFacade(FixedClock(DAY))
    fake.invoices["I1"] = invoice_view(points=40, redeemed_rewards=Decimal("4.00"), status="paid")
    fake.journal = {"points_liability": Decimal("-5.00")}
    fake.outbox = 2
    body = {
        "invoices": {
            "I1": {"points": 40, "redeemed_rewards": "4.00", "status": "open"},
            "I2": {"points": 1},
        },
        "journal": {"points_liability": "-5.00", "points_expense": "0.00", "receivable": "1.00"},
        "outbox": 1,
    }
    assert checked(fake, body) == [
        ("invoice I1 points", None),
        ("invoice I1 redeemed_rewards", None),
        ("invoice I1 status", "expected open, got paid"),
        ("invoice I2", "could not be read: not_found: unknown invoice 'I2'"),
        ("journal points_liability", None),
        ("journal points_expense", None),  # an account never posted to is 0.00
        ("journal receivable", "expected 1.00, got 0.00"),
        ("outbox", "expected 1, got 2"),
    ]


def test_printed_lines_name_file_line_date_and_customer() -> None:
    fake = fake_with(balance={"pending": 250})
    _, lines, report = run(
        """\
        timeline:
          - date: 2017-06-20
            expect:
              customers:
                C1:
                  pending: 250
                  available: 10
                C2: {pending: 0}
        """,
        fake,
    )
    assert lines[-3:] == [
        "ok   s.yaml:6 2017-06-20 customer C1 pending 250",
        "FAIL s.yaml:7 2017-06-20 customer C1 available: expected 10, got 0",
        "FAIL s.yaml:8 2017-06-20 customer C2: could not be read: not_found: unknown customer 'C2'",
    ]
    assert (report.passed, report.failed) == (1, 2)
