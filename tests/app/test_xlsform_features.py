"""XLSForm features one by one (or_other, phone numbers, groups with relevant, notes, constraints,
languages in any code), and what the reference converter (pyxform, pinned in the dev extra)
says of our exports: no error and no warning for the demo survey and for a survey with every
kind and every condition shape."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pyxform.xls2xform import convert

from survey.document import validate
from survey.formats.xlsform import document_from_xlsx, read_xlsform, xlsx_from_document
from tests.conftest import ROOT
from tests.workbooks import workbook

DEMO = ROOT / "survey" / "demo" / "hopes.json"


def question(document: dict[str, Any], key: str) -> dict[str, Any]:
    return next(q for s in document["sections"] for q in s["questions"] if q["key"] == key)


def texts(**by_locale: str) -> dict[str, str]:
    return dict(by_locale)


#: a survey with every kind, every kind setting and every condition shape, in two languages
EVERY_KIND: dict[str, Any] = {
    "schema": "community-voice/survey@1",
    "slug": "every-kind",
    "default_locale": "en",
    "locales": ["en", "sw"],
    "title": texts(en="Every kind", sw="Kila aina"),
    "intro": texts(en="Hello", sw="Habari"),
    "thank_you": texts(en="Thanks", sw="Asante"),
    "sections": [
        {
            "key": "first",
            "title": texts(en="First", sw="Kwanza"),
            "questions": [
                {"key": "visits", "kind": "single_choice", "required": True,
                 "text": texts(en="Visits?", sw="Ziara?"),
                 "help": texts(en="Pick one", sw="Chagua moja"),
                 "options": [{"code": "never", "label": texts(en="Never", sw="Kamwe")},
                             {"code": "often", "label": texts(en="Often", sw="Mara nyingi")}]},
                {"key": "topics", "kind": "multiple_choice", "required": False,
                 "text": texts(en="Topics?", sw="Mada?"),
                 "options": [{"code": "parks", "label": texts(en="Parks", sw="Bustani")},
                             {"code": "it's", "label": texts(en="Other", sw="Nyingine")}]},
                {"key": "age", "kind": "number", "required": False, "integer": True,
                 "min": 0, "max": 120, "text": texts(en="Age?", sw="Umri?")},
                {"key": "weight", "kind": "number", "required": False, "min": 0.5,
                 "text": texts(en="Weight?", sw="Uzito?")},
                {"key": "trust", "kind": "rating", "required": False,
                 "scale": {"min": 1, "max": 5}, "text": texts(en="Trust?", sw="Imani?")},
                {"key": "safety", "kind": "rating", "required": False,
                 "scale": {"min": 0, "max": 10, "min_label": texts(en="Unsafe", sw="Hatari"),
                           "max_label": texts(en="Safe", sw="Salama")},
                 "text": texts(en="Safety?", sw="Usalama?")},
            ],
        },
        {
            "key": "second",
            "questions": [
                {"key": "phone", "kind": "short_text", "required": False, "max_length": 40,
                 "pattern": "^\\+?[0-9 ()./-]*$", "text": texts(en="Phone?", sw="Simu?")},
                {"key": "story", "kind": "long_text", "required": False, "max_length": 300,
                 "text": texts(en="Story?", sw="Hadithi?"),
                 "show_if": {"question": "visits", "equals": "often"}},
                {"key": "c_not_equals", "kind": "short_text", "required": False,
                 "text": texts(en="A", sw="A"),
                 "show_if": {"question": "visits", "not_equals": "never"}},
                {"key": "c_includes", "kind": "short_text", "required": False,
                 "text": texts(en="B", sw="B"), "show_if": {"question": "topics", "includes": "it's"}},
                {"key": "c_excludes", "kind": "short_text", "required": False,
                 "text": texts(en="C", sw="C"),
                 "show_if": {"question": "topics", "excludes": "parks"}},
                {"key": "c_compare", "kind": "short_text", "required": False,
                 "text": texts(en="D", sw="D"),
                 "show_if": {"all": [{"question": "age", "ge": 18}, {"question": "age", "lt": 65},
                                     {"question": "weight", "gt": 1.5},
                                     {"question": "trust", "le": 2}]}},
                {"key": "c_answered", "kind": "short_text", "required": False,
                 "text": texts(en="E", sw="E"),
                 "show_if": {"any": [{"question": "phone", "answered": True},
                                     {"question": "story", "answered": False}]}},
                {"key": "c_not", "kind": "short_text", "required": False,
                 "text": texts(en="F", sw="F"),
                 "show_if": {"not": {"any": [{"question": "visits", "equals": "never"},
                                             {"question": "safety", "equals": 3}]}}},
                {"key": "day", "kind": "date", "required": False,
                 "text": texts(en="Which day?", sw="Siku gani?")},
                {"key": "hour", "kind": "time", "required": False,
                 "text": texts(en="What time?", sw="Saa ngapi?"),
                 "show_if": {"question": "day", "answered": True}},
                {"key": "origin", "kind": "demographic", "required": False, "multiple": True,
                 "text": texts(en="Origin?", sw="Asili?"),
                 "options": [{"code": "here", "label": texts(en="Here", sw="Hapa")},
                             {"code": "prefer_not_to_say",
                              "label": texts(en="Prefer not to say", sw="Sipendi kusema")}]},
            ],
        },
    ],
}  # fmt: skip


def demo() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DEMO.read_text(encoding="utf-8"))
    return document


def pyxform_warnings(document: dict[str, Any]) -> list[str]:
    """Convert our export with the reference converter; its errors raise, its warnings return."""
    warnings: list[str] = []
    result = convert(xlsx_from_document(document), warnings=warnings, file_type=".xlsx")
    assert "<h:html" in result.xform
    return warnings


@pytest.mark.parametrize("name", ["demo", "every kind and condition"])
def test_the_reference_converter_takes_our_export_without_a_warning(name: str) -> None:
    document = demo() if name == "demo" else copy.deepcopy(EVERY_KIND)
    assert validate(document) == []
    assert pyxform_warnings(document) == []


def test_the_reference_converter_reads_our_pages_languages_ratings_and_conditions() -> None:
    warnings: list[str] = []
    result = convert(xlsx_from_document(EVERY_KIND), warnings=warnings, file_type=".xlsx")
    xform = result.xform
    assert 'lang="Swahili (sw)"' in xform
    assert 'appearance="field-list"' in xform  # one screen per page in Kobo and ODK
    assert "<range " in xform  # a rating without end labels
    assert "Hatari" in xform  # a rating's end label, in a choice other tools show
    assert "relevant=\" /data/first/visits  = 'often'\"" in xform
    assert "relevant=\"not(selected( /data/first/topics , 'parks'))\"" in xform
    assert "( /data/first/age  &gt;= 18) and ( /data/first/age  &lt; 65)" in xform
    assert "regex(., '^\\+?[0-9 ()./-]*$')" in xform


def test_every_kind_and_condition_round_trips() -> None:
    again = read_xlsform(xlsx_from_document(EVERY_KIND), filename="x.xlsx")
    assert again.changes == []
    assert again.document == EVERY_KIND


def test_an_unusual_content_language_is_written_with_a_code_pyxform_knows() -> None:
    document = copy.deepcopy(EVERY_KIND)
    document["locales"] = ["en", "prs"]  # Dari
    for part in _texts(document):
        part["prs"] = part.pop("sw")
    assert pyxform_warnings(document) == []
    again = document_from_xlsx(xlsx_from_document(document), filename="x.xlsx")
    assert again["locales"] == ["en", "prs"]


def test_a_regional_content_language_comes_back_as_itself() -> None:
    document = copy.deepcopy(EVERY_KIND)
    document["locales"] = ["en", "fa_AF"]
    for part in _texts(document):
        part["fa_AF"] = part.pop("sw")
    again = document_from_xlsx(xlsx_from_document(document), filename="x.xlsx")
    assert again == document


def _texts(document: dict[str, Any]) -> list[dict[str, str]]:
    found = [document["title"], document["intro"], document["thank_you"]]
    for section in document["sections"]:
        found += [section["title"]] if "title" in section else []
        for q in section["questions"]:
            found += [q["text"], *(o["label"] for o in q.get("options", []))]
            found += [q["help"]] if "help" in q else []
            scale = q.get("scale", {})
            found += [scale[e] for e in ("min_label", "max_label") if e in scale]
    return found


# --- reading features ----------------------------------------------------------------------------


def test_swahili_and_tagalog_columns_import() -> None:
    data = workbook(
        {
            "survey": [
                ["type", "name", "label::English (en)", "label::Swahili (sw)",
                 "label::Tagalog (tl)", "hint::Swahili (sw)"],
                ["text", "hopes", "Your hopes?", "Matumaini yako?", "Ang iyong pag-asa?",
                 "Andika kidogo"],
            ],
            "settings": [["form_id", "default_language"], ["hopes-sw", "English (en)"]],
        }
    )  # fmt: skip
    result = read_xlsform(data, filename="f.xlsx")
    assert result.changes == []
    assert result.document["locales"] == ["en", "sw", "tl"]
    hopes = question(result.document, "hopes")
    assert hopes["text"] == {
        "en": "Your hopes?",
        "sw": "Matumaini yako?",
        "tl": "Ang iyong pag-asa?",
    }
    assert hopes["help"] == {"sw": "Andika kidogo"}


def test_or_other_adds_an_option_and_a_question_asked_when_it_is_picked() -> None:
    data = workbook(
        {
            "survey": [["type", "name", "label"],
                       ["select_one colour or_other", "colour", "Colour?"],
                       ["select_multiple colour or specify other", "colours", "Colours?"]],
            "choices": [["list_name", "name", "label"], ["colour", "red", "Red"]],
        }
    )  # fmt: skip
    result = read_xlsform(data, filename="f.xlsx")
    document = result.document
    assert [o["code"] for o in question(document, "colour")["options"]] == ["red", "other"]
    assert question(document, "colour_other")["show_if"] == {
        "question": "colour",
        "equals": "other",
    }
    assert question(document, "colours_other")["show_if"] == {
        "question": "colours",
        "includes": "other",
    }
    assert str(result.changes[0]).startswith(
        "survey sheet, row 2: or_other became an option 'other' and a question 'colour_other'"
    )


def test_a_groups_relevant_applies_to_each_of_its_questions() -> None:
    data = workbook(
        {
            "survey": [
                ["type", "name", "label", "relevant", "appearance"],
                ["select_one yn", "kids", "Kids?"],
                ["begin group", "family", "Family", "${kids} = 'yes'", "field-list"],
                ["integer", "how_many", "How many?"],
                ["text", "names", "Names?", "${how_many} > 1"],
                ["end group"],
            ],
            "choices": [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]],
        }
    )
    result = read_xlsform(data, filename="f.xlsx")
    assert result.changes == []
    document = result.document
    assert [s["key"] for s in document["sections"]] == ["section_1", "family"]
    assert question(document, "how_many")["show_if"] == {"question": "kids", "equals": "yes"}
    assert question(document, "names")["show_if"] == {
        "all": [{"question": "kids", "equals": "yes"}, {"question": "how_many", "gt": 1}]
    }


def test_a_groups_relevant_that_cannot_be_kept_is_said_once() -> None:
    data = workbook(
        {
            "survey": [
                ["type", "name", "label", "relevant"],
                ["begin group", "family", "Family", "${age} > today()"],
                ["integer", "how_many", "How many?"],
                ["text", "names", "Names?"],
                ["end group"],
            ]
        }
    )
    result = read_xlsform(data, filename="f.xlsx")
    assert [str(c) for c in result.changes] == [
        "survey sheet, row 2: relevant ${age} > today() of the group could not be kept, so its "
        "questions are asked whenever their own conditions allow"
    ]
    assert "show_if" not in question(result.document, "names")


def test_notes_become_the_introduction_or_the_next_questions_help() -> None:
    data = workbook(
        {
            "survey": [
                ["type", "name", "label", "hint", "guidance_hint"],
                ["note", "welcome", "Welcome!"],
                ["text", "a", "A?", "Short", "Take your time"],
                ["note", "careful", "Next, about money"],
                ["integer", "b", "B?"],
            ]
        }
    )
    result = read_xlsform(data, filename="f.xlsx")
    document = result.document
    assert document["intro"] == {"en": "Welcome!"}
    assert question(document, "a")["help"] == {"en": "Short\nTake your time"}
    assert question(document, "b")["help"] == {"en": "Next, about money"}
    assert [str(c) for c in result.changes] == [
        "survey sheet, row 2: a note became part of the introduction",
        "survey sheet, row 4: a note became part of the help of the next question",
    ]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["text", "mail", "Email?", "regex(., '^[^@]+@[^@]+$')"], {"pattern": "^[^@]+@[^@]+$"}),
        (["text", "short", "Short?", "string-length(.) < 50"], {"max_length": 49}),
        (["decimal", "d", "D?", ". > 0 and . <= 9.5"], {"min": 0, "max": 9.5}),
        (["integer", "i", "I?", ". > 0 and . < 10"], {"min": 1, "max": 9}),
    ],
)
def test_constraints_become_answer_checks(row: list[Any], expected: dict[str, Any]) -> None:
    data = workbook({"survey": [["type", "name", "label", "constraint"], row]})
    result = read_xlsform(data, filename="f.xlsx")
    assert result.changes == []
    found = question(result.document, row[1])
    assert {k: found[k] for k in expected} == expected


def test_phone_numbers_dates_and_acknowledge() -> None:
    data = workbook(
        {
            "survey": [
                ["type", "name", "label"],
                ["phone number", "phone", "Phone?"],
                ["date", "when", "When?"],
                ["acknowledge", "ok", "I agree"],
            ]
        }
    )
    document = document_from_xlsx(data, filename="f.xlsx")
    phone = question(document, "phone")
    assert phone["kind"] == "short_text"
    assert phone["pattern"]
    assert question(document, "when")["kind"] == "date"
    assert question(document, "ok")["options"] == [{"code": "OK", "label": {"en": "OK"}}]


def test_media_external_choices_and_choice_filters_are_said() -> None:
    data = workbook(
        {
            "survey": [
                ["type", "name", "label", "media::image", "choice_filter"],
                ["select_one_from_file places.csv", "place", "Place?"],
                ["select_one c", "city", "City?", "city.png", "state=${state}"],
            ],
            "choices": [["list_name", "name", "label"], ["c", "x", "X"]],
        }
    )
    changes = [str(c) for c in read_xlsform(data, filename="f.xlsx").changes]
    assert changes == [
        "survey sheet, row 2: type 'select_one_from_file places.csv' ('place') was left out: its "
        "choices are in another file",
        "survey sheet, row 3: choice_filter state=${state} was left out: every choice of the list "
        "is offered",
        "survey sheet, row 3: pictures and sounds of the question were left out",
    ]
