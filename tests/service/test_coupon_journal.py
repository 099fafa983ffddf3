"""G1 for coupons (issue 21 item 3): issue debits the award's reason account and credits
`coupon_liability`; use debits coupon liability and credits receivable; forfeit, expiry and
cancel give back what remained; a void's restore reverses use and forfeit. Every step
keeps `patronage check` clean and the journal balanced."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from patronage.adapters.db import tables as t
from patronage.adapters.db.engine import make_engine
from patronage.adapters.db.migrate import upgrade
from patronage.service import check
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .support import make_shop, rows

COUPONS: dict[str, Any] = {
    "id": "club", "name": "Coupon Club", "kind": "recurring", "status": "open",
    "effective": "2024-01-01", "filters": [{"name": "all"}],
    "multipliers": [{"name": "m", "currency_per_point": "1.00"}],
    "awards": [{"name": "twenty off", "level": 100,
                "coupon": {"amount": "20.00", "expire_days": 30}}],
}
DAY = dt.date(2024, 3, 1)


def sale(ext: str, price: str, day: dt.date = DAY) -> dict[str, Any]:
    return {"id": ext, "customer": "C1", "store": 1, "date": day,
            "lines": [{"sku": "X", "qty": "1", "price": price}]}


def balances(app: Patronage) -> dict[str, Decimal]:
    """Account balances (debit positive), leaving out the points accounts and zeros."""
    return {k: v for k, v in app.journal_balances().items() if v and "points" not in k}


def coupon_entries(app: Patronage) -> list[tuple[str, str | None]]:
    with app.engine.connect() as conn:
        je = t.journal_entries
        return [(r.kind, r.reference) for r in conn.execute(
            sa.select(je.c.kind, je.c.reference).where(je.c.kind.like("coupon%"))
            .order_by(je.c.id))]


def assert_books_hold(app: Patronage) -> None:
    assert app.read(check.run).faults == []


def shop_with_coupon(app: Patronage, clock: FixedClock) -> int:
    clock.set(DAY)
    make_shop(app, COUPONS)
    app.enroll({"customer": "C1", "program": "club", "date": DAY})
    app.post_invoice(sale("I1", "100.00"))  # 100 points: a $20.00 coupon
    [coupon] = rows(app, t.coupons)
    return int(coupon["id"])


def test_an_award_coupon_is_issued_on_the_default_awards_account(
        app: Patronage, clock: FixedClock) -> None:
    coupon_id = shop_with_coupon(app, clock)
    assert coupon_entries(app) == [("coupon_issue", f"coupon:{coupon_id}")]
    assert balances(app) == {"loyalty_awards": Decimal("20.00"),
                             "coupon_liability": Decimal("-20.00")}
    assert_books_hold(app)


def test_a_coupon_used_whole_moves_its_liability_to_receivable(
        app: Patronage, clock: FixedClock) -> None:
    shop_with_coupon(app, clock)
    app.post_invoice(sale("I2", "50.00", DAY + dt.timedelta(days=1)))
    assert balances(app) == {"loyalty_awards": Decimal("20.00"),
                             "receivable": Decimal("-20.00")}
    assert [k for k, _ in coupon_entries(app)] == ["coupon_issue", "coupon_use"]
    assert_books_hold(app)


def test_what_a_small_sale_cannot_take_is_forfeited_back_to_the_reason_account(
        app: Patronage, clock: FixedClock) -> None:
    shop_with_coupon(app, clock)
    app.post_invoice(sale("I2", "8.00", DAY + dt.timedelta(days=1)))
    # 8.00 applied (receivable), 12.00 forfeited: back to loyalty_awards
    assert balances(app) == {"loyalty_awards": Decimal("8.00"),
                             "receivable": Decimal("-8.00")}
    assert [k for k, _ in coupon_entries(app)] == ["coupon_issue", "coupon_use",
                                                   "coupon_forfeit"]
    assert_books_hold(app)


def test_an_expired_coupon_gives_back_its_whole_amount(app: Patronage,
                                                       clock: FixedClock) -> None:
    shop_with_coupon(app, clock)
    expiry = DAY + dt.timedelta(days=30)
    clock.set(expiry)
    app.run_maintenance({"date": expiry})  # the daily run, on the batched repository
    assert [c.status for c in app.customer("C1").coupons] == ["expired"]
    assert balances(app) == {}
    assert [k for k, _ in coupon_entries(app)] == ["coupon_issue", "coupon_expiry"]
    assert_books_hold(app)


def test_a_void_restores_the_coupon_and_its_liability(app: Patronage,
                                                      clock: FixedClock) -> None:
    shop_with_coupon(app, clock)
    later = DAY + dt.timedelta(days=1)
    app.post_invoice(sale("I2", "8.00", later))
    app.void_invoice({"invoice": "I2", "store": 1, "date": later})
    assert [c.status for c in app.customer("C1").coupons] == ["open"]
    assert balances(app) == {"loyalty_awards": Decimal("20.00"),
                             "coupon_liability": Decimal("-20.00")}
    assert [k for k, _ in coupon_entries(app)][-1] == "coupon_restore"
    assert_books_hold(app)
    app.post_invoice(sale("I3", "30.00", later))  # used again, whole this time
    assert balances(app) == {"loyalty_awards": Decimal("20.00"),
                             "receivable": Decimal("-20.00")}
    assert_books_hold(app)


def test_voiding_the_sale_that_earned_it_cancels_an_unused_coupon(
        app: Patronage, clock: FixedClock) -> None:
    coupon_id = shop_with_coupon(app, clock)
    app.void_invoice({"invoice": "I1", "store": 1, "date": DAY})
    assert [c.status for c in app.customer("C1").coupons] == ["cancelled"]
    assert coupon_entries(app) == [("coupon_issue", f"coupon:{coupon_id}"),
                                   ("coupon_cancel", f"coupon:{coupon_id}")]
    assert balances(app) == {}
    assert_books_hold(app)


def test_the_upgrade_journals_coupons_open_before_coupons_were_journalled(
        database_url: str) -> None:
    """0007_manual_rewards books the issue of each coupon still open, so the books hold at
    once; a used one owes nothing and gets no entry."""
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0001")
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO customers (id, name) VALUES ('C1', 'Ann')"))
            conn.execute(sa.text(
                "INSERT INTO coupons (customer_id, amount, issued_on, status) VALUES "
                "('C1', 1250, '2024-01-05', 'open'), ('C1', 500, '2024-01-06', 'used')"))
        upgrade(engine)
        app = Patronage(engine, FixedClock(dt.date(2024, 2, 1)))
        assert coupon_entries(app) == [("coupon_issue", "coupon:1")]
        assert balances(app) == {"loyalty_awards": Decimal("12.50"),
                                 "coupon_liability": Decimal("-12.50")}
        assert_books_hold(app)
    finally:
        engine.dispose()
