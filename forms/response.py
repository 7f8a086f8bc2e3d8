"""The resident's form, assembled from a localised survey document.

Sections are pages. Skip logic (``show_if``) is evaluated on the server, from the answers the
form carries, so the survey works with JavaScript off: answers from earlier pages travel with the
form as hidden inputs, and nothing is stored until the last page is sent. Which questions are
shown is decided by the evaluator handed to :func:`build_form` (the app's one condition model);
this package only asks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Protocol

from wtforms import Field, Form, HiddenField

from forms.kinds import DEFAULT_MAX_LENGTH, QuestionKind, kind_of

FIELD_PREFIX = "q_"


class Translations(Protocol):
    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


def field_name(key: str) -> str:
    return f"{FIELD_PREFIX}{key}"


#: whether a question is asked, given the answers so far: ``is_shown(question, answers)``
ShownRule = Callable[[Mapping[str, Any], Mapping[str, Any]], bool]
#: the keys of the questions whose answers decide whether a question is asked
DependsRule = Callable[[Mapping[str, Any]], Iterable[str]]


def _no_dependencies(question: Mapping[str, Any]) -> Iterable[str]:
    return ()


class ResponseForm(Form):
    """Base class; :func:`build_form` adds one field per question."""

    document: ClassVar[Mapping[str, Any]]
    kinds: ClassVar[dict[str, QuestionKind]]
    sections: ClassVar[list[list[str]]]
    is_shown: ClassVar[staticmethod[[Mapping[str, Any], Mapping[str, Any]], bool]]
    depends_on: ClassVar[staticmethod[[Mapping[str, Any]], Iterable[str]]]

    page = HiddenField()
    token = HiddenField()
    #: the questions the page showed when it was rendered (space-separated keys): an answer that
    #: brings up another question on the same page is noticed before the page moves on
    shown = HiddenField()

    #: the answers as last read (paging asks for them many times per request); the questions'
    #: data change only when the form is processed, which forgets them
    _answers: dict[str, Any] | None = None

    def process(self, *args: Any, **kwargs: Any) -> None:
        super().process(*args, **kwargs)
        self._answers = None

    # -- reading answers --------------------------------------------------------------------
    def question_field(self, key: str) -> Field:
        return self[field_name(key)]

    def _raw_value(self, key: str) -> Any:
        return self.kinds[key].value(self.question_field(key).data)

    def visible_answers(self) -> dict[str, Any]:
        """Answers to questions that apply, in document order, skip logic applied."""
        return dict(self._read_answers())

    def _read_answers(self) -> Mapping[str, Any]:
        if self._answers is None:
            answers: dict[str, Any] = {}
            for keys in self.sections:
                for key in keys:
                    question = self.kinds[key].question
                    if self.is_shown(question, answers):
                        value = self._raw_value(key)
                        if value is not None:
                            answers[key] = value
            self._answers = answers
        return self._answers

    def visible_keys(self, index: int) -> list[str]:
        answers = self._read_answers()
        return [k for k in self.sections[index] if self.is_shown(self.kinds[k].question, answers)]

    def pages(self) -> list[int]:
        """Indexes of sections that have at least one question to show."""
        return [i for i in range(len(self.sections)) if self.visible_keys(i)]

    def may_follow(self, index: int) -> list[int]:
        """Pages after ``index`` that are asked, or may still be asked: a page hidden now counts
        while a question it depends on is still open (unanswered on this page, or on a later
        page), so the page count and the Next button do not promise too little."""
        answers = self._read_answers()
        shown = set(self.pages())
        open_keys = {k for k in self.sections[index] if k not in answers} if index >= 0 else set()
        for keys in self.sections[index + 1 :]:
            open_keys.update(keys)
        return [
            later
            for later in range(index + 1, len(self.sections))
            if later in shown
            or any(
                set(self.depends_on(self.kinds[key].question)) & open_keys
                for key in self.sections[later]
            )
        ]

    def progress(self, index: int) -> tuple[int, int]:
        """(this page's number, how many pages there may be), counting only pages asked."""
        before = [p for p in self.pages() if p < index]
        number = len(before) + 1
        return number, number + len(self.may_follow(index))

    def newly_shown(self, index: int) -> list[str]:
        """Questions of page ``index`` asked now that were not on the page as the resident saw
        it (an answer on the same page brought them up); ``[]`` if the page did not say."""
        if not self.shown.data:
            return []
        seen = set(str(self.shown.data).split())
        return [key for key in self.visible_keys(index) if key not in seen]

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
    def validate_page(self, index: int, *, skip: Iterable[str] = ()) -> bool:
        """Check the answers on page ``index`` (not those of the questions in ``skip``)."""
        ok = True
        skipped = set(skip)
        for key in self.visible_keys(index):
            if key in skipped:
                continue
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
    is_shown: ShownRule,
    depends_on: DependsRule = _no_dependencies,
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
    attrs.update(
        document=document,
        kinds=kinds,
        sections=sections,
        is_shown=staticmethod(is_shown),
        depends_on=staticmethod(depends_on),
    )
    return type("SurveyResponseForm", (ResponseForm,), attrs)
