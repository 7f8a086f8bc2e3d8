"""Survey definitions brought in from files: an XLSForm spreadsheet or a survey document."""

from __future__ import annotations

import json

from survey.document import N_, NOT_A_SURVEY_FILE, Problem
from survey.formats.imported import Imported
from survey.services.errors import InvalidDocument


def read_definition(filename: str, data: bytes) -> Imported:
    """A survey document from an uploaded ``.xlsx`` or ``.json`` file, with the changes an
    XLSForm needed (a JSON document is taken as it is and validated when imported)."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        from survey.formats import xlsform  # openpyxl is heavy; load it only when needed

        return xlsform.read_xlsform(data, filename=filename)
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
        return Imported(document)
    raise InvalidDocument(
        [Problem("document", N_("Please upload a .xlsx (XLSForm) or .json file."))]
    )
