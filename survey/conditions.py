"""When a question is asked: one condition model and one evaluator for every part of the app.

A question's ``show_if`` is a JSON condition, stored in the survey document::

    {"question": "visits", "equals": "never"}          # a single choice (or a number, a rating)
    {"question": "visits", "not_equals": "never"}      # true too when "visits" has no answer
    {"question": "topics", "includes": "parks"}        # a multiple choice contains a code
    {"question": "topics", "excludes": "parks"}        # ... does not (true when unanswered)
    {"question": "age", "lt": 18}                      # also "le", "gt", "ge": numbers, ratings
    {"question": "comment", "answered": true}          # or false: "not answered"
    {"all": [c1, c2]}  {"any": [c1, c2]}  {"not": c}   # combinations, nested freely

A leaf names one earlier question (on an earlier page or earlier on the same page) and one
operator. Answers are the values the resident form produces: a code (single choice), a list of
codes (multiple choice), an ``int`` (rating), an ``int`` or ``float`` (number), a string (text),
and no entry at all for a question not answered or not shown. Comparisons with a missing answer
are false, except the negative ones (``not_equals``, ``excludes``), which follow XLSForm:
``${visits} != 'never'`` is true while ``visits`` is empty.

This module is the only evaluator: the resident form (through ``forms.response.build_form``),
the designer's preview, the paper survey's instructions and the exports all call
:func:`is_shown`. The browser's evaluator (offline use) follows the same cases, kept in
``tests/conditions_cases.json``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeAlias

from survey.kinds import kind_of
from survey.problems import N_

Operator = Literal[
    "equals", "not_equals", "includes", "excludes", "lt", "le", "gt", "ge", "answered"
]
#: every operator of a leaf, in the order the designer offers them
OPERATORS: tuple[Operator, ...] = (
    "equals",
    "not_equals",
    "includes",
    "excludes",
    "lt",
    "le",
    "gt",
    "ge",
    "answered",
)
COMPARISONS: frozenset[str] = frozenset({"lt", "le", "gt", "ge"})
#: how each operator reads in an expression (XLSForm, paper instructions)
SYMBOLS: Mapping[str, str] = {
    "equals": "=",
    "not_equals": "!=",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
}
COMBINATIONS = ("all", "any", "not")


@dataclass(frozen=True)
class Leaf:
    """One test on one earlier question's answer."""

    question: str
    op: Operator
    value: Any = None


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition: TypeAlias = Leaf | AllOf | AnyOf | Not


@dataclass(frozen=True)
class ConditionProblem:
    """Why a condition cannot be used; ``message`` is catalog text filled from ``params``."""

    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return self.message % self.params if self.params else self.message


class ConditionError(ValueError):
    """A ``show_if`` that is not laid out as a condition."""


NOT_A_CONDITION = N_("this condition is not laid out as a survey file expects")
NOT_EARLIER = N_("a question can only depend on an earlier question")
ON_ITSELF = N_("a question cannot depend on its own answer")
NEVER_TRUE = N_("this condition can never be true, so the question would never be asked")
WRONG_OPERATOR = N_("question “%(question)s” cannot be tested with “%(operator)s”")
NOT_AN_OPTION = N_("a condition needs one of the options of question “%(question)s”")
NOT_A_NUMBER = N_("a condition on question “%(question)s” needs a number")
EMPTY_COMBINATION = N_("a combination of conditions needs at least one condition")


# -- reading and writing ------------------------------------------------------------------------
def parse(data: Any) -> Condition:
    """The condition a ``show_if`` object describes; :class:`ConditionError` when it is not one."""
    if not isinstance(data, Mapping):
        raise ConditionError(NOT_A_CONDITION)
    if "all" in data or "any" in data:
        name = "all" if "all" in data else "any"
        items = data[name]
        if len(data) != 1 or not isinstance(items, list):
            raise ConditionError(NOT_A_CONDITION)
        parsed = tuple(parse(item) for item in items)
        return AllOf(parsed) if name == "all" else AnyOf(parsed)
    if "not" in data:
        if len(data) != 1:
            raise ConditionError(NOT_A_CONDITION)
        return Not(parse(data["not"]))
    question = data.get("question")
    ops = [key for key in data if key != "question"]
    if not isinstance(question, str) or len(ops) != 1 or ops[0] not in OPERATORS:
        raise ConditionError(NOT_A_CONDITION)
    op = ops[0]
    value = data[op]
    if op == "answered":
        if not isinstance(value, bool):
            raise ConditionError(NOT_A_CONDITION)
    elif op in COMPARISONS:
        if not _is_number(value):
            raise ConditionError(NOT_A_CONDITION)
    elif not (isinstance(value, str) or _is_number(value)):
        raise ConditionError(NOT_A_CONDITION)
    return Leaf(question, op, value)


def to_json(condition: Condition) -> dict[str, Any]:
    """The ``show_if`` object for ``condition`` (the inverse of :func:`parse`)."""
    if isinstance(condition, Leaf):
        return {"question": condition.question, condition.op: condition.value}
    if isinstance(condition, AllOf):
        return {"all": [to_json(item) for item in condition.items]}
    if isinstance(condition, AnyOf):
        return {"any": [to_json(item) for item in condition.items]}
    return {"not": to_json(condition.item)}


def leaves(condition: Condition) -> Iterator[Leaf]:
    if isinstance(condition, Leaf):
        yield condition
    elif isinstance(condition, AllOf | AnyOf):
        for item in condition.items:
            yield from leaves(item)
    else:
        yield from leaves(condition.item)


def references(data: Any) -> list[str]:
    """The question keys a ``show_if`` object names, in order, once each (``[]`` if unreadable)."""
    try:
        condition = parse(data)
    except ConditionError:
        return []
    return list(dict.fromkeys(leaf.question for leaf in leaves(condition)))


def depends_on(question: Mapping[str, Any]) -> list[str]:
    """The keys of the questions whose answers decide whether ``question`` is asked."""
    return references(question.get("show_if")) if question.get("show_if") else []


def rename(data: Mapping[str, Any], old: str, new: str) -> dict[str, Any]:
    """``data`` with every reference to question ``old`` pointing at ``new``."""
    condition = parse(data)

    def walk(item: Condition) -> Condition:
        if isinstance(item, Leaf):
            return Leaf(new if item.question == old else item.question, item.op, item.value)
        if isinstance(item, AllOf):
            return AllOf(tuple(walk(i) for i in item.items))
        if isinstance(item, AnyOf):
            return AnyOf(tuple(walk(i) for i in item.items))
        return Not(walk(item.item))

    return to_json(walk(condition))


# -- evaluating ---------------------------------------------------------------------------------
def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _as_number(value: Any) -> float | None:
    if _is_number(value):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _same(answer: Any, value: Any) -> bool:
    """Whether a scalar answer equals the condition's value (``"3"`` and ``3`` are the same)."""
    if isinstance(answer, list):
        return False
    if _is_number(answer) or _is_number(value):
        left, right = _as_number(answer), _as_number(value)
        return left is not None and right is not None and left == right
    return str(answer) == str(value)


def _leaf_true(leaf: Leaf, answers: Mapping[str, Any]) -> bool:
    answer = answers.get(leaf.question)
    present = answer is not None and answer != "" and answer != []
    op = leaf.op
    if op == "answered":
        return present is bool(leaf.value)
    if op == "equals":
        return present and _same(answer, leaf.value)
    if op == "not_equals":
        return not (present and _same(answer, leaf.value))
    if op == "includes":
        return present and isinstance(answer, list) and str(leaf.value) in map(str, answer)
    if op == "excludes":
        return not (present and isinstance(answer, list) and str(leaf.value) in map(str, answer))
    number, limit = _as_number(answer) if present else None, _as_number(leaf.value)
    if number is None or limit is None:
        return False
    if op == "lt":
        return number < limit
    if op == "le":
        return number <= limit
    if op == "gt":
        return number > limit
    return number >= limit


def evaluate(condition: Condition, answers: Mapping[str, Any]) -> bool:
    if isinstance(condition, Leaf):
        return _leaf_true(condition, answers)
    if isinstance(condition, AllOf):
        return all(evaluate(item, answers) for item in condition.items)
    if isinstance(condition, AnyOf):
        return any(evaluate(item, answers) for item in condition.items)
    return not evaluate(condition.item, answers)


def is_shown(question: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    """Whether ``question`` is asked, given the answers so far (no ``show_if``: always).

    A ``show_if`` that cannot be read hides nothing: a resident is never kept from a question
    by a fault in its condition (the designer refuses such conditions before publishing).
    """
    data = question.get("show_if")
    if not data:
        return True
    try:
        return evaluate(parse(data), answers)
    except ConditionError:
        return True


class DocumentConditions:
    """:func:`is_shown` and :func:`depends_on` for the questions of one survey document, with each
    condition read once: a resident's form asks them many times per request."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._read: dict[str, Condition | None] = {}
        for section in document.get("sections", []):
            for question in section.get("questions", []):
                data = question.get("show_if")
                if data:
                    try:
                        self._read[question["key"]] = parse(data)
                    except ConditionError:
                        self._read[question["key"]] = None  # hides nothing, as in is_shown

    def is_shown(self, question: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
        key = question.get("key")
        if key not in self._read:
            return is_shown(question, answers)
        condition = self._read[key]
        return condition is None or evaluate(condition, answers)

    def depends_on(self, question: Mapping[str, Any]) -> list[str]:
        key = question.get("key")
        if key not in self._read:
            return depends_on(question)
        condition = self._read[key]
        if condition is None:
            return []
        return list(dict.fromkeys(leaf.question for leaf in leaves(condition)))


# -- checking against a survey --------------------------------------------------------------------
def operators_for(question: Mapping[str, Any]) -> tuple[str, ...]:
    """The operators a condition on ``question``'s answer may use (its kind says)."""
    kind = kind_of(question)
    return kind.operators(question) if kind else ("answered",)


def _codes(question: Mapping[str, Any]) -> list[str]:
    options = question.get("options")
    if not isinstance(options, list):
        return []
    return [str(o.get("code")) for o in options if isinstance(o, Mapping)]


def _leaf_problems(leaf: Leaf, target: Mapping[str, Any]) -> list[ConditionProblem]:
    params = {"question": leaf.question, "operator": SYMBOLS.get(leaf.op, leaf.op)}
    if leaf.op not in operators_for(target):
        return [ConditionProblem(WRONG_OPERATOR, params)]
    if leaf.op == "answered":
        return []
    if target.get("kind") in ("number", "rating"):
        if _as_number(leaf.value) is None:
            return [ConditionProblem(NOT_A_NUMBER, {"question": leaf.question})]
        return []
    if str(leaf.value) not in _codes(target):
        return [ConditionProblem(NOT_AN_OPTION, {"question": leaf.question})]
    return []


def _candidates(question: Mapping[str, Any], tests: Sequence[Leaf]) -> list[Any]:
    """Answers to try for ``question`` (no answer among them): its kind knows which matter."""
    kind = kind_of(question)
    values = [str(t.value) if isinstance(t.value, str) else t.value for t in tests]
    named = [v for t, v in zip(tests, values, strict=True) if t.op != "answered"]
    return [None, *(kind.sample_answers(question, named) if kind else ["text"])]


_MAX_TRIALS = 20_000


def can_be_true(condition: Condition, questions: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether some answers to the questions it names make ``condition`` true.

    Tries every combination of answers that can change the outcome (codes, numbers around each
    limit, every rating); a condition too large to try in full is given the benefit of the doubt.
    """
    tests: dict[str, list[Leaf]] = {}
    for leaf in leaves(condition):
        tests.setdefault(leaf.question, []).append(leaf)
    keys = [key for key in tests if key in questions]
    pools = [_candidates(questions[key], tests[key]) for key in keys]
    if math.prod(len(pool) for pool in pools) > _MAX_TRIALS:
        return True
    for combination in itertools.product(*pools):
        answers = {k: v for k, v in zip(keys, combination, strict=True) if v is not None}
        if evaluate(condition, answers):
            return True
    return False


def problems(
    data: Any, *, key: str | None, earlier: Mapping[str, Mapping[str, Any]]
) -> list[ConditionProblem]:
    """Why the ``show_if`` of question ``key`` cannot be used; ``[]`` when it can.

    ``earlier`` maps the keys of the questions before this one (earlier pages, and earlier on
    the same page) to their questions.
    """
    try:
        condition = parse(data)
    except ConditionError:
        return [ConditionProblem(NOT_A_CONDITION)]
    found: list[ConditionProblem] = []
    for item in _combinations(condition):
        if not item:
            found.append(ConditionProblem(EMPTY_COMBINATION))
    for leaf in leaves(condition):
        if key is not None and leaf.question == key:
            found.append(ConditionProblem(ON_ITSELF))
        elif leaf.question not in earlier:
            found.append(ConditionProblem(NOT_EARLIER))
        else:
            found.extend(_leaf_problems(leaf, earlier[leaf.question]))
    found = [p for i, p in enumerate(found) if p not in found[:i]]
    if not found and not can_be_true(condition, earlier):
        found.append(ConditionProblem(NEVER_TRUE))
    return found


def _combinations(condition: Condition) -> Iterable[tuple[Condition, ...]]:
    if isinstance(condition, AllOf | AnyOf):
        yield condition.items
        for item in condition.items:
            yield from _combinations(item)
    elif isinstance(condition, Not):
        yield from _combinations(condition.item)


# -- in words -----------------------------------------------------------------------------------
class Translations(Protocol):
    def gettext(self, message: str) -> str: ...


#: how the designer offers each test; "unanswered" is ``answered: false``
OPERATOR_LABELS: Mapping[str, str] = {
    "equals": N_("is"),
    "not_equals": N_("is not"),
    "includes": N_("includes"),
    "excludes": N_("does not include"),
    "lt": N_("is less than"),
    "le": N_("is at most"),
    "gt": N_("is more than"),
    "ge": N_("is at least"),
    "answered": N_("is answered"),
    "unanswered": N_("is not answered"),
}
#: one test in words, for the paper survey and the designer's list
_LEAF_WORDS: Mapping[str, str] = {
    "equals": N_("“%(question)s” is %(value)s"),
    "not_equals": N_("“%(question)s” is not %(value)s"),
    "includes": N_("“%(question)s” includes %(value)s"),
    "excludes": N_("“%(question)s” does not include %(value)s"),
    "lt": N_("“%(question)s” is less than %(value)s"),
    "le": N_("“%(question)s” is %(value)s or less"),
    "gt": N_("“%(question)s” is more than %(value)s"),
    "ge": N_("“%(question)s” is %(value)s or more"),
    "answered": N_("“%(question)s” is answered"),
    "unanswered": N_("“%(question)s” is not answered"),
}
BOTH = N_("%(left)s and %(right)s")
EITHER = N_("%(left)s or %(right)s")
NEITHER = N_("not (%(condition)s)")
ANSWER_ONLY_IF = N_("Answer only if %(condition)s.")


def _number_words(value: Any) -> str:
    number = _as_number(value)
    if number is None:
        return str(value)
    return str(int(number)) if number == int(number) else str(number)


def describe(
    data: Any, questions: Mapping[str, Mapping[str, Any]], translations: Translations
) -> str:
    """A ``show_if`` in words, in the language of ``translations``; ``questions`` are the
    survey's questions *localised* to that language (texts and option labels are strings)."""
    try:
        condition = parse(data)
    except ConditionError:
        return ""

    def say(message: str, **params: Any) -> str:
        return translations.gettext(message) % params

    def words(item: Condition, nested: bool) -> str:
        if isinstance(item, Leaf):
            question = questions.get(item.question, {})
            name = str(question.get("text") or item.question)
            op = "unanswered" if item.op == "answered" and item.value is False else item.op
            if op in ("answered", "unanswered"):
                return say(_LEAF_WORDS[op], question=name)
            labels = {
                str(o.get("code")): o.get("label")
                for o in question.get("options", [])
                if isinstance(o, Mapping)
            }
            label = labels.get(str(item.value))
            value = f"“{label}”" if isinstance(label, str) and label else _number_words(item.value)
            return say(_LEAF_WORDS[op], question=name, value=value)
        if isinstance(item, Not):
            return say(NEITHER, condition=words(item.item, False))
        parts = [words(part, True) for part in item.items]
        if not parts:
            return ""
        joined = parts[0]
        for part in parts[1:]:
            joined = say(BOTH if isinstance(item, AllOf) else EITHER, left=joined, right=part)
        return f"({joined})" if nested and len(parts) > 1 else joined

    return words(condition, False)


def instruction(
    data: Any, questions: Mapping[str, Mapping[str, Any]], translations: Translations
) -> str:
    """“Answer only if …” for a question with ``show_if`` ``data`` (the paper survey)."""
    text = describe(data, questions, translations)
    return translations.gettext(ANSWER_ONLY_IF) % {"condition": text} if text else ""


# -- as an XLSForm expression -------------------------------------------------------------------
def _xpath_value(value: Any) -> str:
    if _is_number(value):
        return _number_words(value)
    text = str(value)
    return f'"{text}"' if "'" in text else f"'{text}'"


def to_xpath(data: Any) -> str:
    """A ``show_if`` as an XLSForm ``relevant`` expression ("" when it cannot be read)."""
    try:
        condition = parse(data)
    except ConditionError:
        return ""

    def expression(item: Condition) -> str:
        if isinstance(item, Leaf):
            ref = f"${{{item.question}}}"
            if item.op == "answered":
                return f"{ref} != ''" if item.value else f"{ref} = ''"
            if item.op == "includes":
                return f"selected({ref}, {_xpath_value(item.value)})"
            if item.op == "excludes":
                return f"not(selected({ref}, {_xpath_value(item.value)}))"
            return f"{ref} {SYMBOLS[item.op]} {_xpath_value(item.value)}"
        if isinstance(item, Not):
            return f"not({expression(item.item)})"
        joiner = " and " if isinstance(item, AllOf) else " or "
        parts = [expression(part) for part in item.items]
        return "(" + joiner.join(parts) + ")" if len(parts) > 1 else "".join(parts)

    text = expression(condition)
    return text[1:-1] if text.startswith("(") and text.endswith(")") and _balanced(text) else text


def _balanced(text: str) -> bool:
    """Whether the outer parentheses of ``text`` enclose all of it."""
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and index < len(text) - 1:
            return False
    return True
