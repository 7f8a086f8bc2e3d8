"""Editing a survey's draft: sections, questions, languages; publishing history; rounds.

Every change is checked against the document rules before it is kept: a change that would make
the draft invalid (a duplicate key, a ``show_if`` pointing forward…) raises ``InvalidDocument``
with the problems, and the draft stays as it was.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from survey.document import (
    CHOICE_KINDS,
    DEFAULT_MAX_LENGTH,
    KINDS,
    N_,
    PREFER_NOT_TO_SAY,
    TEXT_KINDS,
    Problem,
    questions,
    unknown_locales,
    validate,
)
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


def _unique(base: str, taken: set[str], fallback: str) -> str:
    base = base if base and base[0].isalpha() else f"{fallback}_{base}".strip("_")
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}_{n}"
        n += 1
    return candidate


def _checked(session: Session, survey: Survey, change: Callable[[], Any]) -> Any:
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

    _checked(session, survey, change)


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
    *, session: Session, survey: Survey, default_locale: str, locales: Sequence[str]
) -> None:
    problems = unknown_locales([default_locale, *locales], "survey")
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
    key = _unique(slugify(title) or "page", {s.key for s in existing}, "page")
    section = Section(
        survey_id=survey.id,  # type: ignore[arg-type]
        key=key,
        position=len(existing),
        title={locale: title.strip()} if title.strip() else {},
    )
    return _checked(session, survey, lambda: session.add(section) or section)  # type: ignore[func-returns-value]


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


@dataclass
class QuestionInput:
    """What the question editor sends, in the survey's default language."""

    kind: str
    text: str
    section_key: str
    key: str = ""
    help: str = ""
    required: bool = False
    #: ``(code, label)``; an empty code is made from the label
    options: list[tuple[str, str]] = field(default_factory=list)
    scale_min: int = 1
    scale_max: int = 5
    min_label: str = ""
    max_label: str = ""
    number_min: float | None = None
    number_max: float | None = None
    integer: bool = False
    max_length: int | None = None
    #: the site-wide cap on an answer's length (``ANSWER_MAX_CHARS``); ``max_length`` may not exceed it
    answer_cap: int = DEFAULT_MAX_LENGTH
    multiple: bool = False
    #: ``(question key, option code)`` or None
    show_if: tuple[str, str] | None = None


def question_at(*, session: Session, survey: Survey, key: str) -> Question:
    question = session.exec(
        select(Question).where(Question.survey_id == survey.id, Question.key == key)
    ).first()
    if question is None:
        raise NotFound(key)
    return question


def parse_options(text: str) -> list[tuple[str, str]]:
    """One option a line: ``Label`` or ``code = Label``."""
    options = []
    for line in text.splitlines():
        if not line.strip():
            continue
        code, sep, label = line.partition("=")
        options.append((code.strip(), label.strip()) if sep else ("", line.strip()))
    return options


def _apply(
    question: Question,
    data: QuestionInput,
    *,
    locale: str,
    section: Section,
    taken: set[str],
    prefer_not_label: Mapping[str, str],
) -> None:
    if data.kind not in KINDS:
        raise InvalidDocument(
            [Problem("question", N_("unknown kind %(kind)s"), params={"kind": data.kind})]
        )
    key = data.key.strip().lower() or _unique(slugify(data.text)[:30] or "question", taken, "q")
    if key in taken:
        raise InvalidDocument(
            [Problem(f"question {key}", N_("this key is already used by another question"))]
        )
    if (
        data.kind in TEXT_KINDS
        and not 1 <= (1 if data.max_length is None else data.max_length) <= data.answer_cap
    ):
        raise InvalidDocument(
            [
                Problem(
                    f"question {key}",
                    N_("the longest answer must be between 1 and %(max)s characters"),
                    params={"max": data.answer_cap},
                )
            ]
        )
    question.key = key
    question.kind = data.kind
    question.section_id = section.id  # type: ignore[assignment]
    question.required = data.required
    question.text = (
        {**question.text, locale: data.text.strip()}
        if data.text.strip()
        else {k: v for k, v in question.text.items() if k != locale}
    )
    question.help = (
        {**question.help, locale: data.help.strip()}
        if data.help.strip()
        else {k: v for k, v in question.help.items() if k != locale}
    )
    settings: dict[str, Any] = {}
    options: list[dict[str, Any]] = []
    if data.kind in CHOICE_KINDS:
        previous = {o["code"]: dict(o.get("label", {})) for o in question.options}
        codes_seen: set[str] = set()
        for code, label in data.options:
            code = (code or slugify(label)[:30] or "option").lower()
            if code in codes_seen and not code.startswith("option"):
                pass  # validation names the duplicate
            elif code in codes_seen:
                code = _unique(code, codes_seen, "option")
            codes_seen.add(code)
            labels = previous.get(code, {})
            labels = {**labels, locale: label} if label else labels
            options.append({"code": code, "label": labels})
        if data.kind == "demographic" and PREFER_NOT_TO_SAY not in codes_seen:
            labels = previous.get(PREFER_NOT_TO_SAY) or dict(prefer_not_label)
            options.append({"code": PREFER_NOT_TO_SAY, "label": labels})
        if data.kind == "demographic":
            settings["multiple"] = data.multiple
    if data.kind == "rating":
        old = question.settings.get("scale", {})
        min_label = {**old.get("min_label", {}), locale: data.min_label} if data.min_label else {}
        max_label = {**old.get("max_label", {}), locale: data.max_label} if data.max_label else {}
        settings["scale"] = {"min": data.scale_min, "max": data.scale_max}
        if min_label:
            settings["scale"]["min_label"] = min_label
        if max_label:
            settings["scale"]["max_label"] = max_label
    if data.kind == "number":
        if data.number_min is not None:
            settings["min"] = data.number_min
        if data.number_max is not None:
            settings["max"] = data.number_max
        settings["integer"] = data.integer
    if data.kind in ("short_text", "long_text") and data.max_length:
        settings["max_length"] = data.max_length
    question.options = options
    question.settings = settings
    if data.show_if:
        target, code = data.show_if
        question.show_if = {"question": target, "code": code}
    else:
        question.show_if = None


def _resolve_show_if(session: Session, survey: Survey, question: Question) -> None:
    """Store ``show_if`` with ``includes`` or ``equals`` to match the question it points at."""
    if not question.show_if:
        return
    target = question.show_if["question"]
    code = (
        question.show_if.get("code")
        or question.show_if.get("equals")
        or question.show_if.get("includes")
    )
    referenced = session.exec(
        select(Question).where(Question.survey_id == survey.id, Question.key == target)
    ).first()
    multiple = referenced is not None and (
        referenced.kind == "multiple_choice"
        or (referenced.kind == "demographic" and referenced.settings.get("multiple"))
    )
    question.show_if = {"question": target, ("includes" if multiple else "equals"): str(code)}


def add_question(
    *, session: Session, survey: Survey, data: QuestionInput, prefer_not_label: Mapping[str, str]
) -> Question:
    section = section_at(session=session, survey=survey, key=data.section_key)
    existing = questions_of(session=session, survey=survey)
    question = Question(
        survey_id=survey.id,  # type: ignore[arg-type]
        section_id=section.id,  # type: ignore[arg-type]
        key="",
        kind=data.kind,
        position=1 + max((q.position for q in existing if q.section_id == section.id), default=-1),
    )

    def change() -> Question:
        _apply(
            question,
            data,
            locale=survey.default_locale,
            section=section,
            taken={q.key for q in existing},
            prefer_not_label=prefer_not_label,
        )
        _resolve_show_if(session, survey, question)
        session.add(question)
        return question

    return _checked(session, survey, change)  # type: ignore[no-any-return]


def update_question(
    *,
    session: Session,
    survey: Survey,
    question: Question,
    data: QuestionInput,
    prefer_not_label: Mapping[str, str],
) -> Question:
    section = section_at(session=session, survey=survey, key=data.section_key)
    others = {q.key for q in questions_of(session=session, survey=survey) if q.id != question.id}
    old_key = question.key
    moved = question.section_id != section.id

    def change() -> Question:
        _apply(
            question,
            data,
            locale=survey.default_locale,
            section=section,
            taken=others,
            prefer_not_label=prefer_not_label,
        )
        if moved:
            question.position = 10_000  # last in its new page
        _resolve_show_if(session, survey, question)
        session.add(question)
        if question.key != old_key:
            for other in questions_of(session=session, survey=survey):
                if other.show_if and other.show_if.get("question") == old_key:
                    other.show_if = {**other.show_if, "question": question.key}
                    session.add(other)
        return question

    result = _checked(session, survey, change)
    _renumber(session, survey)
    return result  # type: ignore[no-any-return]


def _renumber(session: Session, survey: Survey) -> None:
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
    _checked(session, survey, lambda: session.delete(question))


# -- publishing history -----------------------------------------------------------------------


def versions_of(*, session: Session, survey: Survey) -> list[SurveyVersion]:
    return list(
        session.exec(
            select(SurveyVersion)
            .where(SurveyVersion.survey_id == survey.id)
            .order_by(col(SurveyVersion.number).desc())
        )
    )


@dataclass(frozen=True)
class Change:
    kind: str  #: ``added`` | ``removed`` | ``changed`` | ``languages`` | ``texts``
    subject: str  #: a question key, or ``survey``


def describe_changes(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[Change]:
    """What publishing ``after`` changes compared with the last published ``before``."""
    if before is None:
        return [Change("added", q["key"]) for q in questions(after)]
    old = {q["key"]: q for q in questions(before)}
    new = {q["key"]: q for q in questions(after)}
    changes = [Change("added", key) for key in new if key not in old]
    changes += [Change("removed", key) for key in old if key not in new]
    changes += [Change("changed", key) for key in new if key in old and new[key] != old[key]]
    if list(before.get("locales", [])) != list(after.get("locales", [])):
        changes.append(Change("languages", "survey"))
    if any(before.get(k) != after.get(k) for k in ("title", "intro", "thank_you")):
        changes.append(Change("texts", "survey"))
    order = [*new, *old]
    changes.sort(key=lambda c: order.index(c.subject) if c.subject in order else len(order))
    return changes


def pending_changes(*, session: Session, survey: Survey) -> list[Change]:
    latest = latest_version(session=session, survey=survey)
    return describe_changes(
        latest.definition if latest else None, document_from_draft(session=session, survey=survey)
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
