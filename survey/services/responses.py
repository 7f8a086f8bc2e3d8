"""Storing residents' answers, once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from survey.document import TEXT_KINDS, questions
from survey.models import Answer, Channel, Response, Survey, SurveyVersion
from survey.services import integrity
from survey.services.catalog import OpenSurvey


def find_by_token(*, session: Session, token: str) -> Response | None:
    return session.exec(select(Response).where(Response.token == token)).first()


def submit(
    *,
    session: Session,
    survey: Survey | OpenSurvey,
    version: SurveyVersion,
    answers: Mapping[str, Any],
    locale: str,
    channel: Channel,
    token: str,
    event: str | None = None,
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
        event=event,
    )
    try:
        # A savepoint, so that losing a race with a concurrent send of the same token leaves
        # the request's transaction usable.
        with session.begin_nested():
            session.add(response)
            session.flush()
            add_answers(session=session, response=response, answers=answers, kinds=kinds)
            session.flush()
    except IntegrityError:
        existing = find_by_token(session=session, token=token)
        if existing is None:
            raise
        return existing, False
    # Themes are read in a job after the request commits (``survey.queue``): the resident's Send
    # does not wait for the tagger, and until then the answer is "being read".
    integrity.flag_bursts(session=session, response=response)
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
