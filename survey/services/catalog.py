"""Finding what residents may answer."""

from __future__ import annotations

from sqlmodel import Session, col, select

from survey.models import Site, Survey, SurveyStatus, SurveyVersion
from survey.services.errors import NotFound, SurveyClosed


def latest_version(*, session: Session, survey: Survey) -> SurveyVersion | None:
    statement = (
        select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey.id)
        .order_by(col(SurveyVersion.number).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def survey_by_public_slug(*, session: Session, slug: str) -> Survey:
    """Any published survey by its public slug (drafts stay hidden)."""
    survey = session.exec(select(Survey).where(Survey.slug == slug)).first()
    if survey is None or survey.status == SurveyStatus.draft:
        raise NotFound(slug)
    return survey


def open_survey(*, session: Session, slug: str) -> tuple[Survey, SurveyVersion]:
    """The survey behind ``/s/<slug>`` and the published version residents answer.

    Raises ``NotFound`` for unknown or never-published surveys and ``SurveyClosed`` when the
    survey no longer takes answers.
    """
    survey = session.exec(select(Survey).where(Survey.slug == slug)).first()
    if survey is None:
        raise NotFound(slug)
    version = latest_version(session=session, survey=survey)
    if version is None or survey.status == SurveyStatus.draft:
        raise NotFound(slug)
    if survey.status == SurveyStatus.closed:
        raise SurveyClosed(slug)
    return survey, version


def site_of(*, session: Session, survey: Survey) -> Site:
    site = session.get(Site, survey.site_id)
    if site is None:
        raise NotFound(str(survey.site_id))
    return site
