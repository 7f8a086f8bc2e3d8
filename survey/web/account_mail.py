"""Invitation and reset links: sent by e-mail when a mail server is configured, otherwise
handed back to be shown to the administrator (or printed by the CLI)."""

from __future__ import annotations

import logging
import smtplib

from flask import current_app, has_request_context, request, url_for

from survey import i18n
from survey.document import N_
from survey.models import TokenPurpose, User
from survey.services import mail

logger = logging.getLogger(__name__)


def link_for(raw: str) -> str:
    """The absolute link; from ``PUBLIC_URL`` when set (never from a request's Host header in
    production), else this request's own address."""
    path = url_for("auth.set_password", token=raw)
    base = current_app.config.get("PUBLIC_URL") or (
        request.url_root if has_request_context() else "http://127.0.0.1:5000/"
    )
    return base.rstrip("/") + path


def _message(user: User, purpose: TokenPurpose, link: str) -> tuple[str, str]:
    say = i18n.translations_for(user.locale).gettext
    if purpose == TokenPurpose.invitation:
        subject = say(N_("You are invited to Community Voice"))
        body = say(
            N_(
                "An administrator invited you to work on Community Voice. Open this link to "
                "choose your password; it works once, for 7 days:\n\n%(link)s\n\nIf you did "
                "not expect this message, you can ignore it."
            )
        )
    else:
        subject = say(N_("Set a new Community Voice password"))
        body = say(
            N_(
                "Someone asked to set a new password for this address. Open this link to choose "
                "it; it works once, for 2 hours:\n\n%(link)s\n\nIf it was not you, ignore this "
                "message: your password stays as it is."
            )
        )
    return subject, body % {"link": link}


def deliver(*, user: User, raw: str, purpose: TokenPurpose) -> str | None:
    """Send the link to ``user``; the link itself when it could not be sent (no mail server, or
    the server refused), for the administrator to pass on."""
    link = link_for(raw)
    settings = mail.settings_from(current_app.config)
    if settings is None:
        return link
    subject, body = _message(user, purpose, link)
    try:
        mail.send(settings, to=user.email, subject=subject, body=body)
    except (OSError, smtplib.SMTPException):
        logger.exception("the mail server did not take the message for %s", user.email)
        return link
    return None
