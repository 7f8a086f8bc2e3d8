"""Signing in, and who sees what: the role × route matrix, built from the app's URL map."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, csrf_of, sign_in, survey_document
from tests.pages import read, text_of


def test_staff_sign_in_and_out(client, make_site, make_user):
    site = make_site()
    user = make_user("staff", site)
    assert client.get("/sites/").status_code == 302
    result = sign_in(client, user.email.upper())
    assert result.status_code == 303
    home = client.get("/sites/")
    assert site.name in text_of(home.data)
    token = dict(read(home.data).hidden)["csrf_token"]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/sites/").status_code == 302


def test_a_wrong_password_says_so_without_saying_which_part(client, make_user):
    user = make_user("admin")
    result = sign_in(client, user.email, "wrong password!!")
    assert result.status_code == 401
    assert read(result.data).errors == ["That email and password do not match an account."]
    unknown = sign_in(client, "nobody@example.org", PASSWORD)
    assert read(unknown.data).errors == read(result.data).errors


def test_login_is_throttled_per_account(app, client, make_user):
    user = make_user("admin")
    statuses = [sign_in(client, user.email, "wrong password!!").status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    assert "Too many tries" in text_of(sign_in(client, user.email).data)


def test_next_only_leads_to_this_site(client, make_user):
    user = make_user("admin")
    page = client.get("/login?next=https://evil.example/")
    token = dict(read(page.data).hidden)["csrf_token"]
    result = client.post(
        "/login?next=https://evil.example/",
        data={"csrf_token": token, "email": user.email, "password": PASSWORD},
    )
    assert result.headers["Location"] == "/sites/"


def test_a_password_change_signs_other_sessions_out(app, signed_in, make_user, session):
    from survey.services import accounts

    user = make_user("admin")
    client = signed_in(user)
    assert client.get("/sites/").status_code == 200
    accounts.set_password(session=session, user=user, password="another long password")
    session.commit()
    assert client.get("/sites/").status_code == 302


# -- the matrix ---------------------------------------------------------------------------------

READ_ENDPOINTS = {
    "design.survey_list",
    "design.export_json",
    "design.export_xlsx",
    "design.home",
    "design.site_home",
    "insights.summary",
    "insights.brief",
    "insights.export_responses",
    "insights.export_groups",
    "insights.export_qdpx",
    "insights.codebook",
    "loop.overview",
    "loop.partnership_map",
}
#: reading and coding answers, and training a candidate tagger: analysts' work as much as staff's
REVIEW_ENDPOINTS = {
    "insights.review_queue",
    "insights.review_answer",
    "insights.retrain",
    "insights.model",
    # flagged bursts: reading them and leaving them out of summaries (or counting them again)
    "insights.flagged",
    "insights.exclude",
}


@pytest.fixture
def world(make_site, make_survey, make_user, session):
    from analysis.learned import LearnedTagger, TrainingExample
    from survey.models import Channel, TaggerModel
    from survey.services import api_tokens, loop, responses, tagging
    from survey.services.catalog import latest_version

    site = make_site(slug="here")
    other = make_site(slug="there")
    survey = make_survey(survey_document(slug="here-survey"), site=site)
    version = latest_version(session=session, survey=survey)
    responses.submit(
        session=session,
        survey=survey,
        version=version,
        answers={"hopes": "Safe parks and cheaper rent"},
        locale="en",
        channel=Channel.web,
        token="t" * 24,
    )
    tagging.tag_pending(session=session)  # what the job after a Send does
    loop.save_stakeholder(
        session=session, site=site, data=loop.StakeholderInput(name="City Council"), user=None
    )
    loop.save_commitment(
        session=session,
        site=site,
        locale="en",
        data=loop.CommitmentInput(
            text="Fix lights", target="", partners="", themes=["safety"], due=None, status="planned"
        ),
    )
    loop.approve_quote(
        session=session,
        site=site,
        answer_id=1,
        theme=None,
        user=None,
        shown_text="Safe parks and cheaper rent",
    )
    api_tokens.create(session=session, site=site, name="k", user=None)
    examples = [TrainingExample(f"rent and housing {i}", ("housing",)) for i in range(4)]
    examples += [TrainingExample(f"parks and trees {i}", ("environment",)) for i in range(4)]
    session.add(
        TaggerModel(
            site_id=site.id, archive=tagging.pack_model(LearnedTagger().fit(examples)), metrics={}
        )
    )
    session.commit()
    return {
        "site": site,
        "survey": survey,
        "admin": make_user("admin"),
        "staff": make_user("staff", site),
        "analyst": make_user("analyst", site),
        "other_staff": make_user("staff", other),
    }


def staff_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("design", "admin", "insights", "loop"):
            continue
        key = "hopes" if "questions" in rule.rule else "one"
        if "codebook" in rule.rule:
            key = "housing"
        values = {
            "site_slug": "here",
            "slug": "here-survey",
            "key": key,
            "fmt": "svg" if "qr" in rule.rule else "csv",
            "user_id": 2,  # the staff member: the admin (1) signing out everywhere would end the run
            "answer_id": 1,
            "model_id": 1,
            "approval_id": 1,
            "token_id": 1,
            "stakeholder_id": 1,
            "commitment_id": 1,
        }
        url = rule.build(
            {k: v for k, v in values.items() if k in rule.arguments}, append_unknown=False
        )[1]
        if rule.endpoint == "insights.export_groups":
            url += "?by=kids"
        if rule.endpoint == "loop.approve_quote":
            url += "?answer_id=1"
        method = "GET" if "GET" in rule.methods else "POST"
        yield rule.endpoint, method, url


def expected(endpoint: str, who: str) -> str:
    if who == "anonymous":
        return "login"
    if endpoint.startswith("admin."):
        return "ok" if who == "admin" else "hidden"
    if endpoint == "design.home":
        return "ok"
    if who == "other_staff":
        return "hidden"
    if who == "analyst" and endpoint not in READ_ENDPOINTS | REVIEW_ENDPOINTS:
        return "forbidden"  # among them accepting a tagger: staff (and admins) decide
    return "ok"


def test_the_matrix_gives_analysts_review_and_keeps_accepting_for_staff():
    assert expected("insights.review_queue", "analyst") == "ok"
    assert expected("insights.retrain", "analyst") == "ok"
    assert expected("insights.accept_model", "analyst") == "forbidden"
    assert expected("insights.accept_model", "staff") == "ok"
    assert expected("insights.accept_model", "admin") == "ok"


def outcome(response) -> str:
    if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
        return "login"
    if response.status_code == 404:
        return "hidden"
    if response.status_code == 403:
        return "forbidden"
    if response.status_code >= 500:
        return f"error {response.status_code}"
    return "ok"


@pytest.mark.parametrize("who", ["admin", "staff", "analyst", "other_staff", "anonymous"])
def test_every_staff_route_answers_each_role_as_designed(app, world, signed_in, who):
    client = app.test_client() if who == "anonymous" else signed_in(world[who])
    token = csrf_of(client, "/login") if who == "anonymous" else csrf_of(client)
    routes = list(staff_routes(app))
    assert len(routes) > 20, "the matrix sees the staff routes"
    mismatches = []
    for endpoint, method, url in routes:
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        if outcome(response) != expected(endpoint, who):
            mismatches.append(
                (endpoint, method, url, response.status_code, expected(endpoint, who))
            )
    assert mismatches == []


def test_staff_of_one_site_get_404_for_every_object_of_another(
    app, world, signed_in, make_site, make_survey
):
    client = signed_in(world["other_staff"])
    for url in (
        "/sites/here/surveys/",
        "/sites/here/surveys/here-survey",
        "/sites/here/surveys/here-survey/questions/hopes",
        "/sites/here/surveys/here-survey/survey.json",
        "/sites/here/surveys/here-survey/qr.png",
    ):
        assert client.get(url).status_code == 404, url
    # The same survey slug looked up through the other site's own URL is not found either.
    assert client.get("/sites/there/surveys/here-survey").status_code == 404
