"""Date and time questions: a browser's date or time input, answers checked on the server and
stored in one written form."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from forms.response import build_form

DOCUMENT: dict[str, Any] = {
    "default_locale": "en",
    "title": "T",
    "sections": [
        {
            "key": "only",
            "questions": [
                {"key": "day", "kind": "date", "required": True, "text": "Which day?"},
                {"key": "hour", "kind": "time", "required": False, "text": "What time?"},
            ],
        }
    ],
}


def form(**data: str) -> Any:
    return build_form(DOCUMENT, is_shown=lambda q, a: True)(formdata=MultiDict(data))


def test_date_and_time_inputs_are_the_browsers_own() -> None:
    page = form()
    assert 'type="date"' in str(page.question_field("day")())
    assert 'type="time"' in str(page.question_field("hour")())


def test_answers_are_stored_in_one_written_form() -> None:
    page = form(q_day="20250331", q_hour="0930")
    assert page.validate_page(0)
    assert page.visible_answers() == {"day": "2025-03-31", "hour": "09:30"}


def test_what_is_not_a_date_or_a_time_is_refused_with_our_message() -> None:
    page = form(q_day="31/03/2025", q_hour="half past nine")
    assert not page.validate_page(0)
    assert page.question_field("day").errors == [
        "Please enter a date as year-month-day, for example 2025-03-31."
    ]
    assert page.question_field("hour").errors == [
        "Please enter a time as hours:minutes, for example 14:30."
    ]
