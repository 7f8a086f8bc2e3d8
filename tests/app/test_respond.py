"""A resident answers a survey: pages, skip logic, bad input, idempotent sending."""

from __future__ import annotations

import gzip
import re
from typing import Any

import pytest
from sqlmodel import Session, select
from werkzeug.datastructures import MultiDict

from survey.models import Answer, Response
from tests.conftest import survey_document
from tests.pages import read, submit, text_of


def _stored(session: Session) -> list[Response]:
    session.expire_all()
    return list(session.exec(select(Response)).all())


def _answers(session: Session, response: Response) -> dict[str, Any]:
    rows = session.exec(select(Answer).where(Answer.response_id == response.id)).all()
    return {a.question_key: a.value for a in rows}


def test_a_resident_answers_every_page_and_gets_the_thank_you(client, make_survey, session):
    survey = make_survey()
    url = f"/s/{survey.slug}"
    first = client.get(url)
    assert first.status_code == 200
    assert "Your hopes?" in text_of(first.data)
    assert "Page 1 of 2" in text_of(first.data)

    second = submit(client, url, first.data, {"q_hopes": "A safe park", "q_kids": "yes"})
    assert second.status_code == 200
    assert "What do kids need?" in text_of(second.data)

    sent = submit(client, url, second.data, {"q_kid_needs": "Swings", "q_age": "34"}, "send")
    assert sent.status_code == 303
    assert sent.headers["Location"].startswith(f"/s/{survey.slug}/thanks")
    thanks = client.get(sent.headers["Location"])
    assert "Thanks, neighbour!" in text_of(thanks.data)

    [response] = _stored(session)
    assert response.locale == "en"
    assert str(response.channel) == "web"
    assert _answers(session, response) == {
        "hopes": "A safe park",
        "kids": "yes",
        "kid_needs": "Swings",
        "age": 34,
    }


def test_sending_the_same_form_twice_stores_one_response(client, make_survey, session):
    survey = make_survey()
    url = f"/s/{survey.slug}"
    page_two = submit(client, url, client.get(url).data, {"q_hopes": "Jobs", "q_kids": "no"})
    first = submit(client, url, page_two.data, {"q_age": "40"}, "send")
    again = submit(client, url, page_two.data, {"q_age": "41"}, "send")
    assert first.status_code == again.status_code == 303
    assert len(_stored(session)) == 1
    assert "already had your answers" not in text_of(client.get(first.headers["Location"]).data)
    # Back and Send again after the thank-you page: nothing new is stored, and the page says so.
    told = text_of(client.get(again.headers["Location"]).data)
    assert "already had your answers from this form, so nothing was saved a second time" in told
    [response] = _stored(session)
    assert _answers(session, response)["age"] == 40


def test_skip_logic_hides_a_question_and_drops_its_carried_answer(client, make_survey, session):
    survey = make_survey()
    url = f"/s/{survey.slug}"
    page_two = submit(client, url, client.get(url).data, {"q_hopes": "Trees", "q_kids": "no"})
    assert "What do kids need?" not in text_of(page_two.data)
    sent = submit(client, url, page_two.data, {"q_kid_needs": "sneaked in", "q_age": ""}, "send")
    assert sent.status_code == 303
    [response] = _stored(session)
    assert _answers(session, response) == {"hopes": "Trees", "kids": "no"}


def test_back_keeps_what_was_typed_on_both_pages(client, make_survey):
    survey = make_survey()
    url = f"/s/{survey.slug}"
    page_two = submit(
        client, url, client.get(url).data, {"q_hopes": "Clean streets", "q_kids": "yes"}
    )
    back = submit(client, url, page_two.data, {"q_kid_needs": "A library", "q_age": "29"}, "back")
    page = read(back.data)
    assert "Clean streets" in text_of(back.data)
    assert ("q_kid_needs", "A library") in page.hidden
    assert ("q_age", "29") in page.hidden


def test_a_missing_required_answer_is_explained_beside_the_question(client, make_survey, session):
    survey = make_survey()
    url = f"/s/{survey.slug}"
    result = submit(client, url, client.get(url).data, {"q_hopes": "   ", "q_kids": "yes"})
    assert result.status_code == 422
    page = read(result.data)
    assert page.errors == ["Please answer this question."]
    checked = [i for i in page.inputs if i.get("name") == "q_kids" and "checked" in i]
    assert [i["value"] for i in checked] == ["yes"], "the other answer on the page is kept"
    assert _stored(session) == []


def test_an_unknown_choice_code_is_refused(client, make_survey):
    survey = make_survey()
    url = f"/s/{survey.slug}"
    result = submit(client, url, client.get(url).data, {"q_hopes": "x", "q_kids": "maybe"})
    assert result.status_code == 422
    assert read(result.data).errors == ["Please choose one of the options shown."]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Please enter a number, using digits only."),
        ("130", "Please enter a number no larger than 120."),
        ("-1", "Please enter a number of at least 0."),
        ("12.5", "Please enter a whole number."),
    ],
)
def test_a_bad_number_is_explained_and_kept(client, make_survey, typed, message):
    survey = make_survey()
    url = f"/s/{survey.slug}"
    page_two = submit(client, url, client.get(url).data, {"q_hopes": "x", "q_kids": "no"})
    result = submit(client, url, page_two.data, {"q_age": typed}, "send")
    assert result.status_code == 422
    page = read(result.data)
    assert page.errors == [message]
    [age] = [i for i in page.inputs if i.get("name") == "q_age"]
    assert age["value"] == typed


def test_text_over_the_limit_is_refused_and_kept(app, client, make_survey):
    app.config["ANSWER_MAX_CHARS"] = 50
    survey = make_survey()
    url = f"/s/{survey.slug}"
    long_answer = "more buses " * 10
    result = submit(client, url, client.get(url).data, {"q_hopes": long_answer})
    assert result.status_code == 422
    assert "under 50 characters" in read(result.data).errors[0]
    assert long_answer.strip() in text_of(result.data)


def test_a_page_reached_by_editing_the_url_sends_the_resident_back(client, make_survey):
    survey = make_survey()
    result = client.get(f"/s/{survey.slug}?page=1")
    assert result.status_code == 200
    page = read(result.data)
    assert "Your hopes?" in text_of(result.data)
    assert page.alerts == ["Please answer the questions on this page first."]


def test_a_final_send_with_an_earlier_page_emptied_returns_to_that_page(
    client, make_survey, session
):
    survey = make_survey()
    url = f"/s/{survey.slug}"
    page_two = submit(client, url, client.get(url).data, {"q_hopes": "x", "q_kids": "no"})
    result = submit(client, url, page_two.data, {"q_hopes": "", "q_age": "33"}, "send")
    assert result.status_code == 422
    assert "Your hopes?" in text_of(result.data)
    assert ("q_age", "33") in read(result.data).hidden
    assert _stored(session) == []


def test_an_expired_form_keeps_the_answers_and_speaks_the_residents_language(client, make_survey):
    survey = make_survey()
    url = f"/s/{survey.slug}?lang=es"
    page = client.get(url)
    data = [(n, v) for n, v in read(page.data).hidden if n != "csrf_token"]
    data += [("csrf_token", "stale"), ("q_hopes", "Un parque seguro"), ("action", "next")]
    result = client.post(url, data=MultiDict(data))
    assert result.status_code == 400
    assert "Un parque seguro" in text_of(result.data)
    assert read(result.data).html_attrs["lang"] == "es"
    assert read(result.data).alerts, "a notice explains what happened"
    fresh = dict(read(result.data).hidden)["csrf_token"]
    assert fresh
    assert fresh != "stale"


def test_a_body_over_the_limit_gets_the_413_page(app, client, make_survey):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    app.config["MAX_FORM_MEMORY_SIZE"] = 2048
    survey = make_survey()
    url = f"/s/{survey.slug}"
    result = submit(client, url, client.get(url).data, {"q_hopes": "x" * 5000})
    assert result.status_code == 413
    assert "too long" in text_of(result.data)


def test_closed_unknown_and_draft_surveys(client, make_survey, session):
    closed = make_survey(status="closed")
    result = client.get(f"/s/{closed.slug}")
    assert result.status_code == 410
    assert "closed" in text_of(result.data)
    assert "Park survey" in text_of(result.data)
    assert client.get("/s/no-such-survey").status_code == 404
    draft = make_survey(status="draft")
    assert client.get(f"/s/{draft.slug}").status_code == 404
    assert client.post(f"/s/{closed.slug}", data={}).status_code in (400, 410)


def test_spanish_survey_content_and_page_language(client, make_survey):
    survey = make_survey()
    result = client.get(f"/s/{survey.slug}?lang=es")
    assert read(result.data).html_attrs == {"lang": "es", "dir": "ltr"}
    assert "¿Sus esperanzas?" in text_of(result.data)


def test_a_missing_translation_falls_back_to_the_default_language(client, make_site, session):
    from survey.models import SurveyStatus, SurveyVersion
    from survey.services.surveys import create_from_document

    document = survey_document()
    document["sections"][0]["questions"][0]["text"] = {"en": "Your hopes?", "es": ""}
    survey = create_from_document(session=session, site=make_site(), document=document)
    session.add(SurveyVersion(survey_id=survey.id, number=1, definition=document))
    survey.status = SurveyStatus.open
    session.commit()
    result = client.get(f"/s/{survey.slug}?lang=es")
    assert "Your hopes?" in text_of(result.data)


def test_resident_pages_are_private_and_small(client, make_survey):
    survey = make_survey()
    result = client.get(f"/s/{survey.slug}")
    html = result.data.decode()
    assert "http://" not in html, "no third-party requests"
    assert "https://" not in html, "no third-party requests"
    # One script of our own, deferred, for use offline; the page works without it.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/offline.js" defer>']
    assert "default-src 'self'" in result.headers["Content-Security-Policy"]
    with client.get("/static/offline.js") as served:
        script = served.data
    worker = client.get("/s/sw.js").data
    first_load = [result.data, script, worker]
    assert sum(len(gzip.compress(part)) for part in first_load) < 14 * 1024
    assert set(result.headers.getlist("Set-Cookie")) <= {
        c for c in result.headers.getlist("Set-Cookie") if c.startswith("session=")
    }


def test_responses_record_no_address_or_browser():
    columns = set(Response.model_fields)
    assert not columns & {"ip", "ip_address", "remote_addr", "user_agent", "useragent"}
    assert {"locale", "channel", "submitted_at"} <= columns


def test_healthz_reports_the_database(client):
    result = client.get("/healthz")
    assert result.status_code == 200
    assert result.get_json() == {"status": "ok", "database": "ok"}


def test_a_resident_whose_browser_keeps_no_cookies_can_still_answer(app, make_survey, session):
    survey = make_survey()
    url = f"/s/{survey.slug}?lang=es"
    browser = app.test_client(use_cookies=False)
    page_two = submit(browser, url, browser.get(url).data, {"q_hopes": "Luz", "q_kids": "no"})
    assert page_two.status_code == 200
    assert "¿Su edad?" in text_of(page_two.data)
    sent = submit(browser, url, page_two.data, {"q_age": "30"}, "send")
    assert sent.status_code == 303
    [response] = _stored(session)
    assert _answers(session, response) == {"hopes": "Luz", "kids": "no", "age": 30}
    thanks = browser.get(sent.headers["Location"])
    # The link to what the partnership heard keeps the resident's language without a cookie.
    assert any("lang=es" in href for href in read(thanks.data).links if href.startswith("/p/"))


def test_a_form_key_for_another_survey_is_refused_with_the_answers_kept(client, make_survey):
    one, other = make_survey(), make_survey()
    page = client.get(f"/s/{one.slug}")
    foreign = dict(read(client.get(f"/s/{other.slug}").data).hidden)["csrf_token"]
    data = [(n, v) for n, v in read(page.data).hidden if n != "csrf_token"]
    data += [("csrf_token", foreign), ("q_hopes", "Shade trees"), ("action", "next")]
    result = client.post(f"/s/{one.slug}", data=MultiDict(data))
    assert result.status_code == 400
    assert "Shade trees" in text_of(result.data)


@pytest.mark.parametrize(
    "typed",
    ["\u200b", "\u202e", "\x00", " \u200d\ufeff ", "\u3000"],
    ids=["zero-width space", "direction override", "NUL", "joiners", "ideographic space"],
)
def test_an_answer_with_nothing_visible_does_not_count_as_an_answer(client, make_survey, typed):
    survey = make_survey()
    url = f"/s/{survey.slug}"
    result = submit(client, url, client.get(url).data, {"q_hopes": typed})
    assert result.status_code == 422
    assert "Please answer this question." in text_of(result.data)


def test_control_characters_are_dropped_before_an_answer_is_stored(client, make_survey, session):
    # A NUL byte cannot be stored in PostgreSQL text; this runs on both databases in CI.
    survey = make_survey()
    url = f"/s/{survey.slug}"
    typed = "safe\x00 park\x07s\x85\x9b\r\nplease\rnow"
    page_two = submit(client, url, client.get(url).data, {"q_hopes": typed})
    sent = submit(client, url, page_two.data, {"q_age": "50"}, "send")
    assert sent.status_code == 303
    [response] = _stored(session)
    assert _answers(session, response)["hopes"] == "safe parks\nplease\nnow"


def test_a_tampered_rating_gets_a_message_not_an_error(client, make_survey, session):
    document = survey_document()
    document["sections"][0]["questions"].append(
        {"key": "trust", "kind": "rating", "text": {"en": "Trust?", "es": "¿Confianza?"}}
    )
    survey = make_survey(document)
    url = f"/s/{survey.slug}"
    page = client.get(url).data
    for action in ("next", "lang", "back"):
        result = submit(client, url, page, {"q_hopes": "Parks", "q_trust": "abc"}, action)
        assert result.status_code in (200, 422), action
        assert "Parks" in text_of(result.data)
    refused = submit(client, url, page, {"q_hopes": "Parks", "q_trust": "abc"})
    assert refused.status_code == 422
    assert "Please choose one of the options shown." in text_of(refused.data)
    assert _stored(session) == []


def test_a_too_long_answer_in_a_wide_script_comes_back_with_its_message(client, make_survey):
    # 100 KB of emoji is about 300 KB once percent-encoded: it must reach the form's own check.
    survey = make_survey()
    url = f"/s/{survey.slug}?lang=es"
    typed = "\U0001f600" * 25_000
    result = submit(client, url, client.get(url).data, {"q_hopes": typed})
    assert result.status_code == 422
    assert read(result.data).html_attrs["lang"] == "es"
    assert typed in result.data.decode("utf-8")
