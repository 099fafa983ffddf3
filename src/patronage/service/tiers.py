"""Status tiers (issue 23 item 1; T1-T9 in docs/decisions.md "Tiers"; rules in
core/tiers.py): the tier's extra on an invoice (T3), the move up at the invoice that
qualifies (T4), the price group (T5), the review at a window's end and the move down
after the grace in the daily run (T6, T7), and `tier.changed` (T8).

The hooks are called by service/bonuses.py. A program without tiers costs no statement.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import partial
from typing import Any

from patronage.core import tiers as rules_of
from patronage.core.earning import Earning, Extra, Rate
from patronage.core.errors import not_found
from patronage.core.programs import Program
from patronage.core.tiers import Standing, TierRules
from patronage.service.uow import Tx


def extras(tx: Tx, enrollment: Mapping[Any, Any], program: Program, earning: Earning, *,
           quote: bool) -> list[Extra]:
    """T3: the tier held when the invoice accrues (or the cart is quoted) gives
    floor(exact x (multiplier - 1)) points on top of A4's. T4: the invoice that reaches a
    tier earns at the tier held before it."""
    rules = program.status_tiers
    if rules is None:
        return []
    level = rules.level(tx.repo.tier_standing(int(enrollment["id"])).tier)
    if level is None:
        return []
    points = rules_of.extra_points(earning.rate.exact(earning.eligible), level.multiplier)
    return [Extra(f"tier:{level.name}", points, f"{level.name} tier x{level.multiplier}")]


def after_accrual(tx: Tx, enrollment: Mapping[Any, Any], program: Program, invoice_id: int,
                  rate: Rate, points: int, day: dt.date) -> None:
    """T4: once the invoice's points are written, the qualifying figure of the window
    holding its accrual day may reach a higher tier: held from that day."""
    rules = program.status_tiers
    if rules is None:
        return
    eid, customer_id = int(enrollment["id"]), str(enrollment["customer_id"])
    before = tx.repo.tier_standing(eid)  # as `extras` read it: once per command
    figure = _measure(tx, rules, eid, customer_id)(*rules_of.window(rules, day))
    after = rules_of.after_invoice(rules, before, figure, day)
    if after != before:
        _move(tx, enrollment, program, before, after, day, "invoice", figure, invoice_id)


def daily(tx: Tx, day: dt.date, within: Any = None,
          programs: list[Program] | None = None) -> Counter[str]:
    """T6/T7: the daily run of `day`: every open enrollment holding a tier in a program
    whose window ends (every day for a rolling window, 1 January for the calendar year)
    is reviewed, and a move down whose grace is over happens. `programs`: the shop's
    programs, when the run has read them already."""
    done: Counter[str] = Counter()
    for program in tx.repo.programs() if programs is None else programs:
        if program.status_tiers is not None and program.status != "draft":
            done.update(_daily_program(tx, program, program.status_tiers, day, within))
    return done


def _daily_program(tx: Tx, program: Program, rules: TierRules, day: dt.date,
                   within: Any) -> Counter[str]:
    done: Counter[str] = Counter()
    review_all = rules_of.reviewed_window(rules, day) is not None
    rows = tx.repo.tier_holders(program.id, day, review_all, within)
    pairs = [(int(r["enrollment_id"]), str(r["customer_id"])) for r in rows]
    if pairs:
        _see_invoices(tx)
    known: dict[tuple[dt.date, dt.date], dict[int, Decimal]] = {}

    def figures(first: dt.date, last: dt.date) -> dict[int, Decimal]:
        if (first, last) not in known:  # one statement a window for the whole program
            known[(first, last)] = tx.repo.tier_qualifying(rules.measure, pairs, first, last)
        return known[(first, last)]

    for row in rows:
        eid = int(row["enrollment_id"])
        then = tx.repo.tier_standing_of(row)
        now = rules_of.on_day(rules, then, day, partial(_one_of, figures, eid))
        if now != then:
            done.update(_settle(tx, program, rules, row, day))
    return done


def _one_of(figures: Callable[[dt.date, dt.date], dict[int, Decimal]], eid: int,
            first: dt.date, last: dt.date) -> Decimal:
    return figures(first, last)[eid]


def _settle(tx: Tx, program: Program, rules: TierRules, row: Mapping[Any, Any],
            day: dt.date) -> Counter[str]:
    """The daily run's change for one enrollment, worked out again under the customer's
    lock from what is stored now (a post may have moved it since the run read it)."""
    done: Counter[str] = Counter()
    eid, customer_id = int(row["enrollment_id"]), str(row["customer_id"])
    tx.repo.customer(customer_id, lock=True)
    enrollment = tx.repo.enrollment(eid)
    if enrollment is None or enrollment["status"] != "open":
        return done
    before = tx.repo.tier_standing(eid)  # read anew: the customer was just locked
    measure = _measure(tx, rules, eid, customer_id)
    after = rules_of.on_day(rules, before, day, measure)
    if after == before:
        return done
    if after.tier != before.tier:
        figure = measure(*rules_of.window(rules, day))
        _move(tx, enrollment, program, before, after, day, "review", figure, None)
        done["tiers_moved_down"] += 1
    else:
        tx.repo.save_tier_standing(eid, customer_id, program.id, after)
        done["tier_reviews_pending" if after.pending else "tier_reviews_cleared"] += 1
    return done


def _see_invoices(tx: Tx) -> None:
    """A write-behind repository (the bulk import, adapters/db/bulk.py) sends what it holds
    of invoices before they are measured in SQL."""
    flush = getattr(tx.repo, "flush", None)
    if flush is not None:
        flush({"invoices", "invoice_earnings"})


def _measure(tx: Tx, rules: TierRules, eid: int, customer_id: str) -> Any:
    _see_invoices(tx)

    def measure(first: dt.date, last: dt.date) -> Decimal:
        return tx.repo.tier_qualifying(rules.measure, [(eid, customer_id)], first, last)[eid]

    return measure


def _move(tx: Tx, enrollment: Mapping[Any, Any], program: Program, before: Standing,
          after: Standing, day: dt.date, reason: str, figure: Decimal,
          invoice_id: int | None) -> None:
    """Write the new standing; when the tier changes: the price group (T5), the history
    row and `tier.changed` (T8)."""
    rules = program.status_tiers
    assert rules is not None
    eid, customer_id = int(enrollment["id"]), str(enrollment["customer_id"])
    tx.repo.save_tier_standing(eid, customer_id, program.id, after)
    if after.tier == before.tier:
        return
    left, to = rules.level(before.tier), rules.level(after.tier)
    up = rules.rank(after.tier) > rules.rank(before.tier)
    customer = tx.repo.customer(customer_id)
    current = customer["price_group"] if customer is not None else None
    group = rules_of.price_group_after(current, left, to, up)
    if group != current:
        tx.repo.set_price_group(customer_id, group)
    invoice = tx.repo.invoice_by_pk(invoice_id) if invoice_id is not None else None
    tx.repo.record_tier_change({
        "enrollment_id": eid, "customer_id": customer_id, "program_id": program.id,
        "date": day, "from_tier": before.tier, "to_tier": after.tier, "reason": reason,
        "qualifying": figure, "invoice_id": invoice_id, "recorded_at": tx.now})
    payload: dict[str, Any] = {
        "customer": customer_id, "program": program.id, "from": before.tier,
        "to": after.tier, "direction": "up" if up else "down", "reason": reason,
        "qualifying": str(figure), "measure": rules.measure, "date": day.isoformat()}
    if invoice is not None:
        payload["invoice"] = invoice["external_id"]
    tx.repo.record_event("tier.changed", day, customer_id, payload, tx.now)


def held(tx: Tx, enrollment_id: int | None, program: Program | None) -> str | None:
    """The tier an enrollment holds now (T9: balances, receipts, the console); None
    without tiers, at no statement's cost."""
    if enrollment_id is None or program is None or program.status_tiers is None:
        return None
    level = program.status_tiers.level(tx.repo.tier_standing(enrollment_id).tier)
    return level.name if level is not None else None  # a level removed since: none


def history(tx: Tx, customer_id: str) -> list[dict[str, Any]]:
    """The customer's moves between tiers, newest first (the console's customer page)."""
    return [{"date": r["date"], "program": r["program_id"], "from": r["from_tier"],
             "to": r["to_tier"], "reason": r["reason"], "qualifying": r["qualifying"]}
            for r in tx.repo.tier_changes_of(customer_id)]


def customers_per_tier(tx: Tx, program_id: str | None = None) -> list[dict[str, Any]]:
    """The report (T9): open enrollments holding each tier, by program, every level of a
    program with tiers listed (0 when none holds it), lowest first; `not_found` for a
    program that does not exist."""
    programs = tx.repo.programs()
    if program_id is not None and not any(p.id == program_id for p in programs):
        raise not_found("program", program_id)
    held = {(p, tier): n for p, tier, n in tx.repo.tier_counts(program_id)}
    return [{"program": p.id, "tier": level.name, "threshold": level.threshold,
             "multiplier": level.multiplier, "customers": held.get((p.id, level.name), 0)}
            for p in programs if p.status_tiers is not None
            and (program_id is None or p.id == program_id) for level in p.status_tiers.levels]
