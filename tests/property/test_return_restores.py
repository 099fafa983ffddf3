"""R5 (issue 23 item 6) under Hypothesis: a return gives back its share of the points its
invoice redeemed, when the program says so.

- `test_returning_lines_in_any_order_gives_back_the_share_never_more`: one invoice paid
  partly with points, its lines returned in random pieces and order (a void at the end, or
  not): after every step the points given back are floor(redeemed x returned amount /
  the lines' amount), never more than redeemed; all returned (or voided), exactly what was
  redeemed; L3 holds and `patronage check` finds nothing, whole-cent or sub-cent.
- `TestGiveBackLedger`: the whole ledger machine of `test_ledger_invariants.py` (sales,
  payments, returns, voids, adjustments, daily runs...) on points banks that give back,
  with `patronage check` and, per invoice, given back + restored <= redeemed, after every
  step.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant
from sqlalchemy import func, select

from patronage.adapters.db import tables as t
from patronage.adapters.db.all_tables import metadata
from patronage.adapters.db.engine import make_engine
from patronage.service import check
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .test_ledger_invariants import CENTS, NICKELS, LedgerMachine, identity_holds

START = dt.date(2024, 1, 1)
BANK = {"id": "bank", "name": "Bank", "kind": "points_bank", "status": "open",
        "effective": "2024-01-01", "report_in_sale_code": "REWARDS",
        "return_restores_redemption": True, "filters": [{"name": "all"}],
        "multipliers": [{"name": "m", "currency_per_point": "1.00"}]}

line_st = st.fixed_dictionaries({
    "qty": st.integers(1, 4),
    "price": st.sampled_from(["0.99", "3.33", "10.00", "12.50", "49.95"]),
})


def points_of(app: Patronage, kind: str) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.sum(t.ledger.c.points), 0))
                                .where(t.ledger.c.kind == kind)).scalar_one())


def share(redeemed: int, returned: Decimal, whole: Decimal) -> int:
    """What R5 says, worked out here in exact fractions of cents."""
    return redeemed * int(returned * 100) // int(whole * 100)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(point_value=st.sampled_from(["0.01", "0.005", "0.05"]),
       lines=st.lists(line_st, min_size=1, max_size=4),
       fraction=st.sampled_from([1, 2, 3, 4, 10]),
       returns=st.lists(st.tuples(st.integers(0, 3), st.integers(1, 3)), max_size=12),
       void=st.booleans(), data=st.data())
def test_returning_lines_in_any_order_gives_back_the_share_never_more(
        point_value: str, lines: list[dict[str, Any]], fraction: int,
        returns: list[tuple[int, int]], void: bool, data: st.DataObject) -> None:
    engine = make_engine("sqlite://")
    metadata.create_all(engine)
    try:
        app = Patronage(engine, FixedClock(START))
        app.configure_shop({"stores": [{"id": 1, "name": "Main"}]})
        app.put_program({**BANK, "point_value": point_value})
        app.put_customer({"id": "C1", "name": "Ann"})
        app.enroll({"customer": "C1", "program": "bank"})
        app.adjust({"customer": "C1", "points": 2000, "reason": "opening"})
        app.adjust({"customer": "C1", "points": 700, "expires": "2024-03-01",
                    "reason": "sooner"})  # the redemption takes from two lots
        sold = [{"sku": f"S{i}", "qty": str(x["qty"]), "price": x["price"]}
                for i, x in enumerate(lines)]
        whole = sum((Decimal(x["price"]) * int(x["qty"]) for x in sold), Decimal(0))
        quote = app.quote({"id": "Q", "customer": "C1", "store": 1, "lines": sold})
        most = Decimal(quote["rewards"]["max"])
        amount = (most / fraction).quantize(Decimal("0.01"))
        step = Decimal(point_value) * (2 if point_value == "0.005" else 1)
        amount -= amount % step  # whole points, whole cents
        app.post_invoice({"id": "I1", "customer": "C1", "store": 1, "lines": sold,
                          "redeem": {"rewards": str(amount)}})
        redeemed = -points_of(app, "redemption")
        left = {f"S{i}": x["qty"] for i, x in enumerate(lines)}
        returned = Decimal(0)
        for n, (line, qty) in enumerate(returns):
            sku = f"S{line % len(lines)}"
            take = min(qty, left[sku])
            if take == 0:
                continue
            app.post_return({"id": f"R{n}", "invoice": "I1", "store": 1,
                             "lines": [{"sku": sku, "qty": str(take)}]})
            left[sku] -= take
            unit = Decimal(lines[int(sku[1:])]["price"])
            returned += unit * take
            back = points_of(app, "return_restore")
            assert back == share(redeemed, returned, whole) <= redeemed
            assert identity_holds(app.balance("C1"))
        if all(v == 0 for v in left.values()):
            assert points_of(app, "return_restore") == redeemed
        if void and any(left.values()):
            app.void_invoice({"invoice": "I1", "store": 1})
            assert points_of(app, "return_restore") + points_of(app, "restore") == redeemed
        assert identity_holds(app.balance("C1"))
        report = app.read(check.run)
        assert report.ok, "\n".join(map(str, report.faults))
    finally:
        engine.dispose()


class GiveBackMachine(LedgerMachine):
    PROGRAMS: ClassVar[list[dict[str, Any]]] = [
        {**CENTS, "return_restores_redemption": True},
        {**NICKELS, "return_restores_redemption": True}]

    @invariant()
    def books_check_and_never_more_than_redeemed(self) -> None:
        report = self.app.read(check.run)
        assert report.ok, "\n".join(map(str, report.faults))
        with self.engine.connect() as conn:
            led = t.ledger
            per_invoice = conn.execute(
                select(led.c.invoice_id, led.c.kind, func.sum(led.c.points))
                .where(led.c.kind.in_(("redemption", "restore", "return_restore")),
                       led.c.invoice_id.is_not(None))
                .group_by(led.c.invoice_id, led.c.kind)).all()
        sums: dict[int, dict[str, int]] = {}
        for invoice_id, kind, points in per_invoice:
            sums.setdefault(invoice_id, {})[kind] = int(points)
        for invoice_id, kinds in sums.items():
            redeemed = -kinds.get("redemption", 0)
            back = kinds.get("return_restore", 0) + kinds.get("restore", 0)
            assert 0 <= back <= redeemed, f"invoice {invoice_id}: {back} back of {redeemed}"


TestGiveBackLedger = GiveBackMachine.TestCase
TestGiveBackLedger.settings = settings(max_examples=25, stateful_step_count=30, deadline=None,
                                       suppress_health_check=[HealthCheck.too_slow,
                                                              HealthCheck.filter_too_much])

