"""A dated story of invoices, told twice: posted online day by day (the daily run first,
as the POS and the scheduler would), and written as an import file. The two shops must
end up with the same books."""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from patronage.adapters.db import tables as t
from patronage.entrypoints.ops.files import INVOICE_COLUMNS
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

START = dt.date(2023, 1, 2)
SHOP = {"stores": [{"id": 1, "name": "Main"}, {"id": 2, "name": "North"}],
        "statuses": [{"code": "banned", "include_in_loyalty": False}],
        "reasons": [{"code": "LOYALTY", "account": "4950"}]}
PROGRAMS: list[dict[str, Any]] = [
    {"id": "bank", "name": "Reward Dollars", "kind": "points_bank", "status": "open",
     "effective": "2023-01-01", "point_value": "0.01", "points_expire_days": 40,
     "grace_days": 3, "filters": [{"name": "parts", "exclude_item_types": ["labor"]}],
     "percent_tiers": [{"up_to": "100.00", "percent": "1"}, {"percent": "2"}]},
    {"id": "club", "name": "250 Club", "kind": "recurring", "status": "open",
     "effective": "2023-01-01", "grace_days": 5, "points_expire_days": 45,
     "filters": [{"name": "all", "exclude_item_types": ["shop_supplies"]}],
     "multipliers": [{"name": "base", "currency_per_point": "5.00"}],
     "awards": [{"name": "ten", "level": 60,
                 "credit_memo": {"amount": "10.00", "expire_days": 20, "reason": "LOYALTY"}}]},
    {"id": "now", "name": "Instant", "kind": "recurring", "status": "open",
     "effective": "2023-01-01", "points_expire_days": 30,
     "filters": [{"name": "all"}], "multipliers": [{"name": "base", "currency_per_point": "10"}],
     "awards": [{"name": "coupon", "level": 40, "coupon": {"amount": "5.00", "expire_days": 10}}]},
]
CUSTOMERS = {"B1": "bank", "B2": "bank", "R1": "club", "R2": "club", "N1": "now", "N2": "now",
             "X1": None}


def configure(app: Patronage, clock: FixedClock) -> None:
    clock.set(START)
    app.configure_shop(SHOP)
    for body in PROGRAMS:
        app.put_program(body)
    for cid, program in CUSTOMERS.items():
        app.put_customer({"id": cid, "name": cid, "status": "banned" if cid == "B2" else None})
        if program:
            app.enroll({"customer": cid, "program": program, "date": START})


def invoices(seed: int = 7, days: int = 80) -> list[dict[str, Any]]:
    """About two invoices a day for 80 days, some with labor, supplies or gift cards."""
    rnd = random.Random(seed)
    out: list[dict[str, Any]] = []
    for n in range(days * 2):
        day = START + dt.timedelta(days=n // 2 + rnd.choice((0, 0, 1)))
        lines = [{"sku": f"S{k}", "item_type": rnd.choice(("product", "product", "labor",
                                                            "shop_supplies", "gift_card")),
                  "qty": str(rnd.randint(1, 3)), "price": f"{rnd.randint(4, 90)}.{rnd.randint(0, 99):02d}",
                  "discount": rnd.choice(("0.00", "0.00", "1.50"))}
                 for k in range(rnd.randint(1, 4))]
        out.append({"id": f"INV-{n}", "store": rnd.choice((1, 2)), "date": day,
                    "customer": rnd.choice(list(CUSTOMERS) + [None]),
                    "type": rnd.choice(("sale", "sale", "sale", "sales_order")),
                    "lines": lines, "tax": f"{rnd.randint(0, 3)}.{rnd.randint(0, 99):02d}"})
    out.sort(key=lambda b: b["date"])
    return out


def post_online(app: Patronage, clock: FixedClock, bodies: list[dict[str, Any]],
                until: dt.date) -> None:
    """What the shop would have seen: each day the daily run, then that day's sales."""
    day = START
    while day <= until:
        clock.set(day)
        app.run_maintenance({"date": day})
        for body in bodies:
            if body["date"] == day:
                app.post_invoice(body)
        day += dt.timedelta(days=1)


def write_csv(path: Path, bodies: list[dict[str, Any]], shuffle_days: bool = True) -> None:
    """One row per line, the tax spread over the rows; days in a shuffled order (the
    import sorts them), invoices of one day in their order."""
    by_day: dict[dt.date, list[dict[str, Any]]] = {}
    for body in bodies:
        by_day.setdefault(body["date"], []).append(body)
    days = list(by_day)
    if shuffle_days:
        random.Random(3).shuffle(days)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(INVOICE_COLUMNS)
        for day in days:
            for body in by_day[day]:
                for i, line in enumerate(body["lines"]):
                    tax = body["tax"] if i == 0 else "0.00"
                    writer.writerow([body["id"], day.isoformat(), body["store"],
                                     body["customer"] or "", body["type"], "", line["sku"],
                                     line["item_type"], "", "", "", "", line["qty"],
                                     line["price"], line["discount"], tax])


def books(app: Patronage) -> dict[str, list[tuple[Any, ...]]]:
    """The books in a form that does not depend on ids the database chose."""
    with app.engine.connect() as conn:
        def rows(stmt: Any) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in conn.execute(stmt)]

        lot_key = {r[0]: r[1:] for r in rows(sa.select(
            t.lots.c.id, t.lots.c.customer_id, t.invoices.c.external_id, t.lots.c.accrual_date)
            .outerjoin(t.invoices, t.invoices.c.id == t.lots.c.invoice_id))}
        award_key = {r[0]: r[1:] for r in rows(sa.select(t.awards.c.id, t.awards.c.customer_id,
                                                            t.awards.c.date, t.awards.c.name))}
        led = t.ledger
        ledger = [(c, d, k, p, lot_key.get(lot), award_key.get(aw), ref, user, reason)
                  for c, d, k, p, lot, aw, ref, user, reason in rows(
                      sa.select(led.c.customer_id, led.c.date, led.c.kind, led.c.points,
                                led.c.lot_id, led.c.award_id, led.c.ref, led.c.user,
                                led.c.reason).order_by(led.c.id))]
        je, jp = t.journal_entries, t.journal_postings
        journal = rows(sa.select(je.c.date, je.c.kind, je.c.memo, je.c.customer_id, jp.c.account,
                                 jp.c.debit, jp.c.credit).join(jp, jp.c.entry_id == je.c.id)
                       .order_by(je.c.id, jp.c.id))
        inv = t.invoices
        return {
            "ledger": ledger,
            "journal": journal,
            "lots": rows(sa.select(*(c for c in t.lots.c if c.name not in ("id", "invoice_id")))
                         .order_by(t.lots.c.id)),
            "awards": rows(sa.select(*(c for c in t.awards.c if c.name != "id"))
                           .order_by(t.awards.c.id)),
            "memos": rows(sa.select(*(c for c in t.credit_memos.c
                                      if c.name not in ("id", "award_id")))
                          .order_by(t.credit_memos.c.id)),
            "coupons": rows(sa.select(*(c for c in t.coupons.c
                                        if c.name not in ("id", "award_id", "invoice_id")))
                            .order_by(t.coupons.c.id)),
            "invoices": rows(sa.select(*(c for c in inv.c
                                         if c.name not in ("id", "lot_id", "enrollment_id")))
                             .order_by(inv.c.store_id, inv.c.external_id)),
            "lines": rows(sa.select(inv.c.external_id, *(c for c in t.invoice_lines.c
                                                         if c.name != "invoice_id"))
                          .join(inv, inv.c.id == t.invoice_lines.c.invoice_id)
                          .order_by(inv.c.external_id, t.invoice_lines.c.line_no)),
            "events": [(k, d, c) for k, d, c in rows(
                sa.select(t.events.c.type, t.events.c.date, t.events.c.customer_id)
                .order_by(t.events.c.id))],
            "totals": rows(sa.select(t.enrollments.c.customer_id, t.enrollment_totals.c.kind,
                                     t.enrollment_totals.c.points, t.enrollment_totals.c.last_on)
                           .join(t.enrollments, t.enrollments.c.id
                                 == t.enrollment_totals.c.enrollment_id)
                           .order_by(t.enrollments.c.customer_id, t.enrollment_totals.c.kind)),
            "enrollments": rows(sa.select(t.enrollments.c.customer_id, t.enrollments.c.debt,
                                          t.enrollments.c.held)
                                .order_by(t.enrollments.c.customer_id)),
            "days": rows(sa.select(t.maintenance_days.c.day).order_by(t.maintenance_days.c.day)),
        }


def views(app: Patronage, day: dt.date) -> Iterator[tuple[str, Any]]:
    for cid in CUSTOMERS:
        view = app.customer(cid, day)
        yield cid, (view.balance, [(m.amount, m.remaining, m.status, m.expires)
                                   for m in view.credit_memos],
                    [(c.amount, c.status, c.applied) for c in view.coupons], view.notes)
