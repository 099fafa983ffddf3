"""The quote (C1) as a pure answer over what the service loaded: no database."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from patronage.core.quoting import (
    Cart,
    CouponUse,
    Earned,
    Held,
    answer,
    credit_available,
    paid_by,
    redeem_limits,
)
from patronage.core.redeeming import RedeemRules

D = Decimal
CART = Cart(subtotal=D("100.00"), tax=D("8.00"), discount=D("10.00"), total=D("98.00"),
            tenders=(("cash", D("20.00")), ("store_credit", D("5.00"))),
            coupons=(CouponUse(7, D("10.00"), D("10.00")),), credit=D("5.00"),
            credit_max=D("30.00"), memos=(D("25.00"), D("5.00")), program="cents")


def test_points_are_earned_now_only_when_posting_accrues_them() -> None:
    at_once = Earned("club", 120, D("120.00"), due_now=True)
    waits = Earned("club", 120, D("120.00"), due_now=False)  # A5: paid in full later
    assert (at_once.points, waits.points) == (120, 0)
    out = answer(CART, waits, Held())
    assert (out["points"], out["points_earnable"], out["eligible_amount"]) == (0, 120, D("120.00"))
    assert "earned" not in out  # one program: no list
    assert answer(CART, at_once, Held())["points"] == 120


def test_the_answers_figures() -> None:
    out = answer(CART, Earned(None, 0, D(0), True), Held(40, D("0.40")))
    assert out["paid"] == D("25.00") and out["amount_due"] == D("73.00")
    assert (out["subtotal"], out["tax"], out["loyalty_discount"], out["total"]) == (
        D("100.00"), D("8.00"), D("10.00"), D("98.00"))
    assert out["coupons"] == [{"id": 7, "amount": D("10.00"), "applies": D("10.00")}]
    assert out["rewards"] == {"available_points": 40, "available_value": D("0.40"),
                              "max": D(0)}
    assert out["credit_memos"] == {"available": D("30.00"), "max": D("30.00")}
    assert (out["credit_applied"], out["program"], out["redeem_limits"]) == (
        D("5.00"), "cents", None)


def test_amount_due_is_never_below_zero() -> None:
    over = Cart(subtotal=D(10), tax=D(0), discount=D(0), total=D(10),
                tenders=(("cash", D(15)),))
    out = answer(over, Earned(None, 0, D(0), True), Held())
    assert (out["paid"], out["amount_due"]) == (D(15), D(0))


def test_many_programs_sum_their_points_and_list_them() -> None:
    each = [Earned("club", 50, D("50.00"), due_now=True),
            Earned("cents", 70, D("70.00"), due_now=False)]
    out = answer(CART, each, Held())
    assert (out["points"], out["points_earnable"], out["eligible_amount"]) == (
        50, 120, D("50.00"))  # the oldest program's eligible amount
    assert out["earned"] == [
        {"program": "club", "points": 50, "points_earnable": 50, "eligible_amount": D("50.00")},
        {"program": "cents", "points": 0, "points_earnable": 70, "eligible_amount": D("70.00")}]
    none = answer(CART, [], Held())
    assert (none["points"], none["points_earnable"], none["eligible_amount"], none["earned"]) \
        == (0, 0, D(0), [])


def test_credit_available_is_what_the_open_memos_hold() -> None:
    assert credit_available((D("2.50"), D("1.25"))) == D("3.75")
    assert credit_available(None) == D(0)  # not read: a post that asked for no credit
    assert credit_available(()) == D(0)


def test_redeem_limits_only_for_a_points_bank_with_a_value() -> None:
    rules = RedeemRules(min_points=500, step_points=100, max_share_percent=50)
    assert redeem_limits(rules, D("25.00"), D("10.00"), D("0.01")) == {
        "min_points": 500, "step_points": 100, "max_share_percent": 50,
        "max_amount": D("12.50"), "max_points": 1000}
    assert redeem_limits(None, D("25.00"), D("10.00"), D("0.01")) is None
    assert redeem_limits(rules, D("25.00"), D("10.00"), None) is None
    assert redeem_limits(rules, D("25.00"), D("10.00"), D(0)) is None


def test_the_answer_carries_the_limits() -> None:
    cart = Cart(subtotal=D(20), tax=D(0), discount=D(0), total=D(20), tenders=(),
                rewards_max=D("3.00"), rewards_base=D(20), redeem_rules=RedeemRules(),
                point_value=D("0.01"))
    assert answer(cart, Earned(None, 0, D(0), True), Held())["redeem_limits"] == {
        "min_points": 0, "step_points": 1, "max_share_percent": 100, "max_amount": D("20.00"),
        "max_points": 300}


money = st.decimals(min_value=0, max_value=10_000, places=2)


@given(st.lists(st.tuples(st.sampled_from(["cash", "card", "rewards"]), money), max_size=6),
       money)
def test_paid_and_due_add_up_to_at_least_the_total(tenders: list[tuple[str, Decimal]],
                                                   total: Decimal) -> None:
    cart = Cart(subtotal=total, tax=D(0), discount=D(0), total=total, tenders=tuple(tenders))
    out = answer(cart, Earned(None, 0, D(0), True), Held())
    assert out["paid"] == paid_by(tenders) == sum((a for _, a in tenders), D(0))
    assert out["amount_due"] >= 0
    assert out["paid"] + out["amount_due"] == max(total, out["paid"])


@given(st.lists(st.tuples(st.integers(0, 10_000), st.booleans()), max_size=5))
def test_many_points_now_never_exceed_the_earnable(programs: list[tuple[int, bool]]) -> None:
    each = [Earned(f"p{i}", pts, D(pts), now) for i, (pts, now) in enumerate(programs)]
    out = answer(CART, each, Held())
    assert out["points"] == sum(p for p, now in programs if now)
    assert out["points_earnable"] == sum(p for p, _ in programs)
    assert 0 <= out["points"] <= out["points_earnable"]
