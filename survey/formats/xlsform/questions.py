"""One reader per XLSForm question type: the question it becomes (kind and kind settings), or
``None`` when the row is left out; every change is noted on the row.

The settings every question shares (key, text, help, required, conditions, checks) are read
by :mod:`survey.formats.xlsform.read`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from survey.formats.xlsform.choices import ChoiceLists
from survey.formats.xlsform.table import Notes, Table
from survey.problems import N_

#: a phone number as residents type one: digits with spaces, dashes, brackets, a leading +
PHONE_PATTERN = r"^\+?[0-9 ()./-]*$"

_SELECT = re.compile(
    r"(?P<how>select_one|select one from|select one|select_multiple|select multiple from"
    r"|select multiple|select all that apply from|select all that apply|rank)"
    r"\s+(?P<list>\S+)(?P<rest>.*)",
    re.IGNORECASE,
)
_OTHER = ("or_other", "or specify other")

#: row types left out, each with the reason staff read
# fmt: off
_HIDDEN = N_("type '%(type)s' ('%(name)s') was left out: it is a calculated or hidden value, not a question")
_METADATA = N_("type '%(type)s' ('%(name)s') was left out: it records the device or the person, which we never do")
_LOCATION = N_("type '%(type)s' ('%(name)s') was left out: we never collect locations")
_MEDIA = N_("type '%(type)s' ('%(name)s') was left out: we do not accept photos, recordings or files")
_EXTERNAL = N_("type '%(type)s' ('%(name)s') was left out: its choices are in another file")
_UNKNOWN = N_("type '%(type)s' ('%(name)s') was left out: we do not know this type")
LEFT_OUT: dict[str, str] = {
    **dict.fromkeys(("calculate", "hidden", "xml-external", "csv-external"), _HIDDEN),
    **dict.fromkeys((
        "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber",
        "username", "email", "audit", "imei", "start-geopoint", "background-geopoint",
        "background-audio", "uri:deviceid", "uri:subscriberid", "uri:simserial",
        "uri:phonenumber", "uri:username", "uri:email", "start-time", "end-time",
    ), _METADATA),
    **dict.fromkeys(("geopoint", "geotrace", "geoshape"), _LOCATION),
    **dict.fromkeys(("image", "audio", "video", "file", "barcode"), _MEDIA),
    **dict.fromkeys(
        ("select_one_external", "select_one_from_file", "select_multiple_from_file"), _EXTERNAL
    ),
}
# fmt: on


@dataclass
class Row:
    """One survey row being read."""

    table: Table
    number: int
    values: tuple[Any, ...]
    type_text: str
    notes: Notes
    choices: ChoiceLists
    default: str

    def cell(self, column: str) -> str:
        return self.table.cell(self.values, column)

    def change(self, message: str, /, **params: Any) -> None:
        self.notes.change("survey", self.number, message, type=self.type_text, **params)


Reader = Callable[[Row], "dict[str, Any] | None"]


def left_out(type_text: str) -> str | None:
    """The reason a row of this type is left out, if it is."""
    words = type_text.lower().split()
    if not words:
        return None
    return LEFT_OUT.get(" ".join(words)) or LEFT_OUT.get(words[0])


def read_question(row: Row) -> dict[str, Any] | None:
    words = row.type_text.lower()
    select = _SELECT.fullmatch(row.type_text)
    if select:
        return _choice(row, select)
    reader = READERS.get(words)
    if reader is None:
        row.change(_UNKNOWN, name=row.cell("name"))
        return None
    return reader(row)


def _choice(row: Row, select: re.Match[str]) -> dict[str, Any] | None:
    how = select["how"].lower()
    rest = select["rest"].strip().lower()
    name = row.cell("name")
    if rest and rest not in _OTHER:
        row.change(_UNKNOWN, name=name)
        return None
    if row.choices.readable is None:
        row.change(
            N_("'%(name)s' was left out: there is no choices sheet for its list '%(list)s'"),
            name=name,
            list=select["list"],
        )
        return None
    options = row.choices.options(select["list"])
    if not options:
        row.change(
            N_("'%(name)s' was left out: its choice list '%(list)s' is not on the choices sheet"),
            name=name,
            list=select["list"],
        )
        return None
    multiple = "one" not in how
    if how == "rank":
        row.change(N_("a ranking became a multiple choice: residents pick, without an order"))
    kind = "multiple_choice" if multiple else "single_choice"
    question: dict[str, Any] = {"kind": kind, "options": options}
    if rest in _OTHER:
        question["or_other"] = True
    if row.cell("choice_filter"):
        row.change(
            N_("choice_filter %(filter)s was left out: every choice of the list is offered"),
            filter=row.cell("choice_filter"),
        )
    return question


def _text(row: Row) -> dict[str, Any]:
    appearance = row.cell("appearance").lower().split()
    return {"kind": "long_text" if "multiline" in appearance else "short_text"}


def _number(row: Row) -> dict[str, Any]:
    question: dict[str, Any] = {"kind": "number"}
    if row.type_text.lower() != "decimal":
        question["integer"] = True
    return question


def _date(row: Row) -> dict[str, Any]:
    return {"kind": "date"}


def _time(row: Row) -> dict[str, Any]:
    return {"kind": "time"}


def _as_text(row: Row) -> dict[str, Any]:
    row.change(N_("a '%(type)s' question became a short text: residents type their answer"))
    return {"kind": "short_text", "max_length": 100}


def _phone(row: Row) -> dict[str, Any]:
    row.change(
        N_("a phone number became a short text that accepts digits, spaces, +, - and brackets")
    )
    return {"kind": "short_text", "max_length": 40, "pattern": PHONE_PATTERN}


def _acknowledge(row: Row) -> dict[str, Any]:
    row.change(N_("an acknowledge question became a single choice with the one option 'OK'"))
    return {"kind": "single_choice", "options": [{"code": "OK", "label": {row.default: "OK"}}]}


def _range(row: Row) -> dict[str, Any]:
    text = row.cell("parameters")
    parameters: dict[str, str] = {}
    for part in re.split(r"[\s,;]+", re.sub(r"\s*=\s*", "=", text)):
        name, equals, value = part.partition("=")
        if equals:
            parameters[name.lower()] = value
    numbers = {
        name: _float(parameters.get(name, fallback))
        for name, fallback in (("start", "1"), ("end", "10"), ("step", "1"))
    }
    start, end, step = numbers["start"], numbers["end"], numbers["step"]
    if (
        start is not None
        and end is not None
        and start.is_integer()
        and end.is_integer()
        and step == 1
        and 0 <= start < end <= 10
    ):
        scale: dict[str, Any] = {"min": int(start), "max": int(end)}
        for end_name in ("min_label", "max_label"):
            labels = row.table.localised(row.values, f"cv_{end_name}")
            if labels:
                scale[end_name] = labels
        return {"kind": "rating", "scale": scale}
    row.change(
        N_(
            "a range with parameters '%(parameters)s' became a number question: a rating runs "
            "over whole numbers from 0 to 10 in steps of 1"
        ),
        parameters=text or "-",
    )
    question: dict[str, Any] = {"kind": "number"}
    if step is not None and step.is_integer() and (start is None or start.is_integer()):
        question["integer"] = True
    for side, value in (("min", start), ("max", end)):
        if value is not None:
            question[side] = int(value) if value.is_integer() else value
    if "min" in question and "max" in question and question["min"] > question["max"]:
        question["min"], question["max"] = question["max"], question["min"]
    return question


def _float(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


READERS: dict[str, Reader] = {
    "text": _text,
    "string": _text,
    "integer": _number,
    "int": _number,
    "decimal": _number,
    "range": _range,
    "date": _date,
    "time": _time,
    "datetime": _as_text,
    "datetime-local": _as_text,
    "phone number": _phone,
    "acknowledge": _acknowledge,
    "trigger": _acknowledge,
}
