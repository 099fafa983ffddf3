"""Messages (N1, N2): render outbox rows from editable Jinja2 templates and send them.

The outbox is written by the engine (award notifications, customer letters) and by
`queue_statements` (year-end balance letters). `send_outbox` makes one pass: every queued
email or letter with an address whose time has come is rendered and handed to the SMTP
server, then marked sent. A message the server refuses, or cannot take because it is
down, stays queued with `attempts`, `last_error` and a `next_attempt_at` that backs off
(1, 2, 4 ... minutes, at most 6 hours), so nothing is lost. Letters without an address
wait for printing (`render_letters`, `mark_printed`).

Templates are looked up first in `$PATRONAGE_TEMPLATES_DIR` (a shop's edited copies),
then in the package's `templates/`: `letters/<name>.html`, where an award's
`letter_template` names the file; an unknown name falls back to `reward_letter`. A
template may `{% set subject = "..." %}`; the outbox row's own subject wins.
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, TemplateNotFound, select_autoescape

from patronage.core import statements
from patronage.core.customers import address_lines
from patronage.core.money import fmt
from patronage.service import customer_links, ledger, plaintext
from patronage.service.clock import SystemClock
from patronage.service.enrollment import need_program
from patronage.service.ports import Database, MailSettings
from patronage.service.uow import Tx, transaction

PACKAGE_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
DEFAULT_LETTER = "reward_letter"
LEASE = dt.timedelta(minutes=5)  # a claimed message is not taken by another sender meanwhile
MAX_BACKOFF = dt.timedelta(hours=6)


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failure: 1, 2, 4 ... minutes, capped."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def environment(templates_dir: str | Path | None = None) -> Environment:
    """The letters' Jinja2 environment: the shop's edited templates first, then ours."""
    loaders = []
    extra = templates_dir or os.environ.get("PATRONAGE_TEMPLATES_DIR")
    if extra:
        loaders.append(FileSystemLoader(str(extra)))
    loaders.append(FileSystemLoader(str(PACKAGE_TEMPLATES)))
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html"]))
    env.filters["money"] = lambda v: "" if v in (None, "") else fmt(_decimal(v))
    return env


def _decimal(value: Any) -> Any:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def template_names() -> list[str]:
    """The letter templates a program's award may name."""
    names = {p.stem for p in (PACKAGE_TEMPLATES / "letters").glob("*.html")
             if not p.stem.startswith("_")}
    extra = os.environ.get("PATRONAGE_TEMPLATES_DIR")
    if extra and (Path(extra) / "letters").is_dir():
        names |= {p.stem for p in (Path(extra) / "letters").glob("*.html")
                  if not p.stem.startswith("_")}
    return sorted(names)


# --- rendering ----------------------------------------------------------------------------------
def context(tx: Tx, row: dict[str, Any]) -> dict[str, Any]:
    """What a template sees: the message's payload plus the shop, customer and program."""
    repo = tx.repo
    payload = dict(row.get("payload") or {})
    link = customer_links.letter_link(tx, row)  # before `tx` reads: see there
    customer = repo.customer(payload["customer"]) if payload.get("customer") else None
    program = repo.program(payload["program"]) if payload.get("program") else None
    shop = repo.shop()
    return {
        **payload,
        "message": row,
        "customer_link": link,  # P4: the customer's own page, with PATRONAGE_PUBLIC_URL
        "shop": dict(shop) if shop else {"name": "Shop", "currency": "USD"},
        "customer": dict(customer) if customer else {"id": payload.get("customer"), "name": ""},
        "address": address_lines(dict(customer)) if customer else [],  # the postal block
        "program": {"id": program.id, "name": program.name, "kind": program.kind}
        if program else {"id": payload.get("program"), "name": payload.get("program")},
    }


def render(env: Environment, tx: Tx, row: dict[str, Any],
           fragment: bool = False) -> tuple[str, str, str]:
    """(subject, html, plain text) of one outbox row, read in `tx` (whose work is thrown
    away: a send pass, a print preview)."""
    name = row.get("template") or DEFAULT_LETTER
    try:
        template = env.get_template(f"letters/{name}.html")
    except TemplateNotFound:
        template = env.get_template(f"letters/{DEFAULT_LETTER}.html")
    ctx = context(tx, row) | {"fragment": fragment}
    body = template.render(ctx)
    subject = row.get("subject") or str(getattr(template.make_module(ctx), "subject", "")) \
        or "A message from Patronage"
    return subject, body, to_text(body)


def to_text(body: str) -> str:
    """A plain-text alternative of an HTML letter, laid out like it (`plaintext.py`)."""
    return plaintext.to_text(body)


def email_of(subject: str, body: str, text: str, to: str, sender: str, msg_id: int) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["X-Patronage-Message"] = str(msg_id)
    message.set_content(text)
    message.add_alternative(body, subtype="html")
    return message


# --- sending ------------------------------------------------------------------------------------
def send_outbox(engine: Database, settings: MailSettings, now: dt.datetime | None = None,
                limit: int = 500, templates_dir: str | Path | None = None) -> dict[str, Any]:
    """One pass over the outbox (M1's last step, `patronage outbox send`), through the mail
    server of `settings` (the entry point's: adapters/smtp.py's `SmtpSettings`).

    Returns counts: `sent`, `failed` (refused or not taken; they stay queued), `due` (what
    the pass found). Without an SMTP host nothing is sent and `skipped` says why. Each step
    is a transaction of its own (service/uow.py `transaction`): a message is sent outside
    any, between its claim and its record.
    """
    now = now or SystemClock().now()
    with transaction(engine, now, keep=False) as tx:
        due = [dict(r) for r in tx.repo.messages_due(now, limit)]
    result: dict[str, Any] = {"due": len(due), "sent": 0, "failed": 0}
    if not due:
        return result
    if not settings.configured:
        return result | {"skipped": "no SMTP host (set PATRONAGE_SMTP_HOST)"}
    env = environment(templates_dir)
    try:
        mailer = settings.mailer()
        mailer.connect()
    except (smtplib.SMTPException, OSError) as err:
        for row in due:
            _failed(engine, row, now, f"cannot reach the mail server: {_why(err)}")
        return result | {"failed": len(due), "error": _why(err)}
    try:
        for row in due:
            if not _claim(engine, row["id"], now):
                continue  # another sender has it
            try:
                with transaction(engine, now, keep=False) as tx:
                    subject, body, text = render(env, tx, row)
                mailer.send(email_of(subject, body, text, row["recipient"],
                                     settings.from_address, row["id"]))
            except smtplib.SMTPServerDisconnected as err:
                _failed(engine, row, now, _why(err))
                result["failed"] += 1
                break  # the connection is gone; the rest keep their turn for the next pass
            except (smtplib.SMTPException, OSError, ValueError) as err:
                _failed(engine, row, now, _why(err))
                result["failed"] += 1
                continue
            with transaction(engine, now) as tx:
                tx.repo.message_sent(row["id"], now)
            result["sent"] += 1
    finally:
        mailer.close()
    return result


def _why(err: BaseException) -> str:
    if isinstance(err, smtplib.SMTPResponseException):
        msg = err.smtp_error.decode(errors="replace") if isinstance(err.smtp_error, bytes) \
            else str(err.smtp_error)
        return f"{err.smtp_code} {msg}"[:1000]
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{k}: {v[0]} {v[1]!r}" for k, v in err.recipients.items())[:1000]
    return f"{type(err).__name__}: {err}"[:1000]


def _claim(engine: Database, msg_id: int, now: dt.datetime) -> bool:
    with transaction(engine, now) as tx:
        return tx.repo.claim_message(msg_id, now, now + LEASE)


def _failed(engine: Database, row: dict[str, Any], now: dt.datetime, error: str) -> None:
    with transaction(engine, now) as tx:
        attempts = tx.repo.message_attempts(row["id"]) + 1
        tx.repo.message_failed(row["id"], attempts, error, now + backoff(attempts))


def retry_now(engine: Database, ids: list[int] | None = None) -> int:
    """Make queued messages due at once (the console's "retry now")."""
    with transaction(engine, SystemClock().now()) as tx:
        return tx.repo.retry_messages_now(ids)


# --- letters to print ----------------------------------------------------------------------------
def letters_to_print(tx: Tx) -> list[dict[str, Any]]:
    """Queued letters with no email address: they wait for a printer."""
    return [dict(r) for r in tx.repo.letters_waiting()]


def render_letters(tx: Tx, ids: list[int],
                   templates_dir: str | Path | None = None) -> list[dict[str, Any]]:
    """Each chosen message as a letter fragment for one printable page."""
    env = environment(templates_dir)
    rows = tx.repo.messages(ids) if ids else []
    out = []
    for r in rows:
        subject, body, _ = render(env, tx, dict(r), fragment=True)
        out.append({"id": r["id"], "subject": subject, "html": body, "row": dict(r)})
    return out


def mark_printed(tx: Tx, ids: list[int]) -> int:
    return tx.repo.mark_printed(ids, tx.now)


# --- statements (N2) -----------------------------------------------------------------------------
def queue_statements(tx: Tx, program_id: str, as_of: dt.date | None = None) -> dict[str, Any]:
    """N2: queue a balance letter for every member of a program (seed 001's year-end
    email); core/statements.py says who gets one and what it holds.

    Once per customer, program and date: asking again queues nothing new. Customers with an
    email get it by email; the others' letters wait for printing.
    """
    program = need_program(tx, program_id)
    day = as_of or tx.day
    subject = statements.subject(program.name, day)
    already = statements.already_sent(tx.repo.statement_payloads(subject))
    members = tx.repo.open_members(program.id)
    queued = emailed = 0
    ids: list[int] = []
    for enrollment in statements.recipients(members, already):
        cid = enrollment["customer_id"]
        customer = tx.repo.customer(cid)
        bal = ledger.balance(tx, enrollment, program, day)
        payload = statements.contents(cid, program.id, day, bal, tx.repo.memos(cid))
        email = statements.address(customer["email"] if customer else None)
        key = tx.repo.queue_message({
            "channel": "letter", "event": statements.TEMPLATE, "recipient": email,
            "subject": subject, "template": statements.TEMPLATE, "payload": payload,
            "status": "queued", "attempts": 0, "created_on": day})
        if key is not None:
            ids.append(key)
        queued += 1
        emailed += 1 if email else 0
    return statements.tally(len(members), queued, emailed, ids)
