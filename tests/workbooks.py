"""Spreadsheets written in tests, as staff would save them from Excel or LibreOffice."""

from __future__ import annotations

import io
from typing import Any

import openpyxl


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    """An .xlsx file with one sheet per entry of ``sheets`` (title → rows), in that order."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
