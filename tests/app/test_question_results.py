"""A result for every question: counts, shares and intervals for choices, distributions and
averages for ratings, the middle and spread of numbers, change since the previous round, all with
small groups hidden — on the insights page, in the brief and in the API."""

from __future__ import annotations

import pytest

from survey.models import Channel
from survey.services import responses
from survey.services.catalog import latest_version
from tests.conftest import sign_in
from tests.pages import table_rows, text_of


@pytest.fixture
def demo(session, app):
    from survey.services.demo import DEMO_PASSWORD, seed

    seed(session=session)
    session.commit()
    clients = {}
    for who in ("analyst", "staff"):
        client = app.test_client()
        assert sign_in(client, f"{who}@riverside.example", DEMO_PASSWORD).status_code == 303
        clients[who] = client
    return clients


def section_of(page: str, key: str) -> str:
    start = page.index(f'id="q-{key}"')
    return page[start : page.index("</section>", start)]


def test_every_question_of_the_demo_has_a_result_on_the_insights_page(demo):
    from survey.document import questions
    from survey.services.demo import demo_document

    page = demo["analyst"].get("/sites/riverside/insights?survey=hopes").data.decode()
    keys = [q["key"] for q in questions(demo_document())]
    assert len(keys) >= 8
    for key in keys:
        assert f'id="q-{key}"' in page, key
    trust = text_of(section_of(page, "trust").encode())
    assert "Average (likely range)" in trust
    assert "Middle value" in trust
    assert "Since the previous round" in trust, "the demo's trust moved between rounds"
    priorities = text_of(section_of(page, "priorities").encode())
    assert "add up to more than 100" in priorities
    # Every choice chart is an SVG drawn on the server, with a table of the same numbers.
    neighbourhood = section_of(page, "neighbourhood")
    assert "<svg" in neighbourhood
    assert "<table" in neighbourhood
    assert "likely range (95 % interval)" in neighbourhood
    # A small group (some age groups have only a few people) is hidden, not counted.
    age = text_of(section_of(page, "age_group").encode())
    assert "hidden (small group)" in age


def test_a_closed_question_hides_an_option_below_k_and_one_more(
    app, session, make_site, make_survey, make_user, signed_in
):
    from tests.conftest import survey_document

    site = make_site(slug="small", k_threshold=5)
    document = survey_document(slug="small-survey")
    document["sections"][0]["questions"].append(
        {
            "key": "bus",
            "kind": "single_choice",
            "text": {"en": "How do you travel?", "es": "¿Cómo viaja?"},
            "options": [
                {"code": "bus", "label": {"en": "Bus", "es": "Autobús"}},
                {"code": "car", "label": {"en": "Car", "es": "Coche"}},
                {"code": "bike", "label": {"en": "Bike", "es": "Bici"}},
                {"code": "walk", "label": {"en": "Walk", "es": "A pie"}},
            ],
        }
    )
    survey = make_survey(document, site=site)
    version = latest_version(session=session, survey=survey)
    # 12 by bus, 9 by car, 2 by bike (below k = 5): bike is hidden, and with it the next smallest
    # (car), or bike could be worked out as 23 − 12 − 9.
    choices = ["bus"] * 12 + ["car"] * 9 + ["bike"] * 2
    for number, choice in enumerate(choices):
        responses.submit(
            session=session,
            survey=survey,
            version=version,
            answers={"bus": choice},
            locale="en",
            channel=Channel.web,
            token=f"tok-{number:020d}",
        )
    session.commit()
    client = signed_in(make_user("analyst", site))
    page = client.get("/sites/small/insights?survey=small-survey").data.decode()
    rows = {
        cells[0]: cells[1:]
        for cells in table_rows(section_of(page, "bus"))
        if cells and cells[0] in ("Bus", "Car", "Bike", "Walk")
    }
    assert rows["Bus"][0] == "12"
    assert rows["Bike"] == ["hidden (small group)"]
    assert rows["Car"] == ["hidden (small group)"], "complementary suppression"
    assert rows["Walk"][0] == "0"
    assert "2" not in " ".join(rows["Bike"] + rows["Car"])
    api = client.get("/api/v1/sites/small/summary?survey=small-survey").get_json()
    bus = next(q for q in api["questions"] if q["key"] == "bus")
    by_code = {o["code"]: o for o in bus["options"]}
    assert by_code["bus"]["count"] == 12
    assert by_code["bus"]["label"] == "Bus"
    assert by_code["bike"]["count"] is None
    assert by_code["bike"]["suppressed"] is True
    assert by_code["car"]["count"] is None


def test_the_brief_carries_the_questions_staff_pick(demo):
    page = demo["staff"].get("/sites/riverside/insights/brief?survey=hopes&q=trust&q=priorities")
    text = text_of(page.data)
    assert "How much do you trust" in text or 'id="q-trust"' in page.data.decode()
    html = page.data.decode()
    assert 'id="q-trust"' in html
    assert 'id="q-priorities"' in html
    assert 'id="q-neighbourhood"' not in html
    # The same words are never quoted twice.
    quotes = [q.strip() for q in html.split("<blockquote")[1:]]
    assert len(quotes) == len(set(quotes))
    assert "p = 0.000" not in text


def test_the_api_gives_every_question_in_the_asked_language(demo):
    body = demo["analyst"].get("/api/v1/sites/riverside/summary?survey=hopes&lang=es").get_json()
    kinds = {q["key"]: q["kind"] for q in body["questions"]}
    assert kinds["trust"] == "rating"
    assert kinds["priorities"] == "multiple_choice"
    trust = next(q for q in body["questions"] if q["key"] == "trust")
    assert trust["stats"]["median"] is not None
    assert len(trust["stats"]["mean_ci"]) == 2
    age = next(q for q in body["questions"] if q["key"] == "age_group")
    assert age["prefer_not_to_say"] is not None
    neighbourhood = next(q for q in body["questions"] if q["key"] == "neighbourhood")
    labels = [o["label"] for o in neighbourhood["options"]]
    assert labels
    assert labels != [o["code"] for o in neighbourhood["options"]]


def _validator(client):
    import jsonschema
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    # The document's component schemas, resolvable from the summary's schema.
    schema = {"$ref": "#/components/schemas/Summary", "components": document["components"]}
    return jsonschema.Draft202012Validator(schema)


def test_the_openapi_document_validates_live_responses(demo, app):
    client = demo["analyst"]
    validator = _validator(client)
    for url in (
        "/api/v1/sites/riverside/summary?survey=hopes",
        "/api/v1/sites/riverside/summary?survey=hopes&by=age_group&lang=ar",
        "/api/v1/sites/riverside/summary",
        "/api/v1/sites/riverside/summary?survey=hopes-2025&by=neighbourhood",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        errors = [e.message for e in validator.iter_errors(response.get_json())]
        assert errors == [], url
    with_groups = client.get("/api/v1/sites/riverside/summary?survey=hopes&by=age_group").get_json()
    trust = next(q for q in with_groups["questions"] if q["key"] == "trust")
    assert trust["groups"]
    assert all(g["n"] >= 10 for g in trust["groups"])
    # A document that says something else is caught: the check can fail.
    broken = client.get("/api/v1/sites/riverside/summary?survey=hopes").get_json()
    broken["questions"][0]["n"] = "many"
    assert list(validator.iter_errors(broken))


def test_staff_pick_closed_questions_for_the_public_page(demo, app):
    from tests.conftest import csrf_of

    before = text_of(app.test_client().get("/p/riverside").data)
    assert "Which part of Riverside do you live in?" not in before
    staff = demo["staff"]
    token = csrf_of(staff, "/sites/riverside/insights?survey=hopes")
    saved = staff.post(
        "/sites/riverside/insights/public-questions?survey=hopes",
        data={"csrf_token": token, "q": ["neighbourhood", "hopes", "no-such-question"]},
    )
    assert saved.status_code == 303
    page = app.test_client().get("/p/riverside")
    html = page.data.decode()
    assert "Which part of Riverside do you live in?" in text_of(page.data)
    assert "<svg" in html
    assert 'id="q-hopes"' not in html, "free-text answers never reach the public page this way"
    assert "<script" not in html
    refused = demo["analyst"].post(
        "/sites/riverside/insights/public-questions?survey=hopes",
        data={"csrf_token": csrf_of(demo["analyst"], "/sites/riverside/insights"), "q": ["trust"]},
    )
    assert refused.status_code == 403


def test_every_closed_question_can_go_in_the_brief_and_labels_clear_the_interval_lines(demo):
    import re

    from survey.document import questions
    from survey.kinds import kind_of
    from survey.services.demo import demo_document

    closed = [q["key"] for q in questions(demo_document()) if not kind_of(q).is_text]
    query = "&".join(f"q={key}" for key in closed)
    html = demo["staff"].get(f"/sites/riverside/insights/brief?survey=hopes&{query}").data.decode()
    for key in closed:
        assert f'id="q-{key}"' in html, key
    # In every bar, the percentage is written beyond the end of the interval line.
    bars = re.findall(
        r'<line x1="([\d.]+)" x2="([\d.]+)" y1="[\d.]+" y2="[\d.]+" stroke="#c26a00" '
        r'stroke-width="2"></line>\s*<text x="([\d.]+)"',
        html,
    )
    assert len(bars) > 10
    for _low, high, label in bars:
        assert float(label) > float(high)
