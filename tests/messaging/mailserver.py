"""A real SMTP server (aiosmtpd) on a free local port, and a shop whose awards send mail."""

from __future__ import annotations

import datetime as dt
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from patronage.adapters.smtp import SmtpSettings
from patronage.service.app import Patronage


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """Collects what the server accepts; refuses recipients listed in `refuse`."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class MailServer:
    """Start and stop a local SMTP server on a fixed port, as a real one goes down and up."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def settings(self) -> SmtpSettings:
        return SmtpSettings(host="127.0.0.1", port=self.port, from_address="shop@example.com",
                            starttls=False, user=None, password=None, timeout=5)


SHOP = {
    "name": "Tire Town",
    "stores": [{"id": 1, "name": "Main"}],
    "reasons": [{"code": "LOYALTY", "account": "4950"}],
    "employees": [{"id": "E1", "email": "manager@example.com", "store": 1}],
    "subscribers": [{"email": "owner@example.com"}],
}

CLUB = {
    "id": "club", "name": "250 Club", "kind": "recurring", "status": "open",
    "effective": "2024-01-01",
    "filters": [{"name": "all"}],
    "multipliers": [{"name": "base", "currency_per_point": "5.00"}],
    "awards": [{"name": "25 dollars", "level": 250,
                "credit_memo": {"amount": "25.00", "expire_days": 30, "reason": "LOYALTY"},
                "notify": {"employees": ["E1"], "subscribers": True,
                           "letter_template": "reward_letter"}}],
}


def earn_award(app: Patronage, customer: str = "C1", email: str | None = "ann@example.com",
               invoice: str = "INV-1") -> None:
    """A customer who reaches the level at once: three messages are queued (N1)."""
    app.configure_shop(SHOP)
    app.put_program(CLUB)
    body: dict[str, Any] = {"id": customer, "name": "Ann Lee"}
    if email:
        body["email"] = email
    app.put_customer(body)
    app.enroll({"customer": customer, "program": "club"})
    app.post_invoice({"id": invoice, "customer": customer, "store": 1,
                      "lines": [{"sku": "TIRE", "qty": "4", "price": "312.50"}],
                      "payments": [{"tender": "card", "amount": "1250.00"}]})


NOON = dt.datetime(2024, 1, 1, 12, 0)
