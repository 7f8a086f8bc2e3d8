"""Staff pages under odd input: huge numbers, double submits, unsafe redirects, refused forms that
keep what was typed, a site menu that leads everywhere the role may go, and account checks."""

from __future__ import annotations

import pytest
from sqlmodel import select

from survey.models import (
    Answer,
    ApiToken,
    Commitment,
    CommitmentUpdate,
    Membership,
    QuoteApproval,
    Site,
    User,
)
from survey.services import loop
from tests.app.test_insights import answer_many, document
from tests.conftest import csrf_of
from tests.pages import read, text_of

HUGE = "99999999999999999999"


@pytest.fixture
def riverside(make_site, make_survey, session):
    site = make_site(slug="riverside", name="Riverside", k_threshold=5)
    survey = make_survey(document("riverside-hopes"), site=site)
    rows = [("en", "Cheaper rent and housing we can afford", "north")] * 6
    rows += [("en", "More street lights, I want to feel safe", "south")] * 6
    answer_many(session, survey, rows)
    return site


@pytest.fixture
def staff_client(riverside, signed_in, make_user):
    return signed_in(make_user("staff", riverside))


@pytest.fixture
def admin_client(signed_in, make_user):
    return signed_in(make_user("admin"))


def errors_of(response) -> str:
    page = read(response.data)
    return " ".join(page.errors + page.alerts) + " " + text_of(response.data)


# -- 1. numbers too big for the database ------------------------------------------------------


def test_a_huge_page_number_in_the_review_queue_shows_the_queue(staff_client):
    response = staff_client.get(f"/sites/riverside/review?page={HUGE}")
    assert response.status_code == 200
    assert "Review themes" in text_of(response.data)


def test_huge_answer_and_commitment_numbers_are_not_found(staff_client):
    assert (
        staff_client.get(f"/sites/riverside/loop/quotes/approve?answer_id={HUGE}").status_code
        == 404
    )
    assert staff_client.get(f"/sites/riverside/loop/commitments/{HUGE}").status_code == 404
    assert staff_client.get("/sites/riverside/loop/commitments/²").status_code == 404


def test_a_huge_smallest_group_is_refused_on_the_form(admin_client, session):
    token = csrf_of(admin_client, "/admin/sites")
    response = admin_client.post(
        "/admin/sites",
        data={"csrf_token": token, "name": "Hillside", "slug": "hillside", "k_threshold": HUGE},
    )
    assert response.status_code == 422
    assert "can be at most 100000" in text_of(response.data)
    assert 'value="Hillside"' in response.data.decode()
    assert session.exec(select(Site).where(Site.slug == "hillside")).first() is None


def test_an_empty_smallest_group_means_the_default(admin_client, session):
    token = csrf_of(admin_client, "/admin/sites")
    response = admin_client.post(
        "/admin/sites",
        data={"csrf_token": token, "name": "Hillside", "slug": "hillside", "k_threshold": ""},
    )
    assert response.status_code == 303
    site = session.exec(select(Site).where(Site.slug == "hillside")).one()
    assert site.k_threshold == 10


# -- 2. an unknown role ---------------------------------------------------------------------


def test_an_unknown_role_is_a_form_error(riverside, admin_client, make_user, session):
    person = make_user("staff", email="newcomer@example.org")
    token = csrf_of(admin_client, "/admin/sites/riverside")
    response = admin_client.post(
        "/admin/sites/riverside",
        data={"csrf_token": token, "email": person.email, "role": "emperor"},
    )
    assert response.status_code == 422
    assert read(response.data).errors, "the role field says what is wrong"
    assert 'value="newcomer@example.org"' in response.data.decode()
    assert session.exec(select(Membership).where(Membership.user_id == person.id)).first() is None


# -- 3. double submits ------------------------------------------------------------------------


def test_approving_a_quote_twice_shows_it_once(riverside, staff_client, client, session):
    answer = session.exec(select(Answer).where(Answer.text.contains("street lights"))).first()
    preview = staff_client.get(f"/sites/riverside/loop/quotes/approve?answer_id={answer.id}")
    hidden = dict(read(preview.data).hidden)
    for _twice in range(2):
        response = staff_client.post(
            "/sites/riverside/loop/quotes/approve",
            data={
                "csrf_token": hidden["csrf_token"],
                "answer_id": answer.id,
                "shown": hidden["shown"],
            },
        )
        assert response.status_code == 303
    assert len(session.exec(select(QuoteApproval)).all()) == 1
    assert client.get("/p/riverside").data.decode().count(hidden["shown"]) == 1


def _key_form(client) -> dict[str, str]:
    return dict(read(client.get("/sites/riverside/api-keys").data).hidden)


def test_a_new_api_key_is_shown_once_and_a_reload_makes_no_second(staff_client, session):
    data = {**_key_form(staff_client), "name": "Dashboard"}
    response = staff_client.post("/sites/riverside/api-keys", data=data)
    assert response.status_code == 200
    assert "it will not be shown again" in text_of(response.data)
    assert "cv_" in text_of(response.data)
    again = staff_client.post("/sites/riverside/api-keys", data=data)  # the browser's reload
    assert again.status_code == 303
    assert "it will not be shown again" not in text_of(
        staff_client.get(again.headers["Location"]).data
    )
    assert len(session.exec(select(ApiToken)).all()) == 1


def test_a_too_long_api_key_name_is_refused_with_the_name_kept(staff_client, session):
    name = "k" * 130
    response = staff_client.post(
        "/sites/riverside/api-keys", data={**_key_form(staff_client), "name": name}
    )
    assert response.status_code == 422
    assert "120 characters or fewer (it has 130)" in text_of(response.data)
    assert f'value="{name}"' in response.data.decode()
    assert session.exec(select(ApiToken)).first() is None


# -- 4. open redirect -------------------------------------------------------------------------


@pytest.mark.parametrize("back", ["//evil.example/x", "/\\evil.example/x", "https://evil.example"])
def test_review_goes_back_only_to_a_page_of_this_site(staff_client, session, back):
    answer = session.exec(select(Answer).where(Answer.text.is_not(None))).first()
    token = csrf_of(staff_client, "/sites/riverside/review")
    response = staff_client.post(
        f"/sites/riverside/review/{answer.id}",
        data={"csrf_token": token, "theme": ["housing"], "back": back},
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/sites/riverside/review")


def test_review_goes_back_to_the_filtered_queue(staff_client, session):
    answer = session.exec(select(Answer).where(Answer.text.is_not(None))).first()
    token = csrf_of(staff_client, "/sites/riverside/review")
    response = staff_client.post(
        f"/sites/riverside/review/{answer.id}",
        data={"csrf_token": token, "theme": ["housing"], "back": "/sites/riverside/review?page=1"},
    )
    assert response.headers["Location"] == f"/sites/riverside/review?page=1#a{answer.id}"


# -- 5. refused forms keep what was typed; bad values are refused ------------------------------


def test_a_bad_next_round_date_keeps_what_was_typed(riverside, staff_client, session):
    token = csrf_of(staff_client, "/sites/riverside/loop")
    response = staff_client.post(
        "/sites/riverside/loop",
        data={
            "csrf_token": token,
            "outcome": "Every family housed",
            "next_round_opens": "31/12/2026",
            "redact_names": "Maria Lopez",
        },
    )
    assert response.status_code == 422
    html = response.data.decode()
    assert "Please write the date as YYYY-MM-DD." in text_of(response.data)
    assert "Every family housed" in html
    assert "Maria Lopez" in html
    assert 'value="31/12/2026"' in html
    session.refresh(riverside)
    assert riverside.outcome.get("en") != "Every family housed"


def test_a_new_stakeholder_without_a_name_keeps_every_field(staff_client):
    token = csrf_of(staff_client, "/sites/riverside/loop/map")
    response = staff_client.post(
        "/sites/riverside/loop/map",
        data={
            "csrf_token": token,
            "name": "",
            "kind": "person",
            "sector": "health",
            "influence": "3",
            "at_table": "y",
            "notes": "Runs the clinic",
        },
    )
    assert response.status_code == 422
    html = response.data.decode()
    assert "a stakeholder needs a name" in text_of(response.data)
    assert "Runs the clinic" in html
    assert '<option value="person" selected>' in html
    assert '<option value="health" selected>' in html
    assert '<option value="3" selected>' in html
    assert 'name="at_table" value="y" checked' in html


def test_editing_a_stakeholder_with_an_error_keeps_the_changes(riverside, staff_client, session):
    person = loop.save_stakeholder(
        session=session,
        site=riverside,
        data=loop.StakeholderInput(name="City Council", sector="government"),
        user=None,
    )
    session.commit()
    url = f"/sites/riverside/loop/map/{person.id}"
    token = csrf_of(staff_client, url)
    response = staff_client.post(
        url,
        data={
            "csrf_token": token,
            "name": "City Council",
            "kind": "organisation",
            "sector": "made-up",
            "influence": "3",
            "notes": "New contact: the deputy mayor",
        },
    )
    assert response.status_code == 422
    html = response.data.decode()
    assert "unknown sector" in text_of(response.data)
    assert "New contact: the deputy mayor" in html
    assert '<option value="3" selected>' in html
    session.refresh(person)
    assert person.notes == ""


def test_a_commitment_with_a_bad_due_date_is_refused(staff_client, session):
    token = csrf_of(staff_client, "/sites/riverside/loop/commitments/new")
    response = staff_client.post(
        "/sites/riverside/loop/commitments/new",
        data={"csrf_token": token, "text": "Open a help desk", "due": "not a date"},
    )
    assert response.status_code == 422
    assert "Please write the date as YYYY-MM-DD." in text_of(response.data)
    assert 'value="not a date"' in response.data.decode()
    assert session.exec(select(Commitment)).first() is None


def test_a_very_long_commitment_is_refused(staff_client, session):
    token = csrf_of(staff_client, "/sites/riverside/loop/commitments/new")
    response = staff_client.post(
        "/sites/riverside/loop/commitments/new",
        data={"csrf_token": token, "text": "x" * 20000, "status": "draft"},
    )
    assert response.status_code == 422
    assert "2000 characters or fewer (it has 20000)" in text_of(response.data)
    assert session.exec(select(Commitment)).first() is None


def test_an_update_dated_yesterday_in_words_is_refused_with_the_text_kept(
    riverside, staff_client, session
):
    commitment = loop.save_commitment(
        session=session,
        site=riverside,
        locale="en",
        data=loop.CommitmentInput(
            text="Fix the lights", target="", partners="", themes=[], due=None, status="planned"
        ),
    )
    session.commit()
    url = f"/sites/riverside/loop/commitments/{commitment.id}"
    token = csrf_of(staff_client, url)
    response = staff_client.post(
        f"{url}/updates", data={"csrf_token": token, "text": "Ten lamps fixed", "on": "yesterday"}
    )
    assert response.status_code == 422
    html = response.data.decode()
    assert "Please write the date as YYYY-MM-DD." in text_of(response.data)
    assert "Ten lamps fixed" in html
    assert 'value="yesterday"' in html
    assert session.exec(select(CommitmentUpdate)).first() is None


# -- 6. the site menu -------------------------------------------------------------------------


SECTIONS = {
    "/sites/riverside/insights": "What residents said",
    "/sites/riverside/review": "Review themes",
    "/sites/riverside/codebook": "Codebook",
    "/sites/riverside/loop": "You said, we did",
    "/sites/riverside/loop/map": "Partnership map",
    "/sites/riverside/api-keys": "API keys",
}


def test_staff_reach_every_section_from_the_sites_and_surveys_pages(staff_client):
    for page in ("/sites/", "/sites/riverside/surveys/"):
        links = read(staff_client.get(page).data).links
        for href in SECTIONS:
            assert href in links, (page, href)


def test_analysts_see_only_the_sections_they_may_open(riverside, signed_in, make_user):
    analyst = signed_in(make_user("analyst", riverside))
    links = read(analyst.get("/sites/riverside/surveys/").data).links
    for href in (
        "/sites/riverside/insights",
        "/sites/riverside/review",
        "/sites/riverside/codebook",
        "/sites/riverside/loop",
    ):
        assert href in links
        assert analyst.get(href).status_code == 200
    assert "/sites/riverside/api-keys" not in links
    for href in links:
        if href.startswith("/sites/riverside/"):
            assert analyst.get(href).status_code == 200, href


# -- 7. accounts -------------------------------------------------------------------------------


def test_removing_someone_who_never_had_access_says_so(riverside, admin_client, make_user):
    stranger = make_user("staff")
    token = csrf_of(admin_client, "/admin/sites/riverside")
    response = admin_client.post(
        f"/admin/sites/riverside/members/{stranger.id}/remove",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    text = text_of(response.data)
    assert "Access removed." not in text
    assert "had no access to this site" in text


def test_markup_is_not_an_email_address(admin_client, session):
    token = csrf_of(admin_client, "/admin/users")
    response = admin_client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "email": "<script>alert(1)</script>@x.org",
            "password": "correct horse battery",
        },
    )
    assert response.status_code == 422
    assert "That does not look like an email address." in text_of(response.data)
    assert "<script>alert(1)" not in response.data.decode()
    assert session.exec(select(User).where(User.email.contains("script"))).first() is None


# -- 8. reserved theme keys -----------------------------------------------------------------


def test_new_cannot_be_a_theme_key(staff_client):
    token = csrf_of(staff_client, "/sites/riverside/codebook/new")
    response = staff_client.post(
        "/sites/riverside/codebook/new",
        data={"csrf_token": token, "key": "new", "label_en": "Newcomers"},
    )
    assert response.status_code == 422
    assert "that theme key is taken" in text_of(response.data)
    assert "Newcomers" in response.data.decode()
    assert "Newcomers" not in text_of(staff_client.get("/sites/riverside/codebook").data)
