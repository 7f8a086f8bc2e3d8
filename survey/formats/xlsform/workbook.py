"""An .xlsx file as plain sheets of cell values, refused in one problem when it cannot be read."""

from __future__ import annotations

import io
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import openpyxl

from survey.problems import N_, Problem
from survey.services.errors import InvalidDocument

#: a zip that inflates past this is refused before openpyxl parses it (zip bombs)
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
#: a sheet longer than this is refused; openpyxl would otherwise walk any row number a file claims
MAX_SHEET_ROWS = 20_000


@dataclass(frozen=True)
class RawSheet:
    title: str  #: as spelled in the workbook
    rows: list[tuple[int, tuple[Any, ...]]]  #: (spreadsheet row number, cell values), non-empty
    too_long: bool = False


def read_workbook(data: bytes) -> list[RawSheet]:
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
    sheets: list[RawSheet] = []
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


def _raw_sheet(worksheet: Any) -> RawSheet:
    rows: list[tuple[int, tuple[Any, ...]]] = []
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if number > MAX_SHEET_ROWS:
            return RawSheet(str(worksheet.title), rows, too_long=True)
        cells = tuple(values)
        if any(cell_text(cell) for cell in cells):
            rows.append((number, cells))
    return RawSheet(str(worksheet.title), rows)


def cell_text(value: Any) -> str:
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
