"""Drafts, publishing and survey documents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from survey import catalogs
from survey.document import SCHEMA, validate
from survey.kinds import REGISTRY
from survey.models import Question, Section, Site, Survey, SurveyStatus, SurveyVersion, utcnow
from survey.services.catalog import latest_version
from survey.services.errors import InvalidDocument, NotFound

#: question fields that live in ``Question.settings`` rather than in columns
_SETTINGS = ("scale", "min", "max", "integer", "max_length", "pattern", "multiple")


def site_by_slug(*, session: Session, slug: str) -> Site:
    site = session.exec(select(Site).where(Site.slug == slug)).first()
    if site is None:
        raise NotFound(slug)
    return site


def create_from_document(*, session: Session, site: Site, document: Mapping[str, Any]) -> Survey:
    """A draft survey holding ``document``'s content (not yet published)."""
    problems = validate(document, require_translations=False)
    if problems:
        raise InvalidDocument(problems)
    survey = Survey(site_id=site.id, slug=document["slug"])  # type: ignore[arg-type]
    fill_draft(session=session, survey=survey, document=document)
    return survey


def fill_draft(*, session: Session, survey: Survey, document: Mapping[str, Any]) -> None:
    """Give ``survey`` the texts, pages and questions of ``document`` (its draft must be empty)."""
    survey.default_locale = document["default_locale"]
    survey.locales = list(document["locales"])
    survey.title = dict(document.get("title") or {})
    survey.intro = dict(document.get("intro") or {})
    survey.thank_you = dict(document.get("thank_you") or {})
    session.add(survey)
    session.flush()
    for s_position, section_doc in enumerate(document["sections"]):
        section = Section(
            survey_id=survey.id,  # type: ignore[arg-type]
            key=section_doc["key"],
            position=s_position,
            title=dict(section_doc.get("title") or {}),
        )
        session.add(section)
        session.flush()
        for q_position, q in enumerate(section_doc.get("questions", [])):
            session.add(
                Question(
                    survey_id=survey.id,  # type: ignore[arg-type]
                    section_id=section.id,  # type: ignore[arg-type]
                    key=q["key"],
                    kind=q["kind"],
                    position=q_position,
                    required=bool(q.get("required")),
                    text=dict(q.get("text") or {}),
                    help=dict(q.get("help") or {}),
                    options=[dict(o) for o in q.get("options", [])],
                    settings={k: q[k] for k in _SETTINGS if k in q},
                    show_if=dict(q["show_if"]) if q.get("show_if") else None,
                )
            )
    session.flush()


def sections_of(*, session: Session, survey: Survey) -> list[Section]:
    """The draft's pages, in order."""
    return list(
        session.exec(
            select(Section).where(Section.survey_id == survey.id).order_by(col(Section.position))
        )
    )


def questions_of(*, session: Session, survey: Survey) -> list[Question]:
    """The draft's questions, in order within their pages."""
    return list(
        session.exec(
            select(Question)
            .where(Question.survey_id == survey.id)
            .order_by(col(Question.position), col(Question.id))
        )
    )


def document_from_draft(*, session: Session, survey: Survey) -> dict[str, Any]:
    """The draft as a survey document (what publishing would freeze)."""
    sections = sections_of(session=session, survey=survey)
    drafted = questions_of(session=session, survey=survey)
    by_section: dict[int, list[Question]] = {}
    for question in drafted:
        by_section.setdefault(question.section_id, []).append(question)
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "slug": survey.slug,
        "default_locale": survey.default_locale,
        "locales": list(survey.locales),
        "title": dict(survey.title),
        "intro": dict(survey.intro),
        "thank_you": dict(survey.thank_you),
        "sections": [],
    }
    for section in sections:
        items = []
        for q in by_section.get(section.id or 0, []):
            item: dict[str, Any] = {
                "key": q.key,
                "kind": q.kind,
                "required": q.required,
                "text": dict(q.text),
            }
            if q.help:
                item["help"] = dict(q.help)
            if q.options:
                item["options"] = _with_builtin_texts(q.kind, q.options, survey.locales)
            item.update({k: v for k, v in q.settings.items() if k in _SETTINGS})
            if q.show_if:
                item["show_if"] = dict(q.show_if)
            items.append(item)
        entry: dict[str, Any] = {"key": section.key, "questions": items}
        if section.title:
            entry["title"] = dict(section.title)
        document["sections"].append(entry)
    return document


def _with_builtin_texts(
    kind_name: str, options: list[dict[str, Any]], locales: list[str]
) -> list[dict[str, Any]]:
    """``options`` with the texts the app supplies (“Prefer not to say”) filled in from the
    interface catalogs for every language staff did not word themselves: staff never have to
    translate them, and may still override them."""
    kind = REGISTRY.get(kind_name)
    supplied = kind.builtin_texts({"kind": kind_name}) if kind else {}
    filled = []
    for option in options:
        option = dict(option)
        message = supplied.get(str(option.get("code")))
        if message:
            label = {k: v for k, v in dict(option.get("label") or {}).items() if str(v).strip()}
            option["label"] = {
                code: label.get(code) or catalogs.gettext_in(code, message) for code in locales
            }
        filled.append(option)
    return filled


def publish(*, session: Session, survey: Survey) -> SurveyVersion:
    """Freeze the draft into the next numbered version and open the survey.

    Refused (``InvalidDocument``, every problem listed) while any enabled language lacks a string.
    """
    document = document_from_draft(session=session, survey=survey)
    problems = validate(document, require_translations=True)
    if problems:
        raise InvalidDocument(problems)
    latest = latest_version(session=session, survey=survey)
    if latest is not None and latest.definition == document:
        if survey.status != SurveyStatus.open:
            survey.status = SurveyStatus.open
            session.add(survey)
        return latest
    version = SurveyVersion(
        survey_id=survey.id,  # type: ignore[arg-type]
        number=(latest.number + 1) if latest else 1,
        definition=document,
    )
    survey.status = SurveyStatus.open
    survey.updated_at = utcnow()
    session.add_all([version, survey])
    session.flush()
    return version


def survey_by_any_slug(*, session: Session, slug: str) -> Survey:
    """A survey by its public slug whatever its status (CLI and staff use)."""
    survey = session.exec(select(Survey).where(Survey.slug == slug)).first()
    if survey is None:
        raise NotFound(slug)
    return survey


def language_or_default(survey: Survey, asked: str | None) -> str:
    """``asked`` if it is one of the survey's languages, else the survey's default language."""
    return asked if asked and asked in survey.locales else survey.default_locale
