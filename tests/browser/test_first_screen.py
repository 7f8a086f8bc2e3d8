"""The first screen of a small, cheap phone: the first question is on it, in every language, and
a resident who cannot read the page's language finds theirs there.

Screenshots of each first screen are written to ``tests/browser/screenshots/`` (git-ignored) for
review.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from survey.i18n import LANGUAGES, translations_for
from survey.models import Answer, Response
from survey.services.demo import demo_document, seed
from tests.browser.conftest import FIRST_SEND_MS, PHONES
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

ALL = ["en", "es", "vi", "zh_Hans", "ar", "so", "ht", "hmn"]
SCREENSHOTS = ROOT / "tests" / "browser" / "screenshots"
JS = pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])

#: the first answer box of a survey page
FIRST_BOX = "#survey textarea, #survey input:not([type=hidden])"


@pytest.fixture
def demo(session):
    seed(session=session, answers=False)
    session.commit()


def _viewport(page: Any) -> dict[str, int]:
    return page.evaluate("({width: innerWidth, height: innerHeight})")


def _no_sideways_scrolling(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= _viewport(page)["width"], f"the page scrolls sideways ({width} px wide)"


@pytest.mark.parametrize("device", PHONES)
@JS
def test_the_first_answer_box_is_on_the_first_screen_in_every_language(
    demo, live_server, phone, device, javascript
):
    """A browser left on English (the common case), each language's poster link."""
    page = phone(device=device, javascript=javascript)
    height = _viewport(page)["height"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tops = {}
    for code in ALL:
        page.goto(f"{live_server}/s/hopes?lang={code}")
        box = page.locator(FIRST_BOX).first.bounding_box()
        assert box is not None
        tops[code] = round(box["y"])
        if javascript:
            page.screenshot(path=SCREENSHOTS / f"{device.replace(' ', '-')}-{code}.png")
        _no_sideways_scrolling(page)
        assert page.locator("nav.langs summary").is_visible()
    # Its top edge, and a line of it to tap into, above the fold.
    late = {code: top for code, top in tops.items() if top + 48 > height}
    assert late == {}, f"{device} ({height} px high): first answer box starts at {tops}"
    print(f"{device}: first answer box top {tops} of {height} px; screenshots in {SCREENSHOTS}")


@pytest.mark.parametrize(
    ("browser_language", "opened_in", "reader"),
    [
        ("en-US", "en", "so"),  # a Somali reader, the phone left on English, a plain link
        ("en-US", "en", "hmn"),
        ("en-US", "so", "hmn"),  # a Hmong reader given a neighbour's Somali link
    ],
)
def test_a_reader_finds_their_language_on_the_first_screen(
    demo, live_server, phone, browser_language, opened_in, reader
):
    page = phone(device="iPhone SE", javascript=False, locale=browser_language)
    page.goto(f"{live_server}/s/hopes?lang={opened_in}")
    native = LANGUAGES[reader].native_name
    named = page.locator(f"nav.langs summary [lang='{LANGUAGES[reader].tag}']")
    assert named.inner_text() == native
    box = named.bounding_box()
    assert box is not None
    assert named.is_visible()
    assert box["y"] + box["height"] <= _viewport(page)["height"], "named on the first screen"
    named.click()  # anywhere on the line opens the list
    page.locator("nav.langs").get_by_role("button", name=native).click()
    assert page.locator("html").get_attribute("lang") == LANGUAGES[reader].tag
    hopes = demo_document()["sections"][0]["questions"][0]["text"][reader]
    assert page.get_by_label(hopes).is_visible()


def test_the_browsers_own_language_is_offered_first(demo, live_server, phone):
    page = phone(javascript=False, locale="so-SO")
    page.goto(f"{live_server}/s/hopes?lang=en")  # an English poster
    assert page.locator("nav.langs summary .also > span").first.inner_text() == "Soomaali"
    page.locator("nav.langs summary").click()
    first = page.locator("nav.langs li button").first
    assert first.inner_text() == "Soomaali"
    assert first.get_attribute("lang") == "so"


def test_a_page_in_the_browsers_own_language_keeps_the_choice_to_one_line(demo, live_server, phone):
    page = phone(device="iPhone SE", javascript=False, locale="so-SO")
    page.goto(f"{live_server}/s/hopes")
    assert page.locator("html").get_attribute("lang") == "so"
    summary = page.locator("nav.langs summary")
    assert page.locator("nav.langs summary .also").count() == 0
    box = summary.bounding_box()
    assert box is not None
    assert box["height"] <= 56, box
    summary.click()
    names = page.locator("nav.langs li button").all_inner_texts()
    assert sorted(names) == sorted(LANGUAGES[code].native_name for code in ALL)


@pytest.mark.parametrize("code", ALL)
def test_the_question_reads_without_sideways_scrolling_at_double_text_size(
    demo, live_server, phone, code
):
    page = phone(device="Pixel 7", javascript=False)
    # Chromium's own text size setting (what "text zoom" changes): 16 px becomes 32 px.
    page.context.new_cdp_session(page).send(
        "Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}}
    )
    page.goto(f"{live_server}/s/hopes?lang={code}")
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") >= 36
    _no_sideways_scrolling(page)
    width = _viewport(page)["width"]
    question = page.locator("#survey .q").first.locator("label, legend").first
    box = question.bounding_box()
    assert box is not None
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= width, box
    assert question.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert question.is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"Pixel-7-text-200-{code}.png")


# -- keyboard alone -------------------------------------------------------------------------


def _focus_ring(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => { const e = document.activeElement, s = getComputedStyle(e);
        return {tag: e.tagName, name: e.name || '', value: e.value || '',
                style: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }"""
    )


def _tab_to(page: Any, *, name: str, value: str | None = None, limit: int = 40) -> None:
    """Press Tab until the field ``name`` (with ``value``) has focus, each stop showing a ring."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focus_ring(page)
        assert focused["style"] != "none", f"no focus ring: {focused}"
        assert focused["width"] >= 2, f"no focus ring: {focused}"
        if focused["name"] == name and (value is None or focused["value"] == value):
            return
    raise AssertionError(f"Tab never reached {name}={value}")


def _enter_and_wait(page: Any) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _arrow_to(page: Any, value: str) -> None:
    """Move through a radio group with the arrow key until ``value`` is chosen."""
    for _ in range(12):
        if _focus_ring(page)["value"] == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"arrow keys never reached {value}")


@pytest.mark.parametrize("code", ["en", "ar"])
@JS
def test_a_resident_completes_the_survey_by_keyboard_alone(
    demo, live_server, phone, session, code, javascript
):
    page = phone(device="Galaxy S8", javascript=javascript)
    page.goto(f"{live_server}/s/hopes?lang={code}")
    _tab_to(page, name="q_hopes")
    page.keyboard.type("حديقة آمنة" if code == "ar" else "A safe park")
    _tab_to(page, name="q_children")
    page.keyboard.press("Space")  # the first option, yes
    _tab_to(page, name="action", value="next")
    _enter_and_wait(page)
    _tab_to(page, name="q_children_needs")
    page.keyboard.type("Homework club")
    _tab_to(page, name="q_trust")
    _arrow_to(page, "4")
    _tab_to(page, name="q_priorities", value="parks")
    page.keyboard.press("Space")
    _tab_to(page, name="action", value="next")
    _enter_and_wait(page)
    _tab_to(page, name="q_age_group")
    _arrow_to(page, "25_34")
    _tab_to(page, name="action", value="send")
    page.keyboard.press("Enter")
    page.wait_for_url("**/s/hopes/thanks**", timeout=FIRST_SEND_MS)
    assert translations_for(code).gettext("Thank you") in page.locator("h1").inner_text()
    session.expire_all()
    [response] = session.exec(select(Response)).all()
    assert response.locale == code
    answers = {
        a.question_key: a.value
        for a in session.exec(select(Answer).where(Answer.response_id == response.id))
    }
    assert answers["children"] == "yes"
    assert answers["children_needs"] == "Homework club"
    assert answers["trust"] == 4
    assert answers["priorities"] == ["parks"]
    assert answers["age_group"] == "25_34"


def test_the_language_choice_works_by_keyboard(demo, live_server, phone):
    page = phone(javascript=False)
    page.goto(f"{live_server}/s/hopes?lang=en")
    page.keyboard.press("Tab")
    assert _focus_ring(page)["tag"] == "SUMMARY"
    page.keyboard.press("Enter")
    _tab_to(page, name="action", value="lang")  # the first language of the list
    while page.evaluate("document.activeElement.lang") != "ar":
        _tab_to(page, name="action", value="lang")
    _enter_and_wait(page)
    assert page.locator("html").get_attribute("dir") == "rtl"


# -- accessibility --------------------------------------------------------------------------


def _as_rendered_without_javascript(phone: Any, page: Any) -> Any:
    """axe-core is a script: check the DOM a script-less phone shows, in a page that runs it."""
    html, url = page.content(), page.url
    checker = phone(device="iPhone SE", javascript=True)
    checker.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
    checker.goto(url)
    return checker


@pytest.mark.parametrize("code", ["en", "ar", "so", "zh_Hans"])
@JS
def test_the_first_page_has_no_accessibility_violations(
    demo, live_server, phone, axe_violations, code, javascript
):
    page = phone(device="iPhone SE", javascript=javascript)
    page.goto(f"{live_server}/s/hopes?lang={code}")
    checked = page if javascript else _as_rendered_without_javascript(phone, page)
    assert axe_violations(checked) == []
    page.locator("nav.langs summary").click()
    assert page.locator("nav.langs li").first.is_visible()
    checked = page if javascript else _as_rendered_without_javascript(phone, page)
    assert axe_violations(checked) == [], "with the language list open"


@pytest.mark.parametrize("code", ["en", "ar"])
def test_the_later_pages_thank_you_and_public_page_have_no_accessibility_violations(
    demo, live_server, phone, axe_violations, code
):
    page = phone(device="iPhone SE")
    page.goto(f"{live_server}/s/hopes?lang={code}")
    page.locator(FIRST_BOX).first.fill("A safe park")
    page.locator("#survey button[value=next]").click()
    assert page.locator("progress").get_attribute("value") == "2"
    assert axe_violations(page) == []
    page.goto(f"{live_server}/s/hopes/thanks?lang={code}")
    assert axe_violations(page) == []
    page.goto(f"{live_server}/p/riverside?lang={code}")
    assert axe_violations(page) == []
    _no_sideways_scrolling(page)
