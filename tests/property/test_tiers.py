"""Status tiers (issue 23 item 1; T1-T8 in docs/decisions.md) under Hypothesis, where the
tier's extra points touch the ledger identity L3.

- `test_a_year_of_sales_and_returns_earns_as_an_oracle_says`: one customer's sales (and
  returns of some) through a calendar year; after every step the tier is the highest
  level any accrual reached (never down within the year), each sale earned its base plus
  floor(exact x (multiplier - 1)) of the tier held before it, the balance obeys L3, and
  `patronage check` finds nothing.
- `TestTierLedger`: the whole ledger machine of `test_ledger_invariants.py` (sales,
  payments, returns, voids, adjustments, memberships, daily runs over days...) on programs
  with tiers (spend in a rolling 5 days, points in the calendar year), with its L3 and book
  invariants, and the tiers' own: a tier held is a level of the program, a pending move
  goes lower, the history of moves chains from none to the tier held, one `tier.changed`
  event a move, and every tier extra is the one its tier gives.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_FLOOR, Decimal
from typing import Any, ClassVar

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant
from sqlalchemy import select

from patronage.adapters.db import tables as t
from patronage.adapters.db import tables_tiers as tt
from patronage.adapters.db.all_tables import metadata
from patronage.adapters.db.engine import make_engine
from patronage.service import check
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .test_ledger_invariants import CENTS, CLUB, LedgerMachine, identity_holds

START = dt.date(2024, 1, 1)
LEVELS = [("silver", Decimal(100), Decimal("1.25")), ("gold", Decimal(400), Decimal("1.5")),
          ("platinum", Decimal(900), Decimal(3))]
BANK = {"id": "bank", "name": "Bank", "kind": "points_bank", "status": "open",
        "effective": "2024-01-01", "point_value": "0.01", "report_in_sale_code": "REWARDS",
        "filters": [{"name": "all"}], "multipliers": [{"name": "m", "currency_per_point": "3.00"}],
        "status_tiers": {"grace_days": 10, "levels": [
            {"name": n, "threshold": str(x), "multiplier": str(m)} for n, x, m in LEVELS]}}


def floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def reached(spend: Decimal) -> tuple[str | None, Decimal]:
    found: tuple[str | None, Decimal] = (None, Decimal(1))
    for name, threshold, multiplier in LEVELS:
        if spend >= threshold:
            found = (name, multiplier)
    return found


step_st = st.one_of(
    st.tuples(st.just("sale"), st.integers(1, 6),
              st.sampled_from(["0.99", "3.33", "12.50", "49.95", "100.00", "333.33"])),
    st.tuples(st.just("return"), st.integers(0, 20), st.integers(1, 3)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step_st, min_size=1, max_size=14))
def test_a_year_of_sales_and_returns_earns_as_an_oracle_says(
        steps: list[tuple[str, int, Any]]) -> None:
    engine = make_engine("sqlite://")
    metadata.create_all(engine)
    try:
        clock = FixedClock(START)
        app = Patronage(engine, clock)
        app.configure_shop({"stores": [{"id": 1, "name": "Main"}]})
        app.put_program(BANK)
        app.put_customer({"id": "C1", "name": "Ann"})
        app.enroll({"customer": "C1", "program": "bank"})
        tier, multiplier = None, Decimal(1)
        held_rank = 0
        sold: list[list[Any]] = []  # [id, qty left, price]
        total_points = 0
        day = START
        for n, (kind, a, b) in enumerate(steps):
            day += dt.timedelta(days=3)  # 14 steps stay within 2024
            clock.set(day)
            if kind == "sale":
                qty, price = a, Decimal(b)
                posted = app.post_invoice({"id": f"I{n}", "customer": "C1", "store": 1,
                                           "lines": [{"sku": "X", "qty": str(qty),
                                                      "price": str(price)}]})
                exact = qty * price / 3
                expected = floor(exact) + floor(exact * (multiplier - 1))  # T3, T4
                assert posted.points == expected
                sold.append([f"I{n}", qty, price])
            elif sold:
                invoice = sold[a % len(sold)]
                take = min(b, invoice[1])
                if take == 0:
                    continue
                app.post_return({"id": f"R{n}", "invoice": invoice[0], "store": 1,
                                 "lines": [{"sku": "X", "qty": str(take)}]})
                invoice[1] -= take
            spend = sum((Decimal(q) * p for _, q, p in sold), Decimal(0))
            now, now_multiplier = reached(spend)
            rank = [None, *(x[0] for x in LEVELS)].index(now)
            if kind == "sale" and rank > held_rank:  # T4: up at a sale, never down in the year
                tier, multiplier, held_rank = now, now_multiplier, rank
            balance = app.balance("C1")
            assert balance.tier == tier
            assert identity_holds(balance)
            total_points = balance.earned
            assert balance.available + balance.pending == total_points
        report = app.read(check.run)
        assert report.ok, "\n".join(map(str, report.faults))
    finally:
        engine.dispose()


class TierMachine(LedgerMachine):
    PROGRAMS: ClassVar[list[dict[str, Any]]] = [
        {**CENTS, "status_tiers": {"window": "rolling", "rolling_days": 5, "grace_days": 1,
                                   "levels": [
                                       {"name": "silver", "threshold": "50", "multiplier": "1.5"},
                                       {"name": "gold", "threshold": "300", "multiplier": "2"}]}},
        {**CLUB, "status_tiers": {"measure": "points", "grace_days": 3, "levels": [
            {"name": "bronze", "threshold": "20", "multiplier": "2"},
            {"name": "silver", "threshold": "80", "multiplier": "3"}]}}]

    @invariant()
    def tiers_hold_together(self) -> None:
        with self.engine.connect() as conn:
            standing = list(conn.execute(select(tt.customer_tiers)).mappings())
            changes = list(conn.execute(select(tt.tier_changes).order_by(tt.tier_changes.c.id))
                           .mappings())
            events = conn.execute(select(t.events.c.id).where(t.events.c.type == "tier.changed")
                                  ).all()
            invoices = list(conn.execute(select(t.invoices.c.rate)
                                         .where(t.invoices.c.accrued.is_(True))).mappings())
        assert len(events) == len(changes), "one tier.changed event a move"
        for change in changes:
            event(f"moved by {change['reason']}")
        for row in standing:
            rules = self.programs[row["program_id"]].status_tiers
            assert rules is not None
            assert row["tier"] is None or rules.level(row["tier"]) is not None
            event(f"a customer held {row['tier']}")
            if row["falls_on"] is not None:
                assert rules.rank(row["falls_to"]) < rules.rank(row["tier"])
            chain = [c for c in changes if c["enrollment_id"] == row["enrollment_id"]]
            before = None
            for change in chain:
                assert change["from_tier"] == before and change["to_tier"] != before
                before = change["to_tier"]
            assert before == row["tier"], f"enrollment {row['enrollment_id']}: history"
        multipliers = {f"tier:{x.name}": x.multiplier for p in self.programs.values()
                       if p.status_tiers for x in p.status_tiers.levels}
        for inv in invoices:
            rate = inv["rate"] or {}
            for source, points, _label in rate.get("extras") or ():
                if source.startswith("tier:"):
                    assert source in multipliers and points >= 0


TestTierLedger = TierMachine.TestCase
TestTierLedger.settings = settings(max_examples=25, stateful_step_count=30, deadline=None,
                                   suppress_health_check=[HealthCheck.too_slow,
                                                          HealthCheck.filter_too_much])
