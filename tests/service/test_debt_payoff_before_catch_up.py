"""L1 with a debt (L5) and missed daily runs (M1): a balance read before the catch-up run
already shows the debt payoffs that run will make, so the run changes no figure.

The case: the enrollment owes points; a pending lot becomes available (the daily run for
that day would pay the debt from it) and then expires, with no daily run in between. The
catch-up run replays each missed day, pays the debt from the lot on its available-on day
and expires only the rest, so a balance read before it must already say so.
"""

from __future__ import annotations

import datetime as dt

import pytest

from patronage.adapters.db.bulk import BulkRepository, SlowPath
from patronage.adapters.db.repository import Repository
from patronage.service import ledger, maintenance
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock
from patronage.service.uow import bulk_unit_of_work
from patronage.service.views import Balance

from .support import make_shop

d = dt.date

BANK = {  # no awards, so the daily run moves no points but the debt payoffs and expiries
    "id": "bank", "name": "Bank", "kind": "points_bank", "status": "open",
    "effective": "2024-01-01", "point_value": "0.01", "grace_days": 3, "points_expire_days": 6,
    "filters": [{"name": "all"}], "percent_tiers": [{"up_to": None, "percent": "1"}],
}
DAYS = [d(2024, 1, 1) + dt.timedelta(days=i) for i in range(12)]


def figures(app: Patronage, day: dt.date) -> Balance:
    return app.balance("C1", day)


def sale(app: Patronage, ext: str, price: str) -> None:
    app.post_invoice({"id": ext, "customer": "C1", "store": 1,
                      "lines": [{"sku": "X", "qty": "1", "price": price}]})


@pytest.fixture
def owing(app: Patronage, clock: FixedClock) -> Patronage:
    """Jan 1: C1 enrolls and owes 30 points. Jan 2: a sale earns 100 points, pending until
    Jan 5, expiring Jan 8. No daily run has happened."""
    make_shop(app, BANK)
    app.enroll({"customer": "C1", "program": "bank"})
    app.adjust({"customer": "C1", "points": -30, "allow_negative": True, "reason": "fix"})
    clock.set(d(2024, 1, 2))
    sale(app, "I1", "100.00")
    return app


def test_balance_before_the_catch_up_run_is_the_balance_after(
        owing: Patronage, clock: FixedClock) -> None:
    clock.set(d(2024, 1, 12))
    before = {day: figures(owing, day) for day in DAYS}
    late = before[d(2024, 1, 10)]
    # Jan 5 the lot pays the 30 owed; Jan 8 the 70 left expire
    assert (late.available, late.expired, late.pending) == (0, 70, 0)
    assert before[d(2024, 1, 6)].available == 70
    assert before[d(2024, 1, 4)].available == -30 and before[d(2024, 1, 4)].pending == 100

    out = owing.run_maintenance({})
    assert out.data["days"] == 12 and out.data["debt_paid"] == 30
    after = {day: figures(owing, day) for day in DAYS}
    for day in DAYS:
        assert before[day] == after[day], day


def test_as_of_a_past_day_with_entries_after_it(owing: Patronage, clock: FixedClock) -> None:
    """A later sale puts entries after the days read: the past is rebuilt from the ledger,
    and the payoff the catch-up run would make on Jan 5 is still there."""
    clock.set(d(2024, 1, 11))
    sale(owing, "I2", "40.00")
    clock.set(d(2024, 1, 12))
    before = {day: figures(owing, day) for day in DAYS}
    assert (before[d(2024, 1, 9)].available, before[d(2024, 1, 9)].expired) == (0, 70)
    owing.run_maintenance({})
    after = {day: figures(owing, day) for day in DAYS}
    for day in DAYS:
        assert before[day] == after[day], day


def test_only_the_days_not_yet_run_are_replayed(owing: Patronage, clock: FixedClock) -> None:
    """The run for Jan 3 is done; Jan 4 on are replayed. On Jan 6, before any run paid the
    debt, 90 points are taken from the lot (M1: a catch-up day pays only with points that
    are still there), so the payoff for Jan 5 gets the 10 left: 20 stay owed."""
    clock.set(d(2024, 1, 3))
    owing.run_maintenance({})
    clock.set(d(2024, 1, 6))
    owing.adjust({"customer": "C1", "points": -90, "allow_negative": True, "reason": "fix"})
    clock.set(d(2024, 1, 12))
    before = {day: figures(owing, day) for day in DAYS}
    # without the payoff: the 10 left expire on Jan 8 and the 30 stay owed
    assert (before[d(2024, 1, 9)].available, before[d(2024, 1, 9)].expired) == (-20, 0)
    owing.run_maintenance({})
    after = {day: figures(owing, day) for day in DAYS}
    for day in DAYS:
        assert before[day] == after[day], day


def test_the_bulk_repository_gives_the_same_answers(owing: Patronage, clock: FixedClock) -> None:
    """The daily run's write-behind repository: with its run log and a new entry still in
    memory, the balances it reads (and the entries it reads them from) are the plain
    repository's; inside an item the ledger read is not answered from memory (SlowPath)."""
    clock.set(d(2024, 1, 12))
    with bulk_unit_of_work(owing.engine, clock) as tx:
        repo = tx.repo
        assert isinstance(repo, BulkRepository)
        maintenance.run(tx, {"date": "2024-01-03"})  # Jan 1 to 3: the days' log is buffered
        e = repo.open_enrollment("C1")
        assert e is not None
        [lot] = repo.lots(e["id"])
        ledger.debit(tx, e, 5, d(2024, 1, 6), "adjustment")  # from the lot, buffered
        bulk = {day: ledger.balance(tx, e, repo.program("bank"), day) for day in DAYS}
        moves = repo.ledger_moves(e["id"], d(2024, 1, 1))
        assert moves == Repository(repo.raw).ledger_moves(e["id"], d(2024, 1, 1))
        assert (d(2024, 1, 6), lot.id, -5) in moves
        repo.begin_item()
        with pytest.raises(SlowPath):
            repo.ledger_moves(e["id"], d(2024, 1, 1))
        repo.end_item(ok=True)
    assert bulk == {day: figures(owing, day) for day in DAYS}
    assert (bulk[d(2024, 1, 9)].available, bulk[d(2024, 1, 9)].expired) == (0, 65)
