"""Staff in a real browser: signing in, and reviewing themes with the keyboard."""

from __future__ import annotations

import pytest
from sqlmodel import select

from survey.models import Answer, AnswerTag, Channel
from survey.services import responses
from survey.services.catalog import latest_version
from tests.conftest import PASSWORD, survey_document

pytestmark = pytest.mark.browser


def test_a_reviewer_tags_an_answer_with_the_keyboard(
    make_site, make_survey, make_user, session, live_server, playwright_browser
):
    site = make_site(slug="here")
    survey = make_survey(survey_document(slug="kb"), site=site)
    version = latest_version(session=session, survey=survey)
    responses.submit(
        session=session,
        survey=survey,
        version=version,
        answers={"hopes": "Nothing in particular"},
        locale="en",
        channel=Channel.web,
        token="k" * 24,
    )
    session.commit()
    user = make_user("staff", site)
    _p, browser = playwright_browser
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.locator("main").get_by_label("Email").fill(user.email)
    page.locator("main").get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button").click()
    page.goto(f"{live_server}/sites/here/review")
    first_box = page.locator("form[data-review] input[type=checkbox]").first
    first_box.focus()
    theme = first_box.get_attribute("value")
    page.keyboard.press("1")
    assert first_box.is_checked()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    session.expire_all()
    answer = session.exec(select(Answer).where(Answer.text == "Nothing in particular")).one()
    assert answer.reviewed
    kept = session.exec(
        select(AnswerTag).where(AnswerTag.answer_id == answer.id, AnswerTag.effective)
    ).all()
    assert [t.theme_key for t in kept] == [theme]
    context.close()


def test_the_brief_prints_on_one_page_in_every_language(session, live_server, playwright_browser):
    import re

    from survey.services.demo import seed

    seed(session=session)
    session.commit()
    _p, browser = playwright_browser
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.locator("main").get_by_label("Email").fill("analyst@riverside.example")
    page.locator("main").get_by_label("Password").fill("riverside-demo-garden")
    page.locator("main").get_by_role("button").click()
    for code in ("en", "es", "vi", "zh_Hans", "ar", "so", "ht", "hmn"):
        page.goto(f"{live_server}/sites/riverside/insights/brief?survey=hopes&lang={code}")
        pdf = page.pdf(format="A4")
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert pages == 1, (code, pages)
    context.close()
