"""M1: the daily run ends by sending queued messages; with no mail server set, they wait."""

from __future__ import annotations

import datetime as dt

import pytest

from patronage.service import reports
from patronage.service.app import Patronage

from .mailserver import MailServer, earn_award


def queued(app: Patronage) -> int:
    return len(app.read(lambda tx: reports.outbox(tx, status="queued")))


def test_the_daily_run_sends_the_outbox(app: Patronage, mail: MailServer,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    earn_award(app)
    assert queued(app) == 3
    monkeypatch.setenv("PATRONAGE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PATRONAGE_SMTP_PORT", str(mail.port))
    monkeypatch.setenv("PATRONAGE_SMTP_FROM", "shop@example.com")
    app.clock.set(app.clock.today() + dt.timedelta(days=1))  # type: ignore[attr-defined]
    outcome = app.run_maintenance({"date": app.clock.today()})  # a day that has come
    assert outcome.data["mail"] == {"due": 3, "sent": 3, "failed": 0}
    assert queued(app) == 0
    assert mail.inbox.to("manager@example.com")


def test_without_a_mail_server_the_run_leaves_messages_queued(
        app: Patronage, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PATRONAGE_SMTP_HOST", raising=False)
    earn_award(app)
    app.clock.set(app.clock.today() + dt.timedelta(days=1))  # type: ignore[attr-defined]
    outcome = app.run_maintenance({"date": app.clock.today()})  # a day that has come
    assert "skipped" in outcome.data["mail"]
    assert queued(app) == 3


def test_a_scenario_run_never_sends_mail(tmp_path, mail: MailServer,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from patronage.entrypoints.simulate import simulate

    monkeypatch.setenv("PATRONAGE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PATRONAGE_SMTP_PORT", str(mail.port))
    scenario = tmp_path / "notify.yaml"
    scenario.write_text("""
shop:
  stores: [{id: 1, name: Main}]
  employees: [{id: E1, email: manager@example.com, store: 1}]
programs:
  - id: club
    name: Club
    kind: recurring
    status: open
    effective: 2024-01-01
    filters: [{name: all}]
    multipliers: [{name: base, currency_per_point: "1.00"}]
    awards: [{name: ten, level: 10, coupon: {amount: "1.00"}, notify: {employees: [E1]}}]
customers: [{id: C1, name: Ann}]
timeline:
  - {date: 2024-02-01, enroll: {customer: C1, program: club}}
  - {date: 2024-02-01, invoice: {id: I1, customer: C1, store: 1, lines: [{sku: X, qty: 1, price: "10.00"}]}}
  - {date: 2024-02-03, expect: {outbox: 1}}
""")
    assert simulate([str(scenario)], None, out=lambda line: None) == 0
    assert mail.inbox.to("manager@example.com") == []
