"""Closing the loop: the public page shows only what may be public; the map; across sites."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from survey.models import Answer
from survey.services import loop
from tests.app.test_insights import answer_many, document
from tests.conftest import csrf_of
from tests.pages import read, text_of

ALL = ["en", "es", "vi", "zh_Hans", "ar", "so", "ht", "hmn"]


@pytest.fixture
def riverside(make_site, make_survey, session):
    site = make_site(slug="river", k_threshold=5, locales=ALL)
    survey = make_survey(document("river-hopes"), site=site)
    rows = [("en", "Cheaper rent and housing we can afford", "north")] * 8
    rows += [("en", "More street lights, I want to feel safe", "south")] * 6
    rows += [("en", "A bigger library with art classes and music festivals", "south")] * 2
    answer_many(session, survey, rows)
    return site, survey


def public(client, lang="en"):
    return client.get(f"/p/river?lang={lang}")


def test_public_page_shows_themes_but_hides_small_ones(riverside, client):
    page = public(client)
    assert page.status_code == 200
    text = text_of(page.data)
    assert "Riverside" in text or "river" in page.data.decode()
    assert "Homes and housing" in text or "Housing" in text
    assert "Community" not in text.split("We are doing")[0], (
        "a theme raised by two people stays hidden"
    )


def test_no_draft_commitment_and_no_unapproved_quote_reaches_the_public(riverside, client, session):
    site, _survey = riverside
    loop.save_commitment(
        session=session,
        site=site,
        locale="en",
        data=loop.CommitmentInput(
            text="Secret draft plan",
            target="",
            partners="",
            themes=["housing"],
            due=None,
            status="draft",
        ),
    )
    loop.save_commitment(
        session=session,
        site=site,
        locale="en",
        data=loop.CommitmentInput(
            text="Open a tenant help desk",
            target="200 families",
            partners="Housing Authority",
            themes=["housing"],
            due=date(2030, 1, 1),
            status="in_progress",
        ),
    )
    session.commit()
    text = text_of(public(client).data)
    assert "Open a tenant help desk" in text
    assert "Secret draft plan" not in text
    for answer in session.exec(select(Answer).where(Answer.text.is_not(None))):
        assert answer.text not in text, "no quote appears until staff approve it"


def test_quote_approval_shows_the_redacted_text_and_can_be_withdrawn(
    riverside, client, session, signed_in, make_user
):
    site, survey = riverside
    answer_many(
        session,
        survey,
        [("en", "Call me at (555) 201-3344 about the park on 124 Oak St", "north")],
        start=1000,
    )
    answer = session.exec(select(Answer).where(Answer.text.contains("555"))).one()
    staff_client = signed_in(make_user("staff", site))
    preview = staff_client.get(f"/sites/river/loop/quotes/approve?answer_id={answer.id}")
    shown = dict(read(preview.data).hidden)["shown"]
    assert "555" not in shown
    assert "124 Oak St" not in shown
    token = dict(read(preview.data).hidden)["csrf_token"]
    approved = staff_client.post(
        "/sites/river/loop/quotes/approve",
        data={"csrf_token": token, "answer_id": answer.id, "shown": shown},
    )
    assert approved.status_code == 303
    page = public(client).data.decode()
    assert "555" not in page
    assert "[phone]" in page or "[" in page
    [approval] = loop.approved_quotes(session=session, site=site)
    staff_client.post(
        f"/sites/river/loop/quotes/{approval.id}/withdraw", data={"csrf_token": token}
    )
    assert "[phone]" not in public(client).data.decode()


def test_a_changed_redaction_must_be_looked_at_again(riverside, session):
    site, _survey = riverside
    answer = session.exec(select(Answer).where(Answer.text.is_not(None))).first()
    from survey.services.errors import InvalidDocument

    with pytest.raises(InvalidDocument):
        loop.approve_quote(
            session=session,
            site=site,
            answer_id=answer.id,
            theme=None,
            user=None,
            shown_text="other",
        )


def test_a_retired_theme_leaves_the_public_page_but_keeps_its_history(riverside, client, session):
    from survey.models import AnswerTag
    from survey.services import codebook_edit

    site, _survey = riverside
    before = text_of(public(client).data)
    assert "Safety" in before or "safe" in before.lower()
    codebook_edit.save_theme(
        session=session,
        site=site,
        key="safety",
        form={"label_en": "Safety", "retired": "y"},
        locales=["en"],
        is_new=False,
    )
    session.commit()
    after = text_of(public(client).data).split("We are doing")[0]
    assert "Safety" not in after
    assert (
        session.exec(select(AnswerTag).where(AnswerTag.theme_key == "safety")).first() is not None
    )


@pytest.mark.parametrize("code", ALL)
def test_the_public_page_speaks_every_language(riverside, client, code):
    from survey.i18n import LANGUAGES

    page = public(client, code)
    assert read(page.data).html_attrs == {
        "lang": LANGUAGES[code].tag,
        "dir": LANGUAGES[code].direction,
    }


def test_staff_typed_text_is_escaped_on_the_public_page(riverside, client, session):
    site, _survey = riverside
    loop.save_commitment(
        session=session,
        site=site,
        locale="en",
        data=loop.CommitmentInput(
            text="<script>alert(1)</script>",
            target="<b>x</b>",
            partners="<i>p</i>",
            themes=[],
            due=None,
            status="planned",
        ),
    )
    site.outcome = {"en": "<img src=x onerror=alert(1)>"}
    session.add(site)
    session.commit()
    html = public(client).data.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html


def test_the_thank_you_page_links_to_the_public_page(riverside, client):
    _site, survey = riverside
    html = client.get(f"/s/{survey.slug}/thanks?lang=es").data.decode()
    assert 'href="/p/river?lang=es"' in html


def test_the_map_shows_who_is_influential_but_not_at_the_table(
    riverside, signed_in, make_user, session
):
    site, _survey = riverside
    client = signed_in(make_user("staff", site))
    token = csrf_of(client, "/sites/river/loop/map")
    client.post(
        "/sites/river/loop/map",
        data={
            "csrf_token": token,
            "name": "School District",
            "sector": "education",
            "influence": "3",
        },
    )
    client.post(
        "/sites/river/loop/map",
        data={
            "csrf_token": token,
            "name": "Tenant Union",
            "sector": "resident_group",
            "influence": "2",
            "at_table": "y",
        },
    )
    page = text_of(client.get("/sites/river/loop/map").data)
    missing = page.split("Influential, but not at the table")[1].split("Education")[0]
    assert "School District" in missing
    assert "Tenant Union" not in missing
    [school] = [
        s for s in loop.stakeholders_of(session=session, site=site) if s.name == "School District"
    ]
    client.post(
        f"/sites/river/loop/map/{school.id}",
        data={
            "csrf_token": token,
            "name": "School District",
            "sector": "education",
            "influence": "3",
            "at_table": "y",
        },
    )
    history = loop.history_of(session=session, stakeholder=school)
    assert [change.snapshot["at_table"] for change, _who in history] == [True, False]
    bad = client.post(
        "/sites/river/loop/map", data={"csrf_token": token, "name": "", "influence": "9"}
    )
    assert bad.status_code == 422


def test_commitments_are_created_and_updated_by_staff_and_read_by_analysts(
    riverside, signed_in, make_user, client
):
    site, _survey = riverside
    staff = signed_in(make_user("staff", site))
    token = csrf_of(staff, "/sites/river/loop")
    created = staff.post(
        "/sites/river/loop/commitments/new",
        data={
            "csrf_token": token,
            "text": "Fix every broken street light",
            "target": "All lights on",
            "partners": "Public Works",
            "themes": ["safety"],
            "due": "2031-05-01",
            "status": "planned",
        },
    )
    assert created.status_code == 303
    update = staff.post(
        created.headers["Location"] + "/updates",
        data={"csrf_token": token, "text": "Half are fixed"},
    )
    assert update.status_code == 303
    text = text_of(public(client).data)
    assert "Fix every broken street light" in text
    assert "Half are fixed" in text
    analyst = signed_in(make_user("analyst", site))
    assert "Fix every broken street light" in text_of(analyst.get("/sites/river/loop").data)
    own_token = csrf_of(analyst, "/sites/river/loop")
    refused = analyst.post(
        "/sites/river/loop/commitments/new", data={"csrf_token": own_token, "text": "x"}
    )
    assert refused.status_code == 403


def test_the_cross_site_view_shows_aggregates_only(riverside, signed_in, make_user, session):
    client = signed_in(make_user("admin"))
    page = client.get("/admin/overview")
    assert page.status_code == 200
    html = page.data.decode()
    for answer in session.exec(select(Answer).where(Answer.text.is_not(None))):
        assert answer.text not in html
    assert "hidden" in text_of(page.data)
    # It says what it counts, and sites are columns (themes wrap as rows; no sideways scroll).
    assert "someone who answered two rounds is counted in both" in text_of(page.data)
    assert "1 survey or round" in text_of(page.data)
    assert 'class="scroll"' not in html


def test_the_chinese_public_page_follows_chinese_punctuation(riverside, client, session):
    site, _survey = riverside
    commitment = loop.save_commitment(
        session=session,
        site=site,
        locale="zh_Hans",
        data=loop.CommitmentInput(
            text="开设租户服务台",
            target="200个家庭",
            partners="住房局",
            themes=["housing", "safety"],
            due=date(2030, 1, 1),
            status="in_progress",
        ),
    )
    loop.add_update(
        session=session, commitment=commitment, text="已开放", locale="zh_Hans", on=None, user=None
    )
    session.commit()
    html = public(client, "zh_Hans").data.decode()
    for stray in ("。 ", "： ", "）： "):
        assert stray not in html
    assert "：200个家庭" in html
    assert "、" in html  # the two themes, listed the Chinese way


def test_opening_a_new_round_keeps_the_last_results_until_it_has_enough_answers(
    riverside, client, make_survey, session
):
    site, _survey = riverside
    before = text_of(public(client).data)
    assert "We are still listening" not in before
    new_round = make_survey(document("river-hopes-2"), site=site)
    kept = text_of(public(client).data)
    assert kept.split("We are doing")[0] == before.split("We are doing")[0]
    answer_many(session, new_round, [("en", "A bus to the clinic, please", "north")] * 6)
    moved = text_of(public(client).data)
    assert "6 neighbours" in moved
