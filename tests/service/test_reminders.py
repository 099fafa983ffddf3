"""Expiry reminders (issue 23 item 4) from the daily run, in cases the scenario file
(`tests/scenarios/m_reminders.yaml`) does not reach: a day run again, a run split by
customer range, the webhook event, a credit memo given by hand, an email added later, and
the settings as a manager types them."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select

from patronage.adapters.db import tables as t
from patronage.adapters.db.run_parts import CustomerRange
from patronage.adapters.db.tables_ops import reminders
from patronage.core.errors import PatronageError
from patronage.service import maintenance, rewards_manual
from patronage.service.app import Patronage

from .support import rows

D0 = dt.date(2024, 1, 1)
BANK: dict[str, Any] = {
    "id": "bank", "name": "Reward Cents", "kind": "points_bank", "status": "open",
    "effective": "2024-01-01", "point_value": "0.01", "points_expire_days": 40,
    "remind_points_expiring_days": [30, 7], "remind_credit_expiring_days": [14],
    "filters": [{"name": "all"}], "multipliers": [{"name": "m", "currency_per_point": "1.00"}],
}
CUSTOMERS = ("A1", "B2", "C3", "D4")


def shop(app: Patronage, *programs: dict[str, Any], emails: bool = True) -> None:
    app.configure_shop({"stores": [{"id": 1, "name": "Main"}]})
    for p in programs or (BANK,):
        app.put_program(p)
    for cid in CUSTOMERS:
        app.put_customer({"id": cid, "name": f"Customer {cid}"}
                         | ({"email": f"{cid.lower()}@example.com"} if emails else {}))


def earn(app: Patronage, customer: str, program: str = "bank", amount: str = "25.00") -> None:
    """Enroll and earn on D0: the lot expires on D0 + 40 = 02-10, 30 days ahead on 01-11."""
    app.enroll({"customer": customer, "program": program, "date": D0})
    app.post_invoice({"id": f"I-{customer}", "customer": customer, "store": 1, "date": D0,
                      "lines": [{"sku": "X", "qty": "1", "price": amount}]})


def run_day(app: Patronage, day: dt.date, within: CustomerRange | None = None) -> dict[str, int]:
    app.clock.set(day)  # type: ignore[attr-defined]
    return dict(app.run(lambda tx: maintenance.run_day(tx, day, 1, None, within)))


def reminder_messages(app: Patronage) -> list[dict[str, Any]]:
    return [m for m in app.outbox_messages() if m["event"] in ("points_expiring",
                                                               "credit_expiring")]


def test_a_day_run_again_queues_nothing_new(app: Patronage) -> None:
    shop(app)
    earn(app, "A1")
    day = dt.date(2024, 1, 11)
    assert run_day(app, day)["points_reminders"] == 1
    assert run_day(app, day).get("points_reminders", 0) == 0  # the same day again
    [message] = reminder_messages(app)
    assert (message["recipient"], message["payload"]["points"], message["payload"]["days"]) \
        == ("a1@example.com", 25, 30)
    assert message["payload"]["value"] == "0.25"
    assert [(r["kind"], r["days"], r["expires_on"]) for r in rows(app, reminders)] \
        == [("points", 30, dt.date(2024, 2, 10))]


def test_a_run_split_by_customer_range_reminds_each_customer_once(app: Patronage) -> None:
    shop(app)
    for cid in CUSTOMERS:
        earn(app, cid)
    day = dt.date(2024, 1, 11)
    first = run_day(app, day, CustomerRange(None, "C3"))
    second = run_day(app, day, CustomerRange("C3", None))
    assert (first["points_reminders"], second["points_reminders"]) == (2, 2)
    assert run_day(app, day).get("points_reminders", 0) == 0  # the whole shop: all done
    assert sorted(m["payload"]["customer"] for m in reminder_messages(app)) == list(CUSTOMERS)


def test_a_planned_split_run_queues_what_an_unsplit_one_would(app: Patronage) -> None:
    shop(app)
    for cid in CUSTOMERS:
        earn(app, cid)
    day = dt.date(2024, 1, 11)
    app.clock.set(day)  # type: ignore[attr-defined]
    planned = app.run(lambda tx: maintenance.plan(tx, {"date": day}, parts=3))
    while app.run(lambda tx: maintenance.run_next_part(tx, planned["run"], "test")) == "done":
        pass
    assert sorted(m["payload"]["customer"] for m in reminder_messages(app)) == list(CUSTOMERS)
    assert all(m["payload"]["days"] == 30 for m in reminder_messages(app))


def test_the_reminder_is_a_webhook_event(app: Patronage) -> None:
    shop(app)
    earn(app, "A1")
    run_day(app, dt.date(2024, 2, 3))  # 7 days before 02-10
    [event] = [e for e in rows(app, t.events) if e["type"] == "points.expiring"]
    assert event["customer_id"] == "A1"
    assert (event["payload"]["points"], event["payload"]["expires"], event["payload"]["days"]) \
        == (25, "2024-02-10", 7)


def test_a_credit_memo_given_by_hand_follows_the_customers_program(app: Patronage) -> None:
    plain = {**BANK, "id": "plain", "name": "Plain", "remind_points_expiring_days": [],
             "remind_credit_expiring_days": []}
    shop(app, BANK, plain)
    app.enroll({"customer": "A1", "program": "bank", "date": D0})
    app.enroll({"customer": "B2", "program": "plain", "date": D0})
    for cid in ("A1", "B2"):
        memo = {"customer": cid, "amount": "12.50", "expire_days": 20, "date": D0}
        app.run(partial(rewards_manual.issue_credit_memo, body=memo))
    run_day(app, dt.date(2024, 1, 7))  # 01-21 - 01-07 = 14 days
    [message] = reminder_messages(app)
    assert (message["event"], message["payload"]["customer"], message["payload"]["amount"]) \
        == ("credit_expiring", "A1", "12.50")
    assert [e["type"] for e in rows(app, t.events) if e["type"].endswith("expiring")] \
        == ["credit_memo.expiring"]


def test_an_email_added_later_gets_the_reminder_then(app: Patronage) -> None:
    shop(app, emails=False)
    earn(app, "A1")
    assert run_day(app, dt.date(2024, 1, 11)).get("points_reminders", 0) == 0
    assert rows(app, reminders) == []  # nothing recorded: nobody was told
    app.put_customer({"id": "A1", "name": "Customer A1", "email": "late@example.com"})
    assert run_day(app, dt.date(2024, 1, 12))["points_reminders"] == 1
    [message] = reminder_messages(app)
    assert (message["recipient"], message["payload"]["days"]) == ("late@example.com", 29)


def test_only_programs_with_reminder_days_remind(app: Patronage) -> None:
    quiet = {**BANK, "id": "quiet", "name": "Quiet", "remind_points_expiring_days": []}
    shop(app, BANK, quiet)
    earn(app, "A1", "bank")
    earn(app, "B2", "quiet")
    run_day(app, dt.date(2024, 1, 11))
    assert [m["payload"]["customer"] for m in reminder_messages(app)] == ["A1"]


def test_reminder_days_are_read_as_a_manager_types_them(app: Patronage) -> None:
    shop(app, {**BANK, "remind_points_expiring_days": [7, 30, 7],
               "remind_credit_expiring_days": ["14"]})
    program = app.read(lambda tx: tx.repo.program("bank"))
    assert program is not None
    assert program.remind_points_expiring_days == (30, 7)  # once each, largest first
    assert program.remind_credit_expiring_days == (14,)
    app.change_program("bank", {"name": "Renamed"})  # a change keeps them
    kept = app.read(lambda tx: tx.repo.program("bank"))
    assert kept is not None and kept.remind_points_expiring_days == (30, 7)
    for bad in ([0], [-3], ["soon"], list(range(1, 12))):
        with pytest.raises(PatronageError) as refused:
            app.put_program({**BANK, "remind_points_expiring_days": bad})
        assert refused.value.code == "invalid"
        assert any(p.field.startswith("remind_points_expiring_days")
                   for p in refused.value.problems)
    with app.engine.connect() as conn:
        stored = conn.execute(select(t.programs.c.remind_points_expiring_days)).scalar()
    assert stored == [30, 7]
