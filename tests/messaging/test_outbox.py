"""The outbox sender against a real SMTP server: delivery, refusals, the server down and up."""

from __future__ import annotations

import datetime as dt

from patronage.service import reports
from patronage.service.app import Patronage
from patronage.service.messaging import backoff, send_outbox

from .mailserver import NOON, MailServer, earn_award


def queued(app: Patronage) -> list[dict]:
    return app.read(lambda tx: reports.outbox(tx, status="queued"))


def test_award_messages_arrive_with_their_templates(app: Patronage, mail: MailServer) -> None:
    earn_award(app)
    assert len(queued(app)) == 3
    result = send_outbox(app.engine, mail.settings, NOON)
    assert result == {"due": 3, "sent": 3, "failed": 0}
    staff = mail.inbox.to("manager@example.com")[0]
    assert staff["Subject"] == "Award earned: 25 dollars"
    assert staff["From"] == "shop@example.com"
    plain = staff.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Ann Lee earned" in plain and "250 Club" in plain and "25.00" in plain
    assert mail.inbox.to("owner@example.com")
    letter = mail.inbox.to("ann@example.com")[0]
    html = letter.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Dear Ann Lee" in html and "@page" in html
    assert queued(app) == []
    sent = app.read(lambda tx: reports.outbox(tx, status="sent"))
    assert {m["attempts"] for m in sent} == {1} and all(m["sent_at"] == NOON for m in sent)


def test_nothing_is_lost_while_the_server_is_down(app: Patronage, mail: MailServer) -> None:
    earn_award(app)
    mail.stop()
    result = send_outbox(app.engine, mail.settings, NOON)
    assert result["sent"] == 0 and result["failed"] == 3
    waiting = queued(app)
    assert len(waiting) == 3
    for m in waiting:
        assert m["attempts"] == 1
        assert "cannot reach the mail server" in m["last_error"]
        assert m["next_attempt_at"] == NOON + backoff(1)
    mail.start()
    # not due yet: the pass leaves them alone
    assert send_outbox(app.engine, mail.settings, NOON + dt.timedelta(seconds=30))["due"] == 0
    assert mail.inbox.messages == []
    later = NOON + dt.timedelta(minutes=1)
    assert send_outbox(app.engine, mail.settings, later)["sent"] == 3
    assert len(mail.inbox.messages) == 3
    assert queued(app) == []
    # a second pass sends nothing twice
    assert send_outbox(app.engine, mail.settings, later + dt.timedelta(hours=1))["due"] == 0
    assert len(mail.inbox.messages) == 3


def test_a_refused_recipient_stays_queued_and_backs_off(app: Patronage, mail: MailServer) -> None:
    earn_award(app)
    mail.inbox.refuse.add("owner@example.com")
    result = send_outbox(app.engine, mail.settings, NOON)
    assert result["sent"] == 2 and result["failed"] == 1
    [stuck] = queued(app)
    assert stuck["recipient"] == "owner@example.com"
    assert "550" in stuck["last_error"] and stuck["attempts"] == 1
    send_outbox(app.engine, mail.settings, NOON + backoff(1))
    [stuck] = queued(app)
    assert stuck["attempts"] == 2
    assert stuck["next_attempt_at"] == NOON + backoff(1) + backoff(2)
    mail.inbox.refuse.clear()
    assert send_outbox(app.engine, mail.settings, NOON + dt.timedelta(hours=1))["sent"] == 1
    assert len(mail.inbox.to("owner@example.com")) == 1


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(40) == dt.timedelta(hours=6)


def test_without_an_smtp_host_messages_wait(app: Patronage) -> None:
    from patronage.adapters.smtp import SmtpSettings

    earn_award(app)
    result = send_outbox(app.engine, SmtpSettings(host=None), NOON)
    assert result["sent"] == 0 and "skipped" in result
    assert all(m["attempts"] == 0 for m in queued(app))
