"""Survey documents to XLSForm workbooks that the reference converter (pyxform), KoboToolbox and
ODK take without a warning, and that :mod:`survey.formats.xlsform.read` reads back.

Each page is a ``begin group`` with ``appearance: field-list`` (one screen in Kobo too); each
kind writes its own row (:meth:`survey.kinds.QuestionKind.xlsform_cells`); conditions become
``relevant`` expressions; languages are ``label::Swahili (sw)`` columns. What XLSForm cannot say
goes into ``cv_`` columns other tools ignore: ``cv_kind`` (demographic questions, ratings written
as a select of their points) and settings ``cv_title``/``cv_intro``/``cv_thank_you``.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from survey.formats.xlsform.expressions import expression_of
from survey.formats.xlsform.languages import language_header
from survey.kinds import Rating, kind_of
from survey.services.exports import neutralise_cell


def xlsx_from_document(document: Mapping[str, Any]) -> bytes:
    """An XLSForm workbook for ``document``, which Kobo opens and
    :func:`survey.formats.xlsform.read_xlsform` reads back to the same document."""
    default = str(document.get("default_locale") or "en")
    locales = [str(locale) for locale in document.get("locales") or [default]]

    def header(name: str, locale: str) -> str:
        return f"{name}::{language_header(locale, locales)}"

    def texts(name: str, values: Mapping[str, str] | None) -> dict[str, str]:
        values = values or {}
        return {
            header(name, locale): _literal(values[locale])
            for locale in locales
            if values.get(locale)
        }

    survey_rows: list[dict[str, Any]] = []
    choice_rows: list[dict[str, Any]] = []
    for section in document.get("sections") or []:
        key = section.get("key", "")
        survey_rows.append(
            {
                "type": "begin_group",
                "name": key,
                "appearance": "field-list",
                **texts("label", section.get("title")),
            }
        )
        for question in section.get("questions") or []:
            survey_rows.append(
                {
                    **_question_cells(question),
                    **texts("label", question.get("text")),
                    **texts("hint", question.get("help")),
                }
            )
            choice_rows.extend(
                {
                    "list_name": question.get("key", ""),
                    "name": option["code"],
                    **texts("label", option["label"]),
                }
                for option in _choices(question, locales)
            )
        survey_rows.append({"type": "end_group", "name": key})

    title = document.get("title") or {}
    settings_row = {
        "form_title": title.get(default) or document.get("slug", ""),
        "form_id": document.get("slug", ""),
        "default_language": language_header(default, locales),
        **texts("cv_title", title),
        **texts("cv_intro", document.get("intro")),
        **texts("cv_thank_you", document.get("thank_you")),
    }

    def localised(*names: str) -> list[str]:
        return [header(name, locale) for name in names for locale in locales]

    workbook = openpyxl.Workbook()
    _write_sheet(
        workbook.active,
        "survey",
        ["type", "name", *localised("label")],
        [
            *localised("hint"),
            "required",
            "relevant",
            "appearance",
            "parameters",
            "constraint",
            "cv_kind",
        ],
        survey_rows,
    )
    _write_sheet(
        workbook.create_sheet(),
        "choices",
        ["list_name", "name", *localised("label")],
        [],
        choice_rows,
    )
    _write_sheet(
        workbook.create_sheet(),
        "settings",
        ["form_title", "form_id", "default_language"],
        localised("cv_title", "cv_intro", "cv_thank_you"),
        [settings_row],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _question_cells(question: Mapping[str, Any]) -> dict[str, str]:
    kind = kind_of(question)
    cells = {
        "name": str(question.get("key", "")),
        "required": "yes" if question.get("required") else "",
        # an invalid document (unknown kind) is written as it is; reading it back names the row
        **(kind.xlsform_cells(question) if kind else {"type": str(question.get("kind"))}),
    }
    condition = question.get("show_if")
    if isinstance(condition, Mapping) and condition:
        cells["relevant"] = expression_of(condition)
    return cells


def _choices(question: Mapping[str, Any], locales: Sequence[str]) -> list[dict[str, Any]]:
    """The choices of a question's list: its options, or a rating's points with its end labels."""
    kind = kind_of(question)
    if isinstance(kind, Rating):
        cells = kind.xlsform_cells(question)
        if not cells["type"].startswith("select_one"):
            return []
        low, high = kind.scale(question)
        scale = question.get("scale") or {}
        points = []
        for point in range(low, high + 1):
            ends = {low: scale.get("min_label"), high: scale.get("max_label")}
            words = ends.get(point) or {}
            label = {
                locale: f"{point} - {words[locale]}" if words.get(locale) else str(point)
                for locale in locales
            }
            points.append({"code": str(point), "label": label})
        return points
    return [
        {"code": option.get("code", ""), "label": option.get("label") or {}}
        for option in question.get("options") or []
    ]


def _write_sheet(
    worksheet: Any,
    title: str,
    columns: list[str],
    optional_columns: list[str],
    rows: list[dict[str, Any]],
) -> None:
    """A header and one line per row; optional columns only when some row fills them."""
    worksheet.title = title
    filled = [column for column in optional_columns if any(row.get(column) for row in rows)]
    # A text column in one language means the column in every language: the reference
    # converter warns about a language missing a hint column.
    families = {column.split("::", 1)[0] for column in filled if "::" in column}
    used = columns + [
        column
        for column in optional_columns
        if column in filled or column.split("::", 1)[0] in families
    ]
    worksheet.append([_cell(column) for column in used])
    for row in rows:
        worksheet.append([_cell(row.get(column)) for column in used])


def _literal(text: str) -> str:
    """A survey text as XLSForm shows it literally: ``${name}`` would be read as a reference
    to an answer, so its ``$`` is set apart from the brace."""
    return text.replace("${", "$ {")


def _cell(value: Any) -> Any:
    """A value safe to put in a cell: no control characters xlsx cannot hold, no formulas."""
    if value == "":
        return None  # an empty cell, not an empty string, as spreadsheets write them
    if isinstance(value, str):
        return neutralise_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value
