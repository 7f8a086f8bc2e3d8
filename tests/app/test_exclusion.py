"""Staff leave flagged bursts out of summaries and count them again: every figure follows, the raw
export keeps every row, each change is audited, and another site's staff cannot touch them."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import select

from survey.models import AuditEvent, Response
from survey.services import api_tokens, insights, representation, results, weighting
from tests.app.test_insights import answer_many, document
from tests.conftest import csrf_of
from tests.pages import text_of

GENUINE = [
    ("en", "More buses on Sundays and late at night", "north"),
    ("en", "A clinic open in the evenings near the school", "south"),
    ("en", "Cheaper rent so families can stay here", "north"),
    ("en", "Safer crossings by the school for kids", "south"),
    ("en", "Jobs for young people in the summer", "north"),
    ("en", "A library with longer hours", "south"),
]
#: near-identical (case, spacing, punctuation), with markup that must show as text
BURST = [
    ("en", "<b>Fix the park</b> now!", "north"),
    ("en", "<b>fix the park</b> now", "north"),
    ("en", "<b>Fix  the park</b> now.", "north"),
    ("en", "<b>FIX the park</b> NOW", "north"),
]


@pytest.fixture
def riverside(make_site, make_survey, session):
    site = make_site(slug="riverside", name="Riverside", k_threshold=5)
    survey = make_survey(document("riverside-hopes"), site=site)
    answer_many(session, survey, GENUINE + BURST)
    return site, survey


def figures(session, site, survey):
    """What a summary reader sees: people, writers, theme counts, the area question's counts,
    the weighted cells, and who we heard from."""
    session.expire_all()
    summary = insights.summarise(
        session=session, site=site, surveys=[survey], locale="en", quotes=True, phrases=False
    )
    area = next(
        v
        for v in results.question_results(session=session, site=site, surveys=[survey], locale="en")
        if v.key == "area"
    )
    _cells, people, _themed = weighting.cell_counts(session, [survey.id], ["area"])
    heard, _silent = representation.people_by_group(session, [survey], "area")
    quotes = [q.text for qs in summary.quotes.values() for q in qs]
    return {
        "responses": summary.responses,
        "n": summary.n,
        "environment": {r.key: r.count for r in summary.themes}.get("environment", 0),
        "area_n": area.result.n,
        "weighted_people": sum(people),
        "heard_north": heard.get("north", 0),
        "park_quoted": any("park" in q.lower() for q in quotes),
    }


def _post(client, url, data):
    return client.post(url, data={"csrf_token": csrf_of(client, url.split("?")[0]), **data})


def test_staff_leave_a_burst_out_and_count_it_again(app, riverside, make_user, signed_in, session):
    site, survey = riverside
    flagged = session.exec(select(Response).where(Response.burst)).all()
    assert len(flagged) == 4
    before = figures(session, site, survey)
    assert before["responses"] == 10
    assert before["n"] == 10
    assert before["environment"] >= 4
    assert before["heard_north"] == 7

    analyst = signed_in(make_user("analyst", site))
    summary = text_of(analyst.get("/sites/riverside/insights").data)
    assert "4 answers arrived in bursts" in summary
    assert "They are all still counted." in summary
    page = analyst.get("/sites/riverside/insights/flagged")
    assert page.status_code == 200
    html = page.data.decode()
    assert "&lt;b&gt;Fix the park&lt;/b&gt; now!" in html
    assert "<b>Fix" not in html
    assert "North" not in html  # open answers only: no group a person could be found by

    done = _post(analyst, "/sites/riverside/insights/flagged", {"all": "1", "action": "exclude"})
    assert done.status_code == 303
    after = figures(session, site, survey)
    assert after["responses"] == 6
    assert after["n"] == 6
    assert after["environment"] == before["environment"] - 4
    assert after["area_n"] == before["area_n"] - 4
    assert after["weighted_people"] == before["weighted_people"] - 4
    assert after["heard_north"] == 3
    assert not after["park_quoted"]
    summary = text_of(analyst.get("/sites/riverside/insights").data)
    assert "6 people answered." in summary
    assert "4 flagged responses are left out of these figures" in summary
    brief = text_of(analyst.get("/sites/riverside/insights/brief").data)
    assert "Fix the park" not in brief
    # Nor do they wait for a reviewer.
    review = text_of(analyst.get("/sites/riverside/review").data)
    assert "Fix the park" not in review
    assert "More buses on Sundays" in review

    # Nothing is lost: the raw export keeps every row and says which were left out.
    export = analyst.get("/sites/riverside/insights/export/responses.csv")
    rows = list(csv.DictReader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert len(rows) == 10
    assert sum(r["excluded"] == "True" for r in rows) == 4

    # One counted again, then the rest.
    one = flagged[0].id
    _post(analyst, "/sites/riverside/insights/flagged", {"response": str(one), "action": "include"})
    assert figures(session, site, survey)["responses"] == 7
    _post(analyst, "/sites/riverside/insights/flagged", {"all": "1", "action": "include"})
    assert figures(session, site, survey) == before

    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.action.in_(["responses.exclude", "responses.include"]))
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.target) for e in events] == [
        ("responses.exclude", "4: riverside-hopes"),
        ("responses.include", "1: riverside-hopes"),
        ("responses.include", "3: riverside-hopes"),
    ]


def test_the_api_summary_leaves_excluded_responses_out(app, riverside, session, client):
    site, survey = riverside
    _token, raw = api_tokens.create(session=session, site=site, name="dashboard", user=None)
    session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/sites/riverside/summary", headers=headers).json["responses"] == 10
    from survey.services import integrity

    integrity.set_excluded(session=session, site=site, excluded=True, survey=survey)
    session.commit()
    assert client.get("/api/v1/sites/riverside/summary", headers=headers).json["responses"] == 6


def test_another_sites_staff_cannot_exclude(
    app, riverside, make_site, make_user, signed_in, session
):
    elsewhere = make_site(slug="hillside", name="Hillside")
    outsider = signed_in(make_user("staff", elsewhere))
    assert outsider.get("/sites/riverside/insights/flagged").status_code == 404
    token = csrf_of(outsider, "/sites/hillside/insights/flagged")
    refused = outsider.post(
        "/sites/riverside/insights/flagged",
        data={"csrf_token": token, "all": "1", "action": "exclude"},
    )
    assert refused.status_code == 404
    # Naming riverside's responses at their own site changes nothing either.
    ids = [r.id for r in session.exec(select(Response).where(Response.burst)).all()]
    mine = outsider.post(
        "/sites/hillside/insights/flagged",
        data={"csrf_token": token, "response": [str(i) for i in ids], "action": "exclude"},
    )
    assert mine.status_code == 303
    session.expire_all()
    assert not any(r.excluded for r in session.exec(select(Response)).all())
    assert not session.exec(
        select(AuditEvent).where(AuditEvent.action == "responses.exclude")
    ).all()
