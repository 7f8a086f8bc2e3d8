"""The response form built from a document, without the app."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from forms.kinds import REGISTRY, parse_number
from forms.response import build_form
from survey.conditions import is_shown

DOCUMENT: dict[str, Any] = {
    "sections": [
        {
            "key": "a",
            "questions": [
                {"key": "name", "kind": "short_text", "text": "Street?", "max_length": 10},
                {"key": "story", "kind": "long_text", "text": "Tell us", "required": True},
                {
                    "key": "pets",
                    "kind": "multiple_choice",
                    "text": "Pets?",
                    "options": [
                        {"code": "cat", "label": "Cat"},
                        {"code": "dog", "label": "Dog"},
                    ],
                },
            ],
        },
        {
            "key": "b",
            "questions": [
                {
                    "key": "dog_name",
                    "kind": "short_text",
                    "text": "Dog's name?",
                    "show_if": {"question": "pets", "includes": "dog"},
                },
                {
                    "key": "trust",
                    "kind": "rating",
                    "text": "Trust?",
                    "scale": {"min": 1, "max": 5, "min_label": "no", "max_label": "yes"},
                },
                {"key": "rooms", "kind": "number", "text": "Rooms?", "min": 1, "max": 9},
                {
                    "key": "age",
                    "kind": "demographic",
                    "text": "Age?",
                    "options": [
                        {"code": "young", "label": "Young"},
                        {"code": "prefer_not_to_say", "label": "Prefer not to say"},
                    ],
                },
            ],
        },
    ]
}


def form(**data: Any) -> Any:
    multi = MultiDict()
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            multi.add(key, item)
    return build_form(DOCUMENT, is_shown=is_shown)(formdata=multi)


def test_every_kind_in_the_design_is_registered():
    assert set(REGISTRY) == {
        "short_text",
        "long_text",
        "single_choice",
        "multiple_choice",
        "rating",
        "number",
        "demographic",
        "date",
        "time",
    }


def test_answers_come_back_as_codes_and_numbers():
    f = form(q_story="hello", q_pets=["dog", "cat"], q_trust="4", q_rooms="3", q_age="young")
    assert f.validate_page(0)
    assert f.visible_answers() == {
        "story": "hello",
        "pets": ["cat", "dog"],
        "trust": 4,
        "rooms": 3,
        "age": "young",
    }


def test_skip_logic_follows_the_answers():
    assert "dog_name" not in form(q_pets=["cat"]).visible_keys(1)
    assert "dog_name" in form(q_pets=["dog"]).visible_keys(1)
    hidden = form(q_story="x", q_pets=["cat"], q_dog_name="Rex")
    assert "dog_name" not in hidden.visible_answers()


def test_page_validation_checks_only_that_page():
    f = form(q_rooms="99")
    assert f.validate_page(1) is False
    assert f.q_rooms.errors == ["Please enter a number no larger than 9."]
    assert not f.q_story.errors
    assert f.first_invalid_page() == 0


def test_text_limits_and_required():
    f = form(q_name="a" * 11, q_story="  ")
    assert not f.validate_page(0)
    assert f.q_story.errors == ["Please answer this question."]
    assert "under 10 characters" in f.q_name.errors[0]


def test_unknown_codes_are_refused_for_every_choice_kind():
    f = form(q_story="x", q_pets=["fish"], q_trust="7", q_age="old")
    assert not f.validate_page(0)
    assert not f.validate_page(1)
    for field in (f.q_pets, f.q_trust, f.q_age):
        assert field.errors == ["Please choose one of the options shown."]


def test_messages_come_from_the_translations_given():
    class Shouting:
        def gettext(self, message: str) -> str:
            return message.upper()

        def ngettext(self, singular: str, plural: str, n: int) -> str:
            return singular if n == 1 else plural

    f = build_form(DOCUMENT, is_shown=is_shown, translations=Shouting())(
        formdata=MultiDict({"q_story": ""})
    )
    f.validate_page(0)
    assert f.q_story.errors == ["PLEASE ANSWER THIS QUESTION."]


def test_carried_answers_exclude_the_current_page():
    f = form(q_story="x", q_pets=["cat", "dog"], q_rooms="2")
    assert f.carried(1) == [("q_story", "x"), ("q_pets", "cat"), ("q_pets", "dog")]
    assert f.carried(0) == [("q_rooms", "2")]


@pytest.mark.parametrize(
    ("typed", "value"),
    [("3", 3), (" 4 ", 4), ("2,5", 2.5), ("1.25", 1.25), ("-3", -3), ("1e9", None), ("", None)],
)
def test_numbers_are_read_as_residents_type_them(typed, value):
    parsed = parse_number(typed)
    assert (None if parsed is None else float(parsed)) == value


def test_a_question_cannot_allow_longer_answers_than_the_site():
    from forms.kinds import kind_of

    question = {"key": "a", "kind": "long_text", "text": "A?", "max_length": 100_000}
    assert kind_of(question, max_length=5000).limit() == 5000
    assert kind_of({**question, "max_length": 300}, max_length=5000).limit() == 300
    assert kind_of({**question, "max_length": "lots"}, max_length=5000).limit() == 5000
