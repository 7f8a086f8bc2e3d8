"""The survey sheet, row by row: groups become pages, rows become questions (see
:mod:`survey.formats.xlsform`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from survey import conditions
from survey.document import CHOICE_KINDS, KEY_PATTERN
from survey.formats.xlsform import expressions
from survey.formats.xlsform.choices import ChoiceLists
from survey.formats.xlsform.questions import Row, left_out, read_question
from survey.formats.xlsform.table import Notes, Table
from survey.kinds import kind_of
from survey.problems import N_

_GROUP = re.compile(r"(?P<end>begin|end)[ _](?P<what>group|repeat|loop|looped group)")
_YES = frozenset({"yes", "y", "true", "true()", "1"})
_NO = frozenset({"", "no", "n", "false", "false()", "0"})
#: columns that change what a question does, which we cannot honour
_BEHAVIOUR = ("calculation", "default", "trigger", "repeat_count")
_RELEVANT_LEFT_OUT = N_(
    "relevant %(relevant)s could not be kept, so the question is always asked; we keep "
    "conditions on earlier questions: comparisons, selected(), count-selected(), and, or, not()"
)
_RENAMED = N_(
    "name '%(name)s' became '%(key)s' (names here use a-z, 0-9 and _ and start with a letter)"
)


@dataclass
class Section:
    row: int | None  #: its begin group row; None for questions outside any group
    key: str | None
    title: dict[str, str]
    questions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Open:
    """A begin group (or repeat) row still waiting for its end."""

    row: int
    what: str
    name: str
    #: the group's relevant, applied to each of its questions (None: none, or not kept)
    condition: conditions.Condition | None = None


class Rows:
    """The survey sheet, row by row: groups become pages, rows become questions."""

    def __init__(self, notes: Notes, table: Table, choices: ChoiceLists, default: str) -> None:
        self.notes = notes
        #: our key -> its row, for pinning later problems
        self.section_rows: dict[str, int] = {}
        self.question_rows: dict[str, int] = {}
        self.table = table
        self.choices = choices
        self.default = default
        self.sections: list[Section] = []
        self.opened: list[Open] = []
        self.imported: dict[str, dict[str, Any]] = {}
        #: XLSForm name -> our key, for every question row (references use the names)
        self.keys: dict[str, str] = {}
        self.pending_notes: list[tuple[int, dict[str, str]]] = []
        self.intro: dict[str, str] = {}

    def read(self) -> list[Section]:
        self._names()
        if self.notes.problems:
            return []
        for row, values in self.table.rows:
            type_text = re.sub(r"\s+", " ", self.table.cell(values, "type"))
            if not type_text:
                if self.table.cell(values, "name") or self.table.localised(values, "label"):
                    self.notes.change("survey", row, N_("has no type; left out"))
                continue
            group = _GROUP.fullmatch(type_text.lower())
            if group:
                self._group_row(row, values, group)
            elif type_text.lower() == "note":
                self._note(row, values)
            else:
                self._question_row(row, values, type_text)
        for still_open in self.opened:
            self.notes.change(
                "survey",
                still_open.row,
                N_("begin %(what)s '%(name)s' has no end %(what)s; it ends with the sheet"),
                what=still_open.what,
                name=still_open.name,
            )
        for row, _texts in self.pending_notes:
            self.notes.change("survey", row, N_("a note after the last question was left out"))
        return [section for section in self.sections if section.questions]

    def _names(self) -> None:
        """Our key for each question name; two questions of one name cannot be told apart."""
        first: dict[str, tuple[int, str]] = {}
        for row, values in self.table.rows:
            name = self.table.cell(values, "name")
            type_text = self.table.cell(values, "type").lower()
            if not name or not type_text or _GROUP.fullmatch(re.sub(r"\s+", " ", type_text)):
                continue
            key = name_key(name) or made_key(name)
            if key in first:
                self.notes.refuse(
                    "survey",
                    row,
                    N_(
                        "name '%(name)s' is already used on row %(row)s (names are compared "
                        "ignoring case, with - read as _)"
                    ),
                    name=name,
                    row=first[key][0],
                )
                continue
            first[key] = (row, name)
            self.keys[name] = key

    # -- groups

    def _group_row(self, row: int, values: Sequence[Any], group: re.Match[str]) -> None:
        what = "group" if group["what"] == "group" else "repeat"
        if group["end"] == "end":
            if not self.opened:
                self.notes.change(
                    "survey",
                    row,
                    N_("end %(what)s has no begin %(what)s before it; left out"),
                    what=what,
                )
                return
            self.opened.pop()
            return
        name = self.table.cell(values, "name")
        label = self.table.localised(values, "label")
        relevant = self.table.cell(values, "relevant")
        self.opened.append(Open(row, what, name, self._group_condition(row, relevant)))
        if what == "repeat":
            self.notes.change(
                "survey",
                row,
                N_("repeat '%(name)s' is asked once: a survey asks each question once"),
                name=name,
            )
        if len(self.opened) > 1:
            if label:
                self.notes.change(
                    "survey",
                    row,
                    N_(
                        "group '%(name)s' is inside another group, so its questions join that "
                        "page and its label is not shown"
                    ),
                    name=name,
                )
            return
        key = name_key(name)
        if not key:
            key = made_key(name or f"page_{row}")
            self.notes.change("survey", row, _RENAMED, name=name or "-", key=key)
        if key in self.section_rows:
            taken, suffix = key, 2
            while f"{taken}_{suffix}" in self.section_rows:
                suffix += 1
            key = f"{taken}_{suffix}"
            self.notes.change("survey", row, _RENAMED, name=name, key=key)
        self.section_rows[key] = row
        self.sections.append(Section(row, key, label))

    # -- notes and questions

    def _note(self, row: int, values: Sequence[Any]) -> None:
        texts = self.table.localised(values, "label")
        if not texts:
            return
        if not self.imported:
            for locale, text in texts.items():
                self.intro[locale] = (
                    f"{self.intro[locale]}\n\n{text}" if locale in self.intro else text
                )
            self.notes.change("survey", row, N_("a note became part of the introduction"))
            return
        self.pending_notes.append((row, texts))

    def _question_row(self, row: int, values: Sequence[Any], type_text: str) -> None:
        name = self.table.cell(values, "name")
        reason = left_out(type_text)
        if reason is not None:
            self.notes.change("survey", row, reason, type=type_text, name=name or "-")
            return
        line = Row(
            self.table, row, tuple(values), type_text, self.notes, self.choices, self.default
        )
        question = read_question(line)
        if question is None:
            return
        or_other = question.pop("or_other", False)
        key = self.keys.get(name) if name else None
        if key is None:
            key = made_key(f"question_{row}")
            self.notes.change("survey", row, N_("has no name; it is called '%(key)s'"), key=key)
        elif name_key(name) is None:
            self.notes.change("survey", row, _RENAMED, name=name, key=key)
        question = {"key": key, **question}
        self._texts(line, question)
        self._settings(line, question)
        self._conditions(line, question)
        self._add(row, question)
        if or_other:
            self._add(row, self._other(line, question))

    def _texts(self, line: Row, question: dict[str, Any]) -> None:
        label = self.table.localised(line.values, "label")
        if not label:
            label = {self.default: self.table.cell(line.values, "name") or question["key"]}
            line.change(N_("has no label; its name is shown as the question"))
        question["text"] = label
        help_text = self.table.localised(line.values, "hint")
        for locale, guidance in self.table.localised(line.values, "guidance_hint").items():
            help_text[locale] = (
                f"{help_text[locale]}\n{guidance}" if locale in help_text else guidance
            )
        for row, texts in self.pending_notes:
            self.notes.change(
                "survey", row, N_("a note became part of the help of the next question")
            )
            for locale, text in texts.items():
                help_text[locale] = f"{text}\n{help_text[locale]}" if locale in help_text else text
        self.pending_notes.clear()
        if help_text:
            question["help"] = help_text

    def _settings(self, line: Row, question: dict[str, Any]) -> None:
        question["required"] = self._required(line)
        self._cv_kind(line, question)
        constraint = line.cell("constraint")
        if constraint:
            checks, whole = expressions.checks_of(constraint, question)
            question.update(checks)
            if not whole:
                line.change(
                    N_(
                        "constraint %(constraint)s is only partly checked: we check number "
                        "limits, text length and regex(); the rest was left out"
                    )
                    if checks
                    else N_(
                        "constraint %(constraint)s was left out: we check number limits, text "
                        "length and regex()"
                    ),
                    constraint=constraint,
                )
        for column in _BEHAVIOUR:
            content = line.cell(column)
            if content:
                line.change(
                    N_("the %(column)s column (%(content)s) was left out"),
                    column=column,
                    content=content,
                )
        if self.table.any_cell(line.values, self.table.bind_columns):
            line.change(N_("bind:: columns were left out"))
        if self.table.any_cell(line.values, self.table.media_columns):
            line.change(N_("pictures and sounds of the question were left out"))
        if any(line.cell(column).lower() not in _NO for column in ("read_only", "readonly")):
            line.change(N_("a read-only question became one residents may answer"))

    def _required(self, line: Row) -> bool:
        text = line.cell("required")
        if text.lower() in _YES:
            return True
        if text.lower() not in _NO:
            line.change(
                N_("required %(required)s is not yes or no, so the question is optional"),
                required=text,
            )
        return False

    def _cv_kind(self, line: Row, question: dict[str, Any]) -> None:
        wanted = line.cell("cv_kind").lower()
        if wanted == "demographic" and question["kind"] in CHOICE_KINDS:
            question["multiple"] = question["kind"] == "multiple_choice"
            question["kind"] = "demographic"
        elif wanted == "rating" and question["kind"] == "single_choice":
            scale = _scale_of_points(question["options"])
            if scale is not None:
                del question["options"]
                question.update(kind="rating", scale=scale)

    def _group_condition(self, row: int, relevant: str) -> conditions.Condition | None:
        """A group's ``relevant``, read once on its row (it names questions before the group)."""
        if not relevant:
            return None
        condition = self._condition(relevant, None)
        if condition is None:
            self.notes.change(
                "survey",
                row,
                N_(
                    "relevant %(relevant)s of the group could not be kept, so its questions are "
                    "asked whenever their own conditions allow"
                ),
                relevant=relevant,
            )
        return condition

    def _condition(self, relevant: str, key: str | None) -> conditions.Condition | None:
        """The condition ``relevant`` says, if it is one a question ``key`` can have."""
        try:
            condition = expressions.condition_of(relevant, self._earlier(key))
        except expressions.Unreadable:
            return None
        data = conditions.to_json(condition)
        return None if conditions.problems(data, key=key, earlier=self.imported) else condition

    def _conditions(self, line: Row, question: dict[str, Any]) -> None:
        """The groups' and the row's ``relevant``; the row's is said when it cannot be kept."""
        found = [group.condition for group in self.opened if group.condition is not None]
        relevant = line.cell("relevant")
        if relevant:
            condition = self._condition(relevant, question["key"])
            if condition is None:
                line.change(_RELEVANT_LEFT_OUT, relevant=relevant)
            else:
                found.append(condition)
        if found:
            whole = found[0] if len(found) == 1 else conditions.AllOf(tuple(found))
            question["show_if"] = conditions.to_json(whole)

    def _earlier(self, key: str | None) -> Any:
        def named(name: str) -> tuple[str, Mapping[str, Any]]:
            target = self.keys.get(name) or name_key(name)
            if target is None or target == key or target not in self.imported:
                raise expressions.Unreadable(name)
            return target, self.imported[target]

        return named

    def _other(self, line: Row, question: dict[str, Any]) -> dict[str, Any]:
        """XLSForm's ``or_other``: an "Other" option and a text question shown when it is picked."""
        key = question["key"]
        if "other" not in [option["code"] for option in question["options"]]:
            question["options"].append({"code": "other", "label": {self.default: "Other"}})
        other_key = made_key(f"{key}_other")
        line.change(
            N_(
                "or_other became an option 'other' and a question '%(key)s' asked when it is "
                "picked (their texts are in English: translate them in the designer)"
            ),
            key=other_key,
        )
        kind = kind_of(question)
        op = "includes" if kind is not None and kind.is_multiple(question) else "equals"
        return {
            "key": other_key,
            "kind": "short_text",
            "required": False,
            "text": {self.default: "Specify other."},
            "show_if": {"question": key, op: "other"},
        }

    def _add(self, row: int, question: dict[str, Any]) -> None:
        self.imported[question["key"]] = question
        self.question_rows[question["key"]] = row
        if not self.sections or (not self.opened and self.sections[-1].row is not None):
            self.sections.append(Section(None, None, {}))
        self.sections[-1].questions.append(question)


def _scale_of_points(options: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A rating written as a select of its points (``1 - Not at all``, ``2``... ``5 - Very``)."""
    codes = [option["code"] for option in options]
    if not codes or not all(code.isdigit() for code in codes):
        return None
    low, high = int(codes[0]), int(codes[-1])
    if codes != [str(point) for point in range(low, high + 1)] or not 0 <= low < high <= 10:
        return None
    scale: dict[str, Any] = {"min": low, "max": high}
    for name, option in (("min_label", options[0]), ("max_label", options[-1])):
        prefix = f"{option['code']} - "
        words = {
            locale: text.removeprefix(prefix)
            for locale, text in option["label"].items()
            if text.startswith(prefix)
        }
        if words:
            scale[name] = words
    return scale


def keyed(sections: list[Section]) -> list[Section]:
    """Key each section of questions outside groups by its position, avoiding group keys."""
    taken = {section.key for section in sections if section.key}
    for position, section in enumerate(sections, start=1):
        if section.key is not None:
            continue
        key, suffix = f"section_{position}", 1
        while key in taken:
            suffix += 1
            key = f"section_{position}_{suffix}"
        section.key = key
        taken.add(key)
    return sections


def name_key(name: str) -> str | None:
    """Our key for an XLSForm name, when lower-casing and reading - as _ make one."""
    candidate = name.strip().lower().replace("-", "_")
    return candidate if KEY_PATTERN.fullmatch(candidate) else None


def made_key(name: str) -> str:
    """A key for a name that is not one: letters and digits kept, the rest ``_``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_name).strip("_")
    if not key or not key[0].isalpha():
        key = f"q_{key}".rstrip("_")
    return key[:63].rstrip("_")
