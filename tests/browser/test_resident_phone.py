"""A resident on a phone answers the demo survey and reaches the thank-you page."""

from __future__ import annotations

import pytest
from sqlmodel import select

from survey.models import Answer, Response
from survey.services.demo import seed
from tests.browser.conftest import FIRST_SEND_MS

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(session):
    seed(session=session, answers=False)
    session.commit()


def _answer_demo(page, base: str) -> None:
    page.goto(f"{base}/s/hopes")
    page.get_by_label("What are your hopes for your neighbourhood").fill(
        "I want my kids to have a safe park and a good school."
    )
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("What would help the children").fill("After-school programs")
    page.get_by_role("radio", name="4").check()
    page.get_by_label("Good schools").check()
    page.get_by_label("Parks and clean streets").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("25 to 34").check()
    page.get_by_role("button", name="Send my answers").click(timeout=FIRST_SEND_MS)
    page.wait_for_url("**/s/hopes/thanks**", timeout=FIRST_SEND_MS)


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_demo_survey_on_a_pixel_7(demo, live_server, phone, session, javascript):
    page = phone(javascript=javascript)
    _answer_demo(page, live_server)
    assert page.get_by_role("heading", name="Thank you").is_visible()
    session.expire_all()
    [response] = session.exec(select(Response)).all()
    answers = {
        a.question_key: a.value
        for a in session.exec(select(Answer).where(Answer.response_id == response.id))
    }
    assert answers["priorities"] == ["schools", "parks"]
    assert answers["trust"] == 4
    assert answers["age_group"] == "25_34"
    assert answers["children_needs"] == "After-school programs"


def test_touch_targets_are_big_enough(demo, live_server, phone):
    page = phone()
    page.goto(f"{live_server}/s/hopes")
    for locator in (page.get_by_label("Yes"), page.get_by_role("button", name="Next")):
        box = locator.locator(
            "xpath=ancestor-or-self::*[self::label or self::button][1]"
        ).bounding_box()
        assert box is not None
        assert box["height"] >= 48, box


def test_a_missing_answer_shows_beside_the_question_on_the_phone(demo, live_server, phone):
    page = phone(javascript=False)
    page.goto(f"{live_server}/s/hopes")
    page.get_by_role("button", name="Next").click()
    assert page.locator(".error").first.inner_text() == "Please answer this question."
    assert page.url.endswith("/s/hopes?lang=en")


@pytest.mark.parametrize("code", ["ar", "vi"])
def test_switching_language_on_a_phone_keeps_answers_and_finishes_in_that_language(
    demo, live_server, phone, session, code
):
    from survey.i18n import LANGUAGES, translations_for
    from survey.services.demo import demo_document

    document = demo_document()
    hopes = document["sections"][0]["questions"][0]
    page = phone(javascript=False)
    page.goto(f"{live_server}/s/hopes")
    page.get_by_label("What are your hopes for your neighbourhood").fill("Más parques")
    page.context.clear_cookies()  # the typed text travels with the form, not in a cookie
    page.locator("nav.langs summary").click()
    page.locator("nav.langs").get_by_role("button", name=LANGUAGES[code].native_name).click()
    assert page.locator("html").get_attribute("lang") == LANGUAGES[code].tag
    assert page.locator("html").get_attribute("dir") == LANGUAGES[code].direction
    assert page.get_by_label(hopes["text"][code]).input_value() == "Más parques", (
        "typed text survives"
    )
    next_label = translations_for(code).gettext("Next")
    send_label = translations_for(code).gettext("Send my answers")
    for label in (next_label, next_label, send_label):
        page.context.clear_cookies()
        page.get_by_role("button", name=label).click(timeout=FIRST_SEND_MS)
    page.wait_for_url("**/s/hopes/thanks**", timeout=FIRST_SEND_MS)
    assert page.locator("html").get_attribute("dir") == LANGUAGES[code].direction
    assert translations_for(code).gettext("Thank you") in page.locator("h1").inner_text()
    session.expire_all()
    [response] = session.exec(select(Response)).all()
    assert response.locale == code
