"""Whatever workbook staff upload, the XLSForm reader answers with a survey that validates
(translations aside) or with the list of what is wrong: never an exception, never a 500."""

from __future__ import annotations

import random
from typing import Any

import pytest

from survey.document import validate
from survey.formats.xlsform import read_xlsform
from survey.services.errors import InvalidDocument
from tests.workbooks import workbook

TYPES: list[Any] = [
    "text", "integer", "decimal", "select_one yn", "select_multiple yn",
    "select_one_from_file x.csv", "note", "calculate", "geopoint", "image", "acknowledge",
    "date", "time", "datetime", "range", "rank yn", "hidden", "begin group", "end group",
    "begin repeat", "end repeat", "select_one yn or_other", "barcode", "audio", "trigger",
    "start", "end", "deviceid", "today", "username", "phonenumber", "email",
    "select_one missing_list", "begin_group", "end_group", "", None, 5, "TEXT", "Select_One yn",
]  # fmt: skip
EXPRESSIONS: list[Any] = [
    None, "", ". > 3", "${q1} = 'yes'", "selected(${q2}, 'yes')", "string-length(.) <= 10",
    "regex(., '^[0-9]+$')", "${nope} = 1", "((", "count-selected(${q2}) >= 1",
    "not(${q1} = 'no')", ". >= 0 and . <= 120", "today()", "${q1} != ''", 3,
    "jr:choice-name(${q1}, '${q1}')", "${q1} = 'yes' or ${q3} > 2",
]  # fmt: skip
LABELS: list[Any] = [
    None, "", "Q?", "<b>bold</b>", "What about ${q1}?", "x" * 5000, "=cmd|' /C calc'!A0",
    "Ünïcødé ✓", 7, "\u202eevil",
]  # fmt: skip
NAMES: list[Any] = ["q1", "q2", "q3", "", None, "bad name", "1x"]


def random_form(rng: random.Random) -> bytes:
    header = ["type", "name", "label", "label::Español (es)", "hint", "required", "relevant",
              "constraint", "constraint_message", "choice_filter", "appearance", "default",
              "parameters", "calculation"]  # fmt: skip
    rows: list[list[Any]] = [header]
    for i in range(rng.randint(0, 10)):
        rows.append(
            [
                rng.choice(TYPES),
                rng.choice([f"q{i + 1}", *NAMES]),
                rng.choice(LABELS),
                rng.choice(LABELS),
                rng.choice(LABELS),
                rng.choice(["yes", "no", "", None, "true()", "TRUE", 1]),
                rng.choice(EXPRESSIONS),
                rng.choice(EXPRESSIONS),
                rng.choice(LABELS),
                rng.choice(EXPRESSIONS),
                rng.choice([None, "field-list", "likert", "multiline", "minimal"]),
                rng.choice([None, "3", "yes", "2020-01-01"]),
                rng.choice([None, "start=1 end=5 step=1", "start=0 end=10", "junk"]),
                rng.choice(EXPRESSIONS),
            ]
        )
    sheets: dict[str, list[list[Any]]] = {"survey": rows}
    if rng.random() < 0.8:
        choices = [["list_name", "name", "label", "label::Español (es)"],
                   ["yn", "yes", "Yes", "Sí"], ["yn", "no", "No", "No"]]  # fmt: skip
        if rng.random() < 0.3:
            choices.append(["yn", "yes", "Again", "Otra vez"])
        if rng.random() < 0.3:
            choices.append(["yn", None, "No name", None])
        sheets["choices"] = choices
    if rng.random() < 0.5:
        sheets["settings"] = [
            ["form_title", "form_id", "default_language", "version"],
            [
                rng.choice(LABELS),
                rng.choice(["f", "", None, "bad id!", "x" * 300]),
                rng.choice(["English", "es", "Español (es)", None, "xx"]),
                rng.choice([None, "1", 2]),
            ],
        ]
    return workbook(sheets)


@pytest.mark.parametrize("seed", range(4))
def test_any_workbook_imports_or_is_refused_with_reasons(seed: int) -> None:
    rng = random.Random(seed)
    imported = 0
    reasons: list[int] = []
    for _ in range(100):
        data = random_form(rng)
        name = rng.choice(["form.xlsx", "", "../../etc.xlsx", "ñ.xlsx"])
        try:
            result = read_xlsform(data, filename=name)
        except InvalidDocument as error:
            reasons.append(len(error.problems))
            continue
        assert validate(result.document, require_translations=False) == []
        imported += 1
    assert imported
    assert reasons, "some of these workbooks are refused"
    assert min(reasons) >= 1, "a refusal says what is wrong"


def test_the_upload_page_answers_any_workbook_without_an_error(
    signed_in, make_site, make_user
) -> None:
    from tests.app.test_xlsform_import import upload

    client = signed_in(make_user("staff", make_site(slug="here")))
    rng = random.Random(99)
    statuses = set()
    for n in range(30):
        page = upload(client, random_form(rng), ui=("en", "ar", "so")[n % 3])
        statuses.add(page.status_code)
    assert statuses <= {200, 422}, statuses
