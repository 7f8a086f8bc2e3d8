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
from werkzeug.routing import IntegerConverter, UnicodeConverter
from werkzeug.utils import cached_property

#: explicit bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069):
#: typed into a name, U+202E makes "exe.txt" read "txt.exe" on every page that shows it. The
#: marks (U+200E, U+200F) that right-to-left keyboards insert stay.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
#: C0 and C1 control characters except tab, line feed and carriage return (handled below), and
#: the bidirectional controls above.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NEEDS_CLEANING = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


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
    def args(self) -> MultiDict[str, str]:
        cleaned: MultiDict[str, str] = _clean(super().args, self.parameter_storage_class)
        return cleaned


#: the largest id an integer column holds on every database we run on (PostgreSQL ``integer``)
LARGEST_ID = 2**31 - 1


class BoundedInt(IntegerConverter):
    """``<int:…>`` in routes, but a number no database id can be (above 2**31 - 1, the largest
    PostgreSQL ``integer``) is a 404 rather than an overflow inside the query."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


class CleanSegment(UnicodeConverter):
    """``<slug>`` in routes, but a path segment with a control character (``/s/%00``) matches no
    route: a 404, never a NUL byte that PostgreSQL refuses inside the query."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f-\x9f]", 1)
