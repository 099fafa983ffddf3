"""Campaigns (issue 23 item 3; K2-K6 with B1) under Hypothesis: random campaigns
(multipliers, bonus points with a minimum quantity, budgets) and random sales, returns and
voids. After every step:
- L3 holds and `patronage check` finds nothing;
- each invoice holds exactly its base points on what is kept plus each campaign's extra
  kept in proportion (B1), and the ledger's earned points are those;
- a voided invoice keeps no point: every bonus point is taken back with the base;
- no campaign has given more than its budget, and `given` is the sum of what the
  invoices' rates say it gave at accrual (returns and voids give nothing back, K6).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from patronage.adapters.db import tables as t
from patronage.adapters.db.all_tables import metadata
from patronage.adapters.db.engine import make_engine
from patronage.adapters.db.tables_campaigns import campaigns as campaign_rows
from patronage.core.earning import Rate
from patronage.service import campaigns, check
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .test_ledger_invariants import identity_holds

START = dt.date(2024, 1, 1)
CLUB = {"id": "club", "name": "Club", "kind": "points_bank", "status": "open",
        "effective": "2024-01-01", "point_value": "0.01", "report_in_sale_code": "REWARDS",
        "filters": [{"name": "all", "exclude_item_types": ["labor"]}],
        "multipliers": [{"name": "m", "currency_per_point": "0.30"}]}

campaign_st = st.fixed_dictionaries({
    "multiplier": st.sampled_from([None, "1.5", "2", "3"]),
    "bonus_points": st.sampled_from([None, 7, 50]),
    "bonus_min_qty": st.sampled_from([None, "2", "4"]),
    "budget": st.sampled_from([None, 40, 300, 2000]),
    "lines": st.sampled_from([None, {"item_types": ["tire"]}]),
})
line_st = st.fixed_dictionaries({
    "item_type": st.sampled_from(["tire", "product", "labor"]),
    "qty": st.integers(1, 4),
    "price": st.sampled_from(["0.99", "3.33", "10.00", "12.50", "49.95"]),
})
step_st = st.one_of(
    st.tuples(st.just("sale"), st.lists(line_st, min_size=1, max_size=3)),
    st.tuples(st.just("return"), st.integers(0, 20), st.integers(0, 2), st.integers(1, 3)),
    st.tuples(st.just("void"), st.integers(0, 20)),
)


def invoices(app: Patronage) -> list[dict[str, Any]]:
    with app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.invoices).order_by(t.invoices.c.id))
                .mappings()]


def ledger_points(app: Patronage, invoice_id: int) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.sum(t.ledger.c.points), 0)).where(
            t.ledger.c.invoice_id == invoice_id,
            t.ledger.c.kind.in_(("accrual", "reversal", "return", "void")))).scalar_one())


def holds(app: Patronage) -> None:
    assert identity_holds(app.balance("C1"))
    report = app.read(check.run)
    assert report.ok, "\n".join(map(str, report.faults))
    given_by: dict[str, int] = {}
    for inv in invoices(app):
        rate = Rate.from_json(inv["rate"])
        kept = inv["eligible_amount"] if inv["status"] != "voided" else Decimal(0)
        for x in rate.extras:
            given_by[x.source] = given_by.get(x.source, 0) + x.points
        if not inv["accrued"]:
            continue
        if inv["status"] == "voided":
            assert inv["points"] == 0 or ledger_points(app, inv["id"]) == 0
        else:
            assert inv["points"] == rate.points(kept)
    with app.engine.connect() as conn:
        rows = conn.execute(select(campaign_rows)).mappings().all()
    for row in rows:
        assert row["budget"] is None or row["given"] <= row["budget"]
        assert row["given"] == given_by.get("campaign:" + row["id"], 0)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(made=st.lists(campaign_st, min_size=1, max_size=3),
       steps=st.lists(step_st, min_size=1, max_size=10))
def test_l3_and_every_bonus_point_comes_back_with_a_void(
        made: list[dict[str, Any]], steps: list[tuple[Any, ...]]) -> None:
    engine = make_engine("sqlite://")
    metadata.create_all(engine)
    try:
        app = Patronage(engine, FixedClock(START))
        app.configure_shop({"stores": [{"id": 1, "name": "Main"}]})
        app.put_program(CLUB)
        app.put_customer({"id": "C1", "name": "Ann"})
        app.enroll({"customer": "C1", "program": "club"})
        for n, settings_ in enumerate(made):
            body = {k: v for k, v in settings_.items() if v is not None}
            if "multiplier" not in body and "bonus_points" not in body:
                body["multiplier"] = "2"
            if "bonus_points" not in body:
                body.pop("bonus_min_qty", None)
            app.run(partial(campaigns.create, body={
                "id": f"K{n}", "program": "club", "name": f"K{n}",
                "effective": "2024-01-01", **body}))
        sold: list[tuple[str, list[dict[str, Any]], dict[str, int]]] = []
        for n, step in enumerate(steps):
            if step[0] == "sale":
                lines = [{"sku": f"S{i}", **x, "qty": str(x["qty"])}
                         for i, x in enumerate(step[1])]
                app.post_invoice({"id": f"I{n}", "customer": "C1", "store": 1, "lines": lines})
                sold.append((f"I{n}", lines, {x["sku"]: int(x["qty"]) for x in lines}))
            elif sold and step[0] == "return":
                ext, lines, left = sold[step[1] % len(sold)]
                sku = lines[step[2] % len(lines)]["sku"]
                take = min(step[3], left[sku])
                if take == 0 or left.get("voided"):
                    continue
                app.post_return({"id": f"R{n}", "invoice": ext, "store": 1,
                                 "lines": [{"sku": sku, "qty": str(take)}]})
                left[sku] -= take
            elif sold and step[0] == "void":
                ext, _, left = sold[step[1] % len(sold)]
                app.void_invoice({"invoice": ext, "store": 1})
                left["voided"] = 1
            holds(app)
        for ext, _, left in sold:  # every invoice voided at the end: nothing stays
            if not left.get("voided"):
                app.void_invoice({"invoice": ext, "store": 1})
        holds(app)
        assert app.balance("C1").earned == 0
    finally:
        engine.dispose()
