"""The write-behind repository answers the daily run's questions (what expires today, who
is in debt with points to pay it, who reaches an award's level) from marks it keeps in
memory (adapters/db/bulk.py). Day after day, while lots, debts, memos and coupons come and
go in one transaction (some of it in items that are undone), its answers equal the plain
repository's SQL over the same rows."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from patronage.adapters.db import bulk
from patronage.adapters.db.bulk import BulkRepository, SlowPath
from patronage.adapters.db.repository import Repository
from patronage.service import ledger, maintenance
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock
from patronage.service.uow import Tx, bulk_unit_of_work

from .support import make_shop

START = dt.date(2024, 1, 1)
MEMO: dict[str, Any] = {
    "id": "memo", "name": "Memo Club", "kind": "recurring", "status": "open",
    "effective": "2024-01-01", "grace_days": 2, "points_expire_days": 6,
    "filters": [{"name": "all"}], "multipliers": [{"name": "base", "currency_per_point": "1.00"}],
    "awards": [{"name": "five", "level": 50,
                "credit_memo": {"amount": "5.00", "expire_days": 3, "reason": "loyalty"}}],
}
COUPON: dict[str, Any] = {
    **MEMO, "id": "coupon", "name": "Coupon Club", "grace_days": 1, "points_expire_days": 4,
    "awards": [{"name": "coupon", "level": 30, "coupon": {"amount": "3.00", "expire_days": 2}}],
}
CUSTOMERS = {f"M{i}": "memo" for i in range(4)} | {f"K{i}": "coupon" for i in range(4)}


def answers(repo: Repository, day: dt.date) -> tuple[Any, ...]:
    return ([r["id"] for r in repo.lots_expiring(day)],
            [dict(r) for r in repo.memos_expiring(day)],  # whole rows: none may be stale
            sorted((dict(r) for r in repo.coupons_expiring(day)), key=lambda r: r["id"]),
            repo.enrollments_in_debt_with_lots_on(day),
            repo.enrollments_reaching("memo", 50, day),
            repo.enrollments_reaching("coupon", 30, day),
            repo.last_done_day())


def change(tx: Tx, repo: BulkRepository, rnd: random.Random, day: dt.date) -> None:
    """A few random moves: points in (pending or at once), points out (into debt when
    short), a memo or coupon used or opened again."""
    cid = rnd.choice(list(CUSTOMERS))
    e = repo.open_enrollment(cid)
    program = repo.program(CUSTOMERS[cid])
    assert e is not None and program is not None
    move = rnd.choice(("accrue", "accrue", "debit", "memo", "coupon"))
    if move == "accrue":
        ledger.accrue(tx, e, program, rnd.randint(5, 40), day, at_once=rnd.random() < 0.3)
    elif move == "debit":
        ledger.debit(tx, e, rnd.randint(5, 60), day, "adjustment")
    elif move == "memo" and (memos := repo.memos(cid)):
        memo = rnd.choice(memos)
        repo.set_memo_status(memo["id"], rnd.choice(("used", "open")))
    elif move == "coupon" and (coupons := repo.coupons(cid)):
        coupon = rnd.choice(coupons)
        repo.update_coupon(coupon["id"], status=rnd.choice(("used", "open")))


@pytest.mark.parametrize("horizon", [31, 3])  # days: with 3, the due memos are loaded again
@pytest.mark.parametrize("seed", range(4))
def test_the_marks_answer_as_the_sql_does(app: Patronage, clock: FixedClock, seed: int,
                                          horizon: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "HORIZON", dt.timedelta(days=horizon))
    make_shop(app, MEMO, COUPON, customers=tuple(CUSTOMERS))
    for cid, program in CUSTOMERS.items():
        app.enroll({"customer": cid, "program": program, "date": START})
    rnd = random.Random(seed)
    days = [START + dt.timedelta(days=i) for i in range(30)]
    clock.set(days[-1])
    checked = 0
    with bulk_unit_of_work(app.engine, clock) as tx:
        repo = tx.repo
        assert isinstance(repo, BulkRepository)
        for day in days:
            mine = answers(repo, day)  # from the marks where they can tell
            repo.flush()
            assert mine == answers(Repository(repo.raw), day), day
            checked += sum(1 for x in mine[:6] if x)
            maintenance.run(tx, {"date": day})  # expires, pays debts, grants: the marks move
            for _ in range(rnd.randint(1, 6)):
                change(tx, repo, rnd, day)
            repo.begin_item()  # and an item that is undone: its marks may stay behind
            try:
                change(tx, repo, rnd, day)
            except SlowPath:
                pass
            repo.end_item(ok=False)
            if rnd.random() < 0.3:  # as a batch's commit does: memory (and marks) again
                repo.flush()
                repo.forget()
    assert checked > 20  # the questions had answers, not only empty lists


@pytest.mark.parametrize("table", ["credit_memos", "coupons"])
def test_one_opened_again_outside_memory_is_found_due(app: Patronage, clock: FixedClock,
                                                      table: str) -> None:
    """A memo or coupon the repository does not hold, opened again after the mark was
    loaded: its expiry is not in memory, so the mark is loaded again, and it is due."""
    make_shop(app, MEMO, customers=("M0",))
    due = START + dt.timedelta(days=5)
    values = {"customer_id": "M0", "amount": "5.00", "issued_on": START, "expires_on": due,
              "status": "used"}
    with app.engine.begin() as conn:
        plain = Repository(conn)
        key = plain.insert_memo({**values, "remaining": "5.00"}) if table == "credit_memos" \
            else plain.insert_coupon(values)
    ask = "memos_expiring" if table == "credit_memos" else "coupons_expiring"
    with bulk_unit_of_work(app.engine, clock) as tx:
        repo = tx.repo
        assert isinstance(repo, BulkRepository)
        assert getattr(repo, ask)(due) == []  # the mark is loaded: nothing open is due
        if table == "credit_memos":
            repo.set_memo_status(key, "open")
        else:
            repo.update_coupon(key, status="open")
        assert [r["id"] for r in getattr(repo, ask)(due)] == [key]
