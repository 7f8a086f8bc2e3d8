"""Staff mistakes, odd files and stale pages in the designer: explained on the page, never a 500."""

from __future__ import annotations

import io
import json

from sqlmodel import select

from survey.models import Question, Survey
from tests.app.test_designer import BASE, build_survey, post
from tests.conftest import csrf_of, survey_document
from tests.pages import read, text_of


def staff_client(signed_in, make_site, make_user):
    site = make_site(slug="here")
    return signed_in(make_user("staff", site))


def upload(client, token, name, data):
    return client.post(
        f"{BASE}/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def publish_english_only(client, token):
    post(client, f"{BASE}/park/languages", token, default_locale="en", locales=["en"])
    assert post(client, f"{BASE}/park/publish", token).status_code == 303


# -- 1. languages the app does not offer ------------------------------------------------------


def test_a_made_up_language_is_refused_on_create(signed_in, make_site, make_user, session):
    client = staff_client(signed_in, make_site, make_user)
    token = csrf_of(client, f"{BASE}/")
    refused = post(client, f"{BASE}/", token, title="t", slug="loc-test", default_locale="xx")
    assert refused.status_code == 422
    assert "xx is not a language we offer" in text_of(refused.data)
    assert session.exec(select(Survey).where(Survey.slug == "loc-test")).first() is None
    assert client.get(f"{BASE}/").status_code == 200


def test_a_made_up_language_is_refused_on_the_languages_form(signed_in, make_site, make_user):
    client = staff_client(signed_in, make_site, make_user)
    token = build_survey(client)
    refused = post(client, f"{BASE}/park/languages", token, default_locale="xx", locales=["xx"])
    assert refused.status_code == 303
    page = client.get(f"{BASE}/park")
    assert page.status_code == 200
    assert "xx is not a language we offer" in text_of(page.data)
    assert client.get(f"{BASE}/park/share").status_code == 200


def test_a_made_up_language_is_refused_on_import(signed_in, make_site, make_user, session):
    client = staff_client(signed_in, make_site, make_user)
    token = csrf_of(client, f"{BASE}/import")
    document = survey_document(slug="loc-import", default_locale="xx", locales=["xx"])
    refused = upload(client, token, "s.json", json.dumps(document).encode())
    assert refused.status_code == 422
    assert "xx is not a language we offer" in text_of(refused.data)
    assert session.exec(select(Survey).where(Survey.slug == "loc-import")).first() is None


# -- 2. a question key already in use ---------------------------------------------------------


def test_a_question_key_already_used_is_explained_and_the_input_kept(
    signed_in, make_site, make_user
):
    client = staff_client(signed_in, make_site, make_user)
    token = build_survey(client)
    added = post(
        client,
        f"{BASE}/park/questions/new",
        token,
        kind="long_text",
        text="Something typed with care",
        section="main",
        key="do_you_visit_it",
    )
    assert added.status_code == 422
    assert "this key is already used by another question" in text_of(added.data)
    assert "Something typed with care" in added.data.decode()
    renamed = post(
        client,
        f"{BASE}/park/questions/what_do_you_hope_for_the_park",
        token,
        kind="long_text",
        text="Renamed text",
        section="main",
        key="do_you_visit_it",
    )
    assert renamed.status_code == 422
    assert "this key is already used by another question" in text_of(renamed.data)
    assert "Renamed text" in renamed.data.decode()


# -- 3. JSON files that used to crash the import ----------------------------------------------


def test_a_string_where_a_language_map_belongs_is_a_listed_problem(signed_in, make_site, make_user):
    client = staff_client(signed_in, make_site, make_user)
    token = csrf_of(client, f"{BASE}/import")
    document = survey_document(slug="plain", title="plain string")
    refused = upload(client, token, "s.json", json.dumps(document).encode())
    assert refused.status_code == 422
    assert "text must be a {locale: text} object" in text_of(refused.data)


def test_a_deeply_nested_file_is_a_listed_problem(signed_in, make_site, make_user):
    client = staff_client(signed_in, make_site, make_user)
    token = csrf_of(client, f"{BASE}/import")
    refused = upload(client, token, "deep.json", b"[" * 100_000)
    assert refused.status_code == 422
    assert "the file is nested too deeply to be a survey" in text_of(refused.data)


def test_parts_of_the_wrong_type_are_listed_problems(signed_in, make_site, make_user):
    client = staff_client(signed_in, make_site, make_user)
    token = csrf_of(client, f"{BASE}/import")
    document = survey_document(slug="odd")
    document["sections"][0]["questions"][1]["options"] = "yes, no"
    document["sections"][1]["questions"][1]["min"] = "zero"
    refused = upload(client, token, "s.json", json.dumps(document).encode())
    assert refused.status_code == 422
    document = survey_document(slug="odd")
    document["sections"][1]["questions"][1]["min"] = "zero"
    refused = upload(client, token, "s.json", json.dumps(document).encode())
    assert refused.status_code == 422
    assert "min and max must be numbers" in text_of(refused.data)


# -- 4. the translation page ------------------------------------------------------------------


def test_translating_into_a_language_the_survey_lacks_changes_nothing(
    signed_in, make_site, make_user, session
):
    client = staff_client(signed_in, make_site, make_user)
    token = build_survey(client)
    refused = post(client, f"{BASE}/park/translate?lang=vi", token, t0="should not save")
    assert refused.status_code == 303
    assert "Choose one of the survey's other languages" in text_of(
        client.get(refused.headers["Location"]).data
    )
    session.expire_all()
    park = session.exec(select(Survey).where(Survey.slug == "park")).one()
    assert park.title == {"en": "Our park"}
    default = post(client, f"{BASE}/park/translate?lang=en", token, t0="should not save")
    assert default.status_code == 303
    session.expire_all()
    assert session.exec(select(Survey).where(Survey.slug == "park")).one().title == {
        "en": "Our park"
    }


def test_a_stale_translation_page_never_saves_onto_other_texts(
    signed_in, make_site, make_user, session
):
    client = staff_client(signed_in, make_site, make_user)
    token = build_survey(client)
    page = read(client.get(f"{BASE}/park/translate?lang=es").data)
    fields = dict(page.hidden)
    assert "k0" in fields
    # Meanwhile someone adds an introduction: every text after the title moves one place down.
    post(client, f"{BASE}/park/texts", token, title="Our park", intro="Welcome", thank_you="")
    data = {key: value for key, value in fields.items() if key.startswith("k")}
    data["t0"] = "Nuestro parque"
    data["t1"] = "¿Qué espera del parque?"
    saved = client.post(f"{BASE}/park/translate?lang=es", data={"csrf_token": token, **data})
    assert saved.status_code == 303
    session.expire_all()
    park = session.exec(select(Survey).where(Survey.slug == "park")).one()
    assert park.title["es"] == "Nuestro parque"
    assert "es" not in park.intro, "the new introduction must not get a question's translation"
    hope = session.exec(
        select(Question).where(Question.key == "what_do_you_hope_for_the_park")
    ).one()
    assert hope.text["es"] == "¿Qué espera del parque?"

    # Now the question's English changes after the page was loaded: its translation waits.
    fields = dict(read(client.get(f"{BASE}/park/translate?lang=es").data).hidden)
    post(
        client,
        f"{BASE}/park/questions/what_do_you_hope_for_the_park",
        token,
        kind="long_text",
        text="What do you wish for the park?",
        section="main",
        key="what_do_you_hope_for_the_park",
    )
    data = {
        "k0": fields["k0"],
        "t0": "Nuestro parque",
        "k1": fields["k1"],
        "t1": "",
        "k2": fields["k2"],
        "t2": "¿Qué desea?",
    }
    stale = client.post(f"{BASE}/park/translate?lang=es", data={"csrf_token": token, **data})
    assert stale.status_code == 303
    shown = text_of(client.get(stale.headers["Location"]).data)
    assert "were not saved because their text changed" in shown
    session.expire_all()
    hope = session.exec(
        select(Question).where(Question.key == "what_do_you_hope_for_the_park")
    ).one()
    assert hope.text["es"] == "¿Qué espera del parque?"


# -- 5. bad values are refused with the input kept --------------------------------------------


def test_number_bounds_that_are_not_numbers_are_refused(signed_in, make_site, make_user):
    client = staff_client(signed_in, make_site, make_user)
    token = build_survey(client)
    for bad in ("abc", "1e400", "nan", "inf", "1" + "0" * 400):
        refused = post(
            client,
            f"{BASE}/park/questions/new",
            token,
            kind="number",
            text="How many trees?",
            section="main",
            number_min=bad,
        )
        assert refused.status_code == 422, bad
        assert "Please enter a number, using digits only." in text_of(refused.data), bad
        assert "How many trees?" in refused.data.decode()


def test_an_unknown_status_changes_nothing(signed_in, make_site, make_user, session):
    client = staff_client(signed_in, make_site, make_user)
    token = build_survey(client)
    publish_english_only(client, token)
    post(client, f"{BASE}/park/status", token, status="banana")
    session.expire_all()
    assert session.exec(select(Survey).where(Survey.slug == "park")).one().status == "open"
    assert "the survey can only be opened or closed" in text_of(client.get(f"{BASE}/park").data)


def test_survey_texts_over_the_limits_are_refused_and_kept(
    signed_in, make_site, make_user, session
):
    client = staff_client(signed_in, make_site, make_user)
    token = build_survey(client)
    long_title, long_intro = "T" * 5000, "I" * 10000
    refused = post(
        client, f"{BASE}/park/texts", token, title=long_title, intro=long_intro, thank_you=""
    )
    assert refused.status_code == 422
    assert long_title in refused.data.decode()
    assert long_intro in refused.data.decode()
    session.expire_all()
    assert session.exec(select(Survey).where(Survey.slug == "park")).one().title == {
        "en": "Our park"
    }


def test_page_titles_over_the_limit_are_refused_and_kept(signed_in, make_site, make_user):
    client = staff_client(signed_in, make_site, make_user)
    token = build_survey(client)
    long_title = "P" * 301
    renamed = post(client, f"{BASE}/park/sections/main", token, action="rename", title=long_title)
    assert renamed.status_code == 422
    assert long_title in renamed.data.decode()
    added = post(client, f"{BASE}/park/sections", token, title=long_title)
    assert added.status_code == 422
    assert long_title in added.data.decode()
    assert long_title not in client.get(f"{BASE}/park").data.decode()


# -- 6. the longest answer never passes the site-wide cap -------------------------------------


def test_longest_answer_is_capped_at_the_site_limit(signed_in, make_site, make_user, app):
    client = staff_client(signed_in, make_site, make_user)
    token = build_survey(client)
    cap = app.config["ANSWER_MAX_CHARS"]
    refused = post(
        client,
        f"{BASE}/park/questions/new",
        token,
        kind="short_text",
        text="Your street?",
        section="main",
        max_length=str(cap + 1),
    )
    assert refused.status_code == 422
    assert f"Please enter a number no larger than {cap}." in text_of(refused.data)
    zero = post(
        client,
        f"{BASE}/park/questions/new",
        token,
        kind="short_text",
        text="Your street?",
        section="main",
        max_length="0",
    )
    assert zero.status_code == 422


def test_the_paper_form_never_allows_more_than_the_site_limit(
    signed_in, make_site, make_user, make_survey, session, app
):
    site = make_site(slug="here")
    client = signed_in(make_user("staff", site))
    document = survey_document(slug="long", locales=["en"])
    for question in document["sections"][1]["questions"]:
        question.pop("show_if", None)
    document["sections"][1]["questions"][0]["max_length"] = 100_000
    make_survey(document, site=site)
    cap = app.config["ANSWER_MAX_CHARS"]
    form = client.get(f"{BASE}/long/paper-entry")
    hidden = dict(read(form.data).hidden)
    sent = client.post(
        f"{BASE}/long/paper-entry",
        data={**hidden, "q_hopes": "ok", "q_kid_needs": "x" * (cap + 1)},
    )
    assert sent.status_code == 422
    assert f"Please keep your answer under {cap} characters" in text_of(sent.data)


# -- 7. stale question forms ------------------------------------------------------------------


def test_a_deleted_question_sends_staff_back_to_the_survey_page(signed_in, make_site, make_user):
    client = staff_client(signed_in, make_site, make_user)
    token = build_survey(client)
    stale = post(
        client,
        f"{BASE}/park/questions/gone_meanwhile",
        token,
        kind="long_text",
        text="Typed",
        section="main",
    )
    assert stale.status_code == 303
    assert stale.headers["Location"].split("#")[0].endswith(f"{BASE}/park")
    assert "no longer exists" in text_of(client.get(stale.headers["Location"]).data)


def test_a_deleted_page_keeps_the_typed_question(signed_in, make_site, make_user):
    client = staff_client(signed_in, make_site, make_user)
    token = build_survey(client)
    stale = post(
        client,
        f"{BASE}/park/questions/new",
        token,
        kind="long_text",
        text="A question typed with care",
        section="deleted_page",
    )
    assert stale.status_code == 422
    assert "no longer exists" in text_of(stale.data)
    assert "A question typed with care" in stale.data.decode()
    moved = post(client, f"{BASE}/park/sections/deleted_page", token, action="up")
    assert moved.status_code == 303
    assert "no longer exists" in text_of(client.get(f"{BASE}/park").data)


# -- 8. the kind drop-down speaks the staff member's language ---------------------------------


def test_the_kind_of_question_is_translated(signed_in, make_site, make_user):
    client = staff_client(signed_in, make_site, make_user)
    build_survey(client)
    page = client.get(
        f"{BASE}/park/questions/new?kind=rating&section=main", headers={"Accept-Language": "es"}
    )
    select_html = page.data.decode().split('<select id="kind"', 1)[1].split("</select>", 1)[0]
    assert "Escala de calificación" in select_html
    assert "Texto corto" in select_html
    assert "Short text" not in select_html


# -- 9. copying as the next round -------------------------------------------------------------


def test_copy_as_next_round_once_and_only_when_published(signed_in, make_site, make_user, session):
    client = staff_client(signed_in, make_site, make_user)
    token = build_survey(client)
    assert "Copy as the next round" not in text_of(client.get(f"{BASE}/park").data)
    assert post(client, f"{BASE}/park/duplicate", token).status_code == 303
    assert session.exec(select(Survey).where(Survey.slug == "park-r2")).first() is None
    publish_english_only(client, token)
    assert post(client, f"{BASE}/park/duplicate", token).status_code == 303
    again = post(client, f"{BASE}/park/duplicate", token)
    assert again.status_code == 303
    assert "the next round exists already: park-r2" in text_of(
        client.get(again.headers["Location"]).data
    )
    session.expire_all()
    slugs = set(session.exec(select(Survey.slug)).all())
    assert slugs == {"park", "park-r2"}


def test_an_imported_longest_answer_over_the_site_limit_is_refused(
    signed_in, make_site, make_user, app
):
    client = staff_client(signed_in, make_site, make_user)
    token = csrf_of(client, f"{BASE}/import")
    document = survey_document(slug="long-import")
    document["sections"][0]["questions"][0]["max_length"] = 100_000
    refused = upload(client, token, "s.json", json.dumps(document).encode())
    assert refused.status_code == 422
    cap = app.config["ANSWER_MAX_CHARS"]
    assert f"the longest answer must be between 1 and {cap} characters" in text_of(refused.data)
