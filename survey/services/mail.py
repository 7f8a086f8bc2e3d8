"""Sending one plain-text message through the SMTP server named in the settings."""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    sender: str


def settings_from(config: Mapping[str, Any]) -> MailSettings | None:
    """The app's ``MAIL_*`` settings, or ``None`` when no mail server is configured."""
    if not config.get("MAIL_SERVER"):
        return None
    return MailSettings(
        server=str(config["MAIL_SERVER"]),
        port=int(config.get("MAIL_PORT") or 25),
        username=config.get("MAIL_USERNAME"),
        password=config.get("MAIL_PASSWORD"),
        use_tls=bool(config.get("MAIL_USE_TLS")),
        sender=str(config.get("MAIL_FROM") or "community-voice@localhost"),
    )


def send(settings: MailSettings, *, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(settings.server, settings.port, timeout=30) as smtp:
        if settings.use_tls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(message)
