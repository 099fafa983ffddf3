"""Sending mail through an SMTP server (smtplib), configured from the environment.

Settings are typed (pydantic-settings) and read from `PATRONAGE_SMTP_*` variables:
HOST (no host: mail is not sent, messages wait in the outbox), PORT (25), FROM,
STARTTLS (false), USER and PASSWORD (log in when USER is set), TIMEOUT (seconds, 10).
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from types import TracebackType
from typing import Self

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SmtpSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATRONAGE_SMTP_", populate_by_name=True,
                                      extra="ignore")

    host: str | None = None
    port: int = Field(default=25, ge=1, le=65535)
    from_address: str = Field(default="patronage@localhost",
                              validation_alias=AliasChoices("PATRONAGE_SMTP_FROM",
                                                            "from_address"))
    starttls: bool = False
    user: str | None = None
    password: SecretStr | None = None
    timeout: float = Field(default=10.0, gt=0, le=600)

    @property
    def configured(self) -> bool:
        return bool(self.host)

    def mailer(self) -> SmtpMailer:
        """A mailer for these settings, not connected yet (how service/messaging.py, which
        knows only service/ports.py's `MailSettings`, gets one)."""
        return SmtpMailer(self)


class SmtpMailer:
    """One connection to the server for a batch of messages: `with SmtpMailer(s) as m:`."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.client: smtplib.SMTP | None = None

    def __enter__(self) -> Self:
        self.connect()
        return self

    def connect(self) -> None:
        """Open the connection (STARTTLS and login as configured); raises when it cannot."""
        s = self.settings
        client = smtplib.SMTP(s.host or "localhost", s.port, timeout=s.timeout)
        try:
            client.ehlo()
            if s.starttls:
                client.starttls()
                client.ehlo()
            if s.user:
                client.login(s.user, s.password.get_secret_value() if s.password else "")
        except BaseException:
            client.close()
            raise
        self.client = client

    def send(self, message: EmailMessage) -> None:
        """Hand one message to the server; any refusal raises (smtplib.SMTPException)."""
        if self.client is None:
            raise RuntimeError("not connected")
        if "From" not in message:
            message["From"] = self.settings.from_address
        self.client.send_message(message)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None
