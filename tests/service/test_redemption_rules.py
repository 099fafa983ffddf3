"""Issue 23 item 2 (R6-R8 in docs/decisions.md): a points bank's redemption rules. A minimum
(`below_minimum`), whole steps (`not_whole_steps`), a maximum share of the invoice
(`above_maximum`, the limit in the message); "all" takes the largest amount keeping every
rule; the quote shows each limit; a refusal changes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from patronage.core.errors import PatronageError
from patronage.service.app import Patronage

from .support import make_shop, snapshot

BANK: dict[str, Any] = {
    "id": "bank", "name": "Bank", "kind": "points_bank", "status": "open",
    "effective": "2024-01-01", "point_value": "0.01", "report_in_sale_code": "REWARDS",
    "filters": [{"name": "all"}], "multipliers": [{"name": "m", "currency_per_point": "1.00"}],
}
RULED = {**BANK, "redeem_min_points": 500, "redeem_step_points": 100,
         "redeem_max_share_percent": 50}


def cart(price: str = "100.00", rewards: str | None = None, ext: str = "I1") -> dict[str, Any]:
    body: dict[str, Any] = {"id": ext, "customer": "C1", "store": 1,
                            "lines": [{"sku": "X", "qty": "1", "price": price}]}
    if rewards is not None:
        body["redeem"] = {"rewards": rewards}
    return body


def shop(app: Patronage, program: dict[str, Any], points: int) -> Patronage:
    make_shop(app, program)
    app.enroll({"customer": "C1", "program": program["id"]})
    app.adjust({"customer": "C1", "points": points, "reason": "welcome"})
    return app


def refused(app: Patronage, body: dict[str, Any], code: str) -> PatronageError:
    before = snapshot(app)
    with pytest.raises(PatronageError) as caught:
        app.post_invoice(body)
    assert caught.value.code == code, caught.value
    assert caught.value.fields == ["redeem.rewards"]
    with pytest.raises(PatronageError) as quoted:  # the quote refuses what the post refuses
        app.quote(body)
    assert quoted.value.code == code
    assert snapshot(app) == before
    return caught.value


def test_below_the_minimum_is_refused(app: Patronage) -> None:
    shop(app, RULED, 2000)
    error = refused(app, cart(rewards="4.00"), "below_minimum")
    assert "500" in error.message
    assert app.post_invoice(cart(rewards="5.00")).redeemed_rewards == Decimal("5.00")


def test_customer_below_the_minimum_cannot_redeem_and_all_takes_nothing(app: Patronage) -> None:
    shop(app, RULED, 400)
    error = refused(app, cart(rewards="4.00"), "below_minimum")
    assert "400" in error.message and "500" in error.message
    quote = app.quote(cart())
    assert quote["rewards"]["max"] == Decimal("0.00")
    view = app.post_invoice(cart(rewards="all"))
    assert view.redeemed_rewards == Decimal("0.00")
    assert app.balance("C1").available == 400 + 100


def test_amounts_not_in_whole_steps_are_refused(app: Patronage) -> None:
    shop(app, RULED, 2000)
    error = refused(app, cart(rewards="5.50"), "not_whole_steps")
    assert "100" in error.message
    assert app.post_invoice(cart(rewards="6.00")).redeemed_rewards == Decimal("6.00")


def test_above_the_share_is_refused_with_the_limit(app: Patronage) -> None:
    shop(app, RULED, 20000)
    error = refused(app, cart(price="30.00", rewards="16.00"), "above_maximum")
    assert "50%" in error.message and "15.00" in error.message
    assert app.post_invoice(cart(price="30.00", rewards="15.00")).redeemed_rewards \
        == Decimal("15.00")


@pytest.mark.parametrize(("program", "points", "price", "expected"), [
    ({**BANK, "redeem_step_points": 100}, 1250, "100.00", "12.00"),  # steps
    ({**BANK, "redeem_max_share_percent": 50}, 20000, "33.33", "16.66"),  # share, to the cent
    ({**BANK, "redeem_min_points": 500}, 499, "100.00", "0.00"),  # below the minimum
    ({**BANK, "redeem_min_points": 500, "redeem_max_share_percent": 10}, 5000, "40.00",
     "0.00"),  # the share (4.00) leaves less than the minimum
    (RULED, 5000, "25.00", "12.00"),  # every rule: 12.50 by share, down to the step
    (RULED, 1780, "100.00", "17.00"),  # the balance, down to the step
])
def test_all_takes_the_largest_amount_keeping_every_rule(
        app: Patronage, program: dict[str, Any], points: int, price: str, expected: str) -> None:
    shop(app, program, points)
    assert app.quote(cart(price))["rewards"]["max"] == Decimal(expected)
    view = app.post_invoice(cart(price, rewards="all"))
    assert view.redeemed_rewards == Decimal(expected)


def test_sub_cent_points_with_steps(app: Patronage) -> None:
    """0.005 a point: whole cents need even points; steps of 3 make "all" a multiple of 6."""
    shop(app, {**BANK, "point_value": "0.005", "redeem_step_points": 3}, 1000)
    quote = app.quote(cart())
    assert quote["rewards"]["max"] == Decimal("4.98")  # 996 points
    assert quote["redeem_limits"]["max_points"] == 996
    refused(app, cart(rewards="1.01"), "not_whole_steps")  # 202 points
    assert app.post_invoice(cart(rewards="1.02")).redeemed_rewards == Decimal("1.02")  # 204
    assert app.balance("C1").available == 1000 - 204 + 100


def test_the_quote_shows_each_limit(app: Patronage) -> None:
    shop(app, RULED, 5000)
    limits = app.quote(cart("25.00"))["redeem_limits"]
    assert limits == {"min_points": 500, "step_points": 100, "max_share_percent": 50,
                      "max_amount": Decimal("12.50"), "max_points": 1200}


def test_rules_are_for_points_banks_only(app: Patronage) -> None:
    make_shop(app, BANK)
    club = {"id": "club", "name": "Club", "kind": "recurring", "status": "open",
            "effective": "2024-01-01", "filters": [{"name": "all"}],
            "multipliers": [{"name": "m", "currency_per_point": "1.00"}],
            "awards": [{"name": "five", "level": 100, "coupon": {"amount": "5.00"}}],
            "redeem_min_points": 100}
    with pytest.raises(PatronageError) as caught:
        app.put_program(club)
    assert caught.value.code == "invalid_program"
    assert "redeem_min_points" in caught.value.fields


@pytest.mark.parametrize(("setting", "value"), [
    ("redeem_min_points", -1), ("redeem_step_points", 0), ("redeem_max_share_percent", 0),
    ("redeem_max_share_percent", 101)])
def test_absurd_settings_are_refused(app: Patronage, setting: str, value: int) -> None:
    make_shop(app, BANK)
    with pytest.raises(PatronageError) as caught:
        app.put_program({**BANK, setting: value})
    assert caught.value.code == "invalid"
    assert setting in caught.value.fields
