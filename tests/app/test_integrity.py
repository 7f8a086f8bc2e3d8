"""Survey integrity without tracking residents: a generous limit on sends per address, held only
in memory or Redis, that staff lift for an event kiosk."""

from __future__ import annotations

import pytest
from sqlmodel import select

from survey.models import Response
from tests.conftest import csrf_of, sign_in
from tests.pages import submit, text_of


def _answer_all(client, survey, hopes: str):
    url = f"/s/{survey.slug}"
    second = submit(client, url, client.get(url).data, {"q_hopes": hopes, "q_kids": "no"})
    return submit(client, url, second.data, {"q_age": "40"}, "send")


@pytest.fixture
def limited(app):
    app.config["RESIDENT_SEND_LIMIT"] = "2 per minute"
    return app


def test_sends_beyond_the_limit_wait_with_the_answers_kept(limited, client, make_survey, session):
    survey = make_survey()
    statuses = [_answer_all(client, survey, f"Trees {n}").status_code for n in range(2)]
    assert statuses == [303, 303]
    refused = _answer_all(client, survey, "More benches please")
    assert refused.status_code == 429
    assert "please wait a few minutes" in text_of(refused.data)
    assert "More benches please" in refused.data.decode()
    assert len(session.exec(select(Response)).all()) == 2


def test_no_address_is_stored_with_a_response(limited, client, make_survey, session):
    survey = make_survey()
    _answer_all(client, survey, "Trees")
    stored = session.exec(select(Response)).one()
    assert "127.0.0.1" not in repr(stored.model_dump())


def test_a_device_staff_mark_as_a_kiosk_is_not_limited(
    limited, client, make_survey, make_user, session
):
    survey = make_survey()
    from survey.models import Site

    site = session.get(Site, survey.site_id)
    member = make_user("staff", site)
    assert sign_in(client, member.email).status_code == 303
    token = csrf_of(client, f"/sites/{site.slug}/kiosk")
    marked = client.post(f"/sites/{site.slug}/kiosk", data={"csrf_token": token, "kiosk": "1"})
    assert marked.status_code == 303
    assert "This device is an event kiosk" in text_of(client.get(f"/sites/{site.slug}/kiosk").data)
    client.post("/logout", data={"csrf_token": csrf_of(client, f"/sites/{site.slug}/kiosk")})
    statuses = [_answer_all(client, survey, f"Idea {n}").status_code for n in range(4)]
    assert statuses == [303] * 4


def test_the_limit_can_be_turned_off(app, client, make_survey):
    app.config["RESIDENT_SEND_LIMIT"] = ""
    survey = make_survey()
    assert [_answer_all(client, survey, f"Idea {n}").status_code for n in range(4)] == [303] * 4


def test_near_identical_answers_in_a_burst_are_flagged_not_deleted(
    make_site, make_survey, make_user, signed_in, session
):
    from tests.app.test_insights import answer_many, document

    site = make_site(slug="riverside", name="Riverside", k_threshold=5)
    survey = make_survey(document("riverside-hopes"), site=site)
    rows = [("en", "Fix the Park!", None), ("en", "fix the park", None)]
    rows += [("en", "Fix  the park.", None), ("en", "More buses on Sundays", None)]
    answer_many(session, survey, rows)
    stored = session.exec(select(Response).order_by(Response.id)).all()
    assert [r.burst for r in stored] == [True, True, True, False]
    page = signed_in(make_user("staff", site)).get("/sites/riverside/insights")
    assert "3 answers arrived in bursts of near-identical answers" in text_of(page.data)
    assert "They are all still counted." in text_of(page.data)


def test_a_burst_late_in_a_busy_campaign_is_flagged(make_survey, session):
    from survey.services.integrity import RECENT
    from tests.app.test_insights import answer_many, document

    survey = make_survey(document("busy-hopes"))
    answer_many(session, survey, [("en", f"Idea number {n}", None) for n in range(RECENT + 20)])
    answer_many(session, survey, [("en", "Same words", None)] * 3, start=RECENT + 20)
    flagged = session.exec(select(Response).where(Response.burst)).all()
    assert len(flagged) == 3


def test_the_same_answer_days_apart_is_not_a_burst(make_survey, session):
    from datetime import timedelta

    from tests.app.test_insights import answer_many, document

    survey = make_survey(document("city-hopes"))
    answer_many(session, survey, [("en", "More trees", None)] * 2)
    for response in session.exec(select(Response)).all():
        response.submitted_at = response.submitted_at - timedelta(days=2)
        session.add(response)
    session.commit()
    answer_many(session, survey, [("en", "More trees", None)], start=10)
    assert not any(r.burst for r in session.exec(select(Response)).all())


def test_answers_queued_offline_meet_the_same_limit_and_stay_queued(limited, client, make_survey):
    from tests.app.test_offline import _body, _config, _send

    survey = make_survey()
    config = _config(client.get(f"/s/{survey.slug}/offline").data)
    fields = {"q_hopes": ["A library"], "q_kids": ["no"], "q_age": ["41"]}
    statuses = [
        _send(client, survey.slug, _body(config, fields, token=f"{n:02d}" + "t" * 22)).status_code
        for n in range(3)
    ]
    assert statuses == [201, 201, 429]  # the browser keeps the third and sends it later
