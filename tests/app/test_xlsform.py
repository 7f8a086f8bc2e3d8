"""XLSForm import and export: real forms from pyxform's tests, hand-built workbooks for each rule
(what is changed to import a form, what still refuses it), the demo survey's round trip, and
formula-like text made inert in exports. Features one by one, content languages and the
reference converter's view of our exports: tests/app/test_xlsform_features.py."""

from __future__ import annotations

import copy
import io
import json
import random
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.document import Problem, validate
from survey.formats.xlsform import document_from_xlsx, read_xlsform, xlsx_from_document
from survey.services.errors import InvalidDocument
from tests.conftest import IN_CI, ROOT, SHARED_DATA
from tests.workbooks import workbook

XLSFORMS = SHARED_DATA / "xlsforms"
DEMO = ROOT / "survey" / "demo" / "hopes.json"
WHERE = re.compile(r"(survey|choices|settings) sheet(, row \d+)?")

#: each real form: the change (or, when refused, the problem) it is read with, by place and text
REAL_FORMS: dict[str, tuple[bool, str, str] | None] = {
    "bad_calc.xlsx": (False, "survey sheet", "has no questions we can import"),
    "case_insensitivity.xlsx": (True, "survey sheet, row 3", "its choices are in another file"),
    "duplicate_columns.xlsx": (True, "survey sheet, row 1", "columns D (label), E (label)"),
    "extra_columns.xlsx": None,
    "field-list.xlsx": None,
    "flat_xlsform_test.xlsx": (True, "survey sheet, row 34", "we never collect locations"),
    "group.xlsx": (True, "survey sheet, row 4", "a phone number became a short text"),
    "or_other.xlsx": (True, "survey sheet, row 2", "or_other became an option 'other'"),
    "specify_other.xlsx": (True, "survey sheet, row 2", "or_other became an option 'other'"),
    "survey_no_name.xlsx": (True, "survey sheet", "only sheet, 'Sheet1', was read as the survey"),
    "text_and_integer.xlsx": None,
    "yes_or_no_question.xlsx": None,
}


def real_forms_folder() -> Path:
    if not XLSFORMS.is_dir():
        if IN_CI:
            pytest.fail(f"{XLSFORMS} is missing; CI must provide the shared data")
        pytest.skip(f"shared XLSForm files not found at {XLSFORMS} (set CV_SHARED_DATA)")
    return XLSFORMS


def changes(data: bytes, filename: str = "form.xlsx") -> list[str]:
    """The changes an import that must succeed lists, as the command line prints them."""
    result = read_xlsform(data, filename=filename)
    assert validate(result.document, require_translations=False) == []
    return [str(change) for change in result.changes]


def refused(data: bytes, filename: str = "form.xlsx") -> list[str]:
    with pytest.raises(InvalidDocument) as caught:
        document_from_xlsx(data, filename=filename)
    return [str(problem) for problem in caught.value.problems]


def outcome(data: bytes) -> tuple[Any, list[Problem]]:
    """The imported document, or the problems it was refused with — never anything else."""
    try:
        return document_from_xlsx(data, filename="form.xlsx"), []
    except InvalidDocument as error:
        return None, error.problems


def survey_only(*rows: list[Any]) -> bytes:
    return workbook({"survey": [["type", "name", "label"], *rows]})


def question(document: dict[str, Any], key: str) -> dict[str, Any]:
    return next(q for s in document["sections"] for q in s["questions"] if q["key"] == key)


# --- the twelve real forms -----------------------------------------------------------------------


@pytest.mark.parametrize("filename", sorted(REAL_FORMS))
def test_real_form_imports_with_its_changes_or_is_refused_row_by_row(filename: str) -> None:
    data = (real_forms_folder() / filename).read_bytes()
    expected = REAL_FORMS[filename]
    document, problems = outcome(data)
    if expected is None or expected[0]:
        assert problems == []
        result = read_xlsform(data, filename=filename)
        assert validate(result.document, require_translations=False) == []
        listed = result.changes
    else:
        assert document is None
        listed = problems
    for problem in listed:
        assert WHERE.fullmatch(problem.where), problem
        assert problem.text().strip(), problem
    if expected is None:
        assert listed == []
    else:
        _, where, message = expected
        assert any(p.where == where and message in p.text() for p in listed), listed


def test_every_real_form_we_import_exports_without_a_warning() -> None:
    from pyxform.xls2xform import convert

    for path in sorted(real_forms_folder().glob("*.xlsx")):
        document, _ = outcome(path.read_bytes())
        if document is None:
            continue
        warnings: list[str] = []
        convert(xlsx_from_document(document), warnings=warnings, file_type=".xlsx")
        assert warnings == [], path.name


def test_at_least_ten_of_the_twelve_real_forms_import() -> None:
    folder = real_forms_folder()
    imported = [p.name for p in folder.glob("*.xlsx") if outcome(p.read_bytes())[0] is not None]
    assert len(imported) >= 10, imported


def test_every_shared_form_is_expected() -> None:
    assert sorted(p.name for p in real_forms_folder().glob("*.xlsx")) == sorted(REAL_FORMS)


def test_real_forms_keep_their_languages_and_groups() -> None:
    folder = real_forms_folder()
    field_list = document_from_xlsx((folder / "field-list.xlsx").read_bytes(), filename="f.xlsx")
    assert field_list["locales"] == ["en", "zh_Hans"]
    assert field_list["sections"][0]["key"] == "name"
    select = question(field_list, "table_list_question")
    assert select["kind"] == "single_choice"
    assert select["help"] == {"en": "hint"}
    assert select["options"][0] == {"code": "yes", "label": {"en": "Yes", "zh_Hans": "是"}}

    legacy = document_from_xlsx(
        (folder / "yes_or_no_question.xlsx").read_bytes(), filename="yes_or_no_question.xlsx"
    )
    assert legacy["slug"] == "yes-or-no-question"
    assert [o["code"] for o in question(legacy, "good_day")["options"]] == ["yes", "no"]


def test_real_form_changes_name_every_row_left_out() -> None:
    data = (real_forms_folder() / "flat_xlsform_test.xlsx").read_bytes()
    listed = changes(data)
    for row in (30, *range(33, 39)):  # acknowledge, datetime, geopoint ... video
        assert any(p.startswith(f"survey sheet, row {row}:") for p in listed), row
    assert any(p.startswith("choices sheet, row 4:") and "has no label" in p for p in listed)
    document = document_from_xlsx(data, filename="flat.xlsx")
    keys = [q["key"] for s in document["sections"] for q in s["questions"]]
    assert "geopoint_test" not in keys
    assert "calculate_test" not in keys
    assert question(document, "date_test")["kind"] == "date"
    assert question(document, "datetime_test")["kind"] == "short_text"


# --- a hand-built form ---------------------------------------------------------------------------


def two_language_form() -> bytes:
    return workbook(
        {
            "Survey": [
                [" TYPE ", "Name", "label::English (en)", "Label::Español", "hint::English (en)",
                 "required", "relevant", "appearance", "parameters"],
                ["select_one yes_no", "Has-Kids", "Do children live with you?",
                 "¿Viven niños con usted?", None, "yes", None, None, None],
                ["text", "kids_needs", "What do they need?", "¿Qué necesitan?",
                 "A few words", "false", "${has-kids} = 'yes'", "multiline", None],
                ["begin group", "city", "The city", "La ciudad"],
                ["select multiple issues", "issues", "Which issues?", "¿Qué problemas?"],
                ["note", "thanks_note", "Nearly done", "Casi terminamos"],
                ["range", "trust", "Trust", "Confianza", None, "TRUE()",
                 'selected(${issues}, "parks")', None, "start=1 end=5 step=1"],
                ["end group"],
                ["integer", "age", "Age", "Edad"],
                ["start", "start"],
                ["deviceid", "device"],
            ],
            "choices": [
                ["list name", "name", "label::English (en)", "label::Español"],
                ["yes_no", "yes", "Yes", "Sí"],
                ["yes_no", "no", "No", "No"],
                ["issues", "parks", "Parks", "Parques"],
                ["issues", "housing", "Housing", "Vivienda"],
                ["unused", "x", None, None],
            ],
            "SETTINGS": [
                ["form_title", "form_id", "default_language"],
                ["Our city", "Our City 2025!", "English (en)"],
            ],
            "notes": [["anything", "goes"]],
        }
    )  # fmt: skip


def test_hand_built_form_imports_both_languages_and_skip_logic() -> None:
    document = document_from_xlsx(two_language_form(), filename="ignored.xlsx")
    assert validate(document, require_translations=False) == []
    assert document["slug"] == "our-city-2025"
    assert document["locales"] == ["en", "es"]
    assert document["default_locale"] == "en"
    assert document["title"] == {"en": "Our city", "es": "Our city"}
    assert [s["key"] for s in document["sections"]] == ["section_1", "city", "section_3"]
    assert document["sections"][1]["title"] == {"en": "The city", "es": "La ciudad"}

    kids = question(document, "has_kids")
    assert kids["kind"] == "single_choice"
    assert kids["required"] is True
    assert kids["text"] == {"en": "Do children live with you?", "es": "¿Viven niños con usted?"}
    assert kids["options"][0] == {"code": "yes", "label": {"en": "Yes", "es": "Sí"}}

    needs = question(document, "kids_needs")
    assert needs["kind"] == "long_text"
    assert needs["required"] is False
    assert needs["help"] == {"en": "A few words"}
    assert needs["show_if"] == {"question": "has_kids", "equals": "yes"}

    assert question(document, "issues")["kind"] == "multiple_choice"
    trust = question(document, "trust")
    assert trust["kind"] == "rating"
    assert trust["scale"] == {"min": 1, "max": 5}
    assert trust["required"] is True
    assert trust["show_if"] == {"question": "issues", "includes": "parks"}
    age = question(document, "age")
    assert (age["kind"], age["integer"], age["text"]) == (
        "number",
        True,
        {"en": "Age", "es": "Edad"},
    )
    keys = [q["key"] for s in document["sections"] for q in s["questions"]]
    assert keys == ["has_kids", "kids_needs", "issues", "trust", "age"]  # no note, no metadata


def test_a_column_without_language_holds_the_default_language() -> None:
    data = workbook(
        {
            "survey": [["type", "name", "label", "label::English"], ["text", "q", "Hola", "Hi"]],
            "settings": [["default_language"], ["Spanish"]],
        }
    )
    document = document_from_xlsx(data, filename="Encuesta de Barrio.xlsx")
    assert document["default_locale"] == "es"
    assert document["locales"] == ["es", "en"]
    assert question(document, "q")["text"] == {"es": "Hola", "en": "Hi"}
    assert document["slug"] == "encuesta-de-barrio"
    assert document["title"] == {"es": "encuesta-de-barrio", "en": "encuesta-de-barrio"}


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        ("label::English (en)", "en"),
        ("label:Vietnamese", "vi"),
        ("LABEL::ZH-HANS", "zh_Hans"),
        ("label::中文", "zh_Hans"),
        ("label::Chinese (Simplified)", "zh_Hans"),
        ("label::العربية", "ar"),
        ("label::Soomaali", "so"),
        ("label::Kreyòl", "ht"),
        ("label::Hmoob", "hmn"),
        ("label::Something (es)", "es"),  # the code in parentheses wins
    ],
)
def test_language_columns_map_to_our_locales(header: str, locale: str) -> None:
    document = document_from_xlsx(
        workbook({"survey": [["type", "name", header], ["text", "q", "?"]]}), filename="f.xlsx"
    )
    assert document["locales"] == [locale]
    assert question(document, "q")["text"] == {locale: "?"}


def test_nested_groups_are_flattened_into_the_outer_section() -> None:
    document = document_from_xlsx(
        survey_only(
            ["begin_group", "outer", "Outer"],
            ["text", "a", "A"],
            ["begin group", "inner", "Inner"],
            ["text", "b", "B"],
            ["end group"],
            ["text", "c", "C"],
            ["end_group"],
        ),
        filename="f.xlsx",
    )
    [section] = document["sections"]
    assert section["key"] == "outer"
    assert [q["key"] for q in section["questions"]] == ["a", "b", "c"]


# --- changes and refusals, one rule each ----------------------------------------------------------


def test_a_workbook_of_one_sheet_is_read_as_the_survey_sheet() -> None:
    data = workbook({"Sheet1": [["type", "name", "label"], ["text", "q", "Q"]]})
    assert changes(data) == [
        "survey sheet: the workbook's only sheet, 'Sheet1', was read as the survey sheet"
    ]


def test_missing_survey_sheet() -> None:
    problems = refused(
        workbook({"Sheet1": [["type", "name", "label"], ["text", "q", "Q"]], "Sheet2": [["x"]]})
    )
    assert problems == [
        "survey sheet: is missing: the workbook's sheets are Sheet1, Sheet2; the sheet with the "
        "questions must be named survey"
    ]


@pytest.mark.parametrize(
    "data",
    [b"", b"type,name,label\ntext,q,Q\n", b"PK\x03\x04 broken", b"\xd0\xcf\x11\xe0" * 64],
    ids=["empty", "csv", "broken-zip", "old-xls"],
)
def test_a_file_that_is_not_a_workbook(data: bytes) -> None:
    [problem] = refused(data)
    assert problem.startswith("file: is not an Excel workbook we can open")


def test_a_zip_that_is_not_a_workbook() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a spreadsheet")
    [problem] = refused(buffer.getvalue())
    assert problem.startswith("file: is not an Excel workbook")


def test_types_we_never_ask_are_left_out_by_name() -> None:
    data = survey_only(["text", "ok", "OK"], ["geopoint", "where", "Where?"], ["signature", "s"])
    assert changes(data) == [
        "survey sheet, row 3: type 'geopoint' ('where') was left out: we never collect locations",
        "survey sheet, row 4: type 'signature' ('s') was left out: we do not know this type",
    ]
    document = document_from_xlsx(data, filename="f.xlsx")
    assert [q["key"] for q in document["sections"][0]["questions"]] == ["ok"]


def test_changes_are_catalog_text_with_the_details_apart() -> None:
    data = survey_only(["text", "ok", "OK"], ["geopoint", "where", "Where?"])
    [change] = read_xlsform(data, filename="f.xlsx").changes
    assert change.message == (
        "type '%(type)s' ('%(name)s') was left out: we never collect locations"
    )
    assert change.params == {"type": "geopoint", "name": "where"}
    assert change.where == "survey sheet, row 3"


def test_duplicate_names_after_lower_casing_refuse_the_form() -> None:
    assert refused(survey_only(["text", "Q-1", "One"], ["text", "q_1", "Two"])) == [
        "survey sheet, row 3: name 'q_1' is already used on row 2 "
        "(names are compared ignoring case, with - read as _)"
    ]


def test_a_name_that_cannot_be_a_key_is_made_one() -> None:
    data = survey_only(["text", "1st question", "One"], ["text", None, "Two"])
    assert changes(data) == [
        "survey sheet, row 2: name '1st question' became 'q_1st_question' (names here use a-z, "
        "0-9 and _ and start with a letter)",
        "survey sheet, row 3: has no name; it is called 'question_3'",
    ]


CONDITION_FORM = {
    "survey": [
        ["type", "name", "label", "relevant"],
        ["select_one yn", "a", "A", None],
        ["select_multiple yn", "many", "Many", None],
        ["note", "hello", "Hello", None],
        ["text", "t", "T", None],
        ["integer", "n", "N", None],
        ["text", "b", "B", None],
        ["select_one yn", "later", "Later", None],
    ],
    "choices": [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]],
}


@pytest.mark.parametrize(
    ("relevant", "show_if"),
    [
        ("${a} = 'yes'", {"question": "a", "equals": "yes"}),
        ("${a}!='no'", {"question": "a", "not_equals": "no"}),
        ("selected(${a}, 'yes')", {"question": "a", "equals": "yes"}),
        ("selected(${many}, 'yes')", {"question": "many", "includes": "yes"}),
        ("not(selected(${many}, 'yes'))", {"question": "many", "excludes": "yes"}),
        ("${many} = 'yes'", {"question": "many", "includes": "yes"}),
        ("count-selected(${many}) > 0", {"question": "many", "answered": True}),
        ("count-selected(${many}) = 0", {"question": "many", "answered": False}),
        ("${t} != ''", {"question": "t", "answered": True}),
        ("string-length(${t}) = 0", {"question": "t", "answered": False}),
        ("${n} >= 18", {"question": "n", "ge": 18}),
        ("18 > ${n}", {"question": "n", "lt": 18}),
        ("${n} = '2'", {"question": "n", "equals": 2}),
        (
            "${a} = 'yes' and (${n} < 5 or not(${t} = ''))",
            {
                "all": [
                    {"question": "a", "equals": "yes"},
                    {"any": [{"question": "n", "lt": 5}, {"question": "t", "answered": True}]},
                ]
            },
        ),
        ("not(${a} = 'yes' or ${n} > 3)", {"not": {"any": [
            {"question": "a", "equals": "yes"}, {"question": "n", "gt": 3}]}}),
    ],
)  # fmt: skip
def test_relevant_becomes_a_condition(relevant: str, show_if: dict[str, Any]) -> None:
    form = copy.deepcopy(CONDITION_FORM)
    form["survey"][6][3] = relevant
    document = document_from_xlsx(workbook(form), filename="f.xlsx")
    assert question(document, "b")["show_if"] == show_if


@pytest.mark.parametrize(
    "relevant",
    [
        "${later} = 'yes'",  # comes later
        "${nowhere} = 'yes'",  # not on the sheet
        "${hello} = 'yes'",  # a note
        "${a} = 'maybe'",  # not one of its choices
        "${t} = 'yes'",  # text compared with a value
        "${b} = 'yes'",  # itself
        "${a} = 'yes' and ${a} = 'no'",  # never true
        "${n} > today()",
        "jr:choice-name(${a}, '${a}') = 'Yes'",
        "${a} = 'yes' and",
    ],
)
def test_relevant_we_cannot_keep_is_left_out_and_said(relevant: str) -> None:
    form = copy.deepcopy(CONDITION_FORM)
    form["survey"][6][3] = relevant
    listed = changes(workbook(form))
    assert listed[-1].startswith(
        f"survey sheet, row 7: relevant {relevant} could not be kept, so the question is always "
        "asked"
    )
    assert "show_if" not in question(document_from_xlsx(workbook(form), filename="f"), "b")


def test_unknown_language_column_is_left_out() -> None:
    data = workbook(
        {
            "survey": [
                ["type", "name", "label", "label::Elvish"],
                ["text", "q", "Hi", "Mae govannen"],
            ]
        }
    )
    assert changes(data) == [
        "survey sheet, row 1: column D (label::Elvish) was left out: 'Elvish' is not a "
        "language name or code we know; write it as Name (code), e.g. Swahili (sw)"
    ]


def test_traditional_chinese_is_a_language_of_its_own() -> None:
    data = workbook(
        {
            "survey": [
                ["type", "name", "label::Chinese (zh-Hant)", "label::中文"],
                ["text", "q", "繁", "简"],
            ]
        }
    )
    document = document_from_xlsx(data, filename="f.xlsx")
    assert document["locales"] == ["zh_Hant", "zh_Hans"]
    assert question(document, "q")["text"] == {"zh_Hant": "繁", "zh_Hans": "简"}


def test_select_with_a_missing_list_is_left_out() -> None:
    data = workbook(
        {
            "survey": [["type", "name", "label"], ["select_one colours", "colour", "Colour?"],
                       ["text", "why", "Why?"]],
            "choices": [["list_name", "name", "label"], ["sizes", "s", "Small"]],
        }
    )  # fmt: skip
    assert changes(data) == [
        "survey sheet, row 2: 'colour' was left out: its choice list 'colours' is not on the "
        "choices sheet"
    ]


def test_select_without_a_choices_sheet_is_left_out() -> None:
    data = survey_only(["select_one yn", "a", "A"], ["text", "b", "B"])
    assert changes(data) == [
        "survey sheet, row 2: 'a' was left out: there is no choices sheet for its list 'yn'"
    ]


def test_duplicate_choice_names_and_unlabelled_choices() -> None:
    data = workbook(
        {
            "survey": [["type", "name", "label"], ["select_one yn", "a", "A"]],
            "choices": [
                ["list_name", "name", "label"],
                ["yn", "yes", "Yes"],
                ["yn", "yes", "Yes again"],
                ["yn", "no", None],
                ["other_list", "x", None],  # unused, so never said
            ],
        }
    )
    assert changes(data) == [
        "choices sheet, row 3: choice name 'yes' is already in list 'yn' on row 2; this one was "
        "left out",
        "choices sheet, row 4: choice 'no' in list 'yn' has no label; its name is shown",
    ]
    options = question(document_from_xlsx(data, filename="f"), "a")["options"]
    assert options == [
        {"code": "yes", "label": {"en": "Yes"}},
        {"code": "no", "label": {"en": "no"}},
    ]


@pytest.mark.parametrize(
    ("parameters", "number"),
    [
        ("start=1 end=5 step=0.5", {"min": 1, "max": 5}),
        ("start=0 end=11", {"integer": True, "min": 0, "max": 11}),
        ("start=5 end=1", {"integer": True, "min": 1, "max": 5}),
        ("start=a end=b", {"integer": True}),
    ],
)
def test_range_that_cannot_be_a_rating_is_a_number(parameters: str, number: dict[str, Any]) -> None:
    data = workbook(
        {"survey": [["type", "name", "label", "parameters"], ["range", "r", "R", parameters]]}
    )
    [change] = changes(data)
    assert change.startswith(f"survey sheet, row 2: a range with parameters '{parameters}'")
    found = question(document_from_xlsx(data, filename="f"), "r")
    assert {k: v for k, v in found.items() if k in ("integer", "min", "max")} == number
    assert found["kind"] == "number"


def test_behaviour_columns_and_repeats_are_said() -> None:
    data = workbook(
        {
            "survey": [
                ["type", "name", "label", "constraint", "calculation", "default", "required"],
                ["begin repeat", "people", "People"],
                ["integer", "age", "Age", ". > 0 and . != 7"],
                ["end repeat"],
                ["text", "t", "T", None, None, None, "${age} > 3"],
                ["decimal", "d", "D", None, "1 + 1", "2"],
            ]
        }
    )
    assert changes(data) == [
        "survey sheet, row 2: repeat 'people' is asked once: a survey asks each question once",
        "survey sheet, row 3: constraint . > 0 and . != 7 is only partly checked: we check "
        "number limits, text length and regex(); the rest was left out",
        "survey sheet, row 5: required ${age} > 3 is not yes or no, so the question is optional",
        "survey sheet, row 6: the calculation column (1 + 1) was left out",
        "survey sheet, row 6: the default column (2) was left out",
    ]
    document = document_from_xlsx(data, filename="f")
    assert question(document, "age")["min"] == 1
    assert question(document, "t")["required"] is False


def test_unclosed_and_unopened_groups() -> None:
    assert changes(survey_only(["end group"], ["begin group", "g", "G"], ["text", "q", "Q"])) == [
        "survey sheet, row 2: end group has no begin group before it; left out",
        "survey sheet, row 3: begin group 'g' has no end group; it ends with the sheet",
    ]


def test_a_refusal_lists_every_problem() -> None:
    data = workbook(
        {
            "survey": [
                ["type", "name", "label"],
                ["text", "ok", "Fine"],
                ["text", "ok", "Again"],
                ["text", "two", "Two"],
                ["integer", "Two", "Again"],
            ],
            "settings": [["default_language"], ["Klingon"]],
        }
    )
    assert [problem.split(":")[0] for problem in refused(data)] == [
        "survey sheet, row 3",
        "survey sheet, row 5",
    ]


def test_damaged_workbooks_are_refused_never_crash() -> None:
    original = xlsx_from_document(demo())
    chance = random.Random(20250101)
    for attempt in range(60):
        data = bytearray(original)
        if attempt % 3 == 0:
            data = data[: chance.randrange(len(data))]
        else:
            for _ in range(chance.randint(1, 30)):
                data[chance.randrange(len(data))] = chance.randrange(256)
        document, problems = outcome(bytes(data))
        assert problems or validate(document, require_translations=False) == []


HEADERS = [
    "type",
    "name",
    "label",
    "label::Español",
    "hint",
    "required",
    "relevant",
    "appearance",
    "parameters",
    "constraint",
    "label::Klingon",
    "list_name",
    "LABEL",
]
CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.just(datetime(2025, 1, 1)),
    st.sampled_from(
        ["text", "integer", "decimal", "note", "range", "select_one yn", "select_multiple yn",
         "select one from yn", "begin group", "end group", "begin repeat", "end_group",
         "geopoint", "calculate", "start", "q", "Q-1", "yes", "no", "TRUE()", "start=1 end=5",
         "${q} = 'yes'", "selected(${q}, 'no')", ". >= 1", "multiline", "=1+1", "", "  "]
    ),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    survey=st.lists(st.lists(CELLS, max_size=8), max_size=10),
    choices=st.lists(st.lists(CELLS, max_size=4), max_size=5),
    headers=st.permutations(HEADERS),
)
def test_any_sheet_content_imports_or_is_refused_by_row(
    survey: list[list[Any]], choices: list[list[Any]], headers: list[str]
) -> None:
    data = workbook(
        {
            "survey": [headers[:8], *survey],
            "choices": [["list_name", "name", "label"], *choices],
        }
    )
    document, problems = outcome(data)
    assert problems or validate(document, require_translations=False) == []
    for problem in problems:
        assert WHERE.fullmatch(problem.where), problem
        assert problem.text()


def test_a_form_of_notes_only_has_no_questions() -> None:
    assert refused(survey_only(["note", "hello", "Hello"], ["start", "start"])) == [
        "survey sheet: has no questions we can import",
        "survey sheet, row 2: a note became part of the introduction",
        "survey sheet, row 3: type 'start' ('start') was left out: it records the device or the "
        "person, which we never do",
    ]


# --- export --------------------------------------------------------------------------------------


def demo() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DEMO.read_text(encoding="utf-8"))
    return document


def test_the_demo_survey_round_trips_without_loss() -> None:
    original = demo()
    again = document_from_xlsx(xlsx_from_document(original), filename="anything.xlsx")
    assert validate(again) == []
    assert again == original  # demographic kinds, rating labels, intro and all eight languages


def test_export_is_a_plain_xlsform() -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_from_document(demo())), read_only=True)
    assert book.sheetnames == ["survey", "choices", "settings"]
    survey = list(book["survey"].iter_rows(values_only=True))
    header = list(survey[0])
    assert header[:4] == ["type", "name", "label::English (en)", "label::Spanish (es)"]
    assert "label::Chinese (zh)" in header  # the reference converter knows primary subtags
    groups = [row for row in survey[1:] if row[0] == "begin_group"]
    assert [row[1] for row in groups] == ["hopes", "neighbourhood", "about"]
    assert {row[header.index("appearance")] for row in groups} == {"field-list"}
    rows = {
        row[1]: dict(zip(header, row, strict=True)) for row in survey[1:] if "group" not in row[0]
    }
    assert rows["hopes"]["appearance"] == "multiline"
    # a rating with end labels is a select of its points, the ends labelled
    assert rows["trust"]["type"] == "select_one trust"
    assert rows["trust"]["cv_kind"] == "rating"
    assert rows["children_needs"]["relevant"] == "${children} = 'yes'"
    assert rows["priorities"]["type"] == "select_multiple priorities"
    assert rows["race_ethnicity"]["cv_kind"] == "demographic"
    choices = list(book["choices"].iter_rows(values_only=True))
    assert choices[0][:2] == ("list_name", "name")
    assert ("children", "yes") in {row[:2] for row in choices}
    trust = [row[:3] for row in choices if row[0] == "trust"]
    assert [row[1] for row in trust] == ["1", "2", "3", "4", "5"]
    assert trust[0][2].startswith("1 - ")
    assert trust[2][2] == "3"
    settings = list(book["settings"].iter_rows(values_only=True))
    assert settings[1][:3] == ("Hopes for our neighbourhood", "hopes", "English (en)")
    book.close()


def test_numbers_text_limits_and_selected_round_trip() -> None:
    document = {
        "schema": "community-voice/survey@1",
        "slug": "limits",
        "default_locale": "es",
        "locales": ["es", "en"],
        "title": {"es": "Límites", "en": "Limits"},
        "sections": [
            {
                "key": "only",
                "questions": [
                    {"key": "pets", "kind": "multiple_choice", "required": False,
                     "text": {"es": "¿Mascotas?", "en": "Pets?"},
                     "options": [{"code": "dog", "label": {"es": "Perro", "en": "Dog"}},
                                 {"code": "it's", "label": {"es": "Otro", "en": "Other"}}]},
                    {"key": "dogs", "kind": "number", "required": True, "integer": True,
                     "min": 0, "max": 20, "text": {"es": "¿Cuántos?", "en": "How many?"},
                     "show_if": {"question": "pets", "includes": "dog"}},
                    {"key": "weight", "kind": "number", "required": False, "min": 0.5,
                     "text": {"es": "Peso", "en": "Weight"},
                     "show_if": {"question": "pets", "includes": "it's"}},
                    {"key": "story", "kind": "long_text", "required": False, "max_length": 300,
                     "text": {"es": "Cuéntenos", "en": "Tell us"}},
                ],
            }
        ],
    }  # fmt: skip
    assert validate(document) == []
    assert document_from_xlsx(xlsx_from_document(document), filename="x.xlsx") == document


def test_formula_like_text_is_neutralised_in_the_export() -> None:
    document = copy.deepcopy(demo())
    first = document["sections"][0]["questions"][0]
    dangerous = ['=HYPERLINK("http://evil")', "+1 555", "-5 degrees", "@SUM(A1)", "\tx", "\rx"]
    for locale, text in zip(document["locales"], dangerous, strict=False):
        first["text"][locale] = text
    document["title"]["en"] = "=1+1"
    document["sections"][0]["questions"][2]["options"][0]["label"]["en"] = "=cmd|' /C calc'!A0"
    first["help"]["en"] = "bell\x07 and\x00 nul are dropped"

    book = openpyxl.load_workbook(io.BytesIO(xlsx_from_document(document)))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert all(cell.data_type != "f" for cell in cells)
    for text in [*dangerous, "=1+1", "=cmd|' /C calc'!A0"]:
        stored = text.replace("\r", "\n")  # XML reads a bare CR back as LF
        assert "'" + stored in texts
        assert stored not in texts
    assert "bell and nul are dropped" in texts

    # Reading keeps our apostrophe: it cannot be told apart from one staff typed.
    again = document_from_xlsx(xlsx_from_document(document), filename="x.xlsx")
    assert question(again, "hopes")["text"]["en"] == '\'=HYPERLINK("http://evil")'
