"""Expiry reminders (issue 23 item 4) through a real local SMTP server: the daily run
queues them from the `points_expiring` and `credit_expiring` templates, the outbox sends
them (HTML and a text part laid out like it), and a message the server refuses is retried
by the outbox, never queued a second time by the next day's run."""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage

from patronage.service import maintenance, messaging, rewards_manual
from patronage.service.app import Patronage
from tests.service.test_reminders import BANK, D0  # the same points bank and first day

from .mailserver import MailServer
from .test_text_part import Visible


def customer_with_points_and_credit(app: Patronage) -> None:
    """Ann: 125 points expiring 02-10 (two invoices) and 12.50 of credit expiring 01-31."""
    app.configure_shop({"name": "Tire Town", "stores": [{"id": 1, "name": "Main"}]})
    app.put_program(BANK)
    app.put_customer({"id": "C1", "name": "Ann Lee", "email": "ann@example.com"})
    app.enroll({"customer": "C1", "program": "bank", "date": D0})
    for n, price in ((1, "100.00"), (2, "25.00")):
        app.post_invoice({"id": f"I{n}", "customer": "C1", "store": 1, "date": D0,
                          "lines": [{"sku": "X", "qty": "1", "price": price}]})
    app.run(lambda tx: rewards_manual.issue_credit_memo(
        tx, {"customer": "C1", "amount": "12.50", "expire_days": 30, "date": D0}))


def run_day(app: Patronage, day: dt.date) -> None:
    app.clock.set(day)  # type: ignore[attr-defined]
    app.run(lambda tx: maintenance.run_day(tx, day, 1, None))


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12))


def plain(message: EmailMessage) -> str:
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return str(text).replace("\r\n", "\n")  # as sent over SMTP


def html(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()  # type: ignore[union-attr]


def assert_laid_out_alike(body: str, text: str) -> None:
    """The text part has the HTML's words in order, its heading underlined and each table
    row on one line (the house rule for every email, tests/messaging/test_text_part.py)."""
    seen = Visible()
    seen.feed(body)
    flat, at = " ".join(text.split()), 0
    for word in seen.words:
        at = flat.index(word, at) + len(word)
    lines = text.splitlines()
    for heading in seen.headings:
        i = lines.index(heading)
        assert lines[i + 1] == "=" * len(heading)
    for cells in (r for r in seen.rows if any(r)):
        pattern = r"\s{2,}".join(re.escape(c) for c in cells if c)
        assert [line for line in lines if re.fullmatch(rf"\s*{pattern}\s*", line)], (cells, text)


def test_points_and_credit_reminders_are_emailed(app: Patronage, mail: MailServer) -> None:
    customer_with_points_and_credit(app)
    run_day(app, dt.date(2024, 1, 11))  # 02-10 is 30 days ahead: one message for both lots
    run_day(app, dt.date(2024, 1, 17))  # 01-31 is 14 days ahead: the credit reminder
    result = messaging.send_outbox(app.engine, mail.settings, noon(dt.date(2024, 1, 17)))
    assert (result["sent"], result["failed"]) == (2, 0)
    points, credit = mail.inbox.to("ann@example.com")

    assert points["Subject"] == "Reward Cents: 125 points expire on 2024-02-10"
    assert points["From"] == "shop@example.com"
    text = plain(points)
    assert "Your points expire on 2024-02-10\n" in text
    assert "125 of your Reward Cents points will expire on 2024-02-10, in 30 days" \
        in " ".join(text.split())
    assert re.search(r"^Points expiring\s{2,}125$", text, re.MULTILINE)
    assert re.search(r"^Worth\s{2,}1\.25 USD$", text, re.MULTILINE)
    assert_laid_out_alike(html(points), text)

    assert credit["Subject"] == "Your store credit of 12.50 expires on 2024-01-31"
    text = plain(credit)
    assert "you have 12.50 USD of store credit that will expire on 2024-01-31, in 14 days" \
        in " ".join(text.split())
    assert re.search(r"^no\. \d+\s{2,}12\.50 USD\s{2,}2024-01-31$", text, re.MULTILINE)
    assert_laid_out_alike(html(credit), text)


def test_a_refused_reminder_is_retried_never_queued_again(app: Patronage,
                                                          mail: MailServer) -> None:
    customer_with_points_and_credit(app)
    mail.inbox.refuse.add("ann@example.com")
    run_day(app, dt.date(2024, 1, 11))
    first = messaging.send_outbox(app.engine, mail.settings, noon(dt.date(2024, 1, 11)))
    assert (first["sent"], first["failed"]) == (0, 1)
    run_day(app, dt.date(2024, 1, 12))  # the 30-day reminder is recorded: not queued again
    mail.inbox.refuse.clear()
    again = messaging.send_outbox(app.engine, mail.settings, noon(dt.date(2024, 1, 12)))
    assert (again["sent"], again["failed"]) == (1, 0)
    [message] = mail.inbox.to("ann@example.com")
    assert message["Subject"] == "Reward Cents: 125 points expire on 2024-02-10"
