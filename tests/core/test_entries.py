"""L3's figures by entry kind (core/entries.py): each kind's bucket and lot effect, read
from PRODUCT.md L3 here, and the balance `service.ledger.balance` reports from random
ledgers: each figure is the sum of its kinds' entries, and pending + available = earned +
adjusted - used - expired - forfeited."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from patronage.adapters.db import tables as t
from patronage.adapters.db.repository import Repository
from patronage.core.entries import SUBTRACTED, Bucket, EntryKind, Flows, flows
from patronage.service import ledger
from patronage.service.app import Patronage
from patronage.service.uow import Tx

# PRODUCT.md L3, kind by kind: the figure it moves (None: nets to zero, L5's payoff) and
# whether it moves the lot's `points` (what the lot was given) besides its `remaining`.
SPEC: dict[str, tuple[str | None, bool]] = {
    "accrual": ("earned", True),  # "earned is accruals
    "reversal": ("earned", False),  # net of return and void reversals"
    "adjustment": ("adjusted", True),
    "award": ("used", False),  # "used is points taken by awards,
    "period_close": ("used", False),  # period closes
    "redemption": ("used", False),  # and redemptions,
    "award_cancel": ("used", False),  # net of cancelled awards
    "restore": ("used", False),  # and restored redemptions" (R3)
    "return_restore": ("used", False),  # R5: a return's share of a redemption
    "expiry": ("expired", False),
    "forfeit": ("forfeited", False),
    "debt_payoff": (None, False),
}
MINUS = {"used", "expired", "forfeited"}  # L3 subtracts these
FIGURES = ("earned", "adjusted", "used", "expired", "forfeited")
DAY = dt.date(2024, 3, 1)


def expected(totals: dict[str, int]) -> dict[str, int]:
    """The L3 figures of entry sums by kind, by SPEC."""
    out = dict.fromkeys(FIGURES, 0)
    for kind, points in totals.items():
        figure = SPEC[kind][0]
        if figure is not None:
            out[figure] += -points if figure in MINUS else points
    return out


@pytest.mark.parametrize("kind", sorted(SPEC))
def test_each_kind_moves_the_figure_l3_says(kind: str) -> None:
    member = EntryKind.known(kind)
    assert member is not None and member == kind
    figure, grows = SPEC[kind]
    assert member.bucket == (figure or Bucket.DEBT_MOVE)
    assert member.grows_lot is grows


def test_the_kinds_are_those_written_to_the_ledger() -> None:
    assert {kind.value for kind in EntryKind} == set(SPEC)
    assert EntryKind.used_kinds() == {k for k, (f, _) in SPEC.items() if f == "used"}
    assert EntryKind.earned_kinds() == {"accrual", "reversal"}
    assert EntryKind.lot_growing_kinds() == {"accrual", "adjustment"}
    assert SUBTRACTED == MINUS
    assert EntryKind.known("bonus") is None


@given(st.dictionaries(st.sampled_from(sorted(SPEC)), st.integers(-10_000, 10_000)))
def test_flows_are_the_sums_of_their_kinds(totals: dict[str, int]) -> None:
    figures = flows(totals)
    assert figures == Flows(**expected(totals))
    assert figures.net == sum(p for k, p in totals.items() if k != "debt_payoff")


def test_flows_leave_out_a_string_that_is_no_kind() -> None:
    assert flows({"accrual": 50, "bonus": 7}) == Flows(earned=50)


# --- the balance, from random ledgers -------------------------------------------------------

BANK = {
    "id": "bank", "name": "Bank", "kind": "points_bank", "status": "open",
    "effective": "2024-01-01", "point_value": "0.01", "filters": [{"name": "all"}],
    "percent_tiers": [{"up_to": None, "percent": "10"}],
}
TAKES = ("reversal", "adjustment", "award", "period_close", "redemption", "expiry", "forfeit")
GIVES = ("award_cancel", "restore", "return_restore")
# a step: (what, kind index, points, which lot, lot state: 0 available, 1 pending, 2 expired)
steps = st.lists(st.tuples(st.sampled_from(("open", "take", "give", "payoff")),
                           st.integers(0, 99), st.integers(1, 500), st.integers(0, 99),
                           st.integers(0, 2)), max_size=25)


def write(tx: Tx, enrollment: RowMapping, plan: list[tuple[str, int, int, int, int]]) -> None:
    """Append the plan's entries: lots opened (accrual or adjustment), points taken from a
    lot (never below zero) or as debt, given back to a lot, debt paid off by a lot."""
    repo, lots = tx.repo, []
    for what, k, points, which, when in plan:
        if what == "open":
            kind = (EntryKind.ACCRUAL, EntryKind.ADJUSTMENT)[k % 2]
            day = DAY - dt.timedelta(days=30) if when == 2 else DAY
            available_on = DAY + dt.timedelta(days=5) if when == 1 else day
            expires = DAY if when == 2 else DAY + dt.timedelta(days=60)
            lot_id, _ = repo.open_lot(enrollment, kind, None, day, available_on, expires,
                                      points, tx.now)
            lots.append(lot_id)
            continue
        live = {x.id: x.remaining for x in repo.lots(enrollment["id"])}
        lot = lots[which % len(lots)] if lots else None
        if what == "take":
            if lot is not None and live.get(lot, 0) > 0:
                repo.entry(enrollment, DAY, TAKES[k % len(TAKES)], -min(points, live[lot]),
                           lot, tx.now)
            else:
                repo.entry(enrollment, DAY, TAKES[k % len(TAKES)], -points, None, tx.now)
        elif what == "give" and lot is not None:
            repo.entry(enrollment, DAY, GIVES[k % len(GIVES)], points, lot, tx.now)
        elif what == "payoff" and lot is not None and live.get(lot, 0) > 0:
            debt = repo.debt(enrollment["id"])
            move = min(-debt, live[lot], points)
            if move > 0:
                repo.entry(enrollment, DAY, EntryKind.DEBT_PAYOFF, -move, lot, tx.now)
                repo.entry(enrollment, DAY, EntryKind.DEBT_PAYOFF, move, None, tx.now)


@pytest.fixture
def bank(app: Patronage) -> Patronage:
    app.configure_shop({"stores": [{"id": 1, "name": "Main"}]})
    app.put_program(BANK)
    app.put_customer({"id": "C1", "name": "Customer C1"})
    app.enroll({"customer": "C1", "program": "bank", "date": "2024-01-01"})
    return app


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_the_balance_reports_each_kind_in_its_figure_and_l3_holds(
        bank: Patronage, plan: list[tuple[str, int, int, int, int]]) -> None:
    with bank.engine.connect() as conn:
        work = conn.begin()
        try:
            tx = Tx(Repository(conn), DAY, dt.datetime(2024, 3, 1, 12))
            enrollment = tx.repo.open_enrollment("C1")
            program = tx.repo.program("bank")
            assert enrollment is not None and program is not None
            write(tx, enrollment, plan)
            got = ledger.balance(tx, enrollment, program, DAY)
            led, lots = t.ledger, t.lots
            totals: dict[str, int] = {}
            grown: dict[int, int] = {}
            for kind, points, lot_id in conn.execute(select(led.c.kind, led.c.points,
                                                            led.c.lot_id)):
                totals[kind] = totals.get(kind, 0) + points
                if lot_id is not None and SPEC[kind][1]:
                    grown[lot_id] = grown.get(lot_id, 0) + points
            lot_rows = conn.execute(select(lots.c.id, lots.c.points, lots.c.remaining,
                                           lots.c.expires_on)).all()
        finally:
            work.rollback()
    want = expected(totals)
    want["expired"] += sum(r.remaining for r in lot_rows if r.expires_on <= DAY)  # L1
    assert {f: getattr(got, f) for f in FIGURES} == want
    assert got.pending + got.available == (got.earned + got.adjusted - got.used - got.expired
                                           - got.forfeited)  # L3
    assert {r.id: r.points for r in lot_rows} == {r.id: grown.get(r.id, 0) for r in lot_rows}
