"""Survey definitions brought in from files: an XLSForm spreadsheet or a survey document."""

from __future__ import annotations

import json
from typing import Any

from survey.document import N_, NOT_A_SURVEY_FILE, Problem
from survey.services.errors import InvalidDocument


def read_definition(filename: str, data: bytes) -> dict[str, Any]:
    """A survey document from an uploaded ``.xlsx`` or ``.json`` file (not yet validated)."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        from survey.services import xlsform  # openpyxl is heavy; load it only when needed

        return xlsform.document_from_xlsx(data, filename=filename)
    if name.endswith(".json"):
        try:
            document = json.loads(data.decode("utf-8-sig"))
        except RecursionError as exc:
            raise InvalidDocument(
                [Problem("document", N_("the file is nested too deeply to be a survey"))]
            ) from exc
        except UnicodeDecodeError as exc:
            raise InvalidDocument([Problem("document", N_("The file is not UTF-8 text."))]) from exc
        except json.JSONDecodeError as exc:
            raise InvalidDocument(
                [
                    Problem(
                        "document",
                        N_("This is not valid JSON (line %(line)s, column %(column)s)."),
                        params={"line": exc.lineno, "column": exc.colno},
                    )
                ]
            ) from exc
        if not isinstance(document, dict):
            raise InvalidDocument([Problem("document", NOT_A_SURVEY_FILE)])
        return document
    raise InvalidDocument(
        [Problem("document", N_("Please upload a .xlsx (XLSForm) or .json file."))]
    )
