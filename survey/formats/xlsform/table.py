"""One sheet with its header understood, and the notes an import keeps by sheet and row."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from survey.formats.xlsform.languages import language_header, locale_of
from survey.formats.xlsform.workbook import MAX_SHEET_ROWS, RawSheet, cell_text
from survey.problems import N_, Problem

SHEETS = ("survey", "choices", "settings")

#: XLSForm columns holding one text per language, and the sheet each belongs on
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "survey": (
        "label",
        "hint",
        "guidance_hint",
        "constraint_message",
        "cv_min_label",
        "cv_max_label",
    ),
    "choices": ("label",),
    "settings": ("cv_title", "cv_intro", "cv_thank_you"),
}
#: media columns: pictures and sounds residents never get from us
MEDIA = ("image", "big-image", "audio", "video", "media::image", "media::audio", "media::video")
_TEXT_HEADER = re.compile(
    r"(label|hint|guidance_hint|constraint_message|cv_min_label|cv_max_label|cv_title|cv_intro"
    r"|cv_thank_you|image|big-image|audio|video|media::image|media::audio|media::video)"
    r"(?:\s*::?\s*(.*))?",
    re.IGNORECASE | re.DOTALL,
)
# fmt: off
PLAIN_FIELDS: dict[str, tuple[str, ...]] = {
    "survey": (
        "type", "name", "required", "relevant", "appearance", "parameters", "constraint",
        "cv_kind", "calculation", "choice_filter", "default", "repeat_count", "trigger",
        "read_only", "readonly",
    ),
    "choices": ("list_name", "name"),
    "settings": ("form_id", "form_title", "default_language"),
}
# fmt: on


@dataclass
class Notes:
    """What an import refuses (``problems``) and what it changed to take the rest
    (``changes``), by sheet and row; messages are catalog text filled from params when shown."""

    problems: list[tuple[str, int | None, str, dict[str, Any]]] = field(default_factory=list)
    changes: list[tuple[str, int | None, str, dict[str, Any]]] = field(default_factory=list)

    def refuse(self, sheet: str, row: int | None, message: str, /, **params: Any) -> None:
        self.problems.append((sheet, row, message, params))

    def change(self, sheet: str, row: int | None, message: str, /, **params: Any) -> None:
        self.changes.append((sheet, row, message, params))

    @staticmethod
    def _listed(found: list[tuple[str, int | None, str, dict[str, Any]]]) -> list[Problem]:
        ordered = sorted(found, key=lambda item: (SHEETS.index(item[0]), item[1] or 0))
        return [
            Problem(f"{sheet} sheet" + (f", row {row}" if row else ""), message, params=params)
            for sheet, row, message, params in ordered
        ]

    def as_problems(self) -> list[Problem]:
        return self._listed(self.problems)

    def as_changes(self) -> list[Problem]:
        return self._listed(self.changes)


@dataclass
class TextColumn:
    field: str
    locale: str | None  #: None: written without a language, so in the default language
    index: int
    header: str


@dataclass
class Table:
    """A sheet with its header understood: which column holds what."""

    sheet: str
    header_row: int
    rows: list[tuple[int, tuple[Any, ...]]]
    plain: dict[str, int] = field(default_factory=dict)
    bind_columns: list[int] = field(default_factory=list)
    media_columns: list[int] = field(default_factory=list)
    text_columns: list[TextColumn] = field(default_factory=list)
    texts: dict[tuple[str, str], int] = field(default_factory=dict)

    def cell(self, values: Sequence[Any], column: str) -> str:
        index = self.plain.get(column)
        return cell_text(values[index]) if index is not None and index < len(values) else ""

    def any_cell(self, values: Sequence[Any], indexes: Sequence[int]) -> bool:
        return any(index < len(values) and cell_text(values[index]) for index in indexes)

    def column_used(self, index: int) -> bool:
        return any(self.any_cell(values, [index]) for _, values in self.rows)

    def localised(self, values: Sequence[Any], name: str) -> dict[str, str]:
        found = {}
        for (column_field, locale), index in self.texts.items():
            if column_field == name and index < len(values):
                text = cell_text(values[index])
                if text:
                    found[locale] = text
        return found

    def written_languages(self) -> list[str | None]:
        """Languages of label and hint columns holding any text, in column order."""
        found: list[str | None] = []
        for column in self.text_columns:
            if column.field not in ("label", "hint") or column.locale in found:
                continue
            if any(
                column.index < len(values) and cell_text(values[column.index])
                for _, values in self.rows
            ):
                found.append(column.locale)
        return found


def read_table(sheet: str, raw: RawSheet, notes: Notes) -> Table | None:
    if raw.too_long:
        notes.refuse(
            sheet,
            None,
            N_("goes on past row %(rows)s; delete the rows below the form"),
            rows=MAX_SHEET_ROWS,
        )
    if not raw.rows:
        return None
    header_row, header = raw.rows[0]
    table = Table(sheet, header_row, raw.rows[1:])
    seen: dict[str, list[tuple[int, str]]] = {}
    for index, cell in enumerate(header):
        title = cell_text(cell)
        if not title:
            continue
        text_header = _TEXT_HEADER.fullmatch(title)
        name = text_header[1].lower() if text_header else ""
        if text_header and name in MEDIA:
            table.media_columns.append(index)
            continue
        if text_header and name in TEXT_FIELDS[sheet]:
            language = (text_header[2] or "").strip()
            locale = locale_of(language) if language else None
            if language and locale is None:
                if table.column_used(index):
                    notes.change(
                        sheet,
                        header_row,
                        N_(
                            "column %(column)s (%(header)s) was left out: '%(language)s' is not "
                            "a language name or code we know; write it as Name (code), e.g. "
                            "Swahili (sw)"
                        ),
                        column=get_column_letter(index + 1),
                        header=title,
                        language=language,
                    )
                continue
            table.text_columns.append(TextColumn(name, locale, index, title))
            continue
        plain = re.sub(r"\s+", "_", title.lower())
        if sheet == "survey" and plain.startswith("bind::"):
            table.bind_columns.append(index)
        elif plain in PLAIN_FIELDS[sheet]:
            seen.setdefault(plain, []).append((index, title))
    for plain, columns in seen.items():
        if len(columns) > 1:
            _duplicate(notes, table, plain, columns)
        table.plain[plain] = columns[0][0]
    return table


def _duplicate(notes: Notes, table: Table, name: str, columns: list[tuple[int, str]]) -> None:
    notes.change(
        table.sheet,
        table.header_row,
        N_("columns %(columns)s are all %(name)s; only the first was read"),
        columns=columns_phrase(columns),
        name=name,
    )


def columns_phrase(columns: Sequence[tuple[int, str]]) -> str:
    # Listed without a conjunction: the message around it is translated, the list is not.
    return ", ".join(f"{get_column_letter(index + 1)} ({title})" for index, title in columns)


def resolve_languages(table: Table, default: str, locales: Sequence[str], notes: Notes) -> None:
    """Give columns without a language the default one; of two columns for one text, the first
    is read."""
    grouped: dict[tuple[str, str], list[TextColumn]] = {}
    for column in table.text_columns:
        grouped.setdefault((column.field, column.locale or default), []).append(column)
    for (name, locale), columns in grouped.items():
        if len(columns) > 1:
            _duplicate(
                notes,
                table,
                f"{name}::{language_header(locale, locales)}",
                [(c.index, c.header) for c in columns],
            )
        table.texts[(name, locale)] = columns[0].index
