"""XLSForm workbooks (.xlsx, as KoboToolbox and ODK use them) to survey documents and back.

Partners design surveys in XLSForm; we import the part of it a Community Voice survey can honour
and refuse the rest, listing every problem by sheet and row so staff can fix the workbook in one go.
Nothing is half-imported: :func:`document_from_xlsx` returns a document that passes
``validate(document, require_translations=False)`` or raises :class:`InvalidDocument`. Each
problem's ``where`` is ``survey sheet, row 7`` (or ``choices sheet`` for a sheet-wide one, ``file``
for a file that is not a workbook); its message is catalog text with the details in ``params``.

What imports
    Sheets ``survey`` (required), ``choices`` (required when there are select questions) and
    ``settings``; sheet names and column headers ignore case and surrounding spaces; other sheets
    are ignored.

    ============================================  =============================================
    XLSForm                                       survey document
    ============================================  =============================================
    ``text``                                      ``short_text`` (``long_text`` with appearance
                                                  ``multiline``)
    ``integer`` / ``decimal``                     ``number`` (``integer: true`` for integer)
    ``range`` with ``start=a end=b step=1``       ``rating`` from a to b, 0 <= a < b <= 10
    ``select_one L`` / ``select_multiple L``      ``single_choice`` / ``multiple_choice``
    (also ``select one L``, ``select one from L``,
    ``select multiple from L``, ``select all that apply L``)
    ``begin group`` ... ``end group``             a section (one page): key = group name,
    (or ``begin_group`` / ``end_group``)          title = group label
    ``label``, ``hint``                           question ``text``, ``help``
    ``required``                                  ``yes``/``true``/``1``/``true()`` or empty/no
    ``relevant``                                  ``${q} = 'code'`` -> ``show_if.equals``;
                                                  ``selected(${q}, 'code')`` -> ``show_if.includes``
    ``constraint``                                only ``. >= a and . <= b`` on numbers (min/max)
                                                  and ``string-length(.) <= n`` on text
    settings ``form_id`` / ``form_title``         ``slug`` (slugified) / ``title`` in every locale
    settings ``default_language``                 ``default_locale``
    ============================================  =============================================

    Questions outside any group form a section of their own, keyed by its position
    (``section_1``...). A group inside a group is flattened into the outer group's section: a
    section is one page and we have no sub-pages, so the inner group's label is dropped.

    Names become keys by lower-casing and turning ``-`` into ``_``; a name that still is not a
    lower-case identifier, or that clashes with another, is a problem. Choice names are kept as
    written (they are stored answer codes).

Languages
    Label and hint columns may be ``label``, ``label::Spanish (es)``, ``label::Spanish``,
    ``label:Spanish`` or ``LABEL::ES``; the code in parentheses wins over the name (so
    ``Chinese (zh-Hant)`` is refused: we offer Simplified Chinese only). The default language is
    settings ``default_language``; else English when a column has no language or says English;
    else the first language found. A column with no language holds the default language. The
    survey's locales are the languages with any label or hint text, default first; the one
    ``form_title`` becomes the title in each of them.

Ignored without a word
    ``note`` rows (we have no display-only kind), and the metadata types ``start``, ``end``,
    ``today``, ``deviceid``, ``username``, ``phonenumber``, ``audit`` and the like. Those collect
    device and phone data, which Community Voice never collects, so the imported survey simply
    does not. Presentation columns (``appearance`` other than ``multiline``, media,
    ``constraint_message``, ``required_message``, ``guidance_hint``...) and unknown columns are
    ignored too.

Refused (a problem on the row)
    Every other type (``calculate``, ``geopoint``, ``image``, ``date``, ``select_one_external``,
    ``rank``...), ``or_other`` / ``or specify other``, repeats, ``relevant`` on a group, any other
    ``relevant`` or ``constraint`` expression, and non-empty ``calculation``, ``choice_filter``,
    ``default``, ``repeat_count``, ``trigger`` or ``bind::`` cells: each would make the survey
    behave differently from the form staff wrote.

Writing
    :func:`xlsx_from_document` writes ``survey``, ``choices`` and ``settings`` sheets with
    ``label::<Language> (<tag>)`` columns, so Kobo reads them too. What XLSForm cannot say goes into
    ``cv_`` columns that this module reads back: ``cv_kind`` marks
    demographic questions, ``cv_min_label``/``cv_max_label`` hold rating end labels, settings
    ``cv_title``/``cv_intro``/``cv_thank_you`` hold the translated title, intro and thank-you text.
    (pyxform ignores unknown columns.) The round trip is lossless for a valid document, with one
    exception: every text cell a spreadsheet would take for a formula (starting with ``=``, ``+``,
    ``-``, ``@``, tab or CR) gets a leading ``'`` (:func:`neutralise_cell`), and reading keeps that
    ``'`` as text, because ours cannot be told apart from one staff typed.

Limits
    A file that is not a readable .xlsx, or that unpacks to more than 50 MB, is refused with one
    problem; so is a sheet running past row 20,000.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from survey.document import (
    CHOICE_KINDS,
    KEY_PATTERN,
    N_,
    SCHEMA,
    Problem,
    is_multiple,
    option_codes,
    validate,
)
from survey.services.errors import InvalidDocument
from survey.services.exports import neutralise_cell

#: a zip that inflates past this is refused before openpyxl parses it (zip bombs)
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
#: a sheet longer than this is refused; openpyxl would otherwise walk any row number a file claims
MAX_SHEET_ROWS = 20_000

SHEETS = ("survey", "choices", "settings")

#: our locale -> (English name, BCP 47 tag), as written in ``label::English (en)`` headers
LANGUAGE_HEADERS: dict[str, tuple[str, str]] = {
    "en": ("English", "en"),
    "es": ("Spanish", "es"),
    "vi": ("Vietnamese", "vi"),
    "zh_Hans": ("Chinese", "zh-Hans"),
    "ar": ("Arabic", "ar"),
    "so": ("Somali", "so"),
    "ht": ("Haitian Creole", "ht"),
    "hmn": ("Hmong", "hmn"),
}
_LANGUAGE_NAMES: dict[str, str] = {
    "english": "en",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "vietnamese": "vi",
    "tiếng việt": "vi",
    "tieng viet": "vi",
    "chinese": "zh_Hans",
    "simplified chinese": "zh_Hans",
    "chinese simplified": "zh_Hans",
    "中文": "zh_Hans",
    "简体中文": "zh_Hans",
    "arabic": "ar",
    "العربية": "ar",
    "somali": "so",
    "soomaali": "so",
    "af-soomaali": "so",
    "haitian": "ht",
    "haitian creole": "ht",
    "kreyòl": "ht",
    "kreyol": "ht",
    "kreyòl ayisyen": "ht",
    "kreyol ayisyen": "ht",
    "hmong": "hmn",
    "hmoob": "hmn",
}
#: language codes (lower case, ``_`` for ``-``), including ISO 639-2 ones some forms use
_LANGUAGE_CODES: dict[str, str] = {
    "en": "en",
    "eng": "en",
    "es": "es",
    "spa": "es",
    "vi": "vi",
    "vie": "vi",
    "zh": "zh_Hans",
    "zho": "zh_Hans",
    "chi": "zh_Hans",
    "zh_hans": "zh_Hans",
    "zh_cn": "zh_Hans",
    "zh_sg": "zh_Hans",
    "ar": "ar",
    "ara": "ar",
    "so": "so",
    "som": "so",
    "ht": "ht",
    "hat": "ht",
    "hmn": "hmn",
}

#: XLSForm columns holding one text per language, and the sheet each belongs on
_TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "survey": ("label", "hint", "cv_min_label", "cv_max_label"),
    "choices": ("label",),
    "settings": ("cv_title", "cv_intro", "cv_thank_you"),
}
_TEXT_HEADER = re.compile(
    r"(label|hint|cv_min_label|cv_max_label|cv_title|cv_intro|cv_thank_you)(?:\s*::?\s*(.*))?",
    re.IGNORECASE | re.DOTALL,
)
# fmt: off
_PLAIN_FIELDS: dict[str, tuple[str, ...]] = {
    "survey": (
        "type", "name", "required", "relevant", "appearance", "parameters", "constraint",
        "cv_kind", "calculation", "choice_filter", "default", "repeat_count", "trigger",
        "read_only", "readonly",
    ),
    "choices": ("list_name", "name"),
    "settings": ("form_id", "form_title", "default_language"),
}
# fmt: on
#: survey columns whose content changes what the form does; we cannot honour them
_BEHAVIOUR_COLUMNS = ("calculation", "choice_filter", "default", "repeat_count", "trigger")

_SELECT = re.compile(
    r"(?P<how>select_one|select one from|select one|select_multiple|select multiple from"
    r"|select multiple|select all that apply from|select all that apply)"
    r"\s+(?P<list>\S+)(?P<rest>.*)",
    re.IGNORECASE,
)
_GROUP = re.compile(r"(?P<end>begin|end)[ _](?P<what>group|repeat|loop|looped group)")
#: device and phone metadata: we never collect it, so these rows are dropped without a problem
# fmt: off
_METADATA_TYPES = frozenset((
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username",
    "email", "audit", "imei", "start-geopoint", "background-geopoint", "background-audio",
    "uri:deviceid", "uri:subscriberid", "uri:simserial", "uri:phonenumber", "uri:username",
    "uri:email",
))
# fmt: on
_UNSUPPORTED_TYPE = N_(
    "type '%(type)s' is not supported; we import text, integer, decimal, range, select_one, "
    "select_multiple, note, begin group and end group"
)
_UNSUPPORTED_TYPES: dict[str, str] = {
    **dict.fromkeys(
        ("calculate", "hidden"),
        N_("type '%(type)s' is not supported: calculations and hidden values are not supported"),
    ),
    **dict.fromkeys(
        ("geopoint", "geotrace", "geoshape"),
        N_("type '%(type)s' is not supported: we never collect locations"),
    ),
    **dict.fromkeys(
        ("image", "audio", "video", "file"),
        N_("type '%(type)s' is not supported: we do not accept photos, recordings or files"),
    ),
    **dict.fromkeys(
        ("date", "time", "datetime"),
        N_("type '%(type)s' is not supported: we have no date or time questions"),
    ),
    **dict.fromkeys(
        ("select_one_external", "select_one_from_file", "select_multiple_from_file"),
        N_("type '%(type)s' is not supported: choices must be on the choices sheet"),
    ),
    "barcode": N_("type '%(type)s' is not supported: we have no barcode questions"),
    "acknowledge": N_(
        "type '%(type)s' is not supported: we have no acknowledge questions; use a single choice"
    ),
    "rank": N_("type '%(type)s' is not supported: we have no ranking questions"),
}
_BAD_NAME = N_(
    "name '%(name)s' cannot be used: a name starts with a letter and uses only letters, digits, "
    "_ and - (at most 63 characters)"
)

_EQUALS = re.compile(r"\$\{\s*([^}\s]+)\s*\}\s*=\s*(?:'([^']*)'|\"([^\"]*)\")")
_SELECTED = re.compile(
    r"selected\s*\(\s*\$\{\s*([^}\s]+)\s*\}\s*,\s*(?:'([^']*)'|\"([^\"]*)\")\s*\)"
)
_NUMBER_BOUND = re.compile(r"\.\s*(>=|<=)\s*(-?\d+(?:\.\d+)?)")
_LENGTH_BOUND = re.compile(r"string-length\s*\(\s*\.\s*\)\s*<=\s*(\d+)")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")
_YES = frozenset({"yes", "y", "true", "true()", "1"})
_NO = frozenset({"", "no", "n", "false", "false()", "0"})


# --- reading the workbook ------------------------------------------------------------------------


@dataclass(frozen=True)
class _RawSheet:
    title: str  #: as spelled in the workbook
    rows: list[tuple[int, tuple[Any, ...]]]  #: (spreadsheet row number, cell values), non-empty
    too_long: bool = False


def _read_workbook(data: bytes) -> list[_RawSheet]:
    """Every worksheet as plain values, or InvalidDocument if the file is not a usable .xlsx."""
    unreadable = InvalidDocument(
        [
            Problem(
                "file",
                N_(
                    "is not an Excel workbook we can open; save it from Excel, LibreOffice or "
                    "Kobo as an .xlsx file and upload it again"
                ),
            )
        ]
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(member.file_size for member in archive.infolist())
    # A damaged zip directory raises more than BadZipFile (NotImplementedError for a garbled
    # version, struct.error, UnicodeDecodeError...); any of them means the same to staff.
    except Exception:
        raise unreadable from None
    if inflated > MAX_UNCOMPRESSED_BYTES:
        raise InvalidDocument(
            [Problem("file", N_("is too large once unpacked; a survey form is far smaller"))]
        )
    sheets: list[_RawSheet] = []
    try:
        # Real Kobo/Excel files carry data validations and extensions openpyxl drops with a
        # UserWarning; they do not matter to a form, and must not become errors under pytest.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\.|$)")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                for worksheet in workbook.worksheets:
                    if hasattr(worksheet, "reset_dimensions"):
                        # Trust the cells, not the size a file declares (it may claim a million
                        # columns and make openpyxl pad every row).
                        worksheet.reset_dimensions()
                    sheets.append(_raw_sheet(worksheet))
            finally:
                workbook.close()
    # openpyxl raises whatever its parsers hit on a damaged file (KeyError, BadZipFile,
    # InvalidFileException, XML ParseError, TypeError...); to staff they all mean one thing.
    except Exception:
        raise unreadable from None
    return sheets


def _raw_sheet(worksheet: Any) -> _RawSheet:
    rows: list[tuple[int, tuple[Any, ...]]] = []
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if number > MAX_SHEET_ROWS:
            return _RawSheet(str(worksheet.title), rows, too_long=True)
        cells = tuple(values)
        if any(_text(cell) for cell in cells):
            rows.append((number, cells))
    return _RawSheet(str(worksheet.title), rows)


def _text(value: Any) -> str:
    """A cell as the text staff see in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).strip()


# --- languages -----------------------------------------------------------------------------------


def _locale_from_code(raw: str) -> str | None:
    code = raw.strip().lower().replace("-", "_")
    if code in _LANGUAGE_CODES:
        return _LANGUAGE_CODES[code]
    if code.startswith("zh_hans"):
        return "zh_Hans"
    primary = code.split("_", 1)[0]
    # Only Simplified Chinese is offered: zh-Hant or zh-TW text must not pass for it.
    if primary != "zh" and primary in _LANGUAGE_CODES:
        return _LANGUAGE_CODES[primary]
    return None


def locale_of(language: str) -> str | None:
    """Our locale for an XLSForm language (``Spanish (es)``, ``Español``, ``ES``), else None."""
    text = unicodedata.normalize("NFC", language).strip()
    named = re.fullmatch(r"(.*?)\s*\(([^()]*)\)", text, re.DOTALL)
    if named:
        if _LANGUAGE_TAG.fullmatch(named[2].strip()):
            # The code wins: "Chinese (zh-Hant)" is not our Simplified Chinese.
            return _locale_from_code(named[2])
        text = named[1]  # "Chinese (Simplified)": a description, not a code
    return _LANGUAGE_NAMES.get(re.sub(r"\s+", " ", text.lower())) or _locale_from_code(text)


def language_header(locale: str) -> str:
    """How a locale is named in a column header: ``Spanish (es)``."""
    name, tag = LANGUAGE_HEADERS.get(locale, (locale, locale))
    return f"{name} ({tag})"


# --- problems ------------------------------------------------------------------------------------


@dataclass
class _Problems:
    """Problems by sheet and row; messages are catalog text, filled from params when shown."""

    found: list[tuple[str, int | None, str, dict[str, Any]]] = field(default_factory=list)

    def add(self, sheet: str, row: int | None, message: str, /, **params: Any) -> None:
        self.found.append((sheet, row, message, params))

    def as_problems(self) -> list[Problem]:
        ordered = sorted(self.found, key=lambda item: (SHEETS.index(item[0]), item[1] or 0))
        return [
            Problem(f"{sheet} sheet" + (f", row {row}" if row else ""), message, params=params)
            for sheet, row, message, params in ordered
        ]

    def __bool__(self) -> bool:
        return bool(self.found)


# --- one sheet's columns -------------------------------------------------------------------------


@dataclass
class _TextColumn:
    field: str
    locale: str | None  #: None: written without a language, so in the default language
    index: int
    header: str


@dataclass
class _Table:
    """A sheet with its header understood: which column holds what."""

    sheet: str
    header_row: int
    rows: list[tuple[int, tuple[Any, ...]]]
    plain: dict[str, int] = field(default_factory=dict)
    bind_columns: list[int] = field(default_factory=list)
    text_columns: list[_TextColumn] = field(default_factory=list)
    texts: dict[tuple[str, str], int] = field(default_factory=dict)

    def cell(self, values: Sequence[Any], column: str) -> str:
        index = self.plain.get(column)
        return _text(values[index]) if index is not None and index < len(values) else ""

    def localised(self, values: Sequence[Any], name: str) -> dict[str, str]:
        found = {}
        for (column_field, locale), index in self.texts.items():
            if column_field == name and index < len(values):
                text = _text(values[index])
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
                column.index < len(values) and _text(values[column.index])
                for _, values in self.rows
            ):
                found.append(column.locale)
        return found


def _table(sheet: str, raw: _RawSheet, problems: _Problems) -> _Table | None:
    if raw.too_long:
        problems.add(
            sheet,
            None,
            N_("goes on past row %(rows)s; delete the rows below the form"),
            rows=MAX_SHEET_ROWS,
        )
    if not raw.rows:
        return None
    header_row, header = raw.rows[0]
    table = _Table(sheet, header_row, raw.rows[1:])
    seen: dict[str, list[tuple[int, str]]] = {}
    for index, cell in enumerate(header):
        title = _text(cell)
        if not title:
            continue
        text_header = _TEXT_HEADER.fullmatch(title)
        if text_header and text_header[1].lower() in _TEXT_FIELDS[sheet]:
            language = (text_header[2] or "").strip()
            locale = locale_of(language) if language else None
            if language and locale is None:
                problems.add(
                    sheet,
                    header_row,
                    N_(
                        "column %(column)s (%(header)s) is in a language we do not offer "
                        "(%(language)s); we offer %(offered)s"
                    ),
                    column=get_column_letter(index + 1),
                    header=title,
                    language=language,
                    offered=", ".join(language_header(code) for code in LANGUAGE_HEADERS),
                )
                continue
            table.text_columns.append(_TextColumn(text_header[1].lower(), locale, index, title))
            continue
        name = re.sub(r"\s+", "_", title.lower())
        if sheet == "survey" and name.startswith("bind::"):
            table.bind_columns.append(index)
        elif name in _PLAIN_FIELDS[sheet]:
            seen.setdefault(name, []).append((index, title))
    for name, columns in seen.items():
        if len(columns) > 1:
            problems.add(
                sheet,
                header_row,
                N_("columns %(columns)s are both %(name)s; keep one"),
                columns=_columns_phrase(columns),
                name=name,
            )
        table.plain[name] = columns[0][0]
    return table


def _columns_phrase(columns: Sequence[tuple[int, str]]) -> str:
    # Listed without a conjunction: the message around it is translated, the list is not.
    return ", ".join(f"{get_column_letter(index + 1)} ({title})" for index, title in columns)


def _resolve_languages(table: _Table, default: str, problems: _Problems) -> None:
    """Give columns without a language the default one; two columns for one text is a problem."""
    grouped: dict[tuple[str, str], list[_TextColumn]] = {}
    for column in table.text_columns:
        grouped.setdefault((column.field, column.locale or default), []).append(column)
    for (name, locale), columns in grouped.items():
        if len(columns) > 1:
            problems.add(
                table.sheet,
                table.header_row,
                N_(
                    "columns %(columns)s both hold the %(language)s %(name)s; keep one (a "
                    "column without a language holds the default language)"
                ),
                columns=_columns_phrase([(c.index, c.header) for c in columns]),
                language=language_header(locale),
                name=name,
            )
        table.texts[(name, locale)] = columns[0].index


# --- the import ----------------------------------------------------------------------------------


@dataclass
class _Choice:
    row: int
    code: str
    label: dict[str, str]


@dataclass
class _ChoiceList:
    choices: list[_Choice] = field(default_factory=list)
    problems: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    reported: bool = False


@dataclass
class _Section:
    row: int | None  #: its begin group row; None for questions outside any group
    key: str | None
    title: dict[str, str]
    questions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Open:
    """A begin group (or repeat) row still waiting for its end."""

    row: int
    what: str
    name: str


@dataclass
class _Names:
    """Where each key first appears on the survey sheet."""

    questions: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)  #: notes and metadata


def document_from_xlsx(data: bytes, *, filename: str) -> dict[str, Any]:
    """A valid survey document from an XLSForm workbook, or InvalidDocument listing every problem.

    ``filename`` names the survey when the settings sheet gives no ``form_id``.
    """
    return _Import(_read_workbook(data), filename).run()


class _Import:
    def __init__(self, sheets: list[_RawSheet], filename: str) -> None:
        self.sheets = sheets
        self.filename = filename
        self.problems = _Problems()
        self.lists: dict[str, _ChoiceList] = {}
        self.question_rows: dict[str, int] = {}
        self.section_rows: dict[str, int] = {}
        #: None: no choices sheet; False: one whose header problems are already reported
        self.choices_readable: bool | None = None
        self.selects_without_sheet: list[int] = []

    def run(self) -> dict[str, Any]:
        found = self._find_sheets()
        if "survey" not in found:
            self.problems.add(
                "survey",
                None,
                N_(
                    "is missing: the workbook's sheets are %(sheets)s; the sheet with the "
                    "questions must be named survey"
                ),
                sheets=", ".join(sheet.title for sheet in self.sheets) or "-",
            )
            raise InvalidDocument(self.problems.as_problems())
        tables = {
            sheet: table
            for sheet, raw in found.items()
            if (table := _table(sheet, raw, self.problems)) is not None
        }
        survey = tables.get("survey")
        if survey is None:
            self.problems.add("survey", None, N_("is empty"))
            raise InvalidDocument(self.problems.as_problems())
        for column in ("type", "name"):
            if column not in survey.plain:
                self.problems.add(
                    "survey", survey.header_row, N_("has no %(column)s column"), column=column
                )
        if not any(column.field == "label" for column in survey.text_columns):
            self.problems.add(
                "survey", survey.header_row, N_("has no %(column)s column"), column="label"
            )
        if "type" not in survey.plain:
            raise InvalidDocument(self.problems.as_problems())
        choices = tables.get("choices")
        settings = tables.get("settings")
        settings_row, settings_values = settings.rows[0] if settings and settings.rows else (0, ())

        default, locales = self._languages(survey, choices, settings, settings_row, settings_values)
        for table in tables.values():
            _resolve_languages(table, default, self.problems)
        if choices is not None:
            self.choices_readable = self._read_choices(choices)
        sections = self._read_survey(survey)
        if not self.problems and not sections:
            self.problems.add("survey", None, N_("has no questions we can import"))
        if self.problems:
            raise InvalidDocument(self.problems.as_problems())
        document = self._document(sections, default, locales, settings, settings_values)
        self._check(document)
        return document

    # -- sheets and languages

    def _find_sheets(self) -> dict[str, _RawSheet]:
        found: dict[str, _RawSheet] = {}
        for sheet in self.sheets:
            name = sheet.title.strip().lower()
            if name not in SHEETS:
                continue
            if name in found:
                self.problems.add(
                    name,
                    None,
                    N_("appears twice ('%(first)s' and '%(second)s'); keep one"),
                    first=found[name].title,
                    second=sheet.title,
                )
                continue
            found[name] = sheet
        return found

    def _languages(
        self,
        survey: _Table,
        choices: _Table | None,
        settings: _Table | None,
        settings_row: int,
        settings_values: Sequence[Any],
    ) -> tuple[str, list[str]]:
        written = survey.written_languages()
        if choices is not None:
            written += [x for x in choices.written_languages() if x not in written]
        tagged = [locale for locale in written if locale is not None]

        default: str | None = None
        declared = settings.cell(settings_values, "default_language") if settings else ""
        if declared and declared.lower() != "default":
            default = locale_of(declared)
            if default is None:
                self.problems.add(
                    "settings",
                    settings_row,
                    N_("default_language '%(language)s' is not a language we offer"),
                    language=declared,
                )
            elif default not in tagged and None not in written:
                self.problems.add(
                    "settings",
                    settings_row,
                    N_("default_language is '%(language)s' but no label is written in it"),
                    language=declared,
                )
        if default is None:
            # A column without a language is XLSForm's unnamed default; we take it for English.
            default = "en" if None in written or "en" in tagged or not tagged else tagged[0]
        return default, [default, *(locale for locale in tagged if locale != default)]

    # -- choices

    def _read_choices(self, table: _Table) -> bool:
        missing = [column for column in ("list_name", "name") if column not in table.plain]
        if missing:
            self.problems.add(
                "choices",
                table.header_row,
                N_("has no %(column)s column"),
                column=" / ".join(missing),
            )
            return False
        for row, values in table.rows:
            list_name = table.cell(values, "list_name")
            code = table.cell(values, "name")
            label = table.localised(values, "label")
            if not list_name:
                if code or label:
                    self.problems.add("choices", row, N_("has a choice but no list_name"))
                continue
            # Problems wait until a question uses the list: an unused list never reaches the
            # survey, so it cannot hurt it.
            choice_list = self.lists.setdefault(list_name, _ChoiceList())
            if not code:
                choice_list.problems.append(
                    (row, N_("a choice in list '%(list)s' has no name"), {"list": list_name})
                )
                continue
            earlier = next((c for c in choice_list.choices if c.code == code), None)
            if earlier is not None:
                choice_list.problems.append(
                    (
                        row,
                        N_("choice name '%(code)s' is already in list '%(list)s' on row %(row)s"),
                        {"code": code, "list": list_name, "row": earlier.row},
                    )
                )
                continue
            if not label:
                choice_list.problems.append(
                    (
                        row,
                        N_("choice '%(code)s' in list '%(list)s' has no label"),
                        {"code": code, "list": list_name},
                    )
                )
            choice_list.choices.append(_Choice(row, code, label))
        return True

    def _select_options(self, list_name: str, row: int) -> list[dict[str, Any]] | None:
        """A list's options, or None when it is unusable (its problems reported once)."""
        if self.choices_readable is None:
            self.selects_without_sheet.append(row)
            return None
        if not self.choices_readable:
            return None
        choice_list = self.lists.get(list_name)
        if choice_list is None:
            self.problems.add(
                "survey",
                row,
                N_("choice list '%(list)s' is not on the choices sheet"),
                list=list_name,
            )
            return None
        if choice_list.problems:
            if not choice_list.reported:
                for choice_row, message, params in choice_list.problems:
                    self.problems.add("choices", choice_row, message, **params)
                choice_list.reported = True
            return None
        return [{"code": c.code, "label": dict(c.label)} for c in choice_list.choices]

    # -- survey rows

    def _read_survey(self, table: _Table) -> list[_Section]:
        names = self._names(table)
        sections: list[_Section] = []
        opened: list[_Open] = []
        imported: dict[str, dict[str, Any]] = {}
        refused: set[str] = set()  #: keys of rows with problems of their own

        for row, values in table.rows:
            type_text = re.sub(r"\s+", " ", table.cell(values, "type"))
            kind_word = type_text.lower()
            if not type_text:
                if table.cell(values, "name") or table.localised(values, "label"):
                    self.problems.add("survey", row, N_("has no type"))
                continue
            group = _GROUP.fullmatch(kind_word)
            if group:
                self._group_row(table, row, values, group, opened, sections)
                continue
            if kind_word == "note" or kind_word in _METADATA_TYPES:
                continue

            before = len(self.problems.found)
            question = self._question(table, row, values, type_text, names, imported, refused)
            if question is None or len(self.problems.found) > before:
                key = _key(table.cell(values, "name"))
                if key:
                    refused.add(key)
                continue
            imported[question["key"]] = question
            self.question_rows[question["key"]] = row
            if not sections or (not opened and sections[-1].row is not None):
                sections.append(_Section(None, None, {}))
            sections[-1].questions.append(question)

        for still_open in opened:
            self.problems.add(
                "survey",
                still_open.row,
                N_("begin %(what)s '%(name)s' has no end %(what)s"),
                what=still_open.what,
                name=still_open.name,
            )
        if self.selects_without_sheet:
            self.problems.add(
                "choices",
                None,
                N_(
                    "is missing; the select questions on survey rows %(rows)s need their choices there"
                ),
                rows=", ".join(str(row) for row in self.selects_without_sheet),
            )
        return self._keyed([section for section in sections if section.questions])

    def _names(self, table: _Table) -> _Names:
        names = _Names()
        for row, values in table.rows:
            key = _key(table.cell(values, "name"))
            kind_word = re.sub(r"\s+", " ", table.cell(values, "type")).lower()
            if not key or not kind_word or _GROUP.fullmatch(kind_word):
                continue
            skipped = kind_word == "note" or kind_word in _METADATA_TYPES
            (names.skipped if skipped else names.questions).setdefault(key, row)
        return names

    def _group_row(
        self,
        table: _Table,
        row: int,
        values: Sequence[Any],
        group: re.Match[str],
        opened: list[_Open],
        sections: list[_Section],
    ) -> None:
        what = "group" if group["what"] == "group" else "repeat"
        if group["end"] == "end":
            if not opened:
                self.problems.add(
                    "survey", row, N_("end %(what)s has no begin %(what)s before it"), what=what
                )
                return
            begun = opened.pop()
            if begun.what != what:
                self.problems.add(
                    "survey",
                    row,
                    N_("end %(what)s closes the %(begun)s begun on row %(row)s"),
                    what=what,
                    begun=begun.what,
                    row=begun.row,
                )
            return
        name = table.cell(values, "name")
        opened.append(_Open(row, what, name))
        if what == "repeat":
            self.problems.add(
                "survey", row, N_("repeats are not supported: a survey asks each question once")
            )
        if table.cell(values, "relevant"):
            self.problems.add(
                "survey",
                row,
                N_("relevant on a group is not supported; put it on each question of the group"),
            )
        if len(opened) > 1:
            return  # a group inside a group: its questions join the outer group's section
        key = _key(name)
        if not name:
            self.problems.add("survey", row, N_("begin %(what)s has no name"), what=what)
        elif key is None:
            self.problems.add("survey", row, _BAD_NAME, name=name)
        elif key in self.section_rows:
            self.problems.add(
                "survey",
                row,
                N_("group name '%(name)s' is already used on row %(row)s"),
                name=name,
                row=self.section_rows[key],
            )
        else:
            self.section_rows[key] = row
        sections.append(_Section(row, key, table.localised(values, "label")))

    def _question(
        self,
        table: _Table,
        row: int,
        values: Sequence[Any],
        type_text: str,
        names: _Names,
        imported: Mapping[str, Mapping[str, Any]],
        refused: set[str],
    ) -> dict[str, Any] | None:
        """The question on a row, or None when it cannot be imported (problems added)."""
        add = self.problems.add
        kind_word = type_text.lower()
        select = _SELECT.fullmatch(type_text)
        question: dict[str, Any] = {}
        usable = True
        if select:
            rest = select["rest"].strip().lower()
            if rest in ("or_other", "or specify other"):
                add(
                    "survey",
                    row,
                    N_(
                        "type '%(type)s': or_other is not supported; add an 'other' choice and a "
                        "text question shown when it is picked"
                    ),
                    type=type_text,
                )
                return None
            if rest:
                add("survey", row, _UNSUPPORTED_TYPE, type=type_text)
                return None
            multiple = "one" not in select["how"].lower()
            question["kind"] = "multiple_choice" if multiple else "single_choice"
        elif kind_word == "text":
            appearance = table.cell(values, "appearance").lower().split()
            question["kind"] = "long_text" if "multiline" in appearance else "short_text"
        elif kind_word in ("integer", "int", "decimal"):
            question["kind"] = "number"
            if kind_word != "decimal":
                question["integer"] = True
        elif kind_word == "range":
            scale = self._scale(table, row, values)
            if scale is None:
                return None
            question["kind"] = "rating"
            question["scale"] = scale
        else:
            first_word = kind_word.split(" ", 1)[0]
            message = _UNSUPPORTED_TYPES.get(kind_word) or _UNSUPPORTED_TYPES.get(first_word)
            add("survey", row, message or _UNSUPPORTED_TYPE, type=type_text)
            return None

        name = table.cell(values, "name")
        key = _key(name)
        if not name:
            if "name" in table.plain:  # else the header problem already says it
                add("survey", row, N_("has no name"))
        elif key is None:
            add("survey", row, _BAD_NAME, name=name)
        elif names.questions.get(key, row) != row:
            add(
                "survey",
                row,
                N_(
                    "name '%(name)s' is already used on row %(row)s (names are compared ignoring "
                    "case, with - read as _)"
                ),
                name=name,
                row=names.questions[key],
            )
        question = {"key": key or "", **question}
        label = table.localised(values, "label")
        if not label and any(column.field == "label" for column in table.text_columns):
            add("survey", row, N_("has no label"))
        question["text"] = label
        help_text = table.localised(values, "hint")
        if help_text:
            question["help"] = help_text
        question["required"] = self._required(table, row, values)
        if select:
            options = self._select_options(select["list"], row)
            if options is None:
                usable = False
            else:
                question["options"] = options

        self._cv_kind(table, row, values, question)
        self._constraint(table, row, values, question)
        for column in _BEHAVIOUR_COLUMNS:
            content = table.cell(values, column)
            if content:
                add(
                    "survey",
                    row,
                    N_("the %(column)s column (%(content)s) is not supported"),
                    column=column,
                    content=content,
                )
        if any(index < len(values) and _text(values[index]) for index in table.bind_columns):
            add("survey", row, N_("bind:: columns are not supported"))
        if any(
            table.cell(values, column).lower() not in _NO for column in ("read_only", "readonly")
        ):
            add("survey", row, N_("read-only questions are not supported"))
        relevant = table.cell(values, "relevant")
        if relevant:
            condition = self._show_if(relevant, row, key, names, imported, refused)
            if condition is not None:
                question["show_if"] = condition
        return question if usable else None

    def _required(self, table: _Table, row: int, values: Sequence[Any]) -> bool:
        text = table.cell(values, "required")
        if text.lower() in _YES:
            return True
        if text.lower() not in _NO:
            self.problems.add(
                "survey", row, N_("required must be yes or no, not '%(value)s'"), value=text
            )
        return False

    def _scale(self, table: _Table, row: int, values: Sequence[Any]) -> dict[str, Any] | None:
        text = table.cell(values, "parameters")
        parameters: dict[str, str] = {}
        for part in re.split(r"[\s,;]+", re.sub(r"\s*=\s*", "=", text)):
            name, equals, value = part.partition("=")
            if equals:
                parameters[name.lower()] = value
        # ODK's own default step is 1; start and end must be said.
        numbers = {
            name: _float(parameters.get(name, fallback))
            for name, fallback in (("start", ""), ("end", ""), ("step", "1"))
        }
        start, end, step = numbers["start"], numbers["end"], numbers["step"]
        if not (
            start is not None
            and end is not None
            and start.is_integer()
            and end.is_integer()
            and step == 1
            and 0 <= start < end <= 10
        ):
            self.problems.add(
                "survey",
                row,
                N_(
                    "a range becomes a rating only with parameters like 'start=1 end=5 step=1': "
                    "whole numbers from 0 to 10, start below end, step 1 (found: %(parameters)s)"
                ),
                parameters=text or "-",
            )
            return None
        scale: dict[str, Any] = {"min": int(start), "max": int(end)}
        for end_name in ("min_label", "max_label"):
            labels = table.localised(values, f"cv_{end_name}")
            if labels:
                scale[end_name] = labels
        return scale

    def _cv_kind(
        self, table: _Table, row: int, values: Sequence[Any], question: dict[str, Any]
    ) -> None:
        wanted = table.cell(values, "cv_kind").lower()
        if not wanted or wanted == question["kind"]:
            return
        if wanted == "demographic" and question["kind"] in CHOICE_KINDS:
            question["multiple"] = question["kind"] == "multiple_choice"
            question["kind"] = "demographic"
            return
        self.problems.add(
            "survey",
            row,
            N_("cv_kind '%(wanted)s' does not fit a %(kind)s question"),
            wanted=wanted,
            kind=question["kind"],
        )

    def _constraint(
        self, table: _Table, row: int, values: Sequence[Any], question: dict[str, Any]
    ) -> None:
        text = table.cell(values, "constraint")
        if not text:
            return
        found: dict[str, int | float] = {}
        for part in re.split(r"\s+and\s+", text, flags=re.IGNORECASE):
            side, value = _bound(part, question["kind"])
            if side is None or side in found:
                break
            found[side] = value
        else:
            question.update(found)
            return
        self.problems.add(
            "survey",
            row,
            N_(
                "constraint we cannot read: %(constraint)s; we read only '. >= 0 and . <= 120' "
                "on numbers and 'string-length(.) <= 500' on text"
            ),
            constraint=text,
        )

    def _show_if(
        self,
        relevant: str,
        row: int,
        key: str | None,
        names: _Names,
        imported: Mapping[str, Mapping[str, Any]],
        refused: set[str],
    ) -> dict[str, str] | None:
        add = self.problems.add
        match = _EQUALS.fullmatch(relevant)
        operator = "equals"
        if match is None:
            match = _SELECTED.fullmatch(relevant)
            operator = "includes"
        if match is None:
            add(
                "survey",
                row,
                N_(
                    "relevant we cannot read: %(relevant)s; we read only ${question} = 'choice' "
                    "and selected(${question}, 'choice')"
                ),
                relevant=relevant,
            )
            return None
        target_name = match[1]
        code = match[2] if match[2] is not None else match[3]
        target = _key(target_name) or target_name
        referenced = imported.get(target)
        if referenced is None:
            if target == key:
                add("survey", row, N_("relevant cannot refer to the question itself"))
            elif target in refused:
                pass  # that row's own problems say what to fix
            elif target in names.questions and names.questions[target] > row:
                add(
                    "survey",
                    row,
                    N_(
                        "relevant refers to '%(name)s', which comes later (row %(row)s); a question "
                        "can only depend on earlier ones"
                    ),
                    name=target_name,
                    row=names.questions[target],
                )
            elif target in names.skipped:
                add(
                    "survey",
                    row,
                    N_("relevant refers to '%(name)s', which is not a question we import"),
                    name=target_name,
                )
            else:
                add(
                    "survey",
                    row,
                    N_("relevant refers to '%(name)s', which is not on the sheet"),
                    name=target_name,
                )
            return None
        if referenced.get("kind") not in CHOICE_KINDS:
            add(
                "survey",
                row,
                N_("relevant can only depend on a select question, and '%(name)s' is not one"),
                name=target_name,
            )
            return None
        if code not in option_codes(referenced):
            add(
                "survey",
                row,
                N_("relevant compares '%(name)s' with '%(code)s', which is not one of its choices"),
                name=target_name,
                code=code,
            )
            return None
        if not is_multiple(referenced):
            # selected() on a select_one means the same as =.
            return {"question": target, "equals": code}
        if operator == "equals":
            add(
                "survey",
                row,
                N_(
                    "'%(name)s' takes several answers, so relevant must read "
                    "selected(${%(name)s}, '%(code)s')"
                ),
                name=target_name,
                code=code,
            )
            return None
        return {"question": target, "includes": code}

    # -- the document

    def _keyed(self, sections: list[_Section]) -> list[_Section]:
        """Key each section of questions outside groups by its position, avoiding group keys."""
        taken = {section.key for section in sections if section.key}
        for position, section in enumerate(sections, start=1):
            if section.row is not None:
                continue
            key, suffix = f"section_{position}", 1
            while key in taken:
                suffix += 1
                key = f"section_{position}_{suffix}"
            section.key = key
            taken.add(key)
        return sections

    def _document(
        self,
        sections: list[_Section],
        default: str,
        locales: list[str],
        settings: _Table | None,
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
            for section in sections
        ]
        return document

    def _check(self, document: dict[str, Any]) -> None:
        """Validate the result; whatever is still wrong is pinned to the row it came from."""
        for problem in validate(document, require_translations=False):
            subject, _, key = problem.where.partition(" ")
            rows = {"question": self.question_rows, "section": self.section_rows}.get(subject, {})
            self.problems.add("survey", rows.get(key), problem.message, **problem.params)
        if self.problems:
            raise InvalidDocument(self.problems.as_problems())


def _bound(part: str, kind: str) -> tuple[str | None, int | float]:
    """One ``. >= n`` / ``. <= n`` (numbers) or ``string-length(.) <= n`` (text) clause."""
    part = part.strip()
    if kind == "number" and (bound := _NUMBER_BOUND.fullmatch(part)):
        number = float(bound[2])
        return ("min" if bound[1] == ">=" else "max"), int(
            number
        ) if number.is_integer() else number
    if kind in ("short_text", "long_text") and (length := _LENGTH_BOUND.fullmatch(part)):
        return "max_length", int(length[1])
    return None, 0


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _only(texts: Mapping[str, str], locales: Sequence[str]) -> dict[str, str]:
    return {locale: text for locale, text in texts.items() if locale in locales}


def _key(name: str) -> str | None:
    """Our key for an XLSForm name, when lower-casing and reading - as _ make one."""
    candidate = name.strip().lower().replace("-", "_")
    return candidate if KEY_PATTERN.fullmatch(candidate) else None


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].strip("-")


# --- writing -------------------------------------------------------------------------------------


def xlsx_from_document(document: Mapping[str, Any]) -> bytes:
    """An XLSForm workbook for ``document``, which Kobo opens and :func:`document_from_xlsx`
    reads back to the same document."""
    default = str(document.get("default_locale") or "en")
    locales = [str(locale) for locale in document.get("locales") or [default]]

    def texts(name: str, values: Mapping[str, str] | None) -> dict[str, str]:
        values = values or {}
        return {
            _text_header(name, locale): values[locale] for locale in locales if values.get(locale)
        }

    survey_rows: list[dict[str, Any]] = []
    choice_rows: list[dict[str, Any]] = []
    for section in document.get("sections") or []:
        key = section.get("key", "")
        survey_rows.append(
            {"type": "begin_group", "name": key, **texts("label", section.get("title"))}
        )
        for question in section.get("questions") or []:
            scale = question.get("scale") or {}
            survey_rows.append(
                {
                    **_question_cells(question),
                    **texts("label", question.get("text")),
                    **texts("hint", question.get("help")),
                    **texts("cv_min_label", scale.get("min_label")),
                    **texts("cv_max_label", scale.get("max_label")),
                }
            )
            choice_rows.extend(
                {
                    "list_name": question.get("key", ""),
                    "name": option.get("code", ""),
                    **texts("label", option.get("label")),
                }
                for option in question.get("options") or []
            )
        survey_rows.append({"type": "end_group", "name": key})

    title = document.get("title") or {}
    settings_row = {
        "form_title": title.get(default) or document.get("slug", ""),
        "form_id": document.get("slug", ""),
        "default_language": language_header(default),
        **texts("cv_title", title),
        **texts("cv_intro", document.get("intro")),
        **texts("cv_thank_you", document.get("thank_you")),
    }

    def localised(*names: str) -> list[str]:
        return [_text_header(name, locale) for name in names for locale in locales]

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
            *localised("cv_min_label", "cv_max_label"),
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


def _text_header(name: str, locale: str) -> str:
    return f"{name}::{language_header(locale)}"


def _question_cells(question: Mapping[str, Any]) -> dict[str, str]:
    kind = question.get("kind")
    key = str(question.get("key", ""))
    cells = {"name": key, "required": "yes" if question.get("required") else ""}
    if kind in CHOICE_KINDS:
        cells["type"] = f"{'select_multiple' if is_multiple(question) else 'select_one'} {key}"
        if kind == "demographic":
            cells["cv_kind"] = "demographic"
    elif kind in ("short_text", "long_text"):
        cells["type"] = "text"
        if kind == "long_text":
            cells["appearance"] = "multiline"
        if question.get("max_length") is not None:
            cells["constraint"] = f"string-length(.) <= {question['max_length']}"
    elif kind == "number":
        cells["type"] = "integer" if question.get("integer") else "decimal"
        bounds = [
            f". {operator} {_number(question[side])}"
            for side, operator in (("min", ">="), ("max", "<="))
            if question.get(side) is not None
        ]
        if bounds:
            cells["constraint"] = " and ".join(bounds)
    elif kind == "rating":
        scale = question.get("scale") or {}
        cells["type"] = "range"
        cells["parameters"] = f"start={scale.get('min', 1)} end={scale.get('max', 5)} step=1"
    else:
        cells["type"] = str(kind)  # an invalid document; reading it back names the row
    condition = question.get("show_if")
    if isinstance(condition, Mapping) and condition.get("question"):
        target = condition["question"]
        if "includes" in condition:
            cells["relevant"] = f"selected(${{{target}}}, {_quoted(condition['includes'])})"
        else:
            cells["relevant"] = f"${{{target}}} = {_quoted(condition.get('equals', ''))}"
    return cells


def _quoted(code: Any) -> str:
    text = str(code)
    return f'"{text}"' if "'" in text else f"'{text}'"


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _write_sheet(
    worksheet: Any,
    title: str,
    columns: list[str],
    optional_columns: list[str],
    rows: list[dict[str, Any]],
) -> None:
    """A header and one line per row; optional columns only when some row fills them."""
    worksheet.title = title
    used = columns + [column for column in optional_columns if any(row.get(column) for row in rows)]
    worksheet.append([_cell(column) for column in used])
    for row in rows:
        worksheet.append([_cell(row.get(column)) for column in used])


def _cell(value: Any) -> Any:
    """A value safe to put in a cell: no control characters xlsx cannot hold, no formulas."""
    if value == "":
        return None  # an empty cell, not an empty string, as spreadsheets write them
    if isinstance(value, str):
        return neutralise_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value
