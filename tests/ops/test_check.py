"""`patronage check` proves the books, and reports each cache that was corrupted by hand and
each journal entry that is missing or has no ledger change behind it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from patronage.adapters.db import tables as t
from patronage.bootstrap import open_app
from patronage.core import journal
from patronage.core.money import round_money
from patronage.entrypoints.cli import app as cli
from patronage.service import check
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .shop import BANK, CLUB, SHOP, history, invoice


def faults(app: Patronage) -> list[check.Fault]:
    return app.read(lambda tx: check.run(tx)).faults


def test_books_of_a_shop_with_history_hold(app: Patronage, clock: FixedClock) -> None:
    history(app, clock)
    report = app.read(lambda tx: check.run(tx))
    assert report.faults == []
    assert report.counted["ledger entries"] > 5 and report.counted["credit memos"] >= 1


CORRUPTIONS = {
    "lot_remaining": "UPDATE lots SET remaining = remaining + 7 WHERE id = "
                     "(SELECT MIN(id) FROM lots WHERE remaining > 0)",
    "debt": "UPDATE enrollments SET debt = debt - 3 WHERE customer_id = 'R1'",
    "held": "UPDATE enrollments SET held = held + 5 WHERE customer_id = 'B1'",
    "totals": "UPDATE enrollment_totals SET points = points + 1 WHERE kind = 'accrual'",
    "credit_memo_remaining": "UPDATE credit_memos SET remaining = remaining + 100",
    "journal": "UPDATE journal_postings SET debit = debit + 1 WHERE id = "
               "(SELECT MIN(id) FROM journal_postings WHERE debit > 0)",
}


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_a_corrupted_cache_is_reported(app: Patronage, clock: FixedClock, name: str) -> None:
    history(app, clock)
    with app.engine.begin() as conn:
        conn.execute(sa.text(CORRUPTIONS[name]))
    found = faults(app)
    assert found, "the corruption went unnoticed"
    assert name in {f.check for f in found}, [str(f) for f in found]
    if name in ("lot_remaining", "debt"):  # the cache no longer matches the ledger's L3 either
        assert "L3" in {f.check for f in found}


def test_an_entry_of_unknown_kind_breaks_l3(app: Patronage, clock: FixedClock) -> None:
    history(app, clock)
    with app.engine.begin() as conn:
        conn.execute(sa.update(t.ledger).where(t.ledger.c.kind == "redemption")
                     .values(kind="mystery"))
    assert any(f.check == "L3" and "unknown" in f.message for f in faults(app))


def test_the_command_lists_faults_and_exits_non_zero(database_url: str) -> None:
    app = open_app(database_url, FixedClock(__import__("datetime").date(2023, 1, 1)))
    history(app, app.clock)  # type: ignore[arg-type]
    runner = CliRunner()
    ok = runner.invoke(cli, ["check", "--database", database_url])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith("ok: the books hold")
    with app.engine.begin() as conn:
        conn.execute(sa.text(CORRUPTIONS["lot_remaining"]))
    bad = runner.invoke(cli, ["check", "--database", database_url])
    assert bad.exit_code == 1
    assert "fault: lot_remaining: lot " in bad.stdout
    app.engine.dispose()


# --- the journal against the ledger (G1) ---------------------------------------------------

BANK2: dict[str, Any] = {**BANK, "id": "bank2", "name": "Reward Dollars Plus"}
HALF: dict[str, Any] = {**BANK, "id": "half", "name": "Half Cents", "point_value": "0.005",
                        "points_expire_days": 30,
                        "percent_tiers": [{"percent": "1"}]}  # 200 points are $1; 2 per $ spent
COUPONS: dict[str, Any] = {
    "id": "coupons", "name": "Coupon Club", "kind": "recurring", "status": "open",
    "effective": "2023-01-01", "filters": [{"name": "all"}],
    "multipliers": [{"name": "base", "currency_per_point": "1.00"}],
    "awards": [{"name": "five off", "level": 50, "coupon": {"amount": "5.00",
                                                            "expire_days": 20}}],
}


def busy_story(app: Patronage, clock: FixedClock) -> None:
    """`history`, then the rest of a busy shop: returns with and without an invoice, voids
    that restore rewards and credit and cancel an award, adjustments (+, -, a set balance,
    into debt), a transfer between points banks (forfeit), a sub-cent points bank, coupons,
    and daily runs that expire lots and credit memos."""
    history(app, clock)
    for program in (BANK2, HALF, COUPONS):
        app.put_program(program)
    day = dt.date(2023, 4, 3)
    clock.set(day)
    for cid, program in (("B2", "bank"), ("H1", "half"), ("N1", "coupons"), ("R2", "club")):
        app.put_customer({"id": cid, "name": cid})
        app.enroll({"customer": cid, "program": program, "date": day})
    app.post_invoice(invoice("D1", "B1", day, "400.00", "120.50"))
    app.post_invoice(invoice("D2", "B2", day, "80.00"))
    app.post_invoice(invoice("D3", "H1", day, "30.50"))  # 61 points: worth 0.305
    app.post_invoice(invoice("D4", "H1", day, "12.25"))
    app.post_invoice(invoice("D5", "N1", day, "60.00"))  # a coupon
    app.post_invoice(invoice("D6", "R2", day, "510.00"))  # an award: a credit memo
    app.post_invoice(invoice("D7", "R1", day, "700.00"))
    day = dt.date(2023, 4, 5)
    clock.set(day)
    app.post_invoice({**invoice("E1", "B1", day, "50.00"), "redeem": {"rewards": "4.00"}})
    app.post_invoice({**invoice("E2", "H1", day, "9.99"), "redeem": {"rewards": "0.15"}})
    app.post_invoice({**invoice("E3", "R1", day, "60.00"), "redeem": {"credit_memos": "20.00"}})
    app.post_invoice(invoice("E4", "N1", day, "3.00"))  # the coupon applies, the rest forfeited
    app.post_return({"id": "R-2", "invoice": "D1", "store": 1, "date": day,
                     "lines": [{"sku": "S1", "qty": "1"}]})
    app.post_return({"id": "R-3", "invoice": "D3", "store": 1, "date": day,
                     "lines": [{"sku": "S0", "qty": "1"}]})
    app.post_return({"id": "R-4", "customer": "B2", "store": 2, "date": day,
                     "lines": [{"sku": "X", "item_type": "product", "qty": "1",
                                "price": "15.00"}]})
    app.adjust({"customer": "B1", "points": 250, "reason": "goodwill", "id": "ADJ-1"})
    app.adjust({"customer": "B1", "points": -75, "reason": "fix"})
    app.adjust({"customer": "H1", "points": 3, "reason": "odd"})
    app.adjust({"customer": "H1", "set_balance": 41, "reason": "port"})
    app.adjust({"customer": "B2", "points": -900, "allow_negative": True, "reason": "clawback"})
    day = dt.date(2023, 4, 8)
    clock.set(day)
    for ext in ("E1", "E2", "E3", "D6"):  # restore rewards and credit; cancel R2's award
        app.void_invoice({"invoice": ext, "date": day})
    app.enroll({"customer": "B2", "program": "bank2", "close_current": True, "date": day})
    app.post_invoice(invoice("F1", "B2", day, "250.00"))
    app.post_invoice(invoice("F2", "H1", day, "0.50"))
    day = dt.date(2023, 7, 1)  # lots, credit memos and coupons expire
    clock.set(day)
    app.run_maintenance({"date": day})
    app.post_invoice(invoice("G1", "R1", day, "600.00"))  # a new memo, partly used
    app.post_invoice({**invoice("G2", "R1", day, "40.00"), "redeem": {"credit_memos": "10.00"}})
    app.post_invoice(invoice("G3", "H1", day, "0.75"))  # 1 point: half a cent
    app.post_invoice(invoice("G4", "B1", day, "90.00"))
    app.post_invoice(invoice("G5", "B2", day, "45.00"))


def test_a_busy_shop_checks_clean(app: Patronage, clock: FixedClock) -> None:
    busy_story(app, clock)
    report = app.read(lambda tx: check.run(tx))
    assert report.faults == [], [str(f) for f in report.faults]
    with app.engine.connect() as conn:
        kinds = {k for (k,) in conn.execute(sa.select(t.journal_entries.c.kind).distinct())}
        moves = {k for (k,) in conn.execute(sa.select(t.ledger.c.kind).distinct())}
        statuses = {s for (s,) in conn.execute(sa.select(t.credit_memos.c.status).distinct())}
    assert {"accrual", "reversal", "adjustment", "redemption", "restore", "expiry", "forfeit",
            "credit_memo_issue", "credit_memo_use", "credit_memo_restore", "credit_memo_expiry",
            "credit_memo_cancel"} <= kinds, "the story must book every kind it checks"
    assert {"debt_payoff", "award"} <= moves
    assert {"open", "expired", "cancelled"} <= statuses
    assert {"coupon_issue", "coupon_use", "coupon_forfeit"} <= kinds
    assert report.counted["coupons"] == 1


def _entry(conn: sa.Connection, customer: str, kind: str,
           account: str = "points_liability") -> int:
    """The first journal entry of this customer and kind on this account."""
    je, jp = t.journal_entries, t.journal_postings
    return int(conn.execute(
        sa.select(je.c.id).join(jp, jp.c.entry_id == je.c.id)
        .where(je.c.customer_id == customer, je.c.kind == kind, jp.c.account == account)
        .order_by(je.c.id).limit(1)).scalar_one())


def _delete_entry(app: Patronage, entry_id: int) -> None:
    with app.engine.begin() as conn:
        conn.execute(sa.delete(t.journal_postings)
                     .where(t.journal_postings.c.entry_id == entry_id))
        conn.execute(sa.delete(t.journal_entries).where(t.journal_entries.c.id == entry_id))


def _book(app: Patronage, customer: str, kind: str, debit: str, credit: str, amount: str,
          reference: str | None = None) -> None:
    """A balanced journal entry with no ledger change behind it, as the service writes one
    (`journal.transfer`: a negative amount swaps the sides)."""
    with app.engine.begin() as conn:
        entry = conn.execute(sa.insert(t.journal_entries).values(
            date=dt.date(2023, 7, 1), kind=kind, memo="by hand", reference=reference,
            customer_id=customer)).inserted_primary_key[0]
        conn.execute(sa.insert(t.journal_postings), [
            {"entry_id": entry, "account": p.account, "debit": p.debit, "credit": p.credit}
            for p in journal.transfer(debit, credit, Decimal(amount))])


def _by_check(found: list[check.Fault]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in found:
        out.setdefault(f.check, []).append(f"{f.subject}: {f.message}")
    return out


def test_a_missing_points_entry_is_reported(app: Patronage, clock: FixedClock) -> None:
    busy_story(app, clock)
    with app.engine.connect() as conn:
        accrual = _entry(conn, "B1", "accrual")
        amount = conn.execute(sa.select(t.journal_postings.c.credit).where(
            t.journal_postings.c.entry_id == accrual,
            t.journal_postings.c.account == "points_liability")).scalar_one()
    _delete_entry(app, accrual)
    found = faults(app)
    assert {f.check for f in found} == {"points_liability", "points_by_kind"}, found
    checks = _by_check(found)
    off = f"off by -{amount}"
    [owed] = checks["points_liability"]
    assert owed.startswith("customer B1 (enrollment 1 in bank)") and off in owed, owed
    [kind] = checks["points_by_kind"]
    assert kind.startswith("customer B1 (enrollment 1 in bank) kind accrual") and off in kind


def test_a_missing_credit_memo_entry_is_reported(app: Patronage, clock: FixedClock) -> None:
    busy_story(app, clock)
    with app.engine.connect() as conn:
        use = _entry(conn, "R1", "credit_memo_use", "store_credit_liability")
        ref = conn.execute(sa.select(t.journal_entries.c.reference)
                           .where(t.journal_entries.c.id == use)).scalar_one()
    _delete_entry(app, use)
    found = faults(app)
    memo = f"credit memo {ref.split(':')[1]} of customer R1"
    assert {(f.check, f.subject) for f in found} == {
        ("store_credit_by_kind", f"{memo} kind credit_memo_use"),
        ("store_credit_liability", memo)}, [str(f) for f in found]


def test_journal_entries_without_ledger_rows_are_reported(app: Patronage,
                                                          clock: FixedClock) -> None:
    """What a negative redemption wrote: a points entry and a credit memo entry, balanced,
    with no ledger row or memo use behind them."""
    busy_story(app, clock)
    with app.engine.connect() as conn:
        memo_id, remaining = conn.execute(
            sa.select(t.credit_memos.c.id, t.credit_memos.c.remaining)
            .where(t.credit_memos.c.status == "open")).one()
        held = conn.execute(sa.select(t.enrollments.c.held)
                            .where(t.enrollments.c.customer_id == "B1")).scalar_one()
    _book(app, "B1", "redemption", "points_liability", "rewards_redeemed", "-5.00")
    _book(app, "R1", "credit_memo_use", "store_credit_liability", "receivable", "-5.00",
          f"memo:{memo_id}")
    checks = _by_check(faults(app))
    assert sorted(checks) == ["points_by_kind", "points_liability", "store_credit_by_kind",
                              "store_credit_liability"], checks
    value = Decimal(held) / 100
    assert checks["points_liability"] == [
        (f"customer B1 (enrollment 1 in bank): the journal holds {value + 5:.2f} of points "
         f"liability, but the {held} outstanding points x 0.01 are worth {value:.2f} "
         f"(off by +5.00)")]
    [kind] = checks["points_by_kind"]
    assert kind.startswith("customer B1 (enrollment 1 in bank) kind redemption: ")
    assert kind.endswith("(off by +5.00)")
    memo = f"credit memo {memo_id} of customer R1"
    assert checks["store_credit_liability"] == [
        (f"{memo}: the journal holds {remaining + 5} of store credit liability, but the "
         f"memo has {remaining} remaining (off by +5.00)")]
    [kind] = checks["store_credit_by_kind"]
    assert kind.startswith(f"{memo} kind credit_memo_use: ") and kind.endswith("(off by +5.00)")


def test_a_points_entry_of_a_customer_with_no_points_bank_is_reported(
        app: Patronage, clock: FixedClock) -> None:
    busy_story(app, clock)
    _book(app, "R1", "accrual", "points_expense", "points_liability", "1.00")
    assert [str(f) for f in faults(app)] == [
        ("points_liability: customer R1 (no points-bank enrollment): the journal holds 1.00 "
         "of points liability, but the 0 outstanding points are worth 0.00 (off by +1.00)"),
        ("points_by_kind: customer R1 (no points-bank enrollment) kind accrual: the journal "
         "books 1.00 of points liability, but the ledger's 0 points of this kind are worth "
         "0.00 (off by +1.00)")]


def test_a_customer_with_two_points_bank_enrollments_is_checked_over_both(
        app: Patronage, clock: FixedClock) -> None:
    """B2 moved from one points bank to another (its debt forgiven by the forfeit): the
    journal names the customer only, so both enrollments are held against it together."""
    busy_story(app, clock)
    assert faults(app) == []
    with app.engine.connect() as conn:
        forfeit = _entry(conn, "B2", "forfeit")
    _delete_entry(app, forfeit)
    subject = "customer B2 (enrollment 3 in bank (closed), enrollment 7 in bank2)"
    assert [(f.check, f.subject) for f in faults(app)] == [
        ("points_liability", subject), ("points_by_kind", f"{subject} kind forfeit")]


def test_sub_cent_liability_is_the_rounded_value_of_the_points(
        app: Patronage, clock: FixedClock) -> None:
    """With point_value 0.005 the journal holds each enrollment's outstanding points x
    value rounded half up, exactly: a cent more is reported. Kind by kind the journal may
    differ from points x value by the rounding (a cent per entry), no more."""
    busy_story(app, clock)
    with app.engine.connect() as conn:
        held = conn.execute(sa.select(t.enrollments.c.held)
                            .where(t.enrollments.c.customer_id == "H1")).scalar_one()
        odd = conn.execute(sa.select(t.enrollment_totals.c.kind).where(
            t.enrollment_totals.c.enrollment_id == 4,
            t.enrollment_totals.c.points % 2 != 0)).scalars().all()
    assert held % 2 == 1, "the story must leave H1 an odd number of points (a half cent)"
    assert odd, "the story must give H1 kinds worth part of a cent, that the journal rounds"
    assert faults(app) == []
    _book(app, "H1", "adjustment", "points_expense", "points_liability", "0.01")
    worth = Decimal(held) * Decimal("0.005")
    assert [str(f) for f in faults(app)] == [
        (f"points_liability: customer H1 (enrollment 4 in half): the journal holds "
         f"{round_money(worth) + Decimal('0.01')} of points liability, but the {held} "
         f"outstanding points x 0.005 are worth {round_money(worth)} (off by +0.01)")]


def test_a_missing_sub_cent_entry_is_reported_kind_by_kind(
        app: Patronage, clock: FixedClock) -> None:
    busy_story(app, clock)
    with app.engine.connect() as conn:
        accrual = _entry(conn, "H1", "accrual")
    _delete_entry(app, accrual)
    checks = _by_check(faults(app))
    assert sorted(checks) == ["points_by_kind", "points_liability"], checks
    [kind] = checks["points_by_kind"]
    assert kind.startswith("customer H1 (enrollment 4 in half) kind accrual: ")
    assert "allowed for the rounding of" in kind, kind


def _coupon(app: Patronage) -> Any:
    """N1's coupon: $5.00, $3.00 applied on E4 and $2.00 forfeited."""
    with app.engine.connect() as conn:
        coupon = conn.execute(sa.select(t.coupons)).one()
    assert (coupon.status, coupon.applied, coupon.forfeited) == ("used", Decimal("3.00"),
                                                                 Decimal("2.00"))
    return coupon


@pytest.mark.parametrize(("kind", "family", "amount"), [
    ("coupon_issue", "issue", "-5.00"), ("coupon_use", "settlement", "+3.00"),
    ("coupon_forfeit", "settlement", "+2.00")])
def test_a_missing_coupon_entry_is_reported(app: Patronage, clock: FixedClock, kind: str,
                                            family: str, amount: str) -> None:
    busy_story(app, clock)
    coupon = _coupon(app)
    with app.engine.connect() as conn:
        entry = _entry(conn, "N1", kind, "coupon_liability")
    _delete_entry(app, entry)
    subject = f"coupon {coupon.id} of customer N1"
    checks = _by_check(faults(app))
    assert sorted(checks) == ["coupon_by_kind", "coupon_liability"], checks
    assert checks["coupon_liability"] == [
        (f"{subject}: the journal holds {Decimal(amount):.2f} of coupon liability, but the "
         f"coupon is used, so nothing is owed (off by {amount})")]
    [by_kind] = checks["coupon_by_kind"]
    assert by_kind.startswith(f"{subject} kind {family}: ") and by_kind.endswith(
        f"(off by {amount})"), by_kind


def test_injected_coupon_entries_are_reported(app: Patronage, clock: FixedClock) -> None:
    """A second issue of a coupon, and an entry for a coupon that does not exist."""
    busy_story(app, clock)
    coupon = _coupon(app)
    _book(app, "N1", "coupon_issue", "loyalty_awards", "coupon_liability", "5.00",
          f"coupon:{coupon.id}")
    _book(app, "N1", "coupon_use", "coupon_liability", "receivable", "1.00", "coupon:999")
    assert [str(f) for f in faults(app)] == [
        (f"coupon_liability: coupon {coupon.id} of customer N1: the journal holds 5.00 of "
         f"coupon liability, but the coupon is used, so nothing is owed (off by +5.00)"),
        (f"coupon_by_kind: coupon {coupon.id} of customer N1 kind issue: the journal books "
         f"10.00 of coupon liability, against 5.00 from its amount (coupon_issue) "
         f"(off by +5.00)"),
        ("coupon_liability: coupon 999 of customer N1: the journal holds -1.00 of coupon "
         "liability, but there is no such coupon (off by -1.00)"),
        ("coupon_by_kind: coupon 999 of customer N1 kind settlement: the journal books "
         "-1.00 of coupon liability, against 0.00 from its amount once used (coupon_use, "
         "coupon_forfeit, coupon_restore: a void gives it back) (off by -1.00)")]


def test_an_open_coupon_with_no_issue_entry_is_reported(app: Patronage,
                                                        clock: FixedClock) -> None:
    """A coupon the engine wrote without its journal entry owes its amount all the same."""
    busy_story(app, clock)
    with app.engine.begin() as conn:
        conn.execute(sa.insert(t.coupons).values(
            customer_id="N1", amount=Decimal("7.50"), issued_on=dt.date(2023, 7, 1),
            status="open"))
        coupon_id = conn.execute(sa.select(sa.func.max(t.coupons.c.id))).scalar_one()
    assert [str(f) for f in faults(app)] == [
        (f"coupon_liability: coupon {coupon_id} of customer N1: the journal holds 0.00 of "
         f"coupon liability, but the coupon is open for 7.50 (off by -7.50)")]


def test_the_command_names_the_journal_fault(database_url: str) -> None:
    app = open_app(database_url, FixedClock(dt.date(2023, 1, 1)))
    history(app, app.clock)  # type: ignore[arg-type]
    with app.engine.connect() as conn:
        accrual = _entry(conn, "B1", "accrual")
    _delete_entry(app, accrual)
    bad = CliRunner().invoke(cli, ["check", "--database", database_url])
    assert bad.exit_code == 1
    assert "fault: points_liability: customer B1 (enrollment 1 in bank): the journal " in bad.stdout
    assert "fault: points_by_kind: customer B1 (enrollment 1 in bank) kind accrual: " in bad.stdout
    app.engine.dispose()


def test_points_liability_in_a_shop_with_no_points_bank_is_reported(
        app: Patronage, clock: FixedClock) -> None:
    app.configure_shop(SHOP)
    app.put_program(CLUB)
    app.put_customer({"id": "R1", "name": "R1"})
    app.enroll({"customer": "R1", "program": "club", "date": dt.date(2023, 1, 2)})
    assert faults(app) == []
    _book(app, "R1", "accrual", "points_expense", "points_liability", "2.50")
    assert [(f.check, f.subject) for f in faults(app)] == [
        ("points_liability", "customer R1 (no points-bank enrollment)"),
        ("points_by_kind", "customer R1 (no points-bank enrollment) kind accrual")]
