"""Editing a survey's draft: sections, questions, languages; publishing history; rounds.

Every change is checked against the document rules before it is kept: a change that would make
the draft invalid (a duplicate key, a ``show_if`` pointing forward…) raises ``InvalidDocument``
with the problems, and the draft stays as it was.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlmodel import Session, col, select

from survey.document import (
    DEFAULT_MAX_LENGTH,
    N_,
    TEXT_KINDS,
    Problem,
    questions,
    unknown_locales,
    validate,
)
from survey.languages import LOCALE_CODES, content_code
from survey.models import Question, Section, Site, Survey, SurveyStatus, SurveyVersion, utcnow
from survey.services.catalog import latest_version
from survey.services.errors import InvalidDocument, NotFound
from survey.services.surveys import (
    create_from_document,
    document_from_draft,
    fill_draft,
    questions_of,
    sections_of,
)


def slugify(text: str, *, separator: str = "_", limit: int = 40) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", separator, folded).strip(separator)[:limit].strip(separator)
    return slug


def unique_key(base: str, taken: set[str], fallback: str) -> str:
    base = base if base and base[0].isalpha() else f"{fallback}_{base}".strip("_")
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}_{n}"
        n += 1
    return candidate


def checked(session: Session, survey: Survey, change: Callable[[], Any]) -> Any:
    """Apply ``change`` inside a savepoint; keep it only if the draft is still valid."""
    with session.begin_nested():
        result = change()
        session.flush()
        problems = validate(
            document_from_draft(session=session, survey=survey), require_translations=False
        )
        if problems:
            raise InvalidDocument(problems)
    survey.updated_at = utcnow()
    session.add(survey)
    session.flush()
    return result


def _move(session: Session, survey: Survey, ordered: list[Any], item: Any, step: int) -> None:
    """Move ``item`` ``step`` places within ``ordered`` (pages, or questions of a page)."""
    index = next(i for i, other in enumerate(ordered) if other.id == item.id)
    target = index + step
    if not 0 <= target < len(ordered):
        return

    def change() -> None:
        ordered[index], ordered[target] = ordered[target], ordered[index]
        for position, entry in enumerate(ordered):
            entry.position = position
            session.add(entry)

    checked(session, survey, change)


# -- surveys ----------------------------------------------------------------------------------


def surveys_of(*, session: Session, site: Site) -> list[Survey]:
    return list(
        session.exec(
            select(Survey).where(Survey.site_id == site.id).order_by(col(Survey.created_at).desc())
        )
    )


def create_survey(
    *,
    session: Session,
    site: Site,
    slug: str,
    title: str,
    default_locale: str,
    locales: Sequence[str],
) -> Survey:
    slug = slug.strip().lower()
    problems = []
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,79}", slug):
        problems.append(Problem("survey", N_("the link name may use a-z, 0-9 and dashes")))
    elif session.exec(select(Survey).where(Survey.slug == slug)).first() is not None:
        problems.append(Problem("survey", N_("that link name is taken; please choose another")))
    if not title.strip():
        problems.append(Problem("survey", N_("a survey needs a title")))
    problems.extend(unknown_locales([default_locale, *locales], "survey"))
    if problems:
        raise InvalidDocument(problems)
    enabled = [default_locale, *[code for code in locales if code != default_locale]]
    survey = Survey(
        site_id=site.id,  # type: ignore[arg-type]
        slug=slug,
        default_locale=default_locale,
        locales=enabled,
        title={default_locale: title.strip()},
    )
    session.add(survey)
    session.flush()
    session.add(Section(survey_id=survey.id, key="main", position=0))  # type: ignore[arg-type]
    session.flush()
    return survey


def survey_at(*, session: Session, site: Site, slug: str) -> Survey:
    """A survey of ``site``; another site's survey is ``NotFound``."""
    survey = session.exec(
        select(Survey).where(Survey.site_id == site.id, Survey.slug == slug)
    ).first()
    if survey is None:
        raise NotFound(slug)
    return survey


def update_texts(
    *, session: Session, survey: Survey, locale: str, title: str, intro: str, thank_you: str
) -> None:
    if not title.strip():
        raise InvalidDocument([Problem("survey", N_("a survey needs a title"))])
    for name, value in (("title", title), ("intro", intro), ("thank_you", thank_you)):
        texts = dict(getattr(survey, name))
        if value.strip():
            texts[locale] = value.strip()
        else:
            texts.pop(locale, None)
        setattr(survey, name, texts)
    survey.updated_at = utcnow()
    session.add(survey)
    session.flush()


def set_languages(
    *,
    session: Session,
    survey: Survey,
    default_locale: str,
    locales: Sequence[str],
    other: str = "",
    interface_locale: str | None = None,
) -> None:
    """The survey's languages: ``locales`` chosen from a list, plus ``other`` typed as language
    codes (``sw, tl fa-AF``), any BCP 47 language for the survey's content; and the interface
    language shown with those the app does not speak (``interface_locale``)."""
    typed = [raw for raw in re.split(r"[\s,;]+", other) if raw]
    locales = [*locales, *(content_code(raw) or raw for raw in typed)]
    problems = unknown_locales([default_locale, *locales], "survey")
    if interface_locale is not None and interface_locale not in LOCALE_CODES:
        problems.append(
            Problem(
                "survey",
                N_("%(language)s is not a language we offer"),
                params={"language": interface_locale},
            )
        )
    if interface_locale in LOCALE_CODES:
        survey.interface_locale = interface_locale
    if problems:
        raise InvalidDocument(problems)
    enabled = [default_locale, *[code for code in dict.fromkeys(locales) if code != default_locale]]
    survey.default_locale = default_locale
    survey.locales = enabled
    survey.updated_at = utcnow()
    session.add(survey)
    session.flush()


def set_status(*, session: Session, survey: Survey, status: SurveyStatus) -> None:
    if status == SurveyStatus.open and latest_version(session=session, survey=survey) is None:
        raise InvalidDocument([Problem("survey", N_("publish the survey before opening it"))])
    survey.status = status
    survey.updated_at = utcnow()
    session.add(survey)
    session.flush()


def duplicate_as_next_round(*, session: Session, survey: Survey, slug: str | None = None) -> Survey:
    """A new draft with the same questions, linked to ``survey`` as its previous round.

    Refused for a survey never published, and when its next round exists already (a second
    press of the button must not make a third round).
    """
    if latest_version(session=session, survey=survey) is None:
        raise InvalidDocument(
            [Problem("survey", N_("publish the survey before copying it as the next round"))]
        )
    following = session.exec(select(Survey).where(Survey.previous_round_id == survey.id)).first()
    if following is not None:
        raise InvalidDocument(
            [
                Problem(
                    "survey",
                    N_("the next round exists already: %(slug)s"),
                    params={"slug": following.slug},
                )
            ]
        )
    document = document_from_draft(session=session, survey=survey)
    taken = set(session.exec(select(Survey.slug)).all())
    base = re.sub(r"-r\d+$", "", survey.slug)
    n = 2
    candidate = slug or f"{base}-r{n}"
    while candidate in taken:
        n += 1
        candidate = f"{base}-r{n}"
    document["slug"] = candidate
    site = session.get(Site, survey.site_id)
    assert site is not None
    copy = create_from_document(session=session, site=site, document=document)
    copy.previous_round_id = survey.id
    copy.interface_locale = survey.interface_locale
    session.add(copy)
    session.flush()
    return copy


# -- sections ---------------------------------------------------------------------------------


def section_at(*, session: Session, survey: Survey, key: str) -> Section:
    section = session.exec(
        select(Section).where(Section.survey_id == survey.id, Section.key == key)
    ).first()
    if section is None:
        raise NotFound(key)
    return section


def add_section(*, session: Session, survey: Survey, title: str, locale: str) -> Section:
    existing = sections_of(session=session, survey=survey)
    key = unique_key(slugify(title) or "page", {s.key for s in existing}, "page")
    section = Section(
        survey_id=survey.id,  # type: ignore[arg-type]
        key=key,
        position=len(existing),
        title={locale: title.strip()} if title.strip() else {},
    )
    checked(session, survey, lambda: session.add(section))
    return section


def rename_section(
    *, session: Session, survey: Survey, section: Section, title: str, locale: str
) -> None:
    texts = dict(section.title)
    if title.strip():
        texts[locale] = title.strip()
    else:
        texts.pop(locale, None)
    section.title = texts
    session.add(section)
    session.flush()


def move_section(*, session: Session, survey: Survey, section: Section, step: int) -> None:
    ordered = sections_of(session=session, survey=survey)
    _move(session, survey, ordered, section, step)


def delete_section(*, session: Session, survey: Survey, section: Section) -> None:
    if any(q.section_id == section.id for q in questions_of(session=session, survey=survey)):
        raise InvalidDocument(
            [Problem(f"section {section.key}", N_("move or delete its questions first"))]
        )
    if len(sections_of(session=session, survey=survey)) == 1:
        raise InvalidDocument(
            [Problem(f"section {section.key}", N_("a survey needs at least one page"))]
        )
    session.delete(section)
    session.flush()
    for position, item in enumerate(sections_of(session=session, survey=survey)):
        item.position = position
        session.add(item)
    session.flush()


# -- questions --------------------------------------------------------------------------------


def question_at(*, session: Session, survey: Survey, key: str) -> Question:
    question = session.exec(
        select(Question).where(Question.survey_id == survey.id, Question.key == key)
    ).first()
    if question is None:
        raise NotFound(key)
    return question


def renumber(session: Session, survey: Survey) -> None:
    for section in sections_of(session=session, survey=survey):
        items = [
            q for q in questions_of(session=session, survey=survey) if q.section_id == section.id
        ]
        for position, item in enumerate(items):
            item.position = position
            session.add(item)
    session.flush()


def move_question(*, session: Session, survey: Survey, question: Question, step: int) -> None:
    siblings = [
        q
        for q in questions_of(session=session, survey=survey)
        if q.section_id == question.section_id
    ]
    _move(session, survey, siblings, question, step)


def delete_question(*, session: Session, survey: Survey, question: Question) -> None:
    checked(session, survey, lambda: session.delete(question))


# -- publishing history -----------------------------------------------------------------------


def versions_of(*, session: Session, survey: Survey) -> list[SurveyVersion]:
    return list(
        session.exec(
            select(SurveyVersion)
            .where(SurveyVersion.survey_id == survey.id)
            .order_by(col(SurveyVersion.number).desc())
        )
    )


def import_document(
    *,
    session: Session,
    site: Site,
    document: Mapping[str, Any],
    replace_draft: bool = False,
    answer_cap: int = DEFAULT_MAX_LENGTH,
) -> Survey:
    """A survey from an imported document (JSON or XLSForm), as a draft of ``site``.

    A slug in use refuses unless ``replace_draft`` is given and the survey belongs to ``site``;
    then its draft is replaced and its published versions are kept.
    """
    problems = validate(document, require_translations=False)
    if not problems:
        problems = [
            Problem(
                f"question {question['key']}",
                N_("the longest answer must be between 1 and %(max)s characters"),
                params={"max": answer_cap},
            )
            for question in questions(document)
            if question.get("kind") in TEXT_KINDS
            and int(question.get("max_length", 1)) > answer_cap
        ]
    if problems:
        raise InvalidDocument(problems)
    existing = session.exec(select(Survey).where(Survey.slug == document["slug"])).first()
    if existing is None:
        return create_from_document(session=session, site=site, document=document)
    if not replace_draft or existing.site_id != site.id:
        raise InvalidDocument(
            [
                Problem(
                    "survey",
                    N_(
                        "a survey with the link name %(slug)s exists; choose “replace the draft” to overwrite it"
                    ),
                    params={"slug": str(document["slug"])},
                )
            ]
        )
    with session.begin_nested():
        for question in questions_of(session=session, survey=existing):
            session.delete(question)
        session.flush()
        for section in sections_of(session=session, survey=existing):
            session.delete(section)
        session.flush()
        fill_draft(session=session, survey=existing, document=document)
        existing.updated_at = utcnow()
        session.add(existing)
        session.flush()
    return existing
