"""Site teams read what residents said: tags on submit, summaries, breakdowns with suppression,
review and retraining, exports, the API."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import zipfile

import pytest
from sqlmodel import select

from survey.models import AnswerTag, Channel
from survey.services import responses, tagging
from survey.services.catalog import latest_version
from tests.conftest import SHARED_DATA, csrf_of
from tests.pages import read, text_of

HOPES = [
    ("en", "I hope for cheaper rent and more affordable housing"),
    ("en", "Safer streets with more street lights at night"),
    ("en", "A clean park for my kids to play safely"),
    ("es", "Quiero que la renta sea más barata y viviendas dignas"),
    ("en", "Better buses and sidewalks to get to work"),
    ("en", "More jobs that pay a living wage"),
]


def document(slug: str = "city") -> dict:
    return {
        "schema": "community-voice/survey@1",
        "slug": slug,
        "default_locale": "en",
        "locales": ["en", "es"],
        "title": {"en": "City", "es": "Ciudad"},
        "sections": [
            {
                "key": "main",
                "questions": [
                    {
                        "key": "hopes",
                        "kind": "long_text",
                        "text": {"en": "Hopes?", "es": "¿Esperanzas?"},
                    },
                    {
                        "key": "area",
                        "kind": "demographic",
                        "text": {"en": "Area?", "es": "¿Zona?"},
                        "options": [
                            {"code": "north", "label": {"en": "North", "es": "Norte"}},
                            {"code": "south", "label": {"en": "South", "es": "Sur"}},
                            {"code": "tiny", "label": {"en": "Tiny", "es": "Pequeña"}},
                            {
                                "code": "prefer_not_to_say",
                                "label": {"en": "Prefer not to say", "es": "Prefiero no decir"},
                            },
                        ],
                    },
                ],
            }
        ],
    }


def answer_many(session, survey, rows, start=0):
    version = latest_version(session=session, survey=survey)
    for number, (locale, text, area) in enumerate(rows):
        answers = {"hopes": text}
        if area:
            answers["area"] = area
        responses.submit(
            session=session,
            survey=survey,
            version=version,
            answers=answers,
            locale=locale,
            channel=Channel.web,
            token=f"tok-{survey.slug}-{start + number:06d}",
        )
    session.commit()
    tagging.tag_pending(session=session)  # what the job after a Send does
    session.commit()


@pytest.fixture
def city(make_site, make_survey, session):
    site = make_site(slug="here", k_threshold=5)
    survey = make_survey(document(), site=site)
    rows = []
    for i in range(24):
        locale, text = HOPES[i % len(HOPES)]
        area = "north" if i % 2 == 0 else "south"
        rows.append((locale, text, area))
    rows += [
        ("en", "Rent is too high, email me at ana@example.com", "tiny"),
        ("en", "Fix the potholes", "tiny"),
    ]
    answer_many(session, survey, rows)
    return site, survey


def tags_of(session, text_fragment):
    from survey.models import Answer

    answer = session.exec(
        select(Answer).where(Answer.text.contains(text_fragment)).order_by(Answer.id)
    ).first()
    return {
        t.theme_key
        for t in session.exec(
            select(AnswerTag).where(AnswerTag.answer_id == answer.id, AnswerTag.effective)
        )
    }


def test_answers_are_tagged_when_they_arrive(city, session):
    assert "housing" in tags_of(session, "cheaper rent")
    assert "safety" in tags_of(session, "street lights")
    assert "housing" in tags_of(session, "renta sea")


def test_the_summary_shows_themes_quotes_and_hides_small_groups(city, signed_in, make_user):
    site, survey = city
    client = signed_in(make_user("analyst", site))
    page = client.get(f"/sites/here/insights?survey={survey.slug}&by=area")
    assert page.status_code == 200
    text = text_of(page.data)
    assert "Homes and housing" in text or "Housing" in text
    assert "ana@example.com" not in page.data.decode(), "quotes are redacted"
    assert "hidden (small group)" in text, "the group of two is hidden"
    assert "<svg" in page.data.decode()
    assert "not available" in text or "+" in text


def test_the_api_returns_the_documented_shape_with_suppression(city, app, session):
    from survey.services import api_tokens

    site, survey = city
    _token, raw = api_tokens.create(session=session, site=site, name="dashboard", user=None)
    session.commit()
    client = app.test_client()
    result = client.get(
        f"/api/v1/sites/here/summary?survey={survey.slug}&by=area",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert result.status_code == 200
    # A language it has no labels in is refused with the codes it has, not answered in another.
    unknown = client.get(
        f"/api/v1/sites/here/summary?survey={survey.slug}&lang=klingon",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert unknown.status_code == 400
    assert "zh_Hans" in unknown.get_json()["error"]
    body = result.get_json()
    assert set(body) == {
        "site",
        "survey",
        "responses",
        "themes",
        "groups",
        "suppressed_groups",
        "questions",
        "untagged_by_language",
    }
    assert body["site"] == "here"
    assert body["responses"] == 26
    theme = next(t for t in body["themes"] if t["key"] == "housing")
    assert set(theme) == {"key", "label", "count", "share", "ci"}
    assert theme["ci"][0] <= theme["share"] <= theme["ci"][1]
    shown = {g["code"] for g in body["groups"]}
    assert "tiny" not in shown
    assert all(g["n"] >= 5 for g in body["groups"])
    # The group of two is hidden, and one more with it, so that it cannot be found by subtraction.
    assert body["suppressed_groups"] == 2
    assert len(shown) == 1
    assert client.get("/api/v1/sites/here/summary").status_code == 401
    assert (
        client.get(
            "/api/v1/sites/there/summary", headers={"Authorization": f"Bearer {raw}"}
        ).status_code
        == 401
    )
    api_tokens.revoke(session=session, site=site, token_id=_token.id)
    session.commit()
    assert (
        client.get(
            "/api/v1/sites/here/summary", headers={"Authorization": f"Bearer {raw}"}
        ).status_code
        == 401
    )


def test_a_member_of_another_site_gets_404_from_the_api(city, signed_in, make_site, make_user):
    other = make_site(slug="there")
    client = signed_in(make_user("staff", other))
    assert client.get("/api/v1/sites/here/summary").status_code == 404


def test_the_api_answers_every_error_in_json_and_says_which_methods_it_takes(client):
    """Programs call the API: an address it does not have, a control character in the site, or
    a method it does not take get JSON like its own refusals, with ``Allow`` on a 405."""
    for url in ("/api/v1/nothing", "/api/v1/sites/S%C2%BD%0B/summary"):
        missing = client.get(url, headers={"Authorization": "Bearer x"})
        assert missing.status_code in (401, 404), url
        assert missing.is_json, url
        assert missing.get_json()["error"], url
    wrong = client.delete("/api/v1/sites/here/summary")
    assert wrong.status_code == 405
    assert wrong.get_json() == {"error": "method not allowed"}
    assert "GET" in wrong.headers["Allow"]
    # Pages for people keep their pages, and say which methods they take too.
    page = client.delete("/s/some-survey")
    assert page.status_code == 405
    assert page.mimetype == "text/html"
    assert "GET" in page.headers["Allow"]


def test_review_overrides_automatic_tags_and_measures_agreement(
    city, session, signed_in, make_user
):
    from survey.models import Answer
    from survey.services import review

    site, _survey = city
    first = make_user("staff", site)
    second = make_user("staff", site)
    answer = session.exec(
        select(Answer).where(Answer.text.contains("street lights")).order_by(Answer.id)
    ).first()
    automatic = tags_of(session, "street lights")
    client = signed_in(first)
    token = csrf_of(client, "/sites/here/review")
    assert "street lights" in text_of(client.get("/sites/here/review").data)
    # Suggested themes name their source in the staff language, with the score as a number of it.
    spanish = client.get("/sites/here/review?ui=es").data.decode()
    pills = re.findall(r'<span class="pill"[^>]*>([^<]*)</span>', spanish)
    assert pills
    assert all(p.startswith(("Libro de códigos", "Aprendido", "Significado")) for p in pills), pills
    assert any("," in p for p in pills), "decimal comma in Spanish"
    client.get("/sites/here/review?ui=en")
    result = client.post(
        f"/sites/here/review/{answer.id}", data={"csrf_token": token, "theme": ["transportation"]}
    )
    assert result.status_code == 303
    session.expire_all()
    assert tags_of(session, "street lights") == {"transportation"}
    rows = {a.key: a for a in review.agreement(session=session, site=site)}
    if "safety" in automatic:
        assert rows["safety"].precision == 0.0
    assert rows["transportation"].recall is not None
    review.decide(
        session=session,
        site=site,
        answer=answer,
        reviewer=second,
        themes=["transportation", "safety"],
    )
    session.commit()
    rows = {a.key: a for a in review.agreement(session=session, site=site)}
    assert rows["transportation"].double_coded == 1
    assert rows["safety"].kappa is not None


def test_an_analyst_reviews_and_trains_a_candidate_and_staff_accept_it(
    app, city, session, signed_in, make_user
):
    from survey.models import Answer, TaggerModel

    app.config["REVIEW_MIN_POSITIVES"] = 6
    site, _survey = city
    analyst = make_user("analyst", site)
    client = signed_in(analyst)
    token = csrf_of(client, "/sites/here/review")
    queue = client.get("/sites/here/review")
    assert queue.status_code == 200
    assert "Retrain" not in text_of(queue.data), "nothing is offered before a theme has 6"
    for answer in session.exec(select(Answer).where(Answer.text.is_not(None))).all():
        themes = (
            ["housing"]
            if "rent" in answer.text.lower() or "renta" in answer.text
            else ["environment"]
        )
        saved = client.post(
            f"/sites/here/review/{answer.id}", data={"csrf_token": token, "theme": themes}
        )
        assert saved.status_code == 303
    queue = text_of(client.get("/sites/here/review").data)
    assert "9 / 6" in queue, "the threshold and each theme's reviewed answers are shown"
    trained = client.post("/sites/here/review/retrain", data={"csrf_token": token})
    assert trained.status_code == 303
    page = text_of(client.get(trained.headers["Location"]).data)
    assert "New tagger" in page
    assert re.search(r"\d\.\d\d \(\d\.\d\d–\d\.\d\d\)", page), "figures carry intervals"
    assert "Too few reviewed answers to judge" in page
    assert "Safety" in page.split("Too few reviewed answers to judge")[1].split(".")[0]
    assert "Use the new tagger" not in page, "analysts do not switch the site's tagger"
    [model] = session.exec(select(TaggerModel)).all()
    refused = client.post(
        f"/sites/here/review/models/{model.id}/accept", data={"csrf_token": token}
    )
    assert refused.status_code == 403
    staff = signed_in(make_user("staff", site))
    staff_token = csrf_of(staff, "/sites/here/review")
    assert "Use the new tagger" in text_of(staff.get(trained.headers["Location"]).data)
    accept = staff.post(
        f"/sites/here/review/models/{model.id}/accept", data={"csrf_token": staff_token}
    )
    assert accept.status_code == 303
    session.expire_all()
    assert session.get(TaggerModel, model.id).accepted is True
    # With a tagger in use, the queue can put first what would teach it most.
    ordered = client.get("/sites/here/review?state=all&order=teach")
    assert ordered.status_code == 200
    assert len(re.findall(r'class="card review-item"', ordered.data.decode())) == 20


def test_exports_carry_themes_and_are_spreadsheet_safe(city, signed_in, make_user, session):
    from openpyxl import load_workbook

    from survey.services.designer import question_at

    site, survey = city
    question = question_at(session=session, survey=survey, key="hopes")
    question.text = {"en": '=HYPERLINK("x")', "es": "¿Esperanzas?"}
    session.add(question)
    session.commit()
    from survey.services.surveys import publish

    publish(session=session, survey=survey)
    session.commit()
    client = signed_in(make_user("analyst", site))
    raw = client.get(f"/sites/here/insights/export/responses.csv?survey={survey.slug}").data
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert any(cell.startswith("'=HYPERLINK") for cell in rows[0]), (
        "header cells built from question text"
    )
    assert rows[0][-1] == "themes"
    assert any("housing" in row[-1] for row in rows[1:])
    book = load_workbook(
        io.BytesIO(
            client.get(f"/sites/here/insights/export/responses.xlsx?survey={survey.slug}").data
        )
    )
    header = [c.value for c in next(book.active.iter_rows(max_row=1))]
    assert any(str(h).startswith("'=") for h in header)
    records = json.loads(
        client.get(f"/sites/here/insights/export/responses.json?survey={survey.slug}").data
    )
    assert len(records) == 26
    assert all("themes" in r for r in records)
    groups = client.get(
        f"/sites/here/insights/export/themes-by-group.csv?survey={survey.slug}&by=area"
    ).data.decode("utf-8-sig")
    assert "hidden (small group)" in groups
    assert "Tiny" not in groups or "hidden" in groups.split("Tiny")[1].split("\n")[0]


def test_exports_name_the_survey_round_and_date_and_carry_labels_in_a_chosen_language(
    city, signed_in, make_user, session
):
    from survey.models import utcnow
    from survey.services.designer import duplicate_as_next_round

    site, survey = city
    later = duplicate_as_next_round(session=session, survey=survey, slug="city-2")
    session.commit()
    client = signed_in(make_user("analyst", site))
    today = utcnow().date().isoformat()
    first = client.get(f"/sites/here/insights/export/responses.csv?survey={survey.slug}&lang=es")
    assert f"here-city-round-1-responses-{today}.csv" in first.headers["Content-Disposition"]
    second = client.get(f"/sites/here/insights/export/responses.xlsx?survey={later.slug}")
    assert f"here-city-2-round-2-responses-{today}.xlsx" in second.headers["Content-Disposition"]
    everything = client.get("/sites/here/insights/export/responses.json")
    assert f"here-all-surveys-responses-{today}.json" in everything.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(first.data.decode("utf-8-sig"))))
    area = rows[0].index("Area? [area]")
    assert rows[0][area + 1].startswith("Area? [area] (")
    spanish_labels = {row[area + 1] for row in rows[1:]}
    assert {"Norte", "Sur"} <= spanish_labels
    assert {row[area] for row in rows[1:]} >= {"north", "south"}, "codes stay beside the labels"
    # Both rounds share a title; the survey picker tells them apart.
    page = text_of(client.get("/sites/here/insights").data)
    assert "City · round 1" in page
    assert "City · round 2" in page


def test_the_qdpx_project_is_valid_against_the_refi_qda_schema(city, signed_in, make_user):
    import xmlschema

    schema_path = SHARED_DATA / "refi-qda" / "Project-mrt2019.xsd"
    if not schema_path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"REFI-QDA schema missing at {schema_path}")
        pytest.skip(f"REFI-QDA schema not found at {schema_path}")
    site, survey = city
    client = signed_in(make_user("analyst", site))
    data = client.get(f"/sites/here/insights/export/project.qdpx?survey={survey.slug}").data
    archive = zipfile.ZipFile(io.BytesIO(data))
    project = archive.read("project.qde")
    schema = xmlschema.XMLSchema(str(schema_path))
    schema.validate(project)
    names = archive.namelist()
    assert sum(1 for n in names if n.startswith("sources/")) == 26
    assert b"Coding" in project


def test_codebook_edits_add_and_retire_themes(city, signed_in, make_user, session):
    site, _survey = city
    client = signed_in(make_user("staff", site))
    token = csrf_of(client, "/sites/here/codebook")
    added = client.post(
        "/sites/here/codebook/new",
        data={
            "csrf_token": token,
            "key": "potholes",
            "label_en": "Potholes",
            "keywords_en": "pothole*\nroad repair",
        },
    )
    assert added.status_code == 303
    retag = client.post("/sites/here/codebook-retag", data={"csrf_token": token})
    assert retag.status_code == 303
    assert "potholes" in tags_of(session, "potholes")
    retire = client.post(
        "/sites/here/codebook/potholes",
        data={
            "csrf_token": token,
            "label_en": "Potholes",
            "keywords_en": "pothole*",
            "retired": "y",
        },
    )
    assert retire.status_code == 303
    page = text_of(client.get("/sites/here/codebook").data)
    assert "retired" in page
    removed = client.post(
        "/sites/here/codebook/new", data={"csrf_token": token, "key": "", "label_en": "x"}
    )
    assert removed.status_code == 422


def test_analyze_command_retags_with_a_progress_bar(city, runner):
    result = runner.invoke(args=["analyze", "--site", "here"])
    assert result.exit_code == 0, result.output
    assert "tagged 26 answers" in result.output
    assert runner.invoke(args=["analyze", "--site", "nowhere"]).exit_code != 0


def test_the_printable_brief_renders_in_another_language(city, signed_in, make_user):
    site, survey = city
    client = signed_in(make_user("analyst", site))
    page = client.get(f"/sites/here/insights/brief?survey={survey.slug}&lang=ar")
    assert page.status_code == 200
    assert read(page.data).html_attrs["dir"] == "rtl"


def test_the_demo_shows_change_since_the_previous_round(session, app):
    from survey.services.demo import DEMO_PASSWORD, seed
    from tests.conftest import sign_in

    seed(session=session)
    session.commit()
    client = app.test_client()
    assert sign_in(client, "analyst@riverside.example", DEMO_PASSWORD).status_code == 303
    text = text_of(client.get("/sites/riverside/insights?survey=hopes").data)
    change = text.split("Change since the previous round")[1].split("In their own words")[0]
    assert "Homes and housing" in change or "Housing" in change
    assert "yes (p < 0.001)" in change, "the demo's shift in housing is a real change"
    assert "p = 0.000" not in text
