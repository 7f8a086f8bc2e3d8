"""Conditions as residents meet them: a question brought up on the same page is asked before the
page moves on; page counts and the last button know about pages that may still come."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from survey.models import Answer, Response
from tests.conftest import survey_document
from tests.pages import read, submit, text_of


def _question(key: str, kind: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "kind": kind, "text": {"en": text, "es": f"[es] {text}"}, **extra}


VISITS = _question(
    "visits",
    "single_choice",
    "How often do you visit parks?",
    required=True,
    options=[
        {"code": "often", "label": {"en": "Often", "es": "A menudo"}},
        {"code": "never", "label": {"en": "Never", "es": "Nunca"}},
    ],
)
BARRIERS = _question(
    "barriers",
    "long_text",
    "What keeps you from visiting parks?",
    required=True,
    show_if={"question": "visits", "equals": "never"},
)
AGE = _question("age", "number", "How old are you?", integer=True, min=0, max=120)


def _document(*sections: list[dict[str, Any]]) -> dict[str, Any]:
    return survey_document(
        sections=[{"key": f"p{i}", "questions": qs} for i, qs in enumerate(sections)]
    )


def _stored(session: Session) -> list[dict[str, Any]]:
    session.expire_all()
    return [
        {
            a.question_key: a.value
            for a in session.exec(select(Answer).where(Answer.response_id == r.id))
        }
        for r in session.exec(select(Response)).all()
    ]


def _questions_on(html: bytes) -> set[str]:
    return {
        i["name"]
        for i in read(html).inputs
        if i.get("name", "").startswith("q_") and i.get("type") != "hidden"
    }


def test_a_question_brought_up_on_the_same_page_is_asked_before_moving_on(
    client, make_survey, session
):
    survey = make_survey(_document([VISITS, BARRIERS], [AGE]))
    url = f"/s/{survey.slug}"
    first = client.get(url)
    assert "What keeps you from visiting parks?" not in text_of(first.data)

    again = submit(client, url, first.data, {"q_visits": "never"})
    assert again.status_code == 200
    page = text_of(again.data)
    assert "Page 1 of 2" in page, "the page came back rather than moving on"
    assert "What keeps you from visiting parks?" in page
    assert "Your answer added a question on this page" in " ".join(read(again.data).alerts)
    assert read(again.data).errors == [], "no error on a question the resident has not seen yet"
    checked = [i for i in read(again.data).inputs if i.get("name") == "q_visits"]
    assert any("checked" in i and i["value"] == "never" for i in checked), "the answer is kept"

    on = submit(client, url, again.data, {"q_visits": "never", "q_barriers": "No shade"})
    assert "Page 2 of 2" in text_of(on.data)
    sent = submit(client, url, on.data, {"q_age": "70"}, "send")
    assert sent.status_code == 303
    assert _stored(session) == [{"visits": "never", "barriers": "No shade", "age": 70}]


def test_send_on_a_one_page_survey_asks_the_new_question_first(client, make_survey, session):
    survey = make_survey(_document([VISITS, BARRIERS]))
    url = f"/s/{survey.slug}"
    again = submit(client, url, client.get(url).data, {"q_visits": "never"}, "send")
    assert again.status_code == 200
    assert "What keeps you from visiting parks?" in text_of(again.data)
    assert _stored(session) == [], "nothing was sent before the new question was seen"
    refused = submit(client, url, again.data, {"q_visits": "never"}, "send")
    assert refused.status_code == 422, "now the required question must be answered"
    sent = submit(client, url, refused.data, {"q_visits": "never", "q_barriers": "Far"}, "send")
    assert sent.status_code == 303
    assert _stored(session) == [{"visits": "never", "barriers": "Far"}]


def test_an_answer_that_brings_nothing_up_moves_on_at_once(client, make_survey, session):
    survey = make_survey(_document([VISITS, BARRIERS]))
    url = f"/s/{survey.slug}"
    sent = submit(client, url, client.get(url).data, {"q_visits": "often"}, "send")
    assert sent.status_code == 303
    assert _stored(session) == [{"visits": "often"}]


def test_a_page_that_may_still_come_is_counted_and_offered_with_next(client, make_survey, session):
    survey = make_survey(_document([VISITS], [BARRIERS]))
    url = f"/s/{survey.slug}"
    first = client.get(url)
    assert "Page 1 of 2" in text_of(first.data)
    assert "Next" in text_of(first.data)
    assert "Send my answers" not in text_of(first.data)

    never = submit(client, url, first.data, {"q_visits": "never"})
    assert "Page 2 of 2" in text_of(never.data)
    assert "Send my answers" in text_of(never.data)

    # Answering "often" ends the survey: Next says so and offers Send; nothing is sent by Next.
    often = submit(client, url, first.data, {"q_visits": "often"})
    assert often.status_code == 200
    assert "There are no more questions for you" in " ".join(read(often.data).alerts)
    assert "Send my answers" in text_of(often.data)
    assert "Page 1 of" not in text_of(often.data)
    assert _stored(session) == []
    sent = submit(client, url, often.data, {"q_visits": "often"}, "send")
    assert sent.status_code == 303
    assert _stored(session) == [{"visits": "often"}]


def test_numeric_and_any_conditions(client, make_survey, session):
    young = _question(
        "guardian",
        "short_text",
        "Who comes with you?",
        show_if={"question": "age", "lt": 18},
    )
    either = _question(
        "why",
        "short_text",
        "Why?",
        show_if={
            "any": [
                {"question": "visits", "equals": "never"},
                {"question": "age", "ge": 65},
            ]
        },
    )
    visits = {**VISITS, "required": False}
    survey = make_survey(_document([visits, AGE], [young, either]))
    url = f"/s/{survey.slug}"
    for answers, expected in (
        ({"q_age": "12", "q_visits": "often"}, {"q_guardian"}),
        ({"q_age": "18", "q_visits": "never"}, {"q_why"}),
        ({"q_age": "70", "q_visits": "often"}, {"q_why"}),
        ({"q_age": "5", "q_visits": "never"}, {"q_guardian", "q_why"}),
    ):
        page = submit(client, url, client.get(url).data, answers)
        assert _questions_on(page.data) == expected, answers
    # 30 and "often": page two has nothing to ask, so Next says there is nothing more.
    none = submit(client, url, client.get(url).data, {"q_age": "30", "q_visits": "often"})
    assert "There are no more questions for you" in " ".join(read(none.data).alerts)


def test_rating_end_labels_are_shown_once(client, make_survey):
    rating = _question(
        "trust",
        "rating",
        "Do you trust the city?",
        scale={
            "min": 1,
            "max": 5,
            "min_label": {"en": "Not at all", "es": "Nada"},
            "max_label": {"en": "Completely", "es": "Totalmente"},
        },
    )
    survey = make_survey(_document([rating]))
    html = client.get(f"/s/{survey.slug}").data.decode()
    assert html.count("Not at all") == 2, "once on screen, once for screen readers"
    assert 'class="ends" aria-hidden="true"' in html
    assert 'class="sr" id="q_trust-ends">1 = Not at all; 5 = Completely</span>' in html
    assert 'aria-describedby="q_trust-ends"' in html
