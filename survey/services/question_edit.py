"""Adding and editing a question in the designer: its texts, its kind's own settings, its options
and the condition that decides when it is asked.

What belongs to a kind (which settings it has, how they are read and shown) is asked of
``survey.kinds``; the condition is built as ``survey.conditions`` defines it and refused with its
reasons (a question further on, a test its kind cannot take, a condition that is never true).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlmodel import Session

from survey import conditions
from survey.document import DEFAULT_MAX_LENGTH, N_, Problem, localise
from survey.kinds import REGISTRY, kind_of
from survey.models import Question, Section, Survey
from survey.services.designer import (
    checked,
    renumber,
    section_at,
    slugify,
    unique_key,
)
from survey.services.errors import InvalidDocument
from survey.services.surveys import questions_of

Match = Literal["all", "any", "none", "keep", ""]
#: the tests the editor offers: the model's operators, "unanswered" standing for answered=false
EDITOR_OPERATORS: tuple[str, ...] = (*conditions.OPERATORS, "unanswered")

NOT_A_NUMBER = N_("a condition on question “%(question)s” needs a number")
UNKNOWN_TEST = N_("choose a test for question “%(question)s”")
NO_VALUE = N_("a condition on question “%(question)s” needs a value to compare with")


@dataclass(frozen=True)
class ConditionRow:
    """One line of the condition editor: a question, a test, a value (as typed)."""

    question: str
    op: str
    value: str = ""


@dataclass(frozen=True)
class ConditionInput:
    """The condition editor: ``match`` is "" (always ask), "all", "any", "none" (none of the
    rows is true) or "keep" (keep a condition the rows cannot show, e.g. one imported)."""

    match: Match = ""
    rows: Sequence[ConditionRow] = ()


@dataclass
class QuestionInput:
    """What the question editor sends, in the survey's default language."""

    kind: str
    text: str
    section_key: str
    key: str = ""
    help: str = ""
    required: bool = False
    #: ``(code, label)``; an empty code is made from the label (kinds with options)
    options: list[tuple[str, str]] = field(default_factory=list)
    #: the kind's own fields (``QuestionKind.designer_fields``) by name; the others are ignored
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: the site-wide cap on an answer's length (``ANSWER_MAX_CHARS``); ``max_length`` may not exceed it
    answer_cap: int = DEFAULT_MAX_LENGTH
    condition: ConditionInput = field(default_factory=ConditionInput)


def parse_options(text: str) -> list[tuple[str, str]]:
    """One option a line: ``Label`` or ``code = Label``."""
    options = []
    for line in text.splitlines():
        if not line.strip():
            continue
        code, sep, label = line.partition("=")
        options.append((code.strip(), label.strip()) if sep else ("", line.strip()))
    return options


# -- conditions from the editor's rows and back ---------------------------------------------------
def _number(text: str) -> float | int | None:
    raw = text.strip().replace(",", ".")
    try:
        number = float(raw)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def _leaf(
    row: ConditionRow, target: Mapping[str, Any] | None, locale: str
) -> tuple[dict[str, Any] | None, list[Problem]]:
    where = "question"
    params = {"question": row.question}
    if row.op not in EDITOR_OPERATORS:
        return None, [Problem(where, UNKNOWN_TEST, params=params)]
    if row.op in ("answered", "unanswered"):
        return {"question": row.question, "answered": row.op == "answered"}, []
    value = row.value.strip()
    if not value:
        return None, [Problem(where, NO_VALUE, params=params)]
    kind = kind_of(target) if target else None
    if kind is not None and kind.is_numeric:
        number = _number(value)
        if number is None:
            return None, [Problem(where, NOT_A_NUMBER, params=params)]
        return {"question": row.question, row.op: number}, []
    if row.op in conditions.COMPARISONS:
        number = _number(value)
        return {"question": row.question, row.op: value if number is None else number}, []
    op = row.op
    if target is not None and kind is not None and kind.has_options:
        # "is" on a question answered with several codes means "includes", and back.
        multiple = kind.is_multiple(target)
        swap = (
            {"equals": "includes", "not_equals": "excludes"}
            if multiple
            else {"includes": "equals", "excludes": "not_equals"}
        )
        op = swap.get(op, op)
    if target is not None:
        # Staff may type an option's code or its label in the survey's main language.
        for option in target.get("options", []):
            label = localise(option.get("label"), locale, locale)
            if value == option.get("code") or value.casefold() == label.casefold():
                value = str(option["code"])
                break
    return {"question": row.question, op: value}, []


def condition_from_input(
    given: ConditionInput,
    *,
    current: Mapping[str, Any] | None,
    earlier: Sequence[Question],
    locale: str,
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The ``show_if`` the editor describes (None: always ask), or the problems with its rows."""
    if given.match == "keep":
        return (dict(current) if current else None), []
    rows = [row for row in given.rows if row.question.strip()]
    if not given.match or not rows:
        return None, []
    by_key = {q.key: {"kind": q.kind, "options": q.options, **q.settings} for q in earlier}
    items: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for row in rows:
        leaf, found = _leaf(row, by_key.get(row.question), locale)
        problems.extend(found)
        if leaf is not None:
            items.append(leaf)
    if problems:
        return None, problems
    if given.match == "none":
        inner = items[0] if len(items) == 1 else {"any": items}
        return {"not": inner}, []
    if len(items) == 1:
        return items[0], []
    return {given.match: items}, []


def condition_rows(show_if: Mapping[str, Any] | None) -> ConditionInput:
    """The editor's rows for a stored ``show_if``; "keep" when rows cannot show it."""
    if not show_if:
        return ConditionInput()
    try:
        condition = conditions.parse(show_if)
    except conditions.ConditionError:
        return ConditionInput("keep")

    def row(leaf: conditions.Condition) -> ConditionRow | None:
        if not isinstance(leaf, conditions.Leaf):
            return None
        if leaf.op == "answered":
            return ConditionRow(leaf.question, "answered" if leaf.value else "unanswered")
        value = leaf.value
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        return ConditionRow(leaf.question, leaf.op, text)

    match: Match
    if isinstance(condition, conditions.Not):
        inner = condition.item
        items: tuple[conditions.Condition, ...] = (
            inner.items if isinstance(inner, conditions.AnyOf) else (inner,)
        )
        match = "none"
    elif isinstance(condition, conditions.AllOf | conditions.AnyOf):
        items = condition.items
        match = "all" if isinstance(condition, conditions.AllOf) else "any"
    else:
        items, match = (condition,), "all"
    rows = [row(item) for item in items]
    if any(r is None for r in rows):
        return ConditionInput("keep")
    return ConditionInput(match, [r for r in rows if r is not None])


# -- saving -------------------------------------------------------------------------------------
def _apply(
    session: Session,
    survey: Survey,
    question: Question,
    data: QuestionInput,
    *,
    section: Section,
    taken: set[str],
) -> None:
    locale = survey.default_locale
    kind = REGISTRY.get(data.kind)
    if kind is None:
        raise InvalidDocument(
            [Problem("question", N_("unknown kind %(kind)s"), params={"kind": data.kind})]
        )
    key = data.key.strip().lower() or unique_key(slugify(data.text)[:30] or "question", taken, "q")
    if key in taken:
        raise InvalidDocument(
            [Problem(f"question {key}", N_("this key is already used by another question"))]
        )
    limit = data.settings.get("max_length") if kind.is_text else None
    if kind.is_text and not 1 <= (1 if limit is None else limit) <= data.answer_cap:
        raise InvalidDocument(
            [
                Problem(
                    f"question {key}",
                    N_("the longest answer must be between 1 and %(max)s characters"),
                    params={"max": data.answer_cap},
                )
            ]
        )
    # Values are read against the question named (a number, an option's code or label);
    # whether that question comes before this one is the document's rule, checked on saving.
    others = [q for q in questions_of(session=session, survey=survey) if q.id != question.id]
    show_if, problems = condition_from_input(
        data.condition, current=question.show_if, earlier=others, locale=locale
    )
    if problems:
        raise InvalidDocument(
            [Problem(f"question {key}", p.message, params=p.params) for p in problems]
        )

    question.key = key
    question.kind = data.kind
    question.section_id = section.id  # type: ignore[assignment]
    question.required = data.required
    question.text = _with_text(question.text, locale, data.text)
    question.help = _with_text(question.help, locale, data.help)
    question.options = _options(question, data, locale) if kind.has_options else []
    question.settings = kind.settings_from_designer(data.settings, question.settings, locale)
    question.show_if = show_if


def _with_text(texts: Mapping[str, str], locale: str, typed: str) -> dict[str, str]:
    typed = typed.strip()
    return {**texts, locale: typed} if typed else {k: v for k, v in texts.items() if k != locale}


def _options(question: Question, data: QuestionInput, locale: str) -> list[dict[str, Any]]:
    """The typed options, keeping their other languages; the kind's own options (“Prefer not
    to say”) are added without a text: the interface catalogs supply it in every language."""
    kind = REGISTRY[data.kind]
    previous = {o["code"]: dict(o.get("label", {})) for o in question.options}
    supplied = kind.builtin_texts({"kind": data.kind, **data.settings})
    options: list[dict[str, Any]] = []
    codes_seen: set[str] = set()
    for code, label in data.options:
        code = (code or slugify(label)[:30] or "option").lower()
        if code in codes_seen and code.startswith("option"):
            code = unique_key(code, codes_seen, "option")
        codes_seen.add(code)  # a duplicate typed on purpose is named by the validation
        labels = previous.get(code, {})
        labels = {**labels, locale: label} if label else labels
        options.append({"code": code, "label": labels})
    for code in supplied:
        if code not in codes_seen:
            # An override staff once typed is kept; otherwise the catalogs word it.
            kept = {k: v for k, v in previous.get(code, {}).items() if v.strip()}
            options.append({"code": code, "label": kept} if kept else {"code": code})
    return options


def add_question(*, session: Session, survey: Survey, data: QuestionInput) -> Question:
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
        _apply(session, survey, question, data, section=section, taken={q.key for q in existing})
        session.add(question)
        return question

    return checked(session, survey, change)  # type: ignore[no-any-return]


def update_question(
    *, session: Session, survey: Survey, question: Question, data: QuestionInput
) -> Question:
    section = section_at(session=session, survey=survey, key=data.section_key)
    others = {q.key for q in questions_of(session=session, survey=survey) if q.id != question.id}
    old_key = question.key
    moved = question.section_id != section.id

    def change() -> Question:
        if moved:
            question.position = 10_000  # last in its new page
        _apply(session, survey, question, data, section=section, taken=others)
        session.add(question)
        if question.key != old_key:
            for other in questions_of(session=session, survey=survey):
                if other.show_if and old_key in conditions.references(other.show_if):
                    other.show_if = conditions.rename(other.show_if, old_key, question.key)
                    session.add(other)
        return question

    result = checked(session, survey, change)
    renumber(session, survey)
    return result  # type: ignore[no-any-return]
