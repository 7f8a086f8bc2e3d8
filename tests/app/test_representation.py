"""Who we heard from, on the Riverside demo: respondents against the neighbourhood's reference
shares, outreach targets, weighted theme shares on the page, the brief and the API, and the
public page's word on who was heard."""

from __future__ import annotations

import io
import re

import pytest
from sqlmodel import select

from survey.models import ReferenceDistribution, Site
from survey.services import demo, representation
from survey.services.representation import CSV_COLUMNS
from tests.conftest import csrf_of
from tests.pages import text_of


@pytest.fixture
def riverside(session):
    demo.seed(session=session)
    session.commit()
    return session.exec(select(Site).where(Site.slug == "riverside")).one()


def _references(session, site):
    rows = session.exec(
        select(ReferenceDistribution).where(ReferenceDistribution.site_id == site.id)
    )
    return {r.question_key: dict(r.shares) for r in rows}


def test_the_view_sets_respondents_beside_the_neighbourhood_and_hides_small_groups(
    riverside, signed_in, make_user
):
    client = signed_in(make_user("analyst", riverside))
    page = client.get("/sites/riverside/representation?survey=hopes")
    assert page.status_code == 200
    text = text_of(page.data)
    assert "What language do you mostly speak at home?" in text
    assert "ACS 2023" in text
    html = page.data.decode()
    # Nine Somali speakers answered this round, fewer than k = 10: no count, only that.
    somali = html[html.index('data-group="so"') :]
    somali = somali[: somali.index("</tr>")]
    assert "fewer than 10" in somali
    assert "heard too little" in somali
    assert ">9<" not in somali
    # English speakers are many: their count and share are shown.
    english = html[html.index('data-group="en"') :]
    assert ">71<" in english[: english.index("</tr>")]
    # A small group sets the lowest ratio: the index is only given as a ceiling, and read.
    assert "Index: below" in text
    assert "Far from the neighbourhood" in text
    # The outreach plan, and the index round by round.
    assert "Somali: about 10 more answers" in text


def test_the_index_by_round_shows_whether_outreach_worked(riverside, signed_in, make_user):
    client = signed_in(make_user("analyst", riverside))
    text = text_of(client.get("/sites/riverside/representation").data)
    assert "Index by round" in text
    assert "hopes-2025" in text
    assert "(hopes)" in text


def test_outreach_targets_print_with_the_poster_and_paper_survey_of_the_language(
    riverside, signed_in, make_user
):
    client = signed_in(make_user("staff", riverside))
    page = client.get("/sites/riverside/representation/outreach?survey=hopes")
    assert page.status_code == 200
    text = text_of(page.data)
    assert "To match the neighbourhood within ±5 points, you need:" in text
    assert "Somali: about 10 more answers" in text
    html = page.data.decode()
    assert "/sites/riverside/surveys/hopes/poster?lang=so" in html
    assert "/sites/riverside/surveys/hopes/paper?lang=so" in html
    # In the staff member's language.
    spanish = text_of(
        client.get("/sites/riverside/representation/outreach?survey=hopes&ui=es").data
    )
    assert "Para parecerse al vecindario" in spanish


def test_an_analyst_reads_but_cannot_change_reference_shares(riverside, signed_in, make_user):
    client = signed_in(make_user("analyst", riverside))
    assert client.get("/sites/riverside/representation").status_code == 200
    assert client.get("/sites/riverside/representation/references").status_code == 403
    staff = signed_in(make_user("staff", riverside))
    assert staff.get("/sites/riverside/representation/references").status_code == 200


def test_a_member_of_another_site_gets_404(riverside, signed_in, make_user, make_site):
    elsewhere = make_site(slug="elsewhere")
    client = signed_in(make_user("staff", elsewhere))
    assert client.get("/sites/riverside/representation").status_code == 404
    assert client.get("/sites/riverside/representation/references.csv").status_code == 404


def _upload(client, data: bytes, *, ui: str = "en"):
    token = csrf_of(client, "/sites/riverside/representation/references")
    return client.post(
        f"/sites/riverside/representation/references/upload?ui={ui}",
        data={"csrf_token": token, "file": (io.BytesIO(data), "shares.csv")},
        content_type="multipart/form-data",
    )


def test_a_csv_with_bad_rows_says_what_is_wrong_row_by_row_and_saves_nothing(
    riverside, session, signed_in, make_user
):
    client = signed_in(make_user("staff", riverside))
    before = _references(session, riverside)
    data = (
        b"question,group,share,source,year\n"
        b"home_language,en,0.4,Census,2023\n"
        b"tenure,renter,0.5,,\n"
        b"home_language,xx,0.1,,\n"
        b"home_language,so,lots,,\n"
        b"home_language,es,-3,,\n"
        b"home_language,en,0.3,,\n"
        b"age_group,18_24,0.2,,20x3\n"
    )
    result = _upload(client, data)
    assert result.status_code == 422
    text = text_of(result.data)
    assert "Row 3: there is no question “tenure”" in text
    assert "Row 4: question “home_language” has no group “xx”" in text
    assert "Row 5: “lots” is not a share" in text
    assert "Row 6: a share cannot be below 0" in text
    assert "Row 7: group “en” of question “home_language” is given twice" in text
    assert "Row 8: “20x3” is not a year" in text
    session.expire_all()
    assert _references(session, riverside) == before
    # The same problems in Spanish, for a staff member who reads Spanish.
    spanish = text_of(_upload(client, data, ui="es").data)
    assert "Fila 5:" in spanish


def test_a_csv_that_is_not_csv_or_lacks_columns_is_refused_clearly(riverside, signed_in, make_user):
    client = signed_in(make_user("staff", riverside))
    assert "not a CSV file in UTF-8" in text_of(_upload(client, b"\xff\xfe\x00bad").data)
    missing = _upload(client, b"group,share\nen,1\n")
    assert missing.status_code == 422
    assert "Row 1: the first row must name the columns" in text_of(missing.data)


def test_the_template_round_trips_and_shares_are_scaled_with_a_note(
    riverside, session, signed_in, make_user
):
    client = signed_in(make_user("staff", riverside))
    template = client.get("/sites/riverside/representation/references.csv")
    assert template.status_code == 200
    lines = template.data.decode().splitlines()
    assert lines[0] == "question,group,share,source,year"
    assert any(line.startswith("home_language,so,0.15,") for line in lines)
    data = (
        b"question,group,share,source,year\n"
        b"children,yes,40%,School census,2024\n"
        b"children,no,57%,,\n"
    )
    result = _upload(client, data)
    assert result.status_code == 303
    page = client.get(result.headers["Location"])
    assert "added up to 0.97" in text_of(page.data)
    session.expire_all()
    assert _references(session, riverside)["children"] == {"yes": 0.4, "no": 0.57}


def test_typed_shares_with_a_mistake_come_back_as_typed(riverside, signed_in, make_user):
    client = signed_in(make_user("staff", riverside))
    token = csrf_of(client, "/sites/riverside/representation/references")
    result = client.post(
        "/sites/riverside/representation/references",
        data={
            "csrf_token": token,
            "question": "children",
            "share-yes": "0.4",
            "share-no": "about half",
            "source": "My own count",
            "year": "2024",
        },
    )
    assert result.status_code == 422
    html = result.data.decode()
    assert "“about half” is not a share" in text_of(html)
    assert 'value="about half"' in html
    assert 'value="My own count"' in html


def test_the_insights_page_weights_themes_and_shows_both(riverside, signed_in, make_user):
    client = signed_in(make_user("analyst", riverside))
    plain = text_of(client.get("/sites/riverside/insights?survey=hopes").data)
    assert "Show theme shares weighted to the neighbourhood" in plain
    page = client.get("/sites/riverside/insights?survey=hopes&weighted=1")
    assert page.status_code == 200
    text = text_of(page.data)
    assert "Weighted on:" in text
    assert "Effective sample size:" in text
    assert "No answer counts for more than 5 times the average." in text
    html = page.data.decode()
    housing = html[html.index('data-theme="housing"') :]
    cells = housing[: housing.index("</tr>")]
    # Housing is raised most by the groups the sample over-represents: its weighted share falls.
    assert "36%" in cells
    assert "31%" in cells


def test_weighting_is_refused_when_a_group_has_too_few_answers_and_says_which(
    riverside, session, signed_in, make_user, app
):
    representation.save_reference(
        session=session,
        site=riverside,
        question_key="home_language",
        shares={"en": "0.5", "so": "0.3", "other": "0.2"},
        source="test",
        year="",
    )
    session.commit()
    client = signed_in(make_user("analyst", riverside))
    text = text_of(client.get("/sites/riverside/insights?survey=hopes&weighted=1").data)
    assert "Not weighted" in text
    assert "Another language" in text
    body = client.get("/api/v1/sites/riverside/summary?survey=hopes&weighted=1").get_json()
    assert body["weighted"] is False
    assert {g["group"] for g in body["too_few"]} == {"Another language"}
    assert body["too_few"][0]["n"] < body["minimum_per_group"]


def test_the_api_returns_weighted_shares_with_the_effective_sample_size(riverside, session, app):
    from survey.services import api_tokens

    _token, raw = api_tokens.create(session=session, site=riverside, name="t", user=None)
    session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {raw}"}
    plain = client.get("/api/v1/sites/riverside/summary?survey=hopes", headers=headers)
    assert "weighted" not in plain.get_json()
    body = client.get(
        "/api/v1/sites/riverside/summary?survey=hopes&weighted=1", headers=headers
    ).get_json()
    assert body["weighted"] is True
    assert set(body["weighted_on"]) == {"age_group", "home_language"}
    assert body["method"] == "raking"
    assert 0 < body["effective_n"] < body["responses"]
    assert body["weight_cap"] == 5.0
    moved = [t for t in body["themes"] if abs(t["share"] - t["unweighted_share"]) > 0.01]
    assert moved, "a skewed sample gives different weighted shares"
    unweighted = {t["key"]: t["share"] for t in plain.get_json()["themes"]}
    assert all(t["unweighted_share"] == unweighted[t["key"]] for t in body["themes"])


def test_the_brief_can_be_weighted(riverside, signed_in, make_user):
    client = signed_in(make_user("analyst", riverside))
    text = text_of(client.get("/sites/riverside/insights/brief?survey=hopes&weighted=1").data)
    assert "Weighted to the neighbourhood" in text
    assert "Effective sample size:" in text
    assert "unweighted" in text
    assert "Weighted to the neighbourhood" not in text_of(
        client.get("/sites/riverside/insights/brief?survey=hopes").data
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Answers came from 180 residents."),
        ("so", "Soomaali"),
        ("es", "Volveremos a Cedar Court"),
    ],
)
def test_the_public_page_says_who_was_heard_in_every_language(riverside, client, lang, expected):
    text = text_of(client.get(f"/p/riverside?lang={lang}").data)
    assert expected in text
    if lang == "en":
        assert "We heard too little from:" in text
        assert "Somali" in text
        assert "coming back to Cedar Court" in text


@pytest.fixture
def pseudo_spanish(monkeypatch):
    """Spanish, where any message the catalog lacks comes back accented (never plain English)."""
    from survey import i18n
    from tests.app.test_staff_words import _PseudoSpanish

    real = i18n._translations
    monkeypatch.setattr(
        i18n,
        "_translations",
        lambda code: _PseudoSpanish(real(code)) if code == "es" else real(code),
    )


ENGLISH = re.compile(
    r"\b(neighbourhood|weighted|index|fewer than|heard|outreach|share|ratio|group|answers?|"
    r"round|reference|effective|upload|template|people)\b",
    re.I,
)


@pytest.mark.parametrize(
    "path",
    [
        "/sites/riverside/representation?ui=es",
        "/sites/riverside/representation/outreach?survey=hopes&ui=es",
        "/sites/riverside/representation/references?ui=es",
        "/sites/riverside/insights/brief?survey=hopes&weighted=1&lang=es&ui=es",
    ],
)
def test_every_word_of_these_pages_is_in_the_staff_language(
    riverside, signed_in, make_user, pseudo_spanish, path
):
    client = signed_in(make_user("staff", riverside))
    page = client.get(path)
    assert page.status_code == 200
    # Staff-typed text (the source of the figures, the notes) is not ours to translate.
    text = text_of(page.data).replace(
        "Riverside neighbourhood profile (demo figures in the style of ACS 2023 5-year, tracts 12 and 14)",
        "",
    )
    text = re.sub(r"Few Somali speakers have answered so far\.[^.]*\.", "", text)
    # Survey titles, question keys and the CSV's column names are data, not interface words.
    for data in ("Hopes for our neighbourhood", "(neighbourhood)", ", ".join(CSV_COLUMNS)):
        text = text.replace(data, "")
    left = [text[max(0, m.start() - 60) : m.end() + 20] for m in ENGLISH.finditer(text)]
    assert not left, left


def test_a_formula_like_source_is_inert_in_the_template_and_reads_back_as_typed(
    riverside, session, signed_in, make_user
):
    representation.save_reference(
        session=session,
        site=riverside,
        question_key="children",
        shares={"yes": "0.4", "no": "0.6"},
        source='=HYPERLINK("http://example.org","census")',
        year="2024",
    )
    session.commit()
    client = signed_in(make_user("staff", riverside))
    template = client.get("/sites/riverside/representation/references.csv").data
    assert b"'=HYPERLINK" in template
    assert _upload(client, template).status_code == 303
    session.expire_all()
    saved = representation.references_of(session=session, site=riverside)["children"]
    assert saved.source == '=HYPERLINK("http://example.org","census")'


def test_a_site_without_reference_shares_is_told_how_to_add_them(
    make_site, make_survey, signed_in, make_user
):
    site = make_site(slug="plain")
    make_survey(site=site)
    client = signed_in(make_user("staff", site))
    page = client.get("/sites/plain/representation")
    assert page.status_code == 200
    assert "No reference shares yet." in text_of(page.data)
    body = client.get("/api/v1/sites/plain/summary?weighted=1").get_json()
    assert body["weighted"] is False
    assert body["not_weighted_because"] == "no reference shares"
