"""What the app reads from a request: form fields and query parameters without control characters
nobody types, and path numbers a database can hold.

A NUL byte cannot be stored in a PostgreSQL text column (SQLite would keep it), and the other C0
and C1 controls only garble exports (U+0085 even splits CSV rows in some readers); tab and line
breaks stay, with CR LF and CR stored as LF. Cleaning every form field and query
parameter here means no page has to remember to.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Request
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

#: C0 and C1 control characters except tab, line feed and carriage return (handled below).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NEEDS_CLEANING = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _text(value: str) -> str:
    # Browsers send line breaks in text areas as CR LF; one kind of line break is stored.
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _clean(values: MultiDict[str, str], storage: type[Any]) -> Any:
    items = values.items(multi=True)
    if not any(_NEEDS_CLEANING.search(k) or _NEEDS_CLEANING.search(v) for k, v in items):
        return values
    return storage((_text(k), _text(v)) for k, v in values.items(multi=True))


class CleanRequest(Request):
    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form is not None:
            self.__dict__["form"] = _clean(form, self.parameter_storage_class)

    @cached_property
    def args(self) -> MultiDict[str, str]:  # type: ignore[override]
        return _clean(super().args, self.parameter_storage_class)  # type: ignore[no-any-return]


class BoundedInt(IntegerConverter):
    """``<int:…>`` in routes, but a number no database id can be (above 2**63 - 1) is a 404
    rather than an overflow inside the query."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)
