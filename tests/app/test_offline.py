"""Answering with no signal, on the server's side: the offline copy, event links, answers sent
from the browser's queue (stored once, checked like any other answer)."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from sqlmodel import Session, select

from survey.models import Answer, Channel, Question, Response
from tests.pages import text_of


def _stored(session: Session) -> list[Response]:
    session.expire_all()
    return list(session.exec(select(Response)).all())


def _config(page: bytes) -> dict[str, Any]:
    found = re.search(rb'<script type="application/json" id="cv-config">(.*?)</script>', page)
    assert found, "no offline configuration on the page"
    return dict(json.loads(found.group(1)))


def _send(client, slug: str, body: dict[str, Any]):
    return client.post(f"/s/{slug}/queued", json=body)


def _body(config: dict[str, Any], fields: dict[str, list[str]], token: str = "t" * 24) -> dict:
    return {
        "token": token,
        "version": config["version"],
        "locale": config["locale"],
        "event": config["event"],
        "fields": fields,
    }


def test_the_offline_copy_holds_every_page_and_the_script(client, make_survey):
    survey = make_survey()
    page = client.get(f"/s/{survey.slug}/offline?lang=es")
    assert page.status_code == 200
    text = text_of(page.data)
    # Both pages at once, in Spanish, conditions carried for the browser to evaluate.
    assert "¿Sus esperanzas?" in text
    assert "¿Qué necesitan?" in text
    assert b"""data-show-if='{"equals": "yes", "question": "kids"}'""" in page.data
    assert b"/static/offline.js" in page.data
    config = _config(page.data)
    assert config["locale"] == "es"
    assert config["messages"]["required"] == "Por favor, responda esta pregunta."


def _copy_url(page: bytes) -> str:
    found = re.search(rb'data-offline="([^"]+)"', page)
    assert found, "the page names no offline copy"
    return html.unescape(found.group(1).decode())


def test_survey_pages_offer_the_offline_copy_and_the_service_worker_is_served(
    client, make_survey, session
):
    from survey.services.surveys import publish

    survey = make_survey()
    page = client.get(f"/s/{survey.slug}?lang=es")
    url = _copy_url(page.data)
    assert url.startswith(f"/s/{survey.slug}/offline?lang=es&v=")
    assert _config(client.get(url).data)["locale"] == "es"
    # The same copy on every page of this version (a phone fetches it once) ...
    assert _copy_url(client.get(f"/s/{survey.slug}?lang=es").data) == url
    # ... and a new one once a new version is published.
    question = session.exec(select(Question).where(Question.survey_id == survey.id)).first()
    question.text = {code: f"{text} (2)" for code, text in question.text.items()}
    session.add(question)
    publish(session=session, survey=survey)
    session.commit()
    assert _copy_url(client.get(f"/s/{survey.slug}?lang=es").data) != url
    worker = client.get("/s/sw.js")
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Cache-Control"] == "no-cache"


def test_a_queued_answer_is_stored_once(client, make_survey, session):
    survey = make_survey()
    config = _config(client.get(f"/s/{survey.slug}/offline").data)
    body = _body(config, {"q_hopes": ["A library"], "q_kids": ["no"], "q_age": ["41"]})
    first = _send(client, survey.slug, body)
    assert first.status_code == 201
    again = _send(client, survey.slug, body)
    assert again.status_code == 200
    assert again.get_json()["again"] is True
    [response] = _stored(session)
    assert response.channel == Channel.web
    answers = {
        a.question_key: a.value
        for a in session.exec(select(Answer).where(Answer.response_id == response.id))
    }
    assert answers == {"hopes": "A library", "kids": "no", "age": 41}


def test_a_queued_answer_is_checked_like_any_other(client, make_survey, session):
    survey = make_survey()
    config = _config(client.get(f"/s/{survey.slug}/offline").data)
    missing = _send(client, survey.slug, _body(config, {"q_kids": ["no"]}))
    assert missing.status_code == 422
    too_old = _send(client, survey.slug, _body(config, {"q_hopes": ["x"], "q_age": ["300"]}))
    assert too_old.status_code == 422
    # Hidden questions are dropped, as on the pages.
    hidden = _body(config, {"q_hopes": ["x"], "q_kids": ["no"], "q_kid_needs": ["Swings"]})
    assert _send(client, survey.slug, hidden).status_code == 201
    [response] = _stored(session)
    keys = {
        a.question_key
        for a in session.exec(select(Answer).where(Answer.response_id == response.id))
    }
    assert keys == {"hopes", "kids"}


def test_bad_queued_sends_get_a_clear_refusal_not_an_error(client, make_survey, session):
    survey = make_survey()
    url = f"/s/{survey.slug}/queued"
    config = _config(client.get(f"/s/{survey.slug}/offline").data)
    good = _body(config, {"q_hopes": ["x"]})
    assert client.post(url, data={"token": "t" * 24}).status_code == 400  # a form, not JSON
    assert client.post(url, data="[1]", content_type="application/json").status_code == 400
    assert _send(client, survey.slug, {**good, "token": "short"}).status_code == 400
    assert _send(client, survey.slug, {**good, "fields": {"q_hopes": "x"}}).status_code == 400
    assert _send(client, survey.slug, {**good, "event": "forged"}).status_code == 400
    # A version id the database cannot hold, or of another survey: the latest version is used.
    huge = {**good, "version": 2**63, "token": "u" * 24}
    assert _send(client, survey.slug, huge).status_code == 201
    assert client.post("/s/no-such-survey/queued", json=good).status_code == 404
    assert len(_stored(session)) == 1


def test_staff_make_an_event_link_that_marks_answers_with_the_event(
    client, make_survey, make_user, signed_in, session
):
    survey = make_survey()
    site = survey.site_id
    from survey.models import Site

    site = session.get(Site, site)
    staff = signed_in(make_user("staff", site))
    share = f"/sites/{site.slug}/surveys/{survey.slug}/share"
    refused = staff.get(f"{share}?event=&days=1")
    assert "Give the event a name" in text_of(refused.data)
    too_long = staff.get(f"{share}?event=Fair&days=90")
    assert "1 to 14 days" in text_of(too_long.data)
    made = staff.get(f"{share}?event=Block+party+%3Cb%3E&days=1")
    link = re.search(rb'href="(http://localhost/s/[^"]+/event/[^"]+)"', made.data)
    assert link, text_of(made.data)
    event_page = client.get(link.group(1).decode().replace("http://localhost", ""))
    assert event_page.status_code == 200
    assert b"Block party &lt;b&gt;" in event_page.data
    config = _config(event_page.data)
    assert config["event"]
    sent = _send(client, survey.slug, _body(config, {"q_hopes": ["Music"]}, token="e" * 24))
    assert sent.status_code == 201
    [response] = _stored(session)
    assert response.channel == Channel.event
    assert response.event == "Block party <b>"


def test_an_event_link_for_another_survey_or_tampered_with_has_ended(client, make_survey):
    survey, other = make_survey(), make_survey()
    from survey.web.offline import event_key

    with client.application.test_request_context():
        key = event_key(slug=other.slug, name="Fair", days=1)
    assert client.get(f"/s/{survey.slug}/event/{key}").status_code == 410
    assert client.get(f"/s/{other.slug}/event/{key}x").status_code == 410
    assert client.get(f"/s/{other.slug}/event/{key}").status_code == 200


def test_answers_collected_at_an_event_are_taken_after_the_survey_closes(
    client, make_survey, session
):
    """A tablet back from a block party may find the survey closed that evening: what it
    collected while the survey was open is stored; a phone's answer to a closed survey is not."""
    from survey.models import SurveyStatus
    from survey.web.offline import event_key

    survey = make_survey()
    with client.application.test_request_context():
        key = event_key(slug=survey.slug, name="Block party", days=1)
    config = _config(client.get(f"/s/{survey.slug}/event/{key}").data)
    phone = _config(client.get(f"/s/{survey.slug}/offline").data)

    survey.status = SurveyStatus.closed
    session.add(survey)
    session.commit()
    # The pages say it has closed, in the survey's words (not an error page).
    for page in (f"/s/{survey.slug}/event/{key}", f"/s/{survey.slug}/offline", f"/s/{survey.slug}"):
        closed = client.get(page)
        assert closed.status_code == 410, page
        assert "Park survey" in text_of(closed.data), page

    sent = _send(client, survey.slug, _body(config, {"q_hopes": ["Music"]}, token="e" * 24))
    assert sent.status_code == 201
    again = _send(client, survey.slug, _body(config, {"q_hopes": ["Music"]}, token="e" * 24))
    assert again.status_code == 200
    late = _send(client, survey.slug, _body(phone, {"q_hopes": ["Late"]}, token="p" * 24))
    assert late.status_code == 410
    forged = _body(config, {"q_hopes": ["Forged"]}, token="f" * 24)
    forged["event"] = key + "x"
    assert _send(client, survey.slug, forged).status_code == 400
    [response] = _stored(session)
    assert response.channel == Channel.event
    assert response.event == "Block party"
