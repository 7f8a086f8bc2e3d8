"""Finding what residents may answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, func
from sqlalchemy import select as select_columns
from sqlalchemy.engine import Connection
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


@dataclass(frozen=True)
class VersionStamp:
    """What tells a published version apart: a version never changes once published, so what is
    made from it may be kept under this stamp (its publication time too, because a database
    restored or emptied under a running app hands out the same ids again)."""

    id: int
    survey_id: int
    number: int
    published_at: datetime


@dataclass(frozen=True)
class OpenSurvey:
    """An open survey as a resident's request needs it: no texts (those come from the version's
    document), and the stamp of the version residents answer now."""

    id: int
    site_id: int
    slug: str
    default_locale: str
    locales: tuple[str, ...]
    interface_locale: str
    version: VersionStamp


_NEWEST_NUMBER = (
    select(func.max(SurveyVersion.number))
    .where(SurveyVersion.survey_id == Survey.id)
    .correlate(Survey)
    .scalar_subquery()
)
#: one row by the slug's unique index: the survey's state and its newest version's stamp
_OPEN_SURVEY = (
    select_columns(
        col(Survey.id),
        col(Survey.site_id),
        col(Survey.status),
        col(Survey.default_locale),
        col(Survey.locales),
        col(Survey.interface_locale),
        col(SurveyVersion.id),
        col(SurveyVersion.number),
        col(SurveyVersion.published_at),
    )
    .outerjoin(
        SurveyVersion,
        and_(
            col(SurveyVersion.survey_id) == col(Survey.id),
            col(SurveyVersion.number) == _NEWEST_NUMBER,
        ),
    )
    .where(col(Survey.slug) == bindparam("slug"))
)


def open_survey_stamp(
    *, connection: Connection | Session, slug: str, closed_too: bool = False
) -> OpenSurvey:
    """The survey behind ``/s/<slug>`` and the stamp of the version residents answer, in one small
    query that reads no document: the check every resident request makes, so that a survey closed
    or published again is seen at once by every app server, while the version itself is read once
    per process (it never changes).

    It reads and writes nothing else, so it takes a bare connection as well as a session.
    Raises ``NotFound`` for unknown or never-published surveys and ``SurveyClosed`` when the
    survey no longer takes answers (unless ``closed_too``: answers collected before it closed).
    """
    row = connection.execute(_OPEN_SURVEY, {"slug": slug}).first()
    if row is None:
        raise NotFound(slug)
    survey_id, site_id, status, default, locales, interface, version_id, number, published = row
    if survey_id is None or version_id is None or status == SurveyStatus.draft:
        raise NotFound(slug)
    if status == SurveyStatus.closed and not closed_too:
        raise SurveyClosed(slug)
    return OpenSurvey(
        id=survey_id,
        site_id=site_id,
        slug=slug,
        default_locale=default,
        locales=tuple(locales or (default,)),
        interface_locale=interface,
        version=VersionStamp(version_id, survey_id, number, published),
    )


def version_by_stamp(*, session: Session, stamp: VersionStamp) -> SurveyVersion:
    """The version a stamp names; ``NotFound`` if it is gone."""
    version = session.get(SurveyVersion, stamp.id)
    if version is None or version.survey_id != stamp.survey_id:
        raise NotFound(str(stamp.id))
    return version


def version_of(
    *, session: Session, survey: Survey | OpenSurvey, version_id: object
) -> SurveyVersion:
    """A published version of ``survey`` by its id; ``NotFound`` for any other id."""
    if (
        not isinstance(version_id, int)
        or isinstance(version_id, bool)
        or not 0 < version_id < 2**31
    ):
        raise NotFound(str(version_id))
    version = session.get(SurveyVersion, version_id)
    if version is None or version.survey_id != survey.id:
        raise NotFound(str(version_id))
    return version


def site_of(*, session: Session, survey: Survey) -> Site:
    site = session.get(Site, survey.site_id)
    if site is None:
        raise NotFound(str(survey.site_id))
    return site


def round_numbers(surveys: list[Survey]) -> dict[int, int]:
    """Which round each survey is, for surveys that repeat another or are repeated (1 = the
    first); a survey on its own has no number. Rounds share a title, so this tells them apart."""
    by_id = {s.id: s for s in surveys if s.id is not None}
    repeated = {s.previous_round_id for s in surveys if s.previous_round_id is not None}
    numbers: dict[int, int] = {}
    for survey in by_id.values():
        if survey.previous_round_id is None and survey.id not in repeated:
            continue
        number, seen, current = 1, set(), survey
        while current.previous_round_id in by_id and current.previous_round_id not in seen:
            seen.add(current.previous_round_id)
            current = by_id[current.previous_round_id]
            number += 1
        numbers[survey.id] = number  # type: ignore[index]
    return numbers
