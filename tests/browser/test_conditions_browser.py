"""Conditions in a real browser: a question brought up on the same page is asked before the page
moves on (JavaScript on and off), and numeric and "any" conditions ask the same questions in the
resident flow and the designer's preview, and read the same on the paper survey."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSWORD, survey_document

pytestmark = pytest.mark.browser


def _q(key: str, kind: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "kind": kind, "text": {"en": text, "es": f"[es] {text}"}, **extra}


DOCUMENT = survey_document(
    slug="parks",
    sections=[
        {
            "key": "visits",
            "questions": [
                _q(
                    "visits",
                    "single_choice",
                    "How often do you visit parks?",
                    options=[
                        {"code": "often", "label": {"en": "Often", "es": "A menudo"}},
                        {"code": "never", "label": {"en": "Never", "es": "Nunca"}},
                    ],
                ),
                _q(
                    "barriers",
                    "long_text",
                    "What keeps you from visiting parks?",
                    required=True,
                    show_if={"question": "visits", "equals": "never"},
                ),
                _q("age", "number", "How old are you?", integer=True, min=0, max=120),
            ],
        },
        {
            "key": "more",
            "questions": [
                _q(
                    "guardian",
                    "short_text",
                    "Who comes with you?",
                    show_if={"question": "age", "lt": 18},
                ),
                _q(
                    "why",
                    "short_text",
                    "Why is that?",
                    show_if={
                        "any": [
                            {"question": "visits", "equals": "never"},
                            {"question": "age", "ge": 65},
                        ]
                    },
                ),
                _q("anything", "long_text", "Anything else?"),
            ],
        },
    ],
)
QUESTIONS = {
    "barriers": "What keeps you from visiting parks?",
    "guardian": "Who comes with you?",
    "why": "Why is that?",
}


def _asked(page: Any) -> set[str]:
    text = page.locator("main").inner_text()
    return {key for key, words in QUESTIONS.items() if words in text}


def _walk(page: Any, visits: str, age: str) -> set[str]:
    """Answer page one; return the conditional questions asked on the way to page two."""
    seen: set[str] = set()
    page.get_by_label(visits, exact=True).check()
    page.get_by_label("How old are you?").fill(age)
    page.get_by_role("button", name="Next").click()
    seen |= _asked(page)
    if "barriers" in seen:
        assert "Your answer added a question on this page" in page.locator("main").inner_text()
        page.get_by_label("What keeps you from visiting parks?").fill("Too far")
        page.get_by_role("button", name="Next").click()
    assert "Anything else?" in page.locator("main").inner_text()
    return seen | _asked(page)


CASES = [
    ("Never", "12", {"barriers", "guardian", "why"}),
    ("Often", "12", {"guardian"}),
    ("Often", "70", {"why"}),
    ("Often", "40", set()),
]


@pytest.mark.parametrize("javascript", [True, False])
def test_the_same_page_question_is_asked_before_moving_on(
    make_survey, make_site, live_server, phone, javascript
):
    make_survey(DOCUMENT)
    page = phone(javascript=javascript)
    page.goto(f"{live_server}/s/parks")
    assert "What keeps you from visiting parks?" not in page.locator("main").inner_text()
    page.get_by_label("Never", exact=True).check()
    page.get_by_role("button", name="Next").click()
    main = page.locator("main").inner_text()
    assert "Page 1 of 2" in main
    assert "What keeps you from visiting parks?" in main
    assert page.locator(".error").count() == 0
    page.get_by_label("What keeps you from visiting parks?").fill("No shade")
    page.get_by_role("button", name="Next").click()
    assert "Page 2 of 2" in page.locator("main").inner_text()
    # The first answer stored loads the tagger, which may take a while on a busy machine.
    page.get_by_role("button", name="Send my answers").click(no_wait_after=True)
    page.wait_for_url("**/s/parks/thanks**", timeout=60_000)


def test_numeric_and_any_conditions_agree_in_resident_flow_preview_and_paper(
    make_survey, make_site, make_user, live_server, phone, playwright_browser
):
    site = make_site(slug="here")
    make_survey(DOCUMENT, site=site)
    user = make_user("staff", site)
    _p, browser = playwright_browser
    staff = browser.new_context(viewport={"width": 1200, "height": 900})
    staff_page = staff.new_page()
    staff_page.goto(f"{live_server}/login")
    staff_page.locator("main").get_by_label("Email").fill(user.email)
    staff_page.locator("main").get_by_label("Password").fill(PASSWORD)
    staff_page.locator("main").get_by_role("button").click()

    for visits, age, expected in CASES:
        resident = phone()
        resident.goto(f"{live_server}/s/parks")
        assert _walk(resident, visits, age) == expected, ("resident", visits, age)
        resident.context.close()
        staff_page.goto(f"{live_server}/sites/here/surveys/parks/preview/frame")
        assert _walk(staff_page, visits, age) == expected, ("preview", visits, age)

    staff_page.goto(f"{live_server}/sites/here/surveys/parks/paper")
    paper = staff_page.locator("main").inner_text()
    assert "Answer only if “How old are you?” is less than 18." in paper
    assert (
        "Answer only if “How often do you visit parks?” is “Never” "
        "or “How old are you?” is 65 or more." in paper
    )
    staff.close()


def test_the_question_editor_shows_the_chosen_kind_s_fields_at_once(
    make_survey, make_site, make_user, live_server, playwright_browser, axe_violations
):
    site = make_site(slug="here")
    make_survey(DOCUMENT, site=site)
    user = make_user("staff", site)
    _p, browser = playwright_browser
    context = browser.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.locator("main").get_by_label("Email").fill(user.email)
    page.locator("main").get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button").click()
    page.goto(f"{live_server}/sites/here/surveys/parks/questions/new?kind=long_text&section=visits")
    assert page.get_by_label("Longest answer in characters (optional)").is_visible()
    assert not page.get_by_label("Scale from").is_visible()
    assert not page.get_by_role("button", name="Show the fields of this kind").is_visible()
    page.get_by_label("Kind of question").select_option("rating")
    assert page.get_by_label("Scale from").is_visible()
    assert not page.get_by_label("Longest answer in characters (optional)").is_visible()
    assert axe_violations(page) == []
    context.close()
