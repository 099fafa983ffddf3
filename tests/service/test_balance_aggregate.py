"""L1/L3: a balance is one SQL aggregate over the live lots (issue 20), and says exactly
what classifying each lot by `core.lots.state` says: 300 lots, pending, available, partly
used, spent and expired ones, read as of days before and after their expiry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from patronage.core.lots import state
from patronage.service import ledger
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock
from patronage.service.uow import Tx
from patronage.service.views import Balance, Expiring

from .support import make_shop

BANK = {
    "id": "bank", "name": "Bank", "kind": "points_bank", "status": "open",
    "effective": "2024-01-01", "point_value": "0.01", "grace_days": 3, "points_expire_days": 40,
    "filters": [{"name": "all"}], "percent_tiers": [{"up_to": None, "percent": "10"}],
}
START = dt.date(2024, 1, 1)
LOTS = 300


def lot_by_lot(tx: Tx, customer_id: str, as_of: dt.date) -> Balance:
    """The balance as `ledger.balance` computed it before issue 20: every live lot loaded
    and classified in Python (an enrollment not in debt, no entry after `as_of`)."""
    enrollment = tx.repo.open_enrollment(customer_id)
    assert enrollment is not None
    program = tx.repo.program(enrollment["program_id"])
    assert program is not None and program.point_value is not None
    eid = enrollment["id"]
    debt = tx.repo.debt(eid)
    assert debt >= 0 and (tx.repo.last_entry_date(eid) or as_of) <= as_of
    by_state = {"pending": 0, "available": 0, "expired": 0}
    expiring: dict[dt.date, int] = {}
    for lot in tx.repo.lots(eid):
        s = state(lot, as_of)
        by_state[s] += lot.remaining
        if s != "expired" and lot.expires_on is not None:
            expiring[lot.expires_on] = expiring.get(lot.expires_on, 0) + lot.remaining
    totals = tx.repo.totals_from_entries(eid, as_of)  # from the entries, not the cache
    available = by_state["available"] + debt
    return Balance(
        program=program.id, program_name=program.name, as_of=as_of,
        pending=by_state["pending"], available=available,
        earned=totals.get("accrual", 0) + totals.get("reversal", 0),
        adjusted=totals.get("adjustment", 0),
        used=-sum(totals.get(k, 0) for k in ledger.USED_KINDS),
        expired=-totals.get("expiry", 0) + by_state["expired"],
        forfeited=-totals.get("forfeit", 0),
        value=(program.point_value * available).quantize(Decimal("0.01")),
        expiring=[Expiring(d, p) for d, p in sorted(expiring.items()) if p],
    )


@pytest.fixture
def many_lots(app: Patronage, clock: FixedClock) -> Patronage:
    """C1 earns 300 lots over 100 days (three sales a day, of different sizes); every ten
    days a negative adjustment uses the first-expiring available points (L2), leaving lots
    partly used and spent. No daily run: expired lots keep their points until one."""
    make_shop(app, BANK)
    app.enroll({"customer": "C1", "program": "bank"})
    for n in range(LOTS):
        clock.set(START + dt.timedelta(days=n // 3))
        app.post_invoice({"id": f"I{n}", "customer": "C1", "store": 1,
                          "lines": [{"sku": "X", "qty": "1", "price": f"{50 + n % 7 * 30}.00"}]})
        if n % 30 == 29:
            app.adjust({"customer": "C1", "points": -(25 + n % 4 * 10), "reason": "fix"})
    return app


def test_the_aggregate_balance_is_the_lot_by_lot_balance(
        many_lots: Patronage, clock: FixedClock) -> None:
    last = clock.today()
    days = [last + dt.timedelta(days=k) for k in (0, 1, 2, 3, 5, 20, 39, 40, 41, 45, 60, 200)]
    seen: set[str] = set()
    for day in days:
        got = many_lots.balance("C1", day)
        want = many_lots.read(lambda tx, day=day: lot_by_lot(tx, "C1", day), primary=True)
        assert got == want, day
        seen |= {name for name in ("pending", "available", "expired") if getattr(got, name)}
    assert seen == {"pending", "available", "expired"}  # every state was met
    assert many_lots.balance("C1", days[0]).expiring  # points expiring on many days
