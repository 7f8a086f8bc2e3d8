"""No signal, in a real Chromium: the survey keeps working offline on a phone and on an event
tablet, answers wait on the device, and each is stored exactly once when the network returns."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from survey.models import Answer, Channel, Response

pytestmark = pytest.mark.browser

CASES = json.loads((Path(__file__).parent.parent / "conditions_cases.json").read_text("utf-8"))


def _responses(session: Session) -> list[Response]:
    session.expire_all()
    return list(session.exec(select(Response)).all())


def _wait(check, seconds: float = 15) -> None:
    end = time.monotonic() + seconds
    while not check():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        time.sleep(0.2)


@pytest.fixture
def demo(session, app):
    from survey.services.demo import seed

    seed(session=session)
    session.commit()
    return len(_responses(session))


def _kept_for_offline(page) -> None:
    """Wait until the service worker runs and the offline copy is in its cache."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    # Both the survey's copy and the script that runs it: a copy without its script would show
    # a survey nobody can answer.
    page.wait_for_function(
        """() => caches.open('cv').then(c => c.keys()).then(k =>
            k.some(r => /\\/(offline|event\\/)/.test(r.url))
            && k.some(r => r.url.endsWith('/static/offline.js')))""",
        timeout=15_000,
    )
    # The next load is the worker's to answer.
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)


def _answer_everything(page, hopes: str) -> None:
    """Answer the required questions of every page, then send."""
    page.locator("[data-q=hopes] textarea").fill(hopes)
    page.locator("[data-q=children] input[value=yes]").check()
    page.get_by_role("button", name="Next").click()
    # A question shown by the answer above appears.
    page.locator("[data-q=children_needs] input").fill("A playground")
    page.locator("[data-q=trust] input[value='4']").check()
    page.get_by_role("button", name="Next").click()
    page.locator("[data-q=age_group] input").first.check()
    page.get_by_role("button", name="Send my answers").click()


def test_the_browser_evaluates_conditions_exactly_as_the_server_does(demo, live_server, phone):
    page = phone()
    page.goto(f"{live_server}/s/hopes")
    page.wait_for_function("() => window.cvOffline !== undefined")
    results = page.evaluate(
        "cases => cases.map(c => window.cvOffline.isShown(c.show_if, c.answers))", CASES["cases"]
    )
    assert results == [case["shown"] for case in CASES["cases"]]


def test_event_mode_keeps_answers_offline_and_sends_each_once(
    demo, session, app, live_server, playwright_browser, axe_violations
):
    from survey.web.offline import event_key

    with app.test_request_context():
        key = event_key(slug="hopes", name="Block party", days=1)
    p, browser = playwright_browser
    device = dict(p.devices["Galaxy Tab S4"])
    device.pop("default_browser_type", None)
    context = browser.new_context(**device)
    context.set_default_timeout(15_000)
    page = context.new_page()
    for lang in ("ar", "en"):
        page.goto(f"{live_server}/s/hopes/event/{key}?lang={lang}")
        assert axe_violations(page) == [], lang
    _kept_for_offline(page)

    context.set_offline(True)
    page.reload()
    assert "Block party" in page.inner_text("main")
    for n in range(3):
        _answer_everything(page, f"A library, resident {n}")
        page.get_by_text("Saved on this phone").wait_for()
        page.wait_for_function(
            "n => document.getElementById('cv-waiting').textContent === String(n)", arg=n + 1
        )
        page.get_by_role("button", name="Start again").click()
    assert page.inner_text("#cv-waiting") == "3"
    kept = page.evaluate(
        """() => new Promise(ok => { const r = indexedDB.open('community-voice');
            r.onsuccess = () => { const g = r.result.transaction('outbox').objectStore('outbox').getAll();
            g.onsuccess = () => ok(g.result); }; })"""
    )
    assert len(kept) == 3
    assert len(_responses(session)) == demo

    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('cv-sent').textContent === '3'")
    new = [r for r in _responses(session) if r.channel == Channel.event]
    assert len(new) == 3
    assert {r.event for r in new} == {"Block party"}
    assert page.inner_text("#cv-waiting") == "0"

    # As if the server's answer had been lost: the same three wait again and are sent again.
    page.evaluate(
        """items => new Promise(ok => { const r = indexedDB.open('community-voice');
            r.onsuccess = () => { const t = r.result.transaction('outbox', 'readwrite');
            items.forEach(i => t.objectStore('outbox').put(i)); t.oncomplete = () => ok(); }; })""",
        kept,
    )
    page.reload()
    page.wait_for_function("() => document.getElementById('cv-waiting').textContent === '0'")
    assert len([r for r in _responses(session) if r.channel == Channel.event]) == 3
    context.close()


def test_a_phone_that_loses_signal_keeps_the_survey_and_sends_later(
    demo, session, live_server, phone
):
    page = phone()
    page.goto(f"{live_server}/s/hopes")
    _kept_for_offline(page)
    page.context.set_offline(True)
    page.reload()
    assert page.locator("h1").inner_text()  # the survey still shows
    page.get_by_text("You are offline").wait_for()
    _answer_everything(page, "Cleaner streets")
    page.get_by_text("Saved on this phone").wait_for()
    assert len(_responses(session)) == demo
    page.context.set_offline(False)
    page.get_by_text("Sent. Thank you!").wait_for()
    [stored] = [r for r in _responses(session) if r.channel == Channel.web and r.id > demo]
    assert stored.locale == "en"


def test_next_pressed_in_a_dead_spot_carries_on_from_the_offline_copy(
    demo, session, live_server, phone
):
    page = phone()
    page.goto(f"{live_server}/s/hopes")
    _kept_for_offline(page)
    page.locator("textarea[name=q_hopes]").fill("Safer crossings")
    page.locator("input[name=q_children][value=no]").check()
    page.context.set_offline(True)
    page.get_by_role("button", name="Next").click()
    # The offline copy took over with what was typed; the resident goes on from the same page.
    page.locator("[data-q=hopes] textarea").wait_for()
    assert page.locator("[data-q=hopes] textarea").input_value() == "Safer crossings"
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_text("Saved on this phone").wait_for()
    page.context.set_offline(False)
    page.get_by_text("Sent. Thank you!").wait_for()
    stored = [r for r in _responses(session) if r.id > demo]
    assert len(stored) == 1


def test_the_offline_copy_checks_dates_times_and_patterns_before_keeping_an_answer(
    make_survey, session, live_server, phone
):
    """An answer the server would refuse must not wait on the phone for ever: the offline copy
    asks for the fix, as the pages do, before it keeps the answer."""
    from tests.conftest import survey_document

    document = survey_document(
        locales=["en"],
        title={"en": "Market days"},
        intro={"en": "Tell us."},
        thank_you={"en": "Thanks!"},
        sections=[
            {
                "key": "one",
                "questions": [
                    {"key": "day", "kind": "date", "required": True, "text": {"en": "Which day?"}},
                    {"key": "at", "kind": "time", "required": False, "text": {"en": "What time?"}},
                    {
                        "key": "phone",
                        "kind": "short_text",
                        "required": False,
                        "pattern": "^[0-9 ]{7,}$",
                        "text": {"en": "Phone?"},
                    },
                ],
            }
        ],
    )
    survey = make_survey(document)
    page = phone()
    page.goto(f"{live_server}/s/{survey.slug}/offline?lang=en")
    page.locator("[data-q=day] input").wait_for()
    # A browser without a date picker takes whatever is typed.
    for key in ("day", "at"):
        page.locator(f"[data-q={key}] input").evaluate("n => n.type = 'text'")
    page.locator("[data-q=day] input").fill("31/03/2025")
    page.locator("[data-q=at] input").fill("25:00")
    page.locator("[data-q=phone] input").fill("call me")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_text("Please enter a date as year-month-day").wait_for()
    assert page.get_by_text("Please enter a time as hours:minutes").is_visible()
    assert page.locator("[data-q=phone] .error").is_visible()
    assert _responses(session) == []

    page.locator("[data-q=day] input").fill("2025-03-31")
    page.locator("[data-q=at] input").fill("14:30")
    page.locator("[data-q=phone] input").fill("555 0100")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_text("Sent. Thank you!").wait_for()
    _wait(lambda: len(_responses(session)) == 1)
    [stored] = _responses(session)
    answers = {
        a.question_key: a.value
        for a in session.exec(select(Answer).where(Answer.response_id == stored.id))
    }
    assert answers == {"day": "2025-03-31", "at": "14:30", "phone": "555 0100"}
