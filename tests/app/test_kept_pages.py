"""Resident pages kept per published version (``survey.web.compiled``): what a resident sees is
never stale and never another resident's.

Every kept page a test here (or anywhere in the suite) is served is also compared with a full
rendering (``RESIDENT_PAGES_CHECKED``, set by ``tests/conftest.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from survey.models import Question, Response, SurveyStatus, SurveyVersion
from survey.services.surveys import publish
from survey.web import compiled
from tests.conftest import survey_document, visits_question
from tests.pages import read, submit, text_of


@pytest.fixture
def other_worker(app: Any) -> Iterator[Any]:
    """A browser served by a second app on the same database: another gunicorn worker, with
    caches of its own."""
    from survey import create_app

    other = create_app({**app.config, "INSTANCE_PATH": app.instance_path})
    yield other.test_client()
    other.extensions["cv_engine"].dispose()


def _in_every_language(item: Any) -> Any:
    """Every ``{locale: text}`` of a document with Arabic and Swahili texts too."""
    if isinstance(item, dict) and "en" in item and "es" in item:
        return {**item, "ar": f"[ar] {item['en']}", "sw": f"[sw] {item['en']}"}
    if isinstance(item, dict):
        return {key: _in_every_language(value) for key, value in item.items()}
    if isinstance(item, list):
        return [_in_every_language(value) for value in item]
    return item


def _kept(app: Any) -> int:
    with app.app_context():
        return compiled.versions().pages_kept()


def test_a_closed_survey_is_closed_at_once_for_every_worker(
    app, client, other_worker, make_survey, session
):
    survey = make_survey()
    url = f"/s/{survey.slug}"
    other = other_worker
    for browser in (client, other):
        assert browser.get(url).status_code == 200
        assert browser.get(url).status_code == 200  # served from the kept page
    assert _kept(app) >= 1

    survey.status = SurveyStatus.closed
    session.add(survey)
    session.commit()

    for browser in (client, other):
        closed = browser.get(url)
        assert closed.status_code == 410
        assert "Your hopes?" not in text_of(closed.data)


def test_a_new_version_is_shown_at_once_and_a_form_of_the_old_one_still_sends(
    client, other_worker, make_survey, session
):
    survey = make_survey()
    url = f"/s/{survey.slug}"
    other = other_worker
    old_page = client.get(url)
    assert "Your hopes?" in text_of(other.get(url).data)

    question = session.exec(
        select(Question).where(Question.survey_id == survey.id, Question.key == "hopes")
    ).one()
    question.text = {"en": "What would make this street better?", "es": "¿Qué mejoraría?"}
    session.add(question)
    publish(session=session, survey=survey)
    session.commit()

    for browser in (client, other):
        page = text_of(browser.get(url).data)
        assert "What would make this street better?" in page
        assert "Your hopes?" not in page
    # The offline copy names the new version, so answers given offline are stored against it.
    config = re.search(rb'id="cv-config">(.*?)</script>', client.get(f"{url}/offline").data)
    assert config is not None
    newest = session.exec(select(SurveyVersion).order_by(SurveyVersion.number.desc())).first()
    assert json.loads(config.group(1))["version"] == newest.id

    # A resident who opened the page before the change still gets to send it.
    on = submit(client, url, old_page.data, {"q_hopes": "Shade", "q_kids": "no"})
    assert submit(client, url, on.data, {}, "send").status_code == 303
    assert len(session.exec(select(Response)).all()) == 1


def test_answers_typed_and_errors_come_back_on_a_kept_page(client, make_survey):
    survey = make_survey()
    url = f"/s/{survey.slug}"
    first = client.get(url)
    assert client.get(url).status_code == 200  # the first page is kept now

    refused = submit(client, url, first.data, {"q_hopes": "", "q_kids": "yes"})
    assert refused.status_code == 422
    page = read(refused.data)
    assert page.errors, "the error is shown beside the question"
    chosen = [i for i in page.inputs if i.get("name") == "q_kids" and "checked" in i]
    assert [i["value"] for i in chosen] == ["yes"], "the choice made is kept"

    on = submit(client, url, refused.data, {"q_hopes": "A <b>bench</b> & shade", "q_kids": "yes"})
    assert "What do kids need?" in text_of(on.data)
    carried = dict(read(on.data).hidden)
    assert carried["q_hopes"] == "A <b>bench</b> & shade", "page one's answer travels along"
    assert "<b>bench</b>" not in on.data.decode(), "and is escaped"

    wrong = submit(client, url, on.data, {"q_kid_needs": "Swings", "q_age": "old"})
    assert wrong.status_code == 422
    assert read(wrong.data).errors
    assert 'value="old"' in wrong.data.decode(), "what was typed is kept"
    assert dict(read(wrong.data).hidden)["q_hopes"] == "A <b>bench</b> & shade"


def test_a_kept_page_never_shows_another_residents_answers(app, make_survey):
    survey = make_survey()
    url = f"/s/{survey.slug}"
    first, second = app.test_client(), app.test_client()
    one = first.get(url)
    on = submit(first, url, one.data, {"q_hopes": "My private hope", "q_kids": "no"})
    assert dict(read(on.data).hidden)["q_hopes"] == "My private hope"

    for page in (second.get(url), second.get(f"{url}?page=1")):
        assert "My private hope" not in page.data.decode()
    tokens = {dict(read(first.get(url).data).hidden)["token"] for _ in range(3)}
    assert len(tokens) == 3, "every new form has a token of its own"


def test_a_question_on_the_same_page_still_comes_up_on_a_kept_page(client, make_survey, session):
    barriers = {
        "key": "barriers",
        "kind": "long_text",
        "required": True,
        "text": {"en": "What keeps you away?", "es": "¿Qué se lo impide?"},
        "show_if": {"question": "visits", "equals": "never"},
    }
    survey = make_survey(
        survey_document(sections=[{"key": "p", "questions": [visits_question(), barriers]}])
    )
    url = f"/s/{survey.slug}"
    client.get(url)
    first = client.get(url)
    assert "What keeps you away?" not in text_of(first.data)

    again = submit(client, url, first.data, {"q_visits": "never"}, "send")
    assert again.status_code == 200
    assert "What keeps you away?" in text_of(again.data)
    assert "Your answer added a question on this page" in " ".join(read(again.data).alerts)
    sent = submit(client, url, again.data, {"q_visits": "never", "q_barriers": "Too far"}, "send")
    assert sent.status_code == 303
    # Another resident's new form does not ask it.
    assert "What keeps you away?" not in text_of(client.get(url).data)


@pytest.mark.parametrize(
    ("accept", "lang", "direction", "title"),
    [
        ("ar", "ar", "rtl", "استطلاع الحديقة"),
        ("sw", "sw", "ltr", "Utafiti wa bustani"),
        ("en", "en", "ltr", "Park survey"),
    ],
)
def test_each_language_gets_its_own_kept_page(
    app, make_survey, accept: str, lang: str, direction: str, title: str
):
    document = _in_every_language(survey_document(locales=["en", "ar", "sw"]))
    document["title"] = {"en": "Park survey", "ar": "استطلاع الحديقة", "sw": "Utafiti wa bustani"}
    survey = make_survey(document)
    url = f"/s/{survey.slug}"
    # Pages in the other languages are kept first, so a wrong key would serve one of them.
    for other in ("en", "ar", "sw"):
        app.test_client().get(url, headers={"Accept-Language": other})
    browser = app.test_client()
    for _ in range(2):
        page = browser.get(url, headers={"Accept-Language": accept})
        assert page.status_code == 200
        assert title in text_of(page.data)
        h1 = re.search(rb"<h1([^>]*)>", page.data)
        html = re.search(rb"<html([^>]*)>", page.data)
        assert h1 is not None
        assert html is not None
        # The title's own marks, or the page's where the title is in the page's language.
        said = h1.group(1) if b"lang=" in h1.group(1) else html.group(1)
        assert f'lang="{lang}"'.encode() in said
        assert f'dir="{direction}"'.encode() in said


def test_a_device_marked_as_kiosk_sees_the_same_pages(
    app, make_site, make_survey, make_user, signed_in
):
    from tests.conftest import csrf_of

    site = make_site()
    site_slug = site.slug
    survey = make_survey(site=site)
    kiosk = signed_in(make_user("staff", site))
    marked = kiosk.post(
        f"/sites/{site_slug}/kiosk",
        data={"csrf_token": csrf_of(kiosk, f"/sites/{site_slug}/kiosk"), "kiosk": "1"},
    )
    assert marked.status_code == 303
    app.config["RESIDENT_SEND_LIMIT"] = "1 per minute"
    url = f"/s/{survey.slug}"
    for n in range(3):
        page = kiosk.get(url)
        assert "Your hopes?" in text_of(page.data)
        on = submit(kiosk, url, page.data, {"q_hopes": f"Idea {n}", "q_kids": "no"})
        assert submit(kiosk, url, on.data, {}, "send").status_code == 303, "a kiosk is not limited"
