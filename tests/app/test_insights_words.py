"""Staff working in Spanish read the review and codebook screens' messages in the app's own
translatable words, never the analysis library's English."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.support import Translations
from sqlmodel import select

from analysis.codebook import Codebook, check
from analysis.learned import LearnedModelError, LearnedTagger, TrainingExample
from tests.app.test_insights import city  # noqa: F401  (the fixture)
from tests.conftest import csrf_of
from tests.pages import text_of

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def spanish(msgid: str, **params: object) -> str:
    """What a Spanish-speaking staff member reads for ``msgid`` (English until it is translated)."""
    text = Translations.load(str(TRANSLATIONS), ["es"]).gettext(msgid)
    return text % params if params else text


def in_spanish(client, url: str) -> None:
    client.get(f"{url}?ui=es")


# -- the library says what went wrong in data, not only in English ------------------------------


def test_training_errors_carry_a_code_and_figures():
    with pytest.raises(LearnedModelError, match="at least 4") as error:
        LearnedTagger().fit([TrainingExample("rent", ("housing",))])
    assert (error.value.code, error.value.needed, error.value.count) == ("too_few_answers", 4, 1)
    examples = [TrainingExample(f"answer number {i}", (f"theme{i}",)) for i in range(5)]
    with pytest.raises(LearnedModelError, match="no label has 2") as error:
        LearnedTagger().fit(examples)
    assert (error.value.code, error.value.needed) == ("too_few_positives", 2)


def _document(label: dict[str, str], keywords: list[str]) -> dict:
    return {
        "schema": "community-voice/codebook@1",
        "key": "site",
        "version": 1,
        "themes": [{"key": "baches", "label": label, "keywords": {"es": keywords}}],
    }


def test_codebook_issues_name_the_theme_language_and_keyword():
    issue, *others = check(_document({"en": "Potholes"}, ["bache*", "*"]))
    assert [i.code for i in others] == ["short_prefix"]
    assert (issue.code, issue.theme, issue.lang, issue.term) == ("no_letters", "baches", "es", "*")
    assert "has no letters to match" in issue.text


def test_a_label_in_any_one_language_is_enough_when_asked():
    document = _document({"es": "Baches"}, ["bache*"])
    assert [i.code for i in check(document)] == ["label_needs_english"]
    assert check(document, english_label=False) == []
    book = Codebook.from_dict(document, english_label=False)
    assert book.label("baches", "en") == "Baches"  # no English: the label it has
    assert book.label("baches", "vi", fallback=["es"]) == "Baches"
    assert [i.code for i in check(_document({}, ["x"]), english_label=False)] == [
        "label_needs_text"
    ]


# -- what a Spanish-speaking staff member sees --------------------------------------------------


def test_retraining_too_early_is_explained_in_the_staff_language(city, signed_in, make_user):  # noqa: F811
    client = signed_in(make_user("staff", city[0]))
    in_spanish(client, "/sites/here/review")
    token = csrf_of(client, "/sites/here/review")
    tried = client.post("/sites/here/review/retrain", data={"csrf_token": token})
    assert tried.status_code == 303
    page = client.get(tried.headers["Location"])
    assert page.status_code == 200
    text = text_of(page.data)
    assert "need at least" not in text
    assert "got 0" not in text
    expected = spanish(
        "Review at least %(needed)s answers before retraining (there are %(count)s).",
        needed=4,
        count=0,
    )
    assert expected in text


def test_retraining_without_a_theme_to_learn_is_explained(city, signed_in, make_user, session):  # noqa: F811
    from survey.models import Answer
    from survey.services import review

    site, _survey = city
    reviewer = make_user("staff", site)
    answers = session.exec(select(Answer).where(Answer.text.is_not(None))).all()[:4]
    for answer, theme in zip(answers, ("housing", "safety", "transportation", "jobs"), strict=True):
        review.decide(session=session, site=site, answer=answer, reviewer=reviewer, themes=[theme])
    session.commit()
    client = signed_in(reviewer)
    in_spanish(client, "/sites/here/review")
    token = csrf_of(client, "/sites/here/review")
    tried = client.post("/sites/here/review/retrain", data={"csrf_token": token})
    text = text_of(client.get(tried.headers["Location"]).data)
    assert "nothing to learn" not in text
    message = (
        "No theme has %(needed)s or more reviewed answers yet: a new tagger would be "
        "judged on too few examples."
    )
    assert spanish(message, needed=20) in text


def test_a_keyword_without_letters_is_explained_in_the_staff_language(
    city,  # noqa: F811
    signed_in,
    make_user,
):
    client = signed_in(make_user("staff", city[0]))
    in_spanish(client, "/sites/here/codebook")
    token = csrf_of(client, "/sites/here/codebook")
    saved = client.post(
        "/sites/here/codebook/new",
        data={"csrf_token": token, "key": "baches", "label_es": "Baches", "keywords_es": "*"},
    )
    assert saved.status_code == 422
    text = text_of(saved.data)
    assert "keywords[es]" not in text
    assert "theme 'baches'" not in text
    expected = spanish(
        "In theme “%(theme)s”, the keyword or phrase “%(keyword)s” (%(language)s) has no letters "
        "to match.",
        theme="baches",
        keyword="*",
        language="Español",
    )
    assert expected in text


def test_a_theme_labelled_only_in_spanish_is_saved_and_shown(
    city,  # noqa: F811
    signed_in,
    make_user,
):
    site, survey = city
    client = signed_in(make_user("staff", site))
    in_spanish(client, "/sites/here/codebook")
    token = csrf_of(client, "/sites/here/codebook")
    saved = client.post(
        "/sites/here/codebook/new",
        data={
            "csrf_token": token,
            "key": "baches",
            "label_es": "Baches en la calle",
            "keywords_es": "bache*",
            "keywords_en": "pothole*",
        },
    )
    assert saved.status_code == 303, text_of(saved.data)
    assert "Baches en la calle" in text_of(client.get("/sites/here/codebook").data)
    retag = client.post("/sites/here/codebook-retag", data={"csrf_token": token})
    assert retag.status_code == 303
    review_page = client.get("/sites/here/review?reviewed=")
    assert review_page.status_code == 200
    assert "Baches en la calle" in text_of(review_page.data)
    # Staff reading English see the label the theme has rather than its key.
    client.get("/sites/here/codebook?ui=en")
    assert "Baches en la calle" in text_of(client.get("/sites/here/codebook").data)
    summary = client.get(f"/sites/here/insights?survey={survey.slug}")
    assert summary.status_code == 200
    assert "Baches en la calle" in text_of(summary.data)
    edit = client.get("/sites/here/codebook/baches")
    assert edit.status_code == 200
