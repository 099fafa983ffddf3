"""Statements (N2) for every member of a program, letters to print, and the CLI commands."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from patronage.bootstrap import open_app
from patronage.entrypoints.cli import app as cli
from patronage.service import messaging, reports
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .mailserver import CLUB, NOON, SHOP, MailServer


def members(app: Patronage) -> None:
    app.configure_shop(SHOP)
    app.put_program(dict(CLUB, awards=[{"name": "25 dollars", "level": 250,
                                        "credit_memo": {"amount": "25.00"}}]))
    for cid, email in (("C1", "ann@example.com"), ("C2", None), ("C3", "cy@example.com")):
        body = {"id": cid, "name": f"Member {cid}"} | ({"email": email} if email else {})
        app.put_customer(body)
        app.enroll({"customer": cid, "program": "club"})
        app.adjust({"customer": cid, "points": 100 if cid != "C3" else 300})
    app.unenroll({"customer": "C3"})  # no longer a member


def test_statements_go_by_email_or_wait_for_printing(app: Patronage, mail: MailServer) -> None:
    members(app)
    out = app.run(lambda tx: messaging.queue_statements(tx, "club", dt.date(2024, 1, 31)))
    assert (out["queued"], out["by_email"], out["to_print"]) == (2, 1, 1)
    again = app.run(lambda tx: messaging.queue_statements(tx, "club", dt.date(2024, 1, 31)))
    assert again["queued"] == 0 and again["already_queued"] == 2
    assert messaging.send_outbox(app.engine, mail.settings, NOON)["sent"] == 1
    [letter] = mail.inbox.to("ann@example.com")
    assert letter["Subject"] == "250 Club: your statement as of 2024-01-31"
    body = letter.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Points available" in body and "100" in body
    waiting = app.read(messaging.letters_to_print)
    assert [m["payload"]["customer"] for m in waiting] == ["C2"]
    printed = app.read(lambda tx: messaging.render_letters(tx, [waiting[0]["id"]]))
    assert "Dear Member C2" in printed[0]["html"] and "<html" not in printed[0]["html"]
    assert app.run(lambda tx: messaging.mark_printed(tx, [waiting[0]["id"]])) == 1
    assert app.read(messaging.letters_to_print) == []


def test_edited_templates_win(app: Patronage, mail: MailServer, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "letters").mkdir()
    (tmp_path / "letters" / "statement.html").write_text(
        '{% extends "letters/_base.html" %}{% block content %}Howdy {{ customer.name }}, '
        'you have {{ available }} points.{% endblock %}')
    monkeypatch.setenv("PATRONAGE_TEMPLATES_DIR", str(tmp_path))
    members(app)
    app.run(lambda tx: messaging.queue_statements(tx, "club", dt.date(2024, 1, 31)))
    messaging.send_outbox(app.engine, mail.settings, NOON)
    [letter] = mail.inbox.to("ann@example.com")
    assert "Howdy Member C1, you have 100 points." in letter.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_statements_and_outbox_commands(tmp_path: Path, mail: MailServer,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{tmp_path / 'shop.db'}"
    app = open_app(db, FixedClock(dt.date(2024, 1, 1)))
    members(app)
    monkeypatch.setenv("PATRONAGE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PATRONAGE_SMTP_PORT", str(mail.port))
    monkeypatch.setenv("PATRONAGE_SMTP_FROM", "shop@example.com")
    runner = CliRunner()
    letters = tmp_path / "letters.html"
    done = runner.invoke(cli, ["statements", "send", "--program", "club", "--as-of",
                               "2024-01-31", "--print", str(letters), "--database", db])
    assert done.exit_code == 0, done.output
    assert '"queued": 2' in done.stdout and '"sent": 1' in done.stdout
    assert len(mail.inbox.to("ann@example.com")) == 1
    assert "Dear Member C2" in letters.read_text() and "@page" in letters.read_text()
    mail.stop()
    app.run(lambda tx: messaging.queue_statements(tx, "club", dt.date(2024, 2, 29)))
    down = runner.invoke(cli, ["outbox", "send", "--database", db])
    assert down.exit_code == 0 and '"failed": 1' in down.stdout
    mail.start()
    messaging.retry_now(app.engine)
    up = runner.invoke(cli, ["outbox", "send", "--database", db])
    assert '"sent": 1' in up.stdout
    unknown = runner.invoke(cli, ["statements", "send", "--program", "nope", "--database", db])
    assert unknown.exit_code == 1 and "not_found" in unknown.output
    queued = app.read(lambda tx: reports.outbox(tx, status="queued"))
    assert [m["recipient"] for m in queued] == [None, None]  # C2's two letters wait to print


def test_users_create_command(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'shop.db'}"
    runner = CliRunner()
    made = runner.invoke(cli, ["users", "create", "--role", "manager", "--name", "maria",
                               "--database", db], input="a good password\na good password\n")
    assert made.exit_code == 0 and "user maria created (manager)" in made.output
    bad = runner.invoke(cli, ["users", "create", "--role", "boss", "--name", "x", "--password",
                              "a good password", "--database", db])
    assert bad.exit_code == 1 and "role" in bad.output
    listed = runner.invoke(cli, ["users", "list", "--database", db])
    assert "maria\tmanager\tactive" in listed.output
