"""Returns and voids through the facade in cases the scenario files do not reach: after the
customer left the program (E2 + R3)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from patronage.adapters.db import tables as t
from patronage.service.app import Patronage

from .support import CLUB, make_shop, rows

NO_GRACE = {**CLUB, "grace_days": 0}


def points_held(app: Patronage, enrollment_id: int) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.sum(t.ledger.c.points), 0))
                                .where(t.ledger.c.enrollment_id == enrollment_id)).scalar())


def test_void_after_unenroll_leaves_the_closed_enrollment_empty(app: Patronage) -> None:
    make_shop(app, NO_GRACE)
    app.enroll({"customer": "C1", "program": "club"})
    app.post_invoice({"id": "I1", "customer": "C1", "store": 1,
                      "lines": [{"sku": "X", "qty": "1", "price": "100.00"}]})  # award: $5 memo
    app.unenroll({"customer": "C1"})
    [closed] = rows(app, t.enrollments)
    assert points_held(app, closed["id"]) == 0

    app.void_invoice({"invoice": "I1", "store": 1})
    # R3: the award its points paid for is cancelled with its unused memo...
    assert [a["status"] for a in rows(app, t.awards)] == ["cancelled"]
    assert [m.status for m in app.customer("C1").credit_memos] == ["cancelled"]
    assert app.journal_balances()["store_credit_liability"] == Decimal("0.00")
    # ...but its points were forfeited when the customer left: none come back to life
    assert points_held(app, closed["id"]) == 0
    assert app.balance("C1").program is None


def test_void_after_transfer_touches_only_the_old_enrollment(app: Patronage) -> None:
    make_shop(app, NO_GRACE, {**NO_GRACE, "id": "vip", "name": "VIP"})
    app.enroll({"customer": "C1", "program": "club"})
    app.post_invoice({"id": "I1", "customer": "C1", "store": 1,
                      "lines": [{"sku": "X", "qty": "1", "price": "130.00"}]})
    app.enroll({"customer": "C1", "program": "vip", "close_current": True})
    app.adjust({"customer": "C1", "points": 40})
    app.void_invoice({"invoice": "I1", "store": 1})
    b = app.balance("C1")
    assert (b.program, b.available, b.earned, b.adjusted, b.used) == ("vip", 40, 0, 40, 0)
    old = next(e for e in rows(app, t.enrollments) if e["program_id"] == "club")
    assert points_held(app, old["id"]) == 0
