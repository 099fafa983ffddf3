"""C4: two redemptions at the same moment never spend the same points or credit.

Threads post invoices through one facade on a real database file (several connections),
all released at once by a barrier. On PostgreSQL too when the test server is configured.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, select

from patronage.adapters.db import tables as t
from patronage.adapters.db.all_tables import metadata
from patronage.adapters.db.engine import make_engine
from patronage.core.errors import PatronageError
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .support import CENTS, CLUB, make_shop

THREADS = 4


@pytest.fixture
def shared(database_url: str, clock: FixedClock) -> Iterator[Patronage]:
    engine = make_engine(database_url)
    metadata.create_all(engine)
    app = Patronage(engine, clock)
    make_shop(app, {**CLUB, "grace_days": 0}, {**CENTS, "grace_days": 0},
              customers=("C1", "C2"))
    yield app
    engine.dispose()


def race(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[PatronageError]]:
    """Run the calls in threads released together; return what they answered and refused."""
    barrier = threading.Barrier(len(calls))
    done: list[Any] = []
    refused: list[PatronageError] = []
    crashed: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            out = call()
            with lock:
                done.append(out)
        except PatronageError as err:
            with lock:
                refused.append(err)
        except BaseException as exc:  # noqa: BLE001 - reported below, with the thread's error
            with lock:
                crashed.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not crashed, crashed
    return done, refused


def sale(invoice_id: str, customer: str, redeem: dict[str, str]) -> dict[str, Any]:
    # labor earns nothing in Reward Cents, so the balance only moves by redemptions
    return {"id": invoice_id, "customer": customer, "store": 1, "redeem": redeem,
            "lines": [{"sku": "LAB", "item_type": "labor", "qty": "1", "price": "10.00"}]}


@pytest.mark.parametrize("asked", ["10.00", "all", "6.00"])
def test_points_are_spent_once(shared: Patronage, asked: str) -> None:
    shared.enroll({"customer": "C1", "program": "cents"})
    for round_no in range(3):
        shared.adjust({"customer": "C1", "points": 1000})  # $10.00 of rewards
        bodies = [sale(f"R{round_no}-{i}", "C1", {"rewards": asked}) for i in range(THREADS)]
        done, refused = race([partial(shared.post_invoice, b) for b in bodies])
        spent = sum((v.redeemed_rewards for v in done), Decimal(0))
        assert {e.code for e in refused} <= {"above_maximum"}
        if asked == "all":
            assert spent == Decimal("10.00") and not refused
        else:
            assert len(done) == int(Decimal("10.00") // Decimal(asked))
            assert spent == Decimal(asked) * len(done)
        balance = shared.balance("C1")
        assert balance.available == 1000 - int(spent * 100) >= 0
        shared.adjust({"customer": "C1", "set_balance": 0})
    with shared.engine.connect() as conn:
        debt = conn.execute(select(func.count()).select_from(t.ledger).where(
            t.ledger.c.kind == "redemption", t.ledger.c.lot_id.is_(None))).scalar()
    assert debt == 0


def test_credit_is_spent_once(shared: Patronage) -> None:
    shared.enroll({"customer": "C2", "program": "club"})
    shared.adjust({"customer": "C2", "points": 100})  # award at once: one $5.00 memo
    bodies = [{**sale(f"M{i}", "C2", {"credit_memos": "5.00"}),
               "lines": [{"sku": "X", "qty": "1", "price": "5.00"}]} for i in range(THREADS)]
    done, refused = race([partial(shared.post_invoice, b) for b in bodies])
    assert [v.credit_applied for v in done] == [Decimal("5.00")]
    assert [e.code for e in refused] == ["above_maximum"] * (THREADS - 1)
    [memo] = shared.customer("C2").credit_memos
    assert (memo.remaining, memo.status) == (Decimal("0.00"), "used")


def test_credit_all_never_overspends(shared: Patronage) -> None:
    shared.enroll({"customer": "C2", "program": "club"})
    shared.adjust({"customer": "C2", "points": 100})
    bodies = [{**sale(f"A{i}", "C2", {"credit_memos": "all"}),
               "lines": [{"sku": "X", "qty": "1", "price": "2.00"}]} for i in range(THREADS)]
    done, refused = race([partial(shared.post_invoice, b) for b in bodies])
    assert not refused
    applied = sorted(v.credit_applied for v in done)
    assert sum(applied) == Decimal("5.00")  # 2.00 + 2.00 + 1.00 + 0.00
    assert applied == [Decimal("0.00"), Decimal("1.00"), Decimal("2.00"), Decimal("2.00")]
    [memo] = shared.customer("C2").credit_memos
    assert memo.remaining == Decimal("0.00")
