"""XLSForm workbooks to survey documents (see :mod:`survey.formats.xlsform`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from survey.document import SCHEMA, validate
from survey.formats.imported import Imported
from survey.formats.xlsform.choices import ChoiceLists
from survey.formats.xlsform.languages import language_header, locale_of
from survey.formats.xlsform.rows import Rows, Section, keyed
from survey.formats.xlsform.table import (
    SHEETS,
    Notes,
    Table,
    read_table,
    resolve_languages,
)
from survey.formats.xlsform.workbook import RawSheet, cell_text, read_workbook
from survey.problems import N_
from survey.services.errors import InvalidDocument


def read_xlsform(data: bytes, *, filename: str) -> Imported:
    """A valid survey document from an XLSForm workbook and the list of what was changed to
    take it (by sheet and row), or InvalidDocument when no meaningful survey is left.

    ``filename`` names the survey when the settings sheet gives no ``form_id``.
    """
    return _Import(read_workbook(data), filename).run()


def document_from_xlsx(data: bytes, *, filename: str) -> dict[str, Any]:
    """The document :func:`read_xlsform` reads, without its changes."""
    return read_xlsform(data, filename=filename).document


class _Import:
    def __init__(self, sheets: list[RawSheet], filename: str) -> None:
        self.sheets = sheets
        self.filename = filename
        self.notes = Notes()
        self.question_rows: dict[str, int] = {}
        self.section_rows: dict[str, int] = {}

    def refused(self) -> InvalidDocument:
        return InvalidDocument(self.notes.as_problems())

    def run(self) -> Imported:
        found = self._find_sheets()
        if "survey" not in found:
            self.notes.refuse(
                "survey",
                None,
                N_(
                    "is missing: the workbook's sheets are %(sheets)s; the sheet with the "
                    "questions must be named survey"
                ),
                sheets=", ".join(sheet.title for sheet in self.sheets) or "-",
            )
            raise self.refused()
        tables = {
            sheet: table
            for sheet, raw in found.items()
            if (table := read_table(sheet, raw, self.notes)) is not None
        }
        survey = tables.get("survey")
        if survey is None:
            self.notes.refuse("survey", None, N_("is empty"))
        elif "type" not in survey.plain:
            self.notes.refuse(
                "survey", survey.header_row, N_("has no %(column)s column"), column="type"
            )
        if survey is None or self.notes.problems:
            raise self.refused()
        settings = tables.get("settings")
        settings_row, settings_values = settings.rows[0] if settings and settings.rows else (0, ())

        default, locales = self._languages(
            survey, tables.get("choices"), settings, settings_row, settings_values
        )
        for table in tables.values():
            resolve_languages(table, default, locales, self.notes)
        choices = ChoiceLists(tables.get("choices"), default, self.notes)
        rows = Rows(self.notes, survey, choices, default)
        sections = rows.read()
        self.question_rows, self.section_rows = rows.question_rows, rows.section_rows
        if not self.notes.problems and not sections:
            self.notes.refuse("survey", None, N_("has no questions we can import"))
            # what was left out says why
            self.notes.problems.extend(self.notes.changes)
        if self.notes.problems:
            raise self.refused()
        document = self._document(sections, default, locales, settings, settings_values)
        if rows.intro:
            document.setdefault("intro", rows.intro)
        self._check(document)
        return Imported(document, self.notes.as_changes())

    # -- sheets and languages

    def _find_sheets(self) -> dict[str, RawSheet]:
        found: dict[str, RawSheet] = {}
        for sheet in self.sheets:
            name = sheet.title.strip().lower()
            if name not in SHEETS:
                continue
            if name in found:
                self.notes.change(
                    name,
                    None,
                    N_("appears twice ('%(first)s' and '%(second)s'); the second was not read"),
                    first=found[name].title,
                    second=sheet.title,
                )
                continue
            found[name] = sheet
        if not found and len(self.sheets) == 1:
            # As the reference converter does: a workbook of one sheet holds the questions.
            found["survey"] = self.sheets[0]
            self.notes.change(
                "survey",
                None,
                N_("the workbook's only sheet, '%(sheet)s', was read as the survey sheet"),
                sheet=self.sheets[0].title,
            )
        return found

    def _languages(
        self,
        survey: Table,
        choices: Table | None,
        settings: Table | None,
        settings_row: int,
        settings_values: Sequence[Any],
    ) -> tuple[str, list[str]]:
        written = survey.written_languages()
        if choices is not None:
            written += [x for x in choices.written_languages() if x not in written]
        tagged = [locale for locale in written if locale is not None]
        # A column without a language is XLSForm's unnamed default; we take it for English.
        default = "en" if None in written or "en" in tagged or not tagged else tagged[0]
        declared = settings.cell(settings_values, "default_language") if settings else ""
        if declared and declared.lower() != "default":
            wanted = locale_of(declared)
            if wanted is not None and (wanted in tagged or None in written):
                default = wanted
            else:
                self.notes.change(
                    "settings",
                    settings_row,
                    N_(
                        "default_language '%(language)s' was not used: no label is written in "
                        "it; the main language is %(main)s"
                    ),
                    language=declared,
                    main=language_header(default),
                )
        return default, [default, *(locale for locale in tagged if locale != default)]

    # -- the document

    def _document(
        self,
        sections: list[Section],
        default: str,
        locales: list[str],
        settings: Table | None,
        values: Sequence[Any],
    ) -> dict[str, Any]:
        form_id = settings.cell(values, "form_id") if settings else ""
        stem = re.split(r"[\\/]", self.filename)[-1].rsplit(".", 1)[0]
        slug = _slug(form_id) or _slug(stem) or "survey"
        form_title = settings.cell(values, "form_title") if settings else ""
        title = dict.fromkeys(locales, form_title or slug)
        document: dict[str, Any] = {
            "schema": SCHEMA,
            "slug": slug,
            "default_locale": default,
            "locales": locales,
            "title": title,
        }
        if settings is not None:
            title.update(_only(settings.localised(values, "cv_title"), locales))
            for name in ("intro", "thank_you"):
                texts = _only(settings.localised(values, f"cv_{name}"), locales)
                if texts:
                    document[name] = texts
        document["sections"] = [
            {
                "key": section.key,
                **({"title": section.title} if section.title else {}),
                "questions": section.questions,
            }
            for section in keyed(sections)
        ]
        return document

    def _check(self, document: dict[str, Any]) -> None:
        """Validate the result; whatever is still wrong is pinned to the row it came from."""
        for problem in validate(document, require_translations=False):
            subject, _, key = problem.where.partition(" ")
            rows = {"question": self.question_rows, "section": self.section_rows}.get(subject, {})
            self.notes.refuse("survey", rows.get(key), problem.message, **problem.params)
        if self.notes.problems:
            raise self.refused()


def _only(texts: Mapping[str, str], locales: Sequence[str]) -> dict[str, str]:
    return {locale: text for locale, text in texts.items() if locale in locales}


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].strip("-")


__all__ = ["Imported", "cell_text", "document_from_xlsx", "read_xlsform"]
