"""The survey document: the one shape a published survey has everywhere.

A published ``SurveyVersion.definition``, the JSON export/import format, the XLSForm conversion and
the resident page all use this document. It is plain JSON::

    {
      "schema": "community-voice/survey@1",
      "slug": "hopes",
      "default_locale": "en",
      "locales": ["en", "es"],                      # enabled languages, default first
      "title": {"en": "...", "es": "..."},          # every text is {locale: text}
      "intro": {...}, "thank_you": {...},           # optional
      "sections": [                                 # one page each, in order
        {"key": "about", "title": {...},
         "questions": [
           {"key": "hopes", "kind": "long_text", "required": false,
            "text": {...}, "help": {...},
            "max_length": 2000,                     # text kinds, optional
            "options": [{"code": "yes", "label": {...}}],   # choice kinds
            "scale": {"min": 1, "max": 5, "min_label": {...}, "max_label": {...}},  # rating
            "min": 0, "max": 120, "integer": true,  # number, all optional
            "multiple": false,                      # demographic: one answer or several
            "show_if": {"question": "kids", "equals": "yes"}}   # or "includes" for multiple
         ]}
      ]
    }

Rules checked by :func:`validate`: keys are lower-case identifiers, unique in the survey; option
codes unique within a question and never empty; demographic questions offer ``prefer_not_to_say``;
``show_if`` points at an earlier choice question and at one of its codes; every text is present in
every enabled language (only when ``require_translations``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from survey import conditions
from survey.kinds import DEFAULT_MAX_LENGTH, KINDS, PREFER_NOT_TO_SAY, REGISTRY, kind_of
from survey.kinds import option_codes as option_codes
from survey.languages import is_content_code
from survey.problems import N_, Problem

SCHEMA = "community-voice/survey@1"
TEXT_KINDS = tuple(name for name, kind in REGISTRY.items() if kind.is_text)
CHOICE_KINDS = tuple(name for name, kind in REGISTRY.items() if kind.has_options)
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
__all__ = [
    "CHOICE_KINDS",
    "DEFAULT_MAX_LENGTH",
    "KINDS",
    "N_",
    "PREFER_NOT_TO_SAY",
    "SCHEMA",
    "TEXT_KINDS",
    "Problem",
]


#: where a text is in a survey, said for staff (translated when shown)
SURVEY_TITLE = N_("Survey title")
SURVEY_INTRO = N_("Introduction")
SURVEY_THANK_YOU = N_("Thank-you text")
PAGE_TITLE = N_("Title of page “%(key)s”")
QUESTION_TEXT = N_("Question “%(key)s”")
QUESTION_HELP = N_("Question “%(key)s”, help text")
QUESTION_OPTION = N_("Question “%(key)s”, option “%(code)s”")
QUESTION_MIN_LABEL = N_("Question “%(key)s”, label of the lowest point")
QUESTION_MAX_LABEL = N_("Question “%(key)s”, label of the highest point")
PLACES = frozenset(
    {
        SURVEY_TITLE,
        SURVEY_INTRO,
        SURVEY_THANK_YOU,
        PAGE_TITLE,
        QUESTION_TEXT,
        QUESTION_HELP,
        QUESTION_OPTION,
        QUESTION_MIN_LABEL,
        QUESTION_MAX_LABEL,
    }
)

#: a file, or a part of one, that is not laid out as a survey document
NOT_A_SURVEY_FILE = N_("This file is not laid out as a Community Voice survey.")
NOT_LAID_OUT = N_("this part is not laid out as a survey file expects")


def questions(document: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for section in document.get("sections", []):
        yield from section.get("questions", [])


def is_multiple(question: Mapping[str, Any]) -> bool:
    kind = kind_of(question)
    return kind is not None and kind.is_multiple(question)


def unknown_locales(codes: Iterable[Any], where: str = "document") -> list[Problem]:
    """A problem for each code that is not a content language: a survey may be written in any
    BCP 47 language (:func:`survey.languages.content_code`), not only the interface's."""
    return [
        Problem(where, N_("%(language)s is not a language we offer"), params={"language": code})
        for code in dict.fromkeys(str(c) for c in codes)
        if not is_content_code(code)
    ]


def _is_texts(value: Any) -> bool:
    """Whether ``value`` is a ``{locale: text}`` object."""
    return isinstance(value, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def localise(texts: Mapping[str, str] | None, locale: str, default: str) -> str:
    """The text in ``locale``; else the survey's default; else any — residents never see a blank."""
    if not texts:
        return ""
    for code in (locale, default):
        value = texts.get(code)
        if value and value.strip():
            return value
    return next((value for value in texts.values() if value and value.strip()), "")


def localise_document(document: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """A copy where every ``{locale: text}`` is one string in ``locale`` (with fallback)."""
    default = document.get("default_locale", "en")

    def text(value: Mapping[str, str] | None) -> str:
        return localise(value, locale, default)

    sections = []
    for section in document.get("sections", []):
        localised_questions = []
        for question in section.get("questions", []):
            item = dict(question)
            item["text"] = text(question.get("text"))
            item["help"] = text(question.get("help"))
            if "options" in question:
                item["options"] = [
                    {"code": option["code"], "label": text(option.get("label"))}
                    for option in question["options"]
                ]
            if "scale" in question:
                scale = dict(question["scale"])
                scale["min_label"] = text(scale.get("min_label"))
                scale["max_label"] = text(scale.get("max_label"))
                item["scale"] = scale
            localised_questions.append(item)
        sections.append(
            {
                "key": section["key"],
                "title": text(section.get("title")),
                "questions": localised_questions,
            }
        )
    return {
        **{
            k: v
            for k, v in document.items()
            if k not in ("title", "intro", "thank_you", "sections")
        },
        "locale": locale,
        "title": text(document.get("title")),
        "intro": text(document.get("intro")),
        "thank_you": text(document.get("thank_you")),
        "sections": sections,
    }


#: where a sentence ends: Latin, Arabic and Urdu marks before a space; CJK marks need none
_SENTENCE_END = re.compile(r"(?<=[.!?؟۔])\s+|(?<=[。！？])")


def lead_sentence(text: str) -> tuple[str, str]:
    """``text`` split into its first sentence and the rest, so a page can lead with one line."""
    lead, *rest = _SENTENCE_END.split(text.strip(), maxsplit=1)
    return lead, (rest[0].strip() if rest else "")


@dataclass(frozen=True)
class _Text:
    """One translatable text of a document: ``where`` for code, ``place`` for staff."""

    where: str
    place: str
    place_params: Mapping[str, Any]
    texts: Any
    #: a text the app supplies from its catalogs (staff may override it, never must)
    builtin: bool = False


def _texts_of(document: Mapping[str, Any]) -> Iterator[_Text]:
    """Every translatable text of the document, with where it is."""
    yield _Text("survey title", SURVEY_TITLE, {}, document.get("title"))
    for name, place in (("intro", SURVEY_INTRO), ("thank_you", SURVEY_THANK_YOU)):
        if document.get(name):
            yield _Text(f"survey {name.replace('_', ' ')}", place, {}, document.get(name))
    for number, section in enumerate(_list(document.get("sections")), start=1):
        if not isinstance(section, Mapping):
            continue
        if section.get("title"):
            skey = str(section.get("key", number))
            yield _Text(f"section {skey} title", PAGE_TITLE, {"key": skey}, section.get("title"))
        for question in _list(section.get("questions")):
            if not isinstance(question, Mapping):
                continue
            key = str(question.get("key", "?"))
            where = f"question {key}"
            yield _Text(where, QUESTION_TEXT, {"key": key}, question.get("text"))
            if question.get("help"):
                yield _Text(f"{where} help", QUESTION_HELP, {"key": key}, question.get("help"))
            kind = kind_of(question)
            supplied = kind.builtin_texts(question) if kind else {}
            for option in _list(question.get("options")):
                if isinstance(option, Mapping):
                    code = str(option.get("code", "?"))
                    yield _Text(
                        f"{where} option {code}",
                        QUESTION_OPTION,
                        {"key": key, "code": code},
                        option.get("label"),
                        builtin=code in supplied,
                    )
            scale = question.get("scale")
            scale = scale if isinstance(scale, Mapping) else {}
            for end, place in (
                ("min_label", QUESTION_MIN_LABEL),
                ("max_label", QUESTION_MAX_LABEL),
            ):
                if scale.get(end):
                    yield _Text(
                        f"{where} {end.replace('_', ' ')}", place, {"key": key}, scale.get(end)
                    )


def missing_translations(document: Mapping[str, Any]) -> list[Problem]:
    locales = list(document.get("locales") or [])
    problems = []
    for text in _texts_of(document):
        if text.builtin:
            continue  # filled from the interface catalogs where staff wrote nothing
        for locale in locales:
            texts = text.texts
            if not isinstance(texts, Mapping) or not str(texts.get(locale) or "").strip():
                problems.append(
                    Problem(
                        text.where,
                        N_("text is missing"),
                        locale,
                        place=text.place,
                        place_params=text.place_params,
                    )
                )
    return problems


def _shape_problems(document: Mapping[str, Any]) -> list[Problem]:
    """Texts that are not ``{locale: text}`` objects and parts that are not what they should be."""
    problems: list[Problem] = []
    for number, section in enumerate(document["sections"], start=1):
        if isinstance(section, Mapping) and not isinstance(section.get("questions", []), list):
            problems.append(Problem(f"section {number}", NOT_LAID_OUT))
        for question in _list(section.get("questions")) if isinstance(section, Mapping) else []:
            if not isinstance(question, Mapping):
                continue
            key = question.get("key")
            where = f"question {key}" if isinstance(key, str) else "question"
            options = question.get("options", [])
            if not isinstance(options, list) or not all(isinstance(o, Mapping) for o in options):
                problems.append(Problem(where, NOT_LAID_OUT))
            for name in ("scale", "show_if"):
                if question.get(name) and not isinstance(question.get(name), Mapping):
                    problems.append(Problem(where, NOT_LAID_OUT))
    if problems:
        return problems
    for text in _texts_of(document):
        if text.texts is not None and not _is_texts(text.texts):
            problems.append(
                Problem(
                    text.where,
                    N_("text must be a {locale: text} object"),
                    place=text.place,
                    place_params=text.place_params,
                )
            )
    return problems


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def validate(document: Any, *, require_translations: bool = True) -> list[Problem]:
    """Every problem in ``document``; an empty list means it can be published."""
    if not isinstance(document, Mapping):
        return [Problem("document", NOT_A_SURVEY_FILE)]
    problems: list[Problem] = []
    add = problems.append
    if document.get("schema") != SCHEMA:
        add(
            Problem(
                "document",
                N_("This is not a Community Voice survey file (it should say “%(schema)s”)."),
                params={"schema": SCHEMA},
            )
        )
    slug = document.get("slug")
    if not isinstance(slug, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,79}", slug):
        add(Problem("document", N_("the link name may use a-z, 0-9 and dashes")))
    locales = document.get("locales")
    if not isinstance(locales, list) or not locales or not all(isinstance(x, str) for x in locales):
        add(Problem("document", N_("a survey needs at least one language")))
        locales = []
    unknown = unknown_locales(locales)
    problems.extend(unknown)
    if document.get("default_locale") not in locales:
        add(Problem("document", N_("the main language must be one of the survey's languages")))
    sections = document.get("sections")
    if not isinstance(sections, list) or not sections:
        return [*problems, Problem("document", N_("a survey needs at least one section"))]
    shape = _shape_problems(document)
    if shape:
        # Texts or parts of the wrong type: the checks below would trip over them.
        return [*problems, *shape]

    seen: dict[str, dict[str, Any]] = {}
    section_keys: set[str] = set()
    for number, section in enumerate(sections, start=1):
        if not isinstance(section, Mapping):
            add(Problem(f"section {number}", NOT_LAID_OUT))
            continue
        skey = section.get("key")
        if not isinstance(skey, str) or not KEY_PATTERN.match(skey):
            add(
                Problem(
                    f"section {number}", N_("key must start with a letter and use a-z, 0-9 and _")
                )
            )
        elif skey in section_keys:
            add(Problem(f"section {skey}", N_("key is used twice")))
        else:
            section_keys.add(skey)
        page_keys: set[str] = set()
        for question in section.get("questions", []) or []:
            if not isinstance(question, Mapping):
                add(
                    Problem(
                        f"section {number}",
                        N_("a question is not laid out as a survey file expects"),
                    )
                )
                continue
            problems.extend(_validate_question(question, seen, page_keys))
            key = question.get("key")
            if isinstance(key, str) and key not in seen:
                seen[key] = dict(question)
                page_keys.add(key)
    if not seen:
        add(Problem("document", N_("a survey needs at least one question")))
    if require_translations and locales and not unknown:
        problems.extend(missing_translations(document))
    return problems


def _validate_question(
    question: Mapping[str, Any], earlier: Mapping[str, Mapping[str, Any]], page: set[str]
) -> list[Problem]:
    """What is wrong with one question; ``earlier`` holds every question before it (earlier
    pages and earlier on its own page, ``page`` the keys of the latter)."""
    problems: list[Problem] = []
    key = question.get("key")
    where = f"question {key}" if isinstance(key, str) else "question"
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        problems.append(Problem(where, N_("key must start with a letter and use a-z, 0-9 and _")))
    elif key in earlier:
        problems.append(Problem(where, N_("key is used twice")))
    kind = kind_of(question)
    if kind is None:
        kind_name = str(question.get("kind"))
        problems.append(Problem(where, N_("unknown kind %(kind)s"), params={"kind": kind_name}))
        return problems
    if not isinstance(question.get("text"), Mapping):
        problems.append(Problem(where, N_("text must be a {locale: text} object")))
    problems.extend(kind.problems(question, where))
    condition = question.get("show_if")
    if condition:
        problems.extend(
            Problem(where, found.message, params=found.params)
            for found in conditions.problems(
                condition, key=key if isinstance(key, str) else None, earlier=earlier
            )
        )
    return problems
