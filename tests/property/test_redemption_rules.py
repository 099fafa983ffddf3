"""R6-R8 (issue 23 item 2) under Hypothesis: for random balances, carts, point values and
rule settings, "all" takes exactly the largest redemption an oracle written here (exact
fractions, counting down) finds keeping every rule: at most the points held, a multiple of
the step, worth whole cents, at most the share of the invoice, nothing or at least the
minimum. A random amount the cashier types is taken only when the oracle allows it, and
otherwise refused with the rule's code, changing nothing. After each post L3 holds and
`patronage check` finds nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from patronage.adapters.db import tables as t
from patronage.adapters.db.all_tables import metadata
from patronage.adapters.db.engine import make_engine
from patronage.core.errors import PatronageError
from patronage.service import check
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .test_ledger_invariants import identity_holds

START = dt.date(2024, 1, 1)
BANK = {"id": "bank", "name": "Bank", "kind": "points_bank", "status": "open",
        "effective": "2024-01-01", "report_in_sale_code": "REWARDS",
        "filters": [{"name": "all"}], "multipliers": [{"name": "m", "currency_per_point": "1.00"}]}


def keeps_rules(points: int, held: int, point_value: Fraction, subtotal: Fraction,
                rules: dict[str, int]) -> bool:
    """The rules as issue 23 states them, in exact fractions."""
    if points == 0:
        return True
    worth = points * point_value
    return (points <= held and points >= rules["redeem_min_points"]
            and points % rules["redeem_step_points"] == 0
            and (worth * 100).denominator == 1
            and worth <= subtotal * rules["redeem_max_share_percent"] / 100)


def redeemed_points(app: Patronage) -> int:
    with app.engine.connect() as conn:
        return -int(conn.execute(select(func.coalesce(func.sum(t.ledger.c.points), 0))
                                 .where(t.ledger.c.kind == "redemption")).scalar_one())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(point_value=st.sampled_from(["0.01", "0.005", "0.05", "0.001", "0.02"]),
       held=st.integers(0, 3000),
       price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("80.00"), places=2),
       qty=st.integers(1, 3),
       rules=st.fixed_dictionaries({
           "redeem_min_points": st.sampled_from([0, 1, 50, 250, 999, 2000]),
           "redeem_step_points": st.sampled_from([1, 2, 3, 7, 25, 100]),
           "redeem_max_share_percent": st.sampled_from([1, 10, 33, 50, 99, 100])}),
       typed=st.one_of(st.none(), st.integers(1, 3500)))
def test_all_takes_the_largest_redemption_keeping_every_rule(
        point_value: str, held: int, price: Decimal, qty: int, rules: dict[str, int],
        typed: int | None) -> None:
    engine = make_engine("sqlite://")
    metadata.create_all(engine)
    try:
        app = Patronage(engine, FixedClock(START))
        app.configure_shop({"stores": [{"id": 1, "name": "Main"}]})
        app.put_program({**BANK, "point_value": point_value, **rules})
        app.put_customer({"id": "C1", "name": "Ann"})
        app.enroll({"customer": "C1", "program": "bank"})
        if held:
            app.adjust({"customer": "C1", "points": held, "reason": "opening"})
        lines = [{"sku": "X", "qty": str(qty), "price": str(price)}]
        value, subtotal = Fraction(point_value), Fraction(price) * qty
        best = next(k for k in range(held, -1, -1)
                    if keeps_rules(k, held, value, subtotal, rules))

        worth = (typed or 0) * value  # a typed amount: only whole cents can be typed
        if typed is not None and (worth * 100).denominator == 1:
            amount = Decimal(worth.numerator) / Decimal(worth.denominator)
            body = {"id": "T", "customer": "C1", "store": 1, "lines": lines,
                    "redeem": {"rewards": str(amount.quantize(Decimal("0.01")))}}
            try:
                app.post_invoice(body)
                assert keeps_rules(typed, held, value, subtotal, rules)
                assert redeemed_points(app) == typed
            except PatronageError as refusal:
                assert not keeps_rules(typed, held, value, subtotal, rules)
                assert refusal.code in ("below_minimum", "not_whole_steps", "above_maximum")
                assert redeemed_points(app) == 0
            assert identity_holds(app.balance("C1"))
            report = app.read(check.run)
            assert report.ok, "\n".join(map(str, report.faults))
            return

        quoted = app.quote({"id": "Q", "customer": "C1", "store": 1, "lines": lines})
        assert quoted["redeem_limits"]["max_points"] == best
        app.post_invoice({"id": "I1", "customer": "C1", "store": 1, "lines": lines,
                          "redeem": {"rewards": "all"}})
        assert redeemed_points(app) == best
        assert identity_holds(app.balance("C1"))
        report = app.read(check.run)
        assert report.ok, "\n".join(map(str, report.faults))
    finally:
        engine.dispose()
