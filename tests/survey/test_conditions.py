"""The one condition model: cases shared with every evaluator, and the designer's checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from survey import conditions
from survey.conditions import is_shown

CASES = json.loads((Path(__file__).parent.parent / "conditions_cases.json").read_text("utf-8"))


@pytest.mark.parametrize("case", CASES["cases"], ids=lambda c: json.dumps(c["show_if"])[:60])
def test_shared_cases(case):
    assert is_shown({"show_if": case["show_if"]}, case["answers"]) is case["shown"]


@pytest.mark.parametrize("case", CASES["cases"], ids=lambda c: json.dumps(c["show_if"])[:60])
def test_reading_and_writing_keep_the_condition(case):
    assert conditions.to_json(conditions.parse(case["show_if"])) == case["show_if"]


def test_no_condition_always_shows():
    assert is_shown({"key": "x"}, {})


def test_an_unreadable_condition_hides_nothing():
    assert is_shown({"show_if": {"question": "visits", "near": "x"}}, {})


def _earlier(*keys: str) -> dict:
    return {key: {"key": key, **CASES["questions"][key]} for key in keys}


def _messages(show_if, key="q", earlier=None):
    found = conditions.problems(show_if, key=key, earlier=earlier or _earlier(*CASES["questions"]))
    return [p.message for p in found]


def test_usable_conditions_have_no_problems():
    for case in CASES["cases"]:
        if case["show_if"] in ({"any": []}, {"all": []}):
            continue
        assert _messages(case["show_if"]) == [], case["show_if"]


def test_a_condition_on_a_later_or_unknown_question_is_refused():
    assert _messages({"question": "later", "equals": "x"}) == [conditions.NOT_EARLIER]


def test_a_condition_on_its_own_answer_is_refused():
    assert _messages({"question": "age", "lt": 3}, key="age") == [conditions.ON_ITSELF]


@pytest.mark.parametrize(
    "show_if",
    [
        {"question": "age", "lt": 0},
        {"question": "age", "gt": 120},
        {"question": "safety", "gt": 5},
        {
            "all": [
                {"question": "visits", "equals": "never"},
                {"question": "visits", "equals": "weekly"},
            ]
        },
        {"all": [{"question": "age", "lt": 18}, {"question": "age", "gt": 64}]},
        {
            "all": [
                {"question": "topics", "includes": "parks"},
                {"question": "topics", "excludes": "parks"},
            ]
        },
    ],
)
def test_a_condition_that_can_never_be_true_is_refused(show_if):
    assert _messages(show_if) == [conditions.NEVER_TRUE]


@pytest.mark.parametrize(
    ("show_if", "message"),
    [
        ({"question": "comment", "equals": "x"}, conditions.WRONG_OPERATOR),
        ({"question": "visits", "lt": 3}, conditions.WRONG_OPERATOR),
        ({"question": "topics", "equals": "parks"}, conditions.WRONG_OPERATOR),
        ({"question": "visits", "equals": "sometimes"}, conditions.NOT_AN_OPTION),
        ({"question": "age", "equals": "old"}, conditions.NOT_A_NUMBER),
        ({"any": []}, conditions.EMPTY_COMBINATION),
        ({"question": "age"}, conditions.NOT_A_CONDITION),
        ({"question": "age", "lt": "abc"}, conditions.NOT_A_CONDITION),
        ("visits = never", conditions.NOT_A_CONDITION),
    ],
)
def test_unusable_conditions_say_why(show_if, message):
    assert message in _messages(show_if)


def test_renaming_a_question_follows_into_combinations():
    renamed = conditions.rename(
        {"any": [{"question": "age", "lt": 18}, {"not": {"question": "age", "gt": 64}}]},
        "age",
        "years",
    )
    assert conditions.references(renamed) == ["years"]


def test_both_kind_registries_list_the_same_kinds():
    from forms.kinds import REGISTRY as FORM_KINDS
    from survey.kinds import REGISTRY as SURVEY_KINDS

    assert set(FORM_KINDS) == set(SURVEY_KINDS)
