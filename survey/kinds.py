"""What a question kind is, in one place: one small class per kind, and a registry.

Each kind owns its rules in the survey document (:meth:`QuestionKind.problems`), the conditions
that may test its answer (:meth:`QuestionKind.operators`), the label staff see, and the texts the
app supplies for it (:meth:`QuestionKind.builtin_texts`). The designer, the XLSForm converters,
the paper survey and the results read the kind from here rather than testing kind names.

``forms.kinds`` is the WTForms side of the same registry (it may not import the app); a test
proves both list the same kinds. Adding a kind means one class here and its field there.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from analysis import results
from analysis.results import QuestionResult
from survey.problems import N_, Problem

Question = Mapping[str, Any]
#: a question's answers counted: stored value (lists as tuples) → how many people gave it
Tally = Mapping[Any, int]
PREFER_NOT_TO_SAY = "prefer_not_to_say"
#: longest text a resident may type when a question sets no limit
DEFAULT_MAX_LENGTH = 5000
Operator = str

#: texts the app writes for residents, from the interface catalogs (never typed by staff)
PREFER_NOT_TO_SAY_LABEL = N_("Prefer not to say")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _number_text(value: Any) -> str:
    if not _is_number(value):
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _numbers(tally: Tally) -> dict[float, int]:
    """The numeric answers of a tally (anything else stored is left out)."""
    found: dict[float, int] = {}
    for value, people in tally.items():
        if _is_number(value):
            found[float(value)] = found.get(float(value), 0) + int(people)
    return found


def _bar(low: float, high: float) -> str:
    """A histogram bar's name, ``low–high`` (``g`` keeps 10 as "10", not "10.0")."""
    return f"{low:g}–{high:g}"


def option_codes(question: Question) -> list[str]:
    options = question.get("options", [])
    if not isinstance(options, list):
        return []
    return [str(option.get("code", "")) for option in options if isinstance(option, Mapping)]


class QuestionKind:
    """The app's view of one kind of question. Subclasses set the class attributes."""

    name: ClassVar[str]
    #: how staff see the kind in the designer (catalog text)
    label: ClassVar[str]
    #: the answer is free text (tagged with themes, quoted)
    is_text: ClassVar[bool] = False
    #: the question has options with codes
    has_options: ClassVar[bool] = False
    #: the answer is a number (conditions may compare it)
    is_numeric: ClassVar[bool] = False
    #: a grouping variable that results can be broken down by
    groups_answers: ClassVar[bool] = False

    #: how the paper survey lays out the answer: "lines" (``paper_lines`` of them to write
    #: on), "scale" (a box per point) or "options" (a box per option)
    paper_layout: ClassVar[str] = "lines"
    paper_lines: ClassVar[int] = 1
    #: the question editor's own fields for this kind (besides text, help, required, page, key
    #: and condition); the editor shows only these
    designer_fields: ClassVar[tuple[str, ...]] = ()

    def is_multiple(self, question: Question) -> bool:
        """Whether an answer is a list of codes."""
        return False

    def settings_from_designer(
        self, values: Mapping[str, Any], old: Mapping[str, Any], locale: str
    ) -> dict[str, Any]:
        """The question's settings from the editor's ``values`` (named as ``designer_fields``,
        texts in ``locale``); ``old`` settings keep their texts in other languages."""
        return {}

    def designer_values(self, settings: Mapping[str, Any], locale: str) -> dict[str, Any]:
        """The editor's fields filled from a question's ``settings`` (texts in ``locale``)."""
        return {}

    def operators(self, question: Question) -> tuple[Operator, ...]:
        """The condition operators that may test this question's answer."""
        return ("answered",)

    def builtin_texts(self, question: Question) -> dict[str, str]:
        """Option codes the app adds with their catalog text (never translated by staff)."""
        return {}

    def sample_answers(self, question: Question, named: Sequence[Any]) -> list[Any]:
        """Answers that reach every outcome of conditions naming the values ``named``: what
        ``survey.conditions`` tries when it checks that a condition can ever be true."""
        return ["text"]

    def problems(self, question: Question, where: str) -> list[Problem]:
        """What is wrong with ``question`` as a question of this kind."""
        return []

    #: results count people per stored value (False: only how many answered, e.g. free text)
    tallied: ClassVar[bool] = True

    def result(self, question: Question, tally: Tally, *, k: int) -> QuestionResult:
        """What the answers to ``question`` say, small groups hidden. By default: how many
        people answered (a kind without its own result still shows that)."""
        n = results.answered(tally)
        return QuestionResult(str(question["key"]), self.name, None if n < k else n, n < k, k)

    def categories(self, question: Question, tally: Tally) -> list[str]:
        """The columns of a breakdown of this question by group."""
        return ["answered"]

    def category_of(self, question: Question, value: Any, categories: Sequence[str]) -> list[str]:
        """The breakdown columns one stored answer counts in."""
        return [] if value in (None, "", [], ()) else ["answered"]

    def xlsform_cells(self, question: Question) -> dict[str, str]:
        """The XLSForm ``type`` and kind settings (``appearance``, ``parameters``,
        ``constraint``, our ``cv_kind``) of the row writing ``question``; choice lists are
        named after the question key. ``survey.formats.xlsform`` reads them back."""
        raise NotImplementedError


def _quoted(text: str) -> str:
    return f'"{text}"' if "'" in text else f"'{text}'"


class ShortText(QuestionKind):
    """Free text; ``max_length`` caps it, ``pattern`` (a regular expression the answer must
    contain a match of, as XLSForm's ``regex()``) checks its form, e.g. a phone number."""

    name = "short_text"
    label = N_("Short text")
    is_text = True
    designer_fields = ("max_length",)

    def settings_from_designer(
        self, values: Mapping[str, Any], old: Mapping[str, Any], locale: str
    ) -> dict[str, Any]:
        limit = values.get("max_length")
        return {"max_length": limit} if limit else {}

    def designer_values(self, settings: Mapping[str, Any], locale: str) -> dict[str, Any]:
        return {"max_length": settings.get("max_length")}

    tallied = False

    def problems(self, question: Question, where: str) -> list[Problem]:
        problems: list[Problem] = []
        limit = question.get("max_length", DEFAULT_MAX_LENGTH)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            problems.append(
                Problem(where, N_("the longest answer must be a whole number of at least 1"))
            )
        pattern = question.get("pattern")
        if pattern is not None and not (isinstance(pattern, str) and pattern_compiles(pattern)):
            problems.append(Problem(where, N_("the answer pattern is not a regular expression")))
        return problems

    def xlsform_cells(self, question: Question) -> dict[str, str]:
        checks = []
        if question.get("max_length") is not None:
            checks.append(f"string-length(.) <= {question['max_length']}")
        if question.get("pattern"):
            checks.append(f"regex(., {_quoted(str(question['pattern']))})")
        cells = {"type": "text", "constraint": " and ".join(checks)}
        if self.name == "long_text":
            cells["appearance"] = "multiline"
        return cells


class LongText(ShortText):
    name = "long_text"
    label = N_("Long text")
    paper_lines = 4


class SingleChoice(QuestionKind):
    name = "single_choice"
    label = N_("Single choice")
    has_options = True
    groups_answers = True
    designer_fields: ClassVar[tuple[str, ...]] = ("options",)
    paper_layout = "options"

    def operators(self, question: Question) -> tuple[Operator, ...]:
        if self.is_multiple(question):
            return ("includes", "excludes", "answered")
        return ("equals", "not_equals", "answered")

    def sample_answers(self, question: Question, named: Sequence[Any]) -> list[Any]:
        codes = option_codes(question)
        if not self.is_multiple(question):
            return list(codes)
        # Conditions on a list of codes only ask whether a code is in it: every subset of the
        # codes named, with one code not named, reaches every outcome.
        pool = [c for c in dict.fromkeys(str(v) for v in named) if c in codes]
        pool += [c for c in codes if c not in pool][:1]
        return [
            list(c) for size in range(1, len(pool) + 1) for c in itertools.combinations(pool, size)
        ]

    def xlsform_cells(self, question: Question) -> dict[str, str]:
        how = "select_multiple" if self.is_multiple(question) else "select_one"
        return {"type": f"{how} {question.get('key', '')}"}

    def problems(self, question: Question, where: str) -> list[Problem]:
        problems: list[Problem] = []
        codes = option_codes(question)
        if not codes:
            problems.append(Problem(where, N_("a choice question needs options")))
        if any(not code.strip() for code in codes):
            problems.append(Problem(where, N_("an option has no code")))
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            problems.append(
                Problem(
                    where,
                    N_("option codes used twice: %(codes)s"),
                    params={"codes": ", ".join(duplicates)},
                )
            )
        return problems

    def codes_in(self, value: Any) -> list[str]:
        values = value if isinstance(value, list | tuple) else [value]
        return list(dict.fromkeys(str(v) for v in values if v not in (None, "")))

    def result(self, question: Question, tally: Tally, *, k: int) -> QuestionResult:
        counts: dict[str, int] = {}
        for value, people in tally.items():
            for code in self.codes_in(value):
                counts[code] = counts.get(code, 0) + int(people)
        codes = option_codes(question)
        return results.choice_result(
            str(question["key"]),
            self.name,
            counts,
            results.answered(tally),
            codes=codes,
            k=k,
            apart=PREFER_NOT_TO_SAY if PREFER_NOT_TO_SAY in codes else None,
            multiple=self.is_multiple(question),
        )

    def categories(self, question: Question, tally: Tally) -> list[str]:
        return option_codes(question)

    def category_of(self, question: Question, value: Any, categories: Sequence[str]) -> list[str]:
        return self.codes_in(value)


class MultipleChoice(SingleChoice):
    name = "multiple_choice"
    label = N_("Multiple choice")
    groups_answers = False

    def is_multiple(self, question: Question) -> bool:
        return True


class Demographic(SingleChoice):
    """A grouping question (age group, race/ethnicity…), always with "prefer not to say"."""

    name = "demographic"
    label = N_("About the person (demographic)")
    designer_fields = ("options", "multiple")

    def settings_from_designer(
        self, values: Mapping[str, Any], old: Mapping[str, Any], locale: str
    ) -> dict[str, Any]:
        return {"multiple": bool(values.get("multiple"))}

    def designer_values(self, settings: Mapping[str, Any], locale: str) -> dict[str, Any]:
        return {"multiple": bool(settings.get("multiple"))}

    def is_multiple(self, question: Question) -> bool:
        return bool(question.get("multiple"))

    def builtin_texts(self, question: Question) -> dict[str, str]:
        return {PREFER_NOT_TO_SAY: PREFER_NOT_TO_SAY_LABEL}

    def xlsform_cells(self, question: Question) -> dict[str, str]:
        return {**super().xlsform_cells(question), "cv_kind": "demographic"}

    def problems(self, question: Question, where: str) -> list[Problem]:
        problems = super().problems(question, where)
        if PREFER_NOT_TO_SAY not in option_codes(question):
            problems.append(
                Problem(where, N_("a demographic question must offer “Prefer not to say”"))
            )
        return problems


class Rating(QuestionKind):
    name = "rating"
    label = N_("Rating scale")
    is_numeric = True
    designer_fields = ("scale_min", "scale_max", "min_label", "max_label")
    paper_layout = "scale"

    def settings_from_designer(
        self, values: Mapping[str, Any], old: Mapping[str, Any], locale: str
    ) -> dict[str, Any]:
        before = old.get("scale") or {}
        low, high = values.get("scale_min"), values.get("scale_max")
        scale: dict[str, Any] = {
            "min": 1 if low is None else low,
            "max": 5 if high is None else high,
        }
        for end in ("min_label", "max_label"):
            typed = str(values.get(end) or "").strip()
            if typed:
                scale[end] = {**before.get(end, {}), locale: typed}
        return {"scale": scale}

    def designer_values(self, settings: Mapping[str, Any], locale: str) -> dict[str, Any]:
        scale = settings.get("scale") or {}
        return {
            "scale_min": scale.get("min", 1),
            "scale_max": scale.get("max", 5),
            "min_label": (scale.get("min_label") or {}).get(locale, ""),
            "max_label": (scale.get("max_label") or {}).get(locale, ""),
        }

    def scale(self, question: Question) -> tuple[int, int]:
        scale = question.get("scale") or {}
        return int(scale.get("min", 1)), int(scale.get("max", 5))

    def operators(self, question: Question) -> tuple[Operator, ...]:
        return ("equals", "not_equals", "lt", "le", "gt", "ge", "answered")

    def xlsform_cells(self, question: Question) -> dict[str, str]:
        """A ``range``; with end labels, a ``select_one`` of its points (list named after the
        key) whose first and last choices carry the labels, which other tools show."""
        low, high = self.scale(question)
        scale = question.get("scale") or {}
        if scale.get("min_label") or scale.get("max_label"):
            return {"type": f"select_one {question.get('key', '')}", "cv_kind": "rating"}
        return {"type": "range", "parameters": f"start={low} end={high} step=1"}

    def sample_answers(self, question: Question, named: Sequence[Any]) -> list[Any]:
        low, high = self.scale(question)
        return list(range(low, high + 1))

    def result(self, question: Question, tally: Tally, *, k: int) -> QuestionResult:
        return results.numeric_result(
            str(question["key"]), self.name, _numbers(tally), k=k, scale=self.scale(question)
        )

    def categories(self, question: Question, tally: Tally) -> list[str]:
        low, high = self.scale(question)
        return [str(point) for point in range(low, high + 1)]

    def category_of(self, question: Question, value: Any, categories: Sequence[str]) -> list[str]:
        return [str(int(value))] if _is_number(value) else []

    def problems(self, question: Question, where: str) -> list[Problem]:
        scale = question.get("scale") or {}
        low, high = scale.get("min", 1), scale.get("max", 5)
        if not (isinstance(low, int) and isinstance(high, int) and 0 <= low < high <= 10):
            return [
                Problem(where, N_("a rating runs from a whole number to a larger one, at most 10"))
            ]
        return []


class Number(QuestionKind):
    name = "number"
    label = N_("Number")
    is_numeric = True
    designer_fields = ("number_min", "number_max", "integer")

    def settings_from_designer(
        self, values: Mapping[str, Any], old: Mapping[str, Any], locale: str
    ) -> dict[str, Any]:
        settings: dict[str, Any] = {"integer": bool(values.get("integer"))}
        for field, name in (("number_min", "min"), ("number_max", "max")):
            if _is_number(values.get(field)):
                settings[name] = values[field]
        return settings

    def designer_values(self, settings: Mapping[str, Any], locale: str) -> dict[str, Any]:
        return {
            "number_min": _number_text(settings.get("min")),
            "number_max": _number_text(settings.get("max")),
            "integer": bool(settings.get("integer")),
        }

    def result(self, question: Question, tally: Tally, *, k: int) -> QuestionResult:
        return results.numeric_result(str(question["key"]), self.name, _numbers(tally), k=k)

    def categories(self, question: Question, tally: Tally) -> list[str]:
        return [_bar(low, high) for low, high in results.bin_edges(_numbers(tally))]

    def category_of(self, question: Question, value: Any, categories: Sequence[str]) -> list[str]:
        if not _is_number(value):
            return []
        edges = [tuple(float(x) for x in c.split("–")) for c in categories]
        found = results.bin_of(float(value), [(e[0], e[1]) for e in edges])
        return [] if found is None else [categories[found]]

    def operators(self, question: Question) -> tuple[Operator, ...]:
        return ("equals", "not_equals", "lt", "le", "gt", "ge", "answered")

    def xlsform_cells(self, question: Question) -> dict[str, str]:
        bounds = [
            f". {symbol} {_number_text(question[side])}"
            for side, symbol in (("min", ">="), ("max", "<="))
            if question.get(side) is not None
        ]
        kind = "integer" if question.get("integer") else "decimal"
        return {"type": kind, "constraint": " and ".join(bounds)}

    def sample_answers(self, question: Question, named: Sequence[Any]) -> list[Any]:
        low = float(question["min"]) if _is_number(question.get("min")) else None
        high = float(question["max"]) if _is_number(question.get("max")) else None
        limits = sorted({float(v) for v in named if _is_number(v)})
        points = {
            p for limit in limits for p in (limit - 1, limit - 0.5, limit, limit + 0.5, limit + 1)
        }
        points.update((left + right) / 2 for left, right in itertools.pairwise(limits))
        points.update(bound for bound in (low, high) if bound is not None)
        points = points or {0.0}
        return [
            point
            for point in sorted(points)
            if not (question.get("integer") and point != int(point))
            and not (low is not None and point < low)
            and not (high is not None and point > high)
        ]

    def problems(self, question: Question, where: str) -> list[Problem]:
        low, high = question.get("min"), question.get("max")
        if any(value is not None and not _is_number(value) for value in (low, high)):
            return [Problem(where, N_("min and max must be numbers"))]
        if low is not None and high is not None and low > high:
            return [Problem(where, N_("the smallest number allowed is larger than the largest"))]
        return []


class Date(QuestionKind):
    """A calendar date (``YYYY-MM-DD``); conditions may ask whether it was answered."""

    name = "date"
    label = N_("Date")

    def sample_answers(self, question: Question, named: Sequence[Any]) -> list[Any]:
        return ["2025-01-01"]

    def xlsform_cells(self, question: Question) -> dict[str, str]:
        return {"type": self.name}


class Time(Date):
    """A time of day (``HH:MM``)."""

    name = "time"
    label = N_("Time")

    def sample_answers(self, question: Question, named: Sequence[Any]) -> list[Any]:
        return ["12:00"]


def pattern_compiles(pattern: str) -> bool:
    """Whether a question's pattern is a regular expression Python can use."""
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


REGISTRY: dict[str, QuestionKind] = {
    kind.name: kind
    for kind in (
        ShortText(),
        LongText(),
        SingleChoice(),
        MultipleChoice(),
        Rating(),
        Number(),
        Demographic(),
        Date(),
        Time(),
    )
}
KINDS: tuple[str, ...] = tuple(REGISTRY)


#: every field any kind's editor may show, in the editor's order
DESIGNER_FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys(name for kind in REGISTRY.values() for name in kind.designer_fields)
)


def kind_of(question: Question) -> QuestionKind | None:
    """The kind of ``question``; ``None`` for a kind the app does not know."""
    return REGISTRY.get(str(question.get("kind")))
