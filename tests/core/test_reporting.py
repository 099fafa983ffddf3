"""G2's report rows from loaded sums (core/reporting.py), without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from patronage.core import reporting
from patronage.core.reporting import Valuation

BANK = Valuation("points_bank", Decimal("0.01"))
CLUB = Valuation("recurring", Decimal("0.01"))
D = dt.date


def sums(customer: str, program: str, *, pending: int | None = None,
         available: int | None = None, debt: int = 0, expiring: int | None = None,
         email: str | None = None) -> dict[str, Any]:
    return {"id": customer, "name": f"{customer} name", "email": email,
            "program_id": program, "start_date": D(2024, 1, 1), "debt": debt,
            "pending": pending, "available": available, "expiring": expiring}


def test_a_points_banks_value_is_to_the_cent_and_other_kinds_have_none() -> None:
    assert BANK.value(400) == Decimal("4.00")
    assert Valuation("points_bank", Decimal("0.015")).value(3) == Decimal("0.04")  # 0.045
    assert Valuation("points_bank", Decimal("0.015")).value(5) == Decimal("0.08")  # 0.075
    assert CLUB.value(400) is None
    assert Valuation("program_end", Decimal("0.01")).value(400) is None
    assert Valuation("points_bank", None).value(400) is None
    assert Valuation().value(400) is None


def test_balance_rows_count_the_debt_and_hold_the_csv_columns_in_order() -> None:
    loaded = [sums("C2", "bank", available=500, debt=-100, expiring=30, email="c2@x.io"),
              sums("C1", "club", pending=250)]
    rows = reporting.balance_rows(loaded, {"bank": BANK, "club": CLUB})
    assert rows == [
        {"customer": "C2", "name": "C2 name", "email": "c2@x.io", "program": "bank",
         "enrolled": D(2024, 1, 1), "pending": 0, "available": 400,
         "value": Decimal("4.00"), "expiring_30_days": 30},
        {"customer": "C1", "name": "C1 name", "email": "", "program": "club",
         "enrolled": D(2024, 1, 1), "pending": 250, "available": 0, "value": None,
         "expiring_30_days": 0}]
    assert [list(r) for r in rows] == [list(reporting.BALANCE_COLUMNS)] * 2


def test_balance_rows_leave_out_empty_enrollments_unless_asked_and_stop_at_the_limit() -> None:
    loaded = [sums("C1", "bank"), sums("C2", "bank", available=5), sums("C3", "bank",
                                                                        pending=1)]
    assert [r["customer"] for r in reporting.balance_rows(loaded, {})] == ["C2", "C3"]
    assert [r["customer"] for r in reporting.balance_rows(loaded, {}, include_zero=True)] \
        == ["C1", "C2", "C3"]
    assert [r["customer"] for r in reporting.balance_rows(loaded, {}, limit=1)] == ["C2"]
    owing = reporting.balance_rows([sums("C4", "bank", debt=-20)], {"bank": BANK})
    assert (owing[0]["available"], owing[0]["value"]) == (-20, Decimal("-0.20"))
    assert reporting.soon(D(2024, 1, 1)) == D(2024, 1, 31)


def test_liability_memo_and_award_rows() -> None:
    assert reporting.liability_row({"reason": None, "account": None, "memos": 2,
                                    "cents": 2550}) == \
        {"reason": "", "account": "", "memos": 2, "liability": Decimal("25.50")}
    assert reporting.liability_row({"reason": "R", "account": "4950", "memos": 1,
                                    "cents": None})["liability"] == Decimal("0.00")
    memo = reporting.open_memo_row({
        "id": 7, "customer_id": "C1", "name": "Ann", "email": None, "reason": "R",
        "store_id": 1, "issued_on": D(2024, 1, 2), "expires_on": None,
        "amount": Decimal("5.00"), "remaining": Decimal("2.00")})
    assert list(memo) == ["memo", "customer", "name", "email", "reason", "store",
                          "issued_on", "expires", "amount", "remaining"]
    assert (memo["memo"], memo["email"], memo["remaining"]) == (7, "", Decimal("2.00"))
    loaded = {"date": D(2024, 1, 11), "id": 3, "customer_id": "C1", "customer_name": "Ann",
              "program_id": "club", "name": "25 dollars", "points": 250, "store_id": 1,
              "actions": {"credit_memo": {"amount": "25.00"}, "price_group": None},
              "trigger": "maintenance", "status": "issued", "user": None}
    award = reporting.award_row(loaded)
    assert award == {"date": D(2024, 1, 11), "award_id": 3, "customer": "C1", "name": "Ann",
                     "program": "club", "award": "25 dollars", "points": 250,
                     "credit_memo": "25.00", "coupon": "", "price_group": "", "store": 1,
                     "trigger": "maintenance", "status": "issued", "user": ""}
    coupon = reporting.award_row({**loaded, "user": "amy", "actions": {
        "coupon": {"amount": "5.00"}, "price_group": "VIP"}})
    assert (coupon["credit_memo"], coupon["coupon"], coupon["price_group"], coupon["user"]) \
        == ("", "5.00", "VIP", "amy")


def test_points_by_month_sort_entries_into_l3_figures_and_carry_the_outstanding() -> None:
    day_sums: list[dict[str, Any]] = [
        {"date": D(2023, 12, 5), "kind": "accrual", "points": 100},  # before: opening
        {"date": D(2024, 1, 3), "kind": "accrual", "points": 650},
        {"date": D(2024, 1, 11), "kind": "award", "points": -250},
        {"date": D(2024, 1, 12), "kind": "adjustment", "points": -5},
        {"date": D(2024, 2, 15), "kind": "expiry", "points": -400},
        {"date": D(2024, 2, 16), "kind": "forfeit", "points": None},
        {"date": D(2024, 2, 17), "kind": "no-such-kind", "points": 7},  # net, no figure
    ]
    liability = {"2024-01": Decimal("4.00")}
    jan, feb, mar = reporting.points_by_month(D(2024, 1, 1), D(2024, 3, 31), day_sums,
                                              liability)
    assert jan == {"month": "2024-01", "earned": 650, "adjusted": -5, "used": 250,
                   "expired": 0, "forfeited": 0, "outstanding_points": 495,
                   "points_liability": Decimal("4.00")}
    assert (feb["expired"], feb["outstanding_points"], feb["points_liability"]) == \
        (400, 102, Decimal("0.00"))
    assert list(mar) == list(reporting.MONTH_COLUMNS) and mar["outstanding_points"] == 102
    to_january = [r for r in day_sums if r["date"] <= D(2024, 1, 31)]  # as storage loads
    one_program = reporting.points_by_month(D(2024, 1, 1), D(2024, 1, 31), to_january, None)
    assert one_program[0]["points_liability"] is None
    no_postings = reporting.points_by_month(D(2024, 1, 1), D(2024, 1, 31), to_january, {})
    assert no_postings[0]["points_liability"] == Decimal("0.00")


def test_months_cross_a_year_and_the_liability_carries_from_before_the_range() -> None:
    assert reporting.months(D(2023, 11, 30), D(2024, 2, 1)) == \
        ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert reporting.months(D(2024, 3, 1), D(2024, 2, 1)) == []
    postings = [{"date": D(2023, 12, 31), "debit": Decimal("0.00"), "credit": Decimal("1.50")},
                {"date": D(2024, 2, 3), "debit": Decimal("0.50"), "credit": Decimal("0.00")},
                {"date": D(2024, 2, 9), "debit": Decimal("0.00"), "credit": Decimal("2.00")}]
    assert reporting.balance_by_month(D(2024, 1, 1), D(2024, 3, 31), postings) == {
        "2024-01": Decimal("1.50"), "2024-02": Decimal("3.00"), "2024-03": Decimal("3.00")}


def test_expiring_rows_bucket_by_days_left_and_total_cumulatively() -> None:
    day = D(2024, 1, 20)
    assert reporting.expiry_window_end(day) == D(2024, 4, 19)

    def lot(customer: str, program: str, days: int, points: int) -> dict[str, Any]:
        return {"customer_id": customer, "name": customer, "program_id": program,
                "expires_on": day + dt.timedelta(days=days), "remaining": points}

    lots = [lot("C1", "club", 61, 250), lot("C2", "bank", 30, 300), lot("C2", "bank", 31, 50),
            lot("C2", "bank", 60, 20), lot("C2", "bank", 90, 30)]
    rows = reporting.expiring_rows(day, lots, {"bank": BANK, "club": CLUB})
    assert rows == [
        {"customer": "C1", "name": "C1", "program": "club", "next_expiry": D(2024, 3, 21),
         "within_30": 0, "days_31_60": 0, "days_61_90": 250, "value": None},
        {"customer": "C2", "name": "C2", "program": "bank", "next_expiry": D(2024, 2, 19),
         "within_30": 300, "days_31_60": 70, "days_61_90": 30, "value": Decimal("4.00")}]
    assert [list(r) for r in rows] == [list(reporting.EXPIRING_COLUMNS)] * 2
    assert reporting.expiring_totals(rows) == {"next_30_days": 300, "next_60_days": 370,
                                               "next_90_days": 650}


def test_totals_are_per_program_in_the_rows_order() -> None:
    rows = [{"program": "bank", "pending": 1, "available": 10},
            {"program": "club", "pending": 2, "available": 20},
            {"program": "bank", "pending": 3, "available": 30}]
    assert reporting.totals_by_program(rows, ("pending", "available")) == [
        {"program": "bank", "pending": 4, "available": 40},
        {"program": "club", "pending": 2, "available": 20}]
