"""C1: a quote answers what a cart would earn and what can pay for it, and changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from patronage.core.errors import PatronageError
from patronage.service.app import Patronage

from .support import make_shop, snapshot

CART = {
    "id": "Q1", "customer": "C1", "store": 1, "tax": "24.00",
    "lines": [{"sku": "PADS", "qty": "2", "price": "150.00"},
              {"sku": "LAB", "item_type": "labor", "qty": "1", "price": "95.00"}],
}
COUPONS = {
    "id": "coupons", "name": "Coupons", "kind": "recurring", "status": "open",
    "effective": "2024-01-01", "filters": [{"name": "all"}],
    "multipliers": [{"name": "m", "currency_per_point": "1.00"}],
    "awards": [{"name": "four off", "level": 10, "coupon": {"amount": "4.00", "expire_days": 7}}],
}


@pytest.fixture
def shop(app: Patronage) -> Patronage:
    """C1 holds a $5.00 credit memo from the Club, then moved to Reward Cents with 500 points."""
    make_shop(app)
    app.enroll({"customer": "C1", "program": "club"})
    app.adjust({"customer": "C1", "points": 100, "reason": "welcome"})  # award: $5.00 memo
    app.enroll({"customer": "C1", "program": "cents", "close_current": True})
    app.adjust({"customer": "C1", "points": 500, "reason": "welcome"})
    return app


def test_quote_reports_points_rewards_and_credit(shop: Patronage) -> None:
    before = snapshot(shop)
    q = shop.quote(CART)
    assert snapshot(shop) == before
    # 300.00 eligible (labor excluded) is in the band up to 500: 2% = 6.00 = 600 points
    assert q["points"] == 600
    assert q["program"] == "cents"
    assert (q["subtotal"], q["tax"], q["total"]) == (Decimal("395.00"), Decimal("24.00"),
                                                     Decimal("419.00"))
    assert q["loyalty_discount"] == Decimal("0.00")
    assert q["rewards"] == {"available_points": 500, "available_value": Decimal("5.00"),
                            "max": Decimal("5.00")}
    assert q["credit_memos"] == {"available": Decimal("5.00"), "max": Decimal("5.00")}
    assert q["coupons"] == []


def test_quote_maximums_are_capped_by_the_cart(shop: Patronage) -> None:
    q = shop.quote({"id": "Q2", "customer": "C1", "store": 1, "tax": "0.16",
                    "lines": [{"sku": "OIL", "qty": "1", "price": "2.00"}]})
    assert q["points"] == 2  # 1% of 2.00 = 0.02
    assert q["rewards"]["max"] == Decimal("2.00")  # rewards may not pay the tax here
    assert q["credit_memos"]["max"] == Decimal("2.16")  # credit is a tender: it pays tax


def test_quote_then_post_agree_and_the_quote_left_the_balance_alone(shop: Patronage) -> None:
    q = shop.quote(CART)
    assert shop.balance("C1").available == 500
    posted = shop.post_invoice({**CART, "redeem": {"rewards": "all", "credit_memos": "all"}})
    assert posted.points == q["points"]
    assert posted.redeemed_rewards == q["rewards"]["max"]
    assert posted.credit_applied == q["credit_memos"]["max"]
    assert shop.balance("C1").available == 600  # 500 spent, 600 earned (no grace)


def test_quote_refuses_a_redemption_it_could_not_make(shop: Patronage) -> None:
    """Issue 21 item 12: a quote answers the refusal the post would (was: ignored it)."""
    before = snapshot(shop)
    with pytest.raises(PatronageError) as err:
        shop.quote({**CART, "redeem": {"rewards": "9999.00"}})
    assert err.value.code == "above_maximum"
    assert snapshot(shop) == before


def test_quote_shows_the_coupon_that_will_apply_without_using_it(app: Patronage) -> None:
    make_shop(app, COUPONS)
    app.enroll({"customer": "C1", "program": "coupons"})
    app.adjust({"customer": "C1", "points": 10, "reason": "welcome"})  # a $4.00 coupon
    cart = {"id": "S1", "customer": "C1", "store": 1, "tax": "0.24",
            "lines": [{"sku": "X", "qty": "1", "price": "3.00"}]}
    before = snapshot(app)
    q = app.quote(cart)
    assert snapshot(app) == before
    [coupon] = q["coupons"]
    assert (coupon["amount"], coupon["applies"]) == (Decimal("4.00"), Decimal("3.00"))
    assert q["loyalty_discount"] == Decimal("3.00")
    assert q["total"] == Decimal("0.24")
    assert q["points"] == 0  # the discount takes the whole eligible amount
    assert [c.status for c in app.customer("C1").coupons] == ["open"]
    posted = app.post_invoice(cart)
    assert (posted.loyalty_discount, posted.total, posted.points) == (
        Decimal("3.00"), Decimal("0.24"), 0)


def test_quote_for_a_customer_with_no_enrollment(app: Patronage) -> None:
    make_shop(app)
    q = app.quote(CART)
    assert q["points"] == 0 and q["program"] is None
    assert q["rewards"]["max"] == Decimal("0.00")
    assert q["credit_memos"] == {"available": Decimal("0.00"), "max": Decimal("0.00")}


@pytest.mark.parametrize(("change", "code", "field"), [
    ({"customer": "NOBODY"}, "not_found", "customer"),
    ({"store": 99}, "not_found", "store"),
    ({"lines": [{"sku": "X", "qty": "-1", "price": "1.00"}]}, "invalid", "lines.0.qty"),
])
def test_quote_refusals(shop: Patronage, change: dict[str, object], code: str, field: str) -> None:
    with pytest.raises(PatronageError) as err:
        shop.quote({**CART, **change})
    assert err.value.code == code
    assert field in err.value.fields
