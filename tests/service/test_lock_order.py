"""Lock, then read (issue 19): a write that commits between what a command first looks at
and the lock it then takes must be seen by the command. PostgreSQL only: there writers run
side by side and lock customers' rows; SQLite's writers are serial (BEGIN IMMEDIATE), so a
second writer could not even start while the first holds the write lock.

Each test commits the other write at the worst moment, deterministically: just before the
command takes its lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from patronage.adapters.db.all_tables import metadata
from patronage.adapters.db.bulk import BulkRepository
from patronage.adapters.db.engine import make_engine
from patronage.adapters.db.repository import Repository
from patronage.service import check
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .support import CLUB, make_shop

d = dt.date
BANK = {"id": "bank", "name": "Bank", "kind": "points_bank", "status": "open",
        "effective": "2024-01-01", "point_value": "0.01",
        "filters": [{"name": "parts", "exclude_item_types": ["labor"]}],
        "multipliers": [{"name": "m", "currency_per_point": "1.00"}]}


@pytest.fixture
def shared(database_url: str, clock: FixedClock, backend: str) -> Iterator[Patronage]:
    if backend != "postgresql":
        pytest.skip("only PostgreSQL runs writers side by side")
    engine = make_engine(database_url)
    metadata.create_all(engine)
    yield Patronage(engine, clock)
    engine.dispose()


def books_hold(app: Patronage) -> None:
    report = app.read(lambda tx: check.run(tx, 100))
    assert report.ok, report.faults


def test_daily_run_sees_a_till_that_committed_before_its_lock(
        shared: Patronage, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jan 1: 150 points, available Jan 6 (grace 5). The run of Jan 8 looks at C1 (it holds
    the award's level); a till then takes 30 points and commits; only then does the run
    lock C1. It must grant the award from the 150 - 30 points there are, not from a memory
    of 150 read before its lock (which wrote the lot back as 50: 30 points created)."""
    make_shop(shared, CLUB)
    shared.enroll({"customer": "C1", "program": "club"})
    shared.post_invoice({"id": "I1", "customer": "C1", "store": 1,
                         "lines": [{"sku": "X", "qty": "1", "price": "150.00"}]})
    clock.set(d(2024, 1, 8))
    prepare = BulkRepository.prepare
    till: list[Any] = []

    def late_lock(self: BulkRepository, customers: Any = (), *args: Any, **kw: Any) -> None:
        customers = list(customers)
        if "C1" in customers and not till:  # the run's first lock of C1, not yet taken
            till.append(shared.adjust({"customer": "C1", "points": -30, "reason": "till"}))
        prepare(self, customers, *args, **kw)

    monkeypatch.setattr(BulkRepository, "prepare", late_lock)
    out = shared.run_maintenance({})
    assert till and out.data["awards"] == 1
    bal = shared.balance("C1")
    assert (bal.available, bal.adjusted, bal.used) == (20, -30, 100)
    books_hold(shared)


def test_daily_run_does_not_expire_a_lot_a_till_spent_before_its_lock(
        shared: Patronage, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run of Jan 5 finds a lot expiring that day; a till (its clock still on Jan 4)
    spends the lot and commits; then the run locks the owner. Nothing is left to expire
    (expiring the 100 points read before the lock left the lot at -100)."""
    make_shop(shared, BANK)
    shared.enroll({"customer": "C1", "program": "bank"})
    shared.adjust({"customer": "C1", "points": 100, "reason": "r", "expires": "2024-01-05"})
    till_app = Patronage(shared.engine, FixedClock(d(2024, 1, 4)))
    clock.set(d(2024, 1, 5))
    prepare = BulkRepository.prepare
    till: list[Any] = []

    def late_lock(self: BulkRepository, customers: Any = (), *args: Any, **kw: Any) -> None:
        customers = list(customers)
        if "C1" in customers and not till:
            till.append(till_app.adjust({"customer": "C1", "points": -100, "reason": "till"}))
        prepare(self, customers, *args, **kw)

    monkeypatch.setattr(BulkRepository, "prepare", late_lock)
    out = shared.run_maintenance({})
    assert till and out.data.get("points_expired", 0) == 0
    bal = shared.balance("C1")
    assert (bal.available, bal.adjusted, bal.expired) == (0, 0, 0)
    books_hold(shared)


def test_void_sees_a_twin_void_that_committed_before_its_lock(
        shared: Patronage, monkeypatch: pytest.MonkeyPatch) -> None:
    """A void reads the invoice, a twin void commits, then the void locks the customer: it
    must answer as a replay, not give the redeemed points back a second time."""
    make_shop(shared, BANK)
    shared.enroll({"customer": "C1", "program": "bank"})
    shared.adjust({"customer": "C1", "points": 1000, "reason": "opening"})
    shared.post_invoice({"id": "V1", "customer": "C1", "store": 1, "redeem": {"rewards": "5.00"},
                         "lines": [{"sku": "L", "item_type": "labor", "qty": "1",
                                    "price": "9.00"}]})
    assert shared.balance("C1").available == 500
    customer = Repository.customer
    twin: list[Any] = []

    def late_lock(self: Repository, customer_id: str, lock: bool = False) -> Any:
        if lock and not twin:  # the first void's lock, not yet taken: the twin goes first
            twin.append(True)
            shared.void_invoice({"invoice": "V1"})
        return customer(self, customer_id, lock)

    monkeypatch.setattr(Repository, "customer", late_lock)
    view = shared.void_invoice({"invoice": "V1"})
    assert twin and view.status == "voided"
    bal = shared.balance("C1")
    assert (bal.available, bal.used) == (1000, 0)
    books_hold(shared)
