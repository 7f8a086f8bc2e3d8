"""The audit log: staff actions that matter, who did them, when and at which site.

It names what was acted on (a survey's slug, an account's address, a key's name), never what a
resident wrote.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import UTC

from sqlmodel import Session, col, select

from survey.document import N_
from survey.models import AuditEvent, Site, User
from survey.services.exports import neutralise_cell, spreadsheet_writer

#: every action recorded, with its label for the admin's page
ACTIONS: dict[str, str] = {
    "survey.publish": N_("Survey published"),
    "survey.close": N_("Survey closed"),
    "survey.reopen": N_("Survey reopened"),
    "survey.import": N_("Survey imported"),
    "responses.export": N_("Answers exported"),
    "quote.approve": N_("Quote approved"),
    "quote.withdraw": N_("Quote withdrawn"),
    "commitment.change": N_("Commitment changed"),
    "account.create": N_("Account created"),
    "account.invite": N_("Account invited"),
    "account.reset_link": N_("Password link made"),
    "account.password_set": N_("Password set by link"),
    "account.sign_out_everywhere": N_("Signed out everywhere"),
    "account.deactivate": N_("Account deactivated"),
    "account.reactivate": N_("Account reactivated"),
    "second_factor.enable": N_("Second factor turned on"),
    "second_factor.disable": N_("Second factor turned off"),
    "second_factor.reset": N_("Second factor reset"),
    "second_factor.require": N_("Second factor required by site"),
    "second_factor.unrequire": N_("Second factor no longer required by site"),
    "responses.exclude": N_("Responses left out of summaries"),
    "responses.include": N_("Responses counted again"),
    "role.grant": N_("Access given"),
    "role.revoke": N_("Access removed"),
    "api_key.create": N_("API key created"),
    "api_key.revoke": N_("API key revoked"),
    "model.accept": N_("Model accepted"),
}


def record(
    *,
    session: Session,
    actor: User | None,
    action: str,
    site: Site | None = None,
    target: str = "",
) -> AuditEvent:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        actor=actor.email if actor else "",
        action=action,
        site_id=site.id if site else None,
        target=target[:254],
    )
    session.add(event)
    session.flush()
    return event


def events(*, session: Session, site: Site | None = None, limit: int = 500) -> list[AuditEvent]:
    """Newest first; one site's events, or every event (sites' and accounts') for ``None``."""
    query = select(AuditEvent)
    if site is not None:
        query = query.where(AuditEvent.site_id == site.id)
    query = query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(limit)
    return list(session.exec(query).all())


def as_csv(events: Iterable[AuditEvent], *, site_slugs: dict[int, str]) -> str:
    buffer = io.StringIO()
    writer = spreadsheet_writer(buffer)
    writer.writerow(["at", "actor", "action", "site", "target"])
    for event in events:
        at = event.at if event.at.tzinfo else event.at.replace(tzinfo=UTC)
        writer.writerow(
            [
                neutralise_cell(c)
                for c in (
                    at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    event.actor,
                    event.action,
                    site_slugs.get(event.site_id or 0, ""),
                    event.target,
                )
            ]
        )
    return "\ufeff" + buffer.getvalue()
