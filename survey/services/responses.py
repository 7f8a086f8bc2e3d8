"""Storing residents' answers, once."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from survey.document import TEXT_KINDS, questions
from survey.models import Answer, Channel, Response, Site, Survey, SurveyVersion
from survey.services import tagging

logger = logging.getLogger(__name__)


def find_by_token(*, session: Session, token: str) -> Response | None:
    return session.exec(select(Response).where(Response.token == token)).first()


def submit(
    *,
    session: Session,
    survey: Survey,
    version: SurveyVersion,
    answers: Mapping[str, Any],
    locale: str,
    channel: Channel,
    token: str,
) -> tuple[Response, bool]:
    """Store a response and its answers; ``(response, created)``.

    Idempotent on ``token``: a second send of the same form (a double tap, a retry after a
    timeout) returns the first response and stores nothing new. Answers to questions that the
    version does not have are ignored.
    """
    existing = find_by_token(session=session, token=token)
    if existing is not None:
        return existing, False
    kinds = {q["key"]: q["kind"] for q in questions(version.definition)}
    response = Response(
        site_id=survey.site_id,
        survey_id=survey.id,  # type: ignore[arg-type]
        version_id=version.id,  # type: ignore[arg-type]
        locale=locale,
        channel=channel,
        token=token,
    )
    try:
        # A savepoint, so that losing a race with a concurrent send of the same token leaves
        # the request's transaction usable.
        with session.begin_nested():
            session.add(response)
            session.flush()
            stored = add_answers(session=session, response=response, answers=answers, kinds=kinds)
            session.flush()
    except IntegrityError:
        existing = find_by_token(session=session, token=token)
        if existing is None:
            raise
        return existing, False
    _tag(session, survey, response, stored)
    return response, True


def add_answers(
    *, session: Session, response: Response, answers: Mapping[str, Any], kinds: Mapping[str, str]
) -> list[Answer]:
    """Answer rows for a stored response; questions the version lacks are ignored."""
    stored = []
    for key, value in answers.items():
        if key not in kinds or value is None:
            continue
        answer = Answer(
            response_id=response.id,  # type: ignore[arg-type]
            question_key=key,
            value=value,
            text=str(value) if kinds[key] in TEXT_KINDS else None,
        )
        session.add(answer)
        stored.append(answer)
    if any(a.text for a in stored):
        response.open_text = True
        session.add(response)
    return stored


def _tag(session: Session, survey: Survey, response: Response, stored: list[Answer]) -> None:
    """Themes for the open answers. A failure here must never lose the answer: it is logged,
    and ``flask analyze`` tags the answer later."""
    site = session.get(Site, survey.site_id)
    if site is None or not any(a.text for a in stored):
        return
    try:
        with session.begin_nested():
            tagging.tag_answers(
                session=session,
                site=site,
                survey=survey,
                answers=stored,
                locales={response.id or 0: response.locale},
            )
    except Exception:  # any failure of the tagger; the answer itself is already safe
        logger.exception("tagging failed for response %s; it stays untagged", response.id)
