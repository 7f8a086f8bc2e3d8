"""The resident's form, assembled from a localised survey document.

Sections are pages. Skip logic (``show_if``) is evaluated here, on the server, from the answers
the form carries, so the survey works with JavaScript off: answers from earlier pages travel
with the form as hidden inputs, and nothing is stored until the last page is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

from wtforms import Field, Form, HiddenField

from forms.kinds import DEFAULT_MAX_LENGTH, QuestionKind, kind_of

FIELD_PREFIX = "q_"


class Translations(Protocol):
    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


def field_name(key: str) -> str:
    return f"{FIELD_PREFIX}{key}"


def _condition_met(question: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    condition = question.get("show_if")
    if not condition:
        return True
    value = answers.get(condition.get("question"))
    if "includes" in condition:
        return isinstance(value, list) and condition["includes"] in value
    return bool(value == condition.get("equals"))


class ResponseForm(Form):
    """Base class; :func:`build_form` adds one field per question."""

    document: ClassVar[Mapping[str, Any]]
    kinds: ClassVar[dict[str, QuestionKind]]
    sections: ClassVar[list[list[str]]]

    page = HiddenField()
    token = HiddenField()

    # -- reading answers --------------------------------------------------------------------
    def question_field(self, key: str) -> Field:
        return self[field_name(key)]

    def _raw_value(self, key: str) -> Any:
        return self.kinds[key].value(self.question_field(key).data)

    def visible_answers(self) -> dict[str, Any]:
        """Answers to questions that apply, in document order, skip logic applied."""
        answers: dict[str, Any] = {}
        for keys in self.sections:
            for key in keys:
                question = self.kinds[key].question
                if _condition_met(question, answers):
                    value = self._raw_value(key)
                    if value is not None:
                        answers[key] = value
        return answers

    def visible_keys(self, index: int) -> list[str]:
        answers = self.visible_answers()
        return [k for k in self.sections[index] if _condition_met(self.kinds[k].question, answers)]

    def pages(self) -> list[int]:
        """Indexes of sections that have at least one question to show."""
        return [i for i in range(len(self.sections)) if self.visible_keys(i)]

    def current_page(self) -> int:
        """The page the form says it is on, clamped to the pages that exist."""
        pages = self.pages() or [0]
        try:
            index = int(self.page.data or pages[0])
        except (TypeError, ValueError):
            index = pages[0]
        if index in pages:
            return index
        later = [p for p in pages if p >= index]
        return later[0] if later else pages[-1]

    def next_page(self, index: int) -> int | None:
        later = [p for p in self.pages() if p > index]
        return later[0] if later else None

    def previous_page(self, index: int) -> int | None:
        earlier = [p for p in self.pages() if p < index]
        return earlier[-1] if earlier else None

    # -- checking -------------------------------------------------------------------------
    def validate_page(self, index: int) -> bool:
        ok = True
        for key in self.visible_keys(index):
            field = self.question_field(key)
            if not field.validate(self):
                ok = False
        return ok

    def first_invalid_page(self, through: int | None = None) -> int | None:
        """The first page (up to ``through``) with an answer that cannot be taken."""
        for index in self.pages():
            if through is not None and index > through:
                break
            if not self.validate_page(index):
                return index
        return None

    # -- rendering ------------------------------------------------------------------------
    def carried(self, index: int) -> list[tuple[str, str]]:
        """Hidden ``(name, value)`` pairs that carry answers from the other pages."""
        on_page = set(self.sections[index]) if 0 <= index < len(self.sections) else set()
        pairs: list[tuple[str, str]] = []
        for keys in self.sections:
            for key in keys:
                if key in on_page:
                    continue
                data = self.question_field(key).data
                values = data if isinstance(data, list) else [data]
                pairs.extend((field_name(key), str(v)) for v in values if v not in (None, ""))
        return pairs

    def all_fields(self, index: int) -> list[tuple[Mapping[str, Any], Field]]:
        """Every question of a page, conditions or not (typing in a paper form)."""
        return [(self.kinds[k].question, self.question_field(k)) for k in self.sections[index]]

    def page_fields(self, index: int) -> list[tuple[Mapping[str, Any], Field]]:
        return [(self.kinds[k].question, self.question_field(k)) for k in self.visible_keys(index)]


def build_form(
    document: Mapping[str, Any],
    *,
    translations: Translations | None = None,
    max_length: int = DEFAULT_MAX_LENGTH,
) -> type[ResponseForm]:
    """A form class for a *localised* survey document (texts already in one language)."""
    attrs: dict[str, Any] = {}
    kinds: dict[str, QuestionKind] = {}
    sections: list[list[str]] = []
    for section in document.get("sections", []):
        keys: list[str] = []
        for question in section.get("questions", []):
            kind = kind_of(question, max_length=max_length)
            kinds[question["key"]] = kind
            attrs[field_name(question["key"])] = kind.field()
            keys.append(question["key"])
        sections.append(keys)

    if translations is not None:
        chosen = translations

        class Meta:
            def get_translations(self, form: Form) -> Translations:
                return chosen

        attrs["Meta"] = Meta
    attrs.update(document=document, kinds=kinds, sections=sections)
    return type("SurveyResponseForm", (ResponseForm,), attrs)
