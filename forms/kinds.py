"""Question kinds: a registry of small classes that build a WTForms field and read its answer.

The response form is put together at run time from a published survey document (see
``build_form``), so adding a kind means adding one class here and registering it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from wtforms import Field, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from forms import messages

Question = Mapping[str, Any]
Validator = Callable[[Any, Field], None]
DEFAULT_MAX_LENGTH = 5000


def _shows_something(text: str) -> bool:
    """Whether text has a character that shows: not only spaces, zero-width or control marks."""
    return any(not ch.isspace() and unicodedata.category(ch)[0] not in "CZ" for ch in text)


def _is_empty(data: Any) -> bool:
    if data is None:
        return True
    if isinstance(data, str):
        return not _shows_something(data)
    if isinstance(data, list | tuple):
        return len(data) == 0
    return False


class Required:
    """Stops validation with a plain message when nothing was given."""

    field_flags: ClassVar[dict[str, bool]] = {"required": True}

    def __call__(self, form: Any, field: Field) -> None:
        if _is_empty(field.data):
            field.errors[:] = []
            raise StopValidation(field.gettext(messages.REQUIRED))


class OptionalAnswer:
    """Skips the other checks when nothing was given."""

    field_flags: ClassVar[dict[str, bool]] = {"optional": True}

    def __call__(self, form: Any, field: Field) -> None:
        if _is_empty(field.data):
            field.errors[:] = []
            raise StopValidation()


class OneOf:
    def __init__(self, codes: list[str]) -> None:
        self.codes = frozenset(codes)

    def __call__(self, form: Any, field: Field) -> None:
        values = field.data if isinstance(field.data, list) else [field.data]
        if any(value not in self.codes for value in values):
            raise ValidationError(field.gettext(messages.NOT_A_CHOICE))


class MaxLength:
    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, form: Any, field: Field) -> None:
        length = len(field.data or "")
        if length > self.limit:
            raise ValidationError(
                field.gettext(messages.TOO_LONG) % {"max": self.limit, "length": length}
            )


class MatchesPattern:
    """The answer must contain a match of a survey's pattern (XLSForm ``regex()``), e.g. the
    form of a phone number. A pattern that does not compile checks nothing: a resident is never
    refused for a fault in the survey."""

    def __init__(self, pattern: str) -> None:
        try:
            self.pattern: re.Pattern[str] | None = re.compile(pattern)
        except re.error:
            self.pattern = None

    def __call__(self, form: Any, field: Field) -> None:
        if self.pattern is not None and not self.pattern.search(str(field.data or "").strip()):
            raise ValidationError(field.gettext(messages.WRONG_FORM))


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


def parse_number(raw: str) -> Decimal | None:
    """A number as residents type it: spaces ignored, a comma or a point as the decimal mark."""
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    if not _NUMBER.match(text):
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


class NumberInRange:
    def __init__(self, low: float | None, high: float | None, integer: bool) -> None:
        self.low, self.high, self.integer = low, high, integer

    def __call__(self, form: Any, field: Field) -> None:
        value = parse_number(str(field.data))
        if value is None:
            raise ValidationError(field.gettext(messages.NOT_A_NUMBER))
        if self.integer and value != value.to_integral_value():
            raise ValidationError(field.gettext(messages.NOT_WHOLE))
        if self.low is not None and value < Decimal(str(self.low)):
            raise ValidationError(field.gettext(messages.TOO_SMALL) % {"min": self.low})
        if self.high is not None and value > Decimal(str(self.high)):
            raise ValidationError(field.gettext(messages.TOO_LARGE) % {"max": self.high})


class CheckboxesField(SelectMultipleField):
    """Multiple choice as a list of checkboxes; a missing value is an empty list, not None."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class QuestionKind:
    """How one kind of question becomes a field, and how its field becomes a stored value."""

    name: ClassVar[str]

    def __init__(self, question: Question, *, max_length: int = DEFAULT_MAX_LENGTH) -> None:
        self.question = question
        self.max_length = max_length

    def validators(self) -> list[Validator]:
        first: Validator = Required() if self.question.get("required") else OptionalAnswer()
        return [first, *self.checks()]

    def checks(self) -> list[Validator]:
        return []

    def field(self) -> Field:
        raise NotImplementedError

    def value(self, data: Any) -> Any:
        """The stored answer, or ``None`` when there is none."""
        if _is_empty(data):
            return None
        return data.strip() if isinstance(data, str) else data


class ShortText(QuestionKind):
    name = "short_text"

    def limit(self) -> int:
        """The question's own limit, never above the site's (a survey saved before the designer
        checked it may ask for more)."""
        own = self.question.get("max_length")
        try:
            return min(int(own), self.max_length) if own else self.max_length
        except (TypeError, ValueError):
            return self.max_length

    def checks(self) -> list[Validator]:
        checks: list[Validator] = [MaxLength(self.limit())]
        pattern = self.question.get("pattern")
        if isinstance(pattern, str) and pattern:
            checks.append(MatchesPattern(pattern))
        return checks

    def field(self) -> Field:
        return StringField(
            self.question["text"],
            validators=self.validators(),
            description=self.question.get("help", ""),
        )


class LongText(ShortText):
    name = "long_text"

    def field(self) -> Field:
        return TextAreaField(
            self.question["text"],
            validators=self.validators(),
            description=self.question.get("help", ""),
            render_kw={"rows": 5},
        )


class SingleChoice(QuestionKind):
    name = "single_choice"

    def codes(self) -> list[str]:
        return [str(option["code"]) for option in self.question.get("options", [])]

    def choices(self) -> list[SelectChoice]:
        return [
            SelectChoice(str(o["code"]), str(o["label"])) for o in self.question.get("options", [])
        ]

    def checks(self) -> list[Validator]:
        return [OneOf(self.codes())]

    def field(self) -> Field:
        return RadioField(
            self.question["text"],
            choices=self.choices(),
            validators=self.validators(),
            validate_choice=False,
            description=self.question.get("help", ""),
        )


class MultipleChoice(SingleChoice):
    name = "multiple_choice"

    def field(self) -> Field:
        return CheckboxesField(
            self.question["text"],
            choices=self.choices(),
            validators=self.validators(),
            validate_choice=False,
            description=self.question.get("help", ""),
        )

    def value(self, data: Any) -> Any:
        if not data:
            return None
        # Keep the document's order, whatever order the browser sent.
        chosen = set(data)
        return [code for code in self.codes() if code in chosen] or list(data)


class Demographic(SingleChoice):
    """A grouping question (age group, race/ethnicity…): always optional-friendly."""

    name = "demographic"

    def field(self) -> Field:
        if self.question.get("multiple"):
            return MultipleChoice(self.question, max_length=self.max_length).field()
        return super().field()

    def value(self, data: Any) -> Any:
        if self.question.get("multiple"):
            return MultipleChoice(self.question, max_length=self.max_length).value(data)
        return super().value(data)


class Rating(SingleChoice):
    name = "rating"

    def scale(self) -> tuple[int, int]:
        scale = self.question.get("scale") or {}
        return int(scale.get("min", 1)), int(scale.get("max", 5))

    def codes(self) -> list[str]:
        low, high = self.scale()
        return [str(n) for n in range(low, high + 1)]

    def choices(self) -> list[SelectChoice]:
        return [SelectChoice(code, code) for code in self.codes()]

    def value(self, data: Any) -> Any:
        # Before validation (skip logic reads answers first) the data may be anything a browser
        # sent; an unreadable rating counts as no answer, and validation says why.
        try:
            return None if _is_empty(data) else int(data)
        except (TypeError, ValueError):
            return None


class Number(QuestionKind):
    name = "number"

    def checks(self) -> list[Validator]:
        return [
            NumberInRange(
                self.question.get("min"),
                self.question.get("max"),
                bool(self.question.get("integer")),
            )
        ]

    def field(self) -> Field:
        integer = bool(self.question.get("integer"))
        return StringField(
            self.question["text"],
            validators=self.validators(),
            description=self.question.get("help", ""),
            # A text input keeps whatever was typed, so a mistake can be corrected, and the
            # message comes from us in the resident's language rather than from the browser.
            render_kw={"inputmode": "numeric" if integer else "decimal", "autocomplete": "off"},
        )

    def value(self, data: Any) -> Any:
        if _is_empty(data):
            return None
        number = parse_number(str(data))
        if number is None:
            return None
        if number == number.to_integral_value():
            return int(number)
        as_float = float(number)
        return as_float if math.isfinite(as_float) else None


class IsoText:
    """An answer written in an ISO 8601 form (``2025-03-31``, ``14:30``): what a browser's date
    or time input sends, and what a resident without one is asked to type."""

    def __init__(self, parse: Callable[[str], Any], message: str) -> None:
        self.parse, self.message = parse, message

    def __call__(self, form: Any, field: Field) -> None:
        try:
            self.parse(str(field.data or "").strip())
        except ValueError:
            raise ValidationError(field.gettext(self.message)) from None


class Date(QuestionKind):
    """A calendar date, stored as ``YYYY-MM-DD`` (the browser shows its own date picker)."""

    name = "date"
    input_type = "date"
    message = messages.NOT_A_DATE

    def parse(self, text: str) -> Any:
        return date.fromisoformat(text)

    def written(self, parsed: Any) -> str:
        return str(parsed.isoformat())

    def value(self, data: Any) -> Any:
        """The answer in one written form (``2025-03-31``), however it was typed."""
        if _is_empty(data):
            return None
        try:
            return self.written(self.parse(str(data).strip()))
        except ValueError:
            return None

    def checks(self) -> list[Validator]:
        return [IsoText(self.parse, self.message)]

    def field(self) -> Field:
        return StringField(
            self.question["text"],
            validators=self.validators(),
            description=self.question.get("help", ""),
            render_kw={"type": self.input_type},
        )


class Time(Date):
    """A time of day, stored as ``HH:MM``."""

    name = "time"
    input_type = "time"
    message = messages.NOT_A_TIME

    def parse(self, text: str) -> Any:
        return time.fromisoformat(text)

    def written(self, parsed: Any) -> str:
        return str(parsed.isoformat(timespec="seconds" if parsed.second else "minutes"))


REGISTRY: dict[str, type[QuestionKind]] = {
    kind.name: kind
    for kind in (
        ShortText,
        LongText,
        SingleChoice,
        MultipleChoice,
        Rating,
        Number,
        Demographic,
        Date,
        Time,
    )
}


def kind_of(question: Question, *, max_length: int = DEFAULT_MAX_LENGTH) -> QuestionKind:
    try:
        return REGISTRY[str(question["kind"])](question, max_length=max_length)
    except KeyError as exc:
        raise ValueError(f"unknown question kind {question.get('kind')!r}") from exc
