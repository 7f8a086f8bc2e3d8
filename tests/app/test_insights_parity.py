"""Site teams see, per language, how many answers got no theme, and are warned when one language's
answers are left untagged far more often than the others' (those residents would count for less)."""

from __future__ import annotations

import pytest

from survey.models import Channel
from survey.services import responses, tagging
from survey.services.catalog import latest_version
from tests.pages import text_of

TAGGED_ENGLISH = [
    "I hope for cheaper rent and more affordable housing",
    "Safer streets with more street lights at night",
    "A clean park for my kids to play safely",
    "Better buses and sidewalks to get to work",
    "More jobs that pay a living wage",
]
#: Somali thanks and "nothing to add": the codebook gives them no theme.
UNTAGGED_SOMALI = [
    "Waan ku faraxsanahay sahankan, mahadsanid walaal",
    "Mahadsanid, wax kale ma hayo hadda",
    "Aad baad u mahadsantihiin dhammaantiin",
    "Waxba kuma darayo, mahadsanid",
]


def document() -> dict:
    return {
        "schema": "community-voice/survey@1",
        "slug": "voices",
        "default_locale": "en",
        "locales": ["en", "so"],
        "title": {"en": "Voices", "so": "Codadka"},
        "sections": [
            {
                "key": "main",
                "questions": [
                    {"key": "hopes", "kind": "long_text", "text": {"en": "Hopes?", "so": "Rajo?"}}
                ],
            }
        ],
    }


def submit(session, survey, rows):
    version = latest_version(session=session, survey=survey)
    for number, (locale, text) in enumerate(rows):
        responses.submit(
            session=session,
            survey=survey,
            version=version,
            answers={"hopes": text},
            locale=locale,
            channel=Channel.web,
            token=f"tok-parity-{number:06d}",
        )
    session.commit()
    tagging.tag_pending(session=session)  # what the job after a Send does
    session.commit()


@pytest.fixture
def voices(make_site, make_survey, session):
    site = make_site(slug="voices", k_threshold=5)
    survey = make_survey(document(), site=site)
    rows = [("en", TAGGED_ENGLISH[i % 5]) for i in range(20)]
    rows += [("so", UNTAGGED_SOMALI[i % 4]) for i in range(12)]
    submit(session, survey, rows)
    return site, survey


def test_the_summary_warns_when_one_language_gets_no_theme_far_more_often(
    voices, signed_in, make_user
):
    site, _survey = voices
    page = signed_in(make_user("analyst", site)).get("/sites/voices/insights?survey=voices")
    assert page.status_code == 200
    text = text_of(page.data)
    assert "Answers with no theme, by language" in text
    assert "Answers in Soomaali got no theme 100% of the time, against 0% in the other" in text
    assert "count for less in the theme shares above" in text


def test_no_warning_when_every_language_is_tagged_alike(
    make_site, make_survey, session, signed_in, make_user
):
    site = make_site(slug="voices", k_threshold=5)
    survey = make_survey(document(), site=site)
    submit(session, survey, [("en", TAGGED_ENGLISH[i % 5]) for i in range(15)])
    page = signed_in(make_user("analyst", site)).get("/sites/voices/insights?survey=voices")
    text = text_of(page.data)
    assert "got no theme" not in text
    assert "No language's answers are left without a theme much more often" in text


def test_the_warning_speaks_the_staff_language(voices, signed_in, make_user):
    site, _survey = voices
    client = signed_in(make_user("analyst", site))
    page = client.get("/sites/voices/insights?survey=voices&ui=es")
    text = text_of(page.data)
    assert "Respuestas sin tema, por idioma" in text
    assert "Answers with no theme" not in text


def test_the_api_reports_untagged_answers_per_language(voices, app, session):
    from survey.services import api_tokens

    site, _survey = voices
    _token, raw = api_tokens.create(session=session, site=site, name="dashboard", user=None)
    session.commit()
    body = (
        app.test_client()
        .get("/api/v1/sites/voices/summary", headers={"Authorization": f"Bearer {raw}"})
        .get_json()
    )
    rows = {row["lang"]: row for row in body["untagged_by_language"]}
    assert rows["so"] == {
        "lang": "so",
        "answers": 12,
        "untagged": 12,
        "share": 1.0,
        "others": 0.0,
        "far": True,
    }
    assert rows["en"]["untagged"] == 0
    assert rows["en"]["answers"] == 20
