"""Staff build a survey in two languages, preview, publish, share it; a resident answers."""

from __future__ import annotations

import re

from sqlmodel import select

from survey.models import Answer, Response, SurveyVersion
from tests.conftest import csrf_of
from tests.pages import read, submit, text_of

BASE = "/sites/here/surveys"


def post(client, url, token, **data):
    return client.post(url, data={"csrf_token": token, **data})


def build_survey(client):
    token = csrf_of(client, f"{BASE}/")
    created = post(client, f"{BASE}/", token, title="Our park", slug="park", default_locale="en")
    assert created.status_code == 303, text_of(created.data)
    assert (
        post(
            client, f"{BASE}/park/languages", token, default_locale="en", locales=["en", "es"]
        ).status_code
        == 303
    )
    steps = [
        {
            "kind": "long_text",
            "text": "What do you hope for the park?",
            "section": "main",
            "required": "y",
        },
        {
            "kind": "single_choice",
            "text": "Do you visit it?",
            "section": "main",
            "options": "yes = Yes\nno = No",
        },
        {
            "kind": "rating",
            "text": "How safe does it feel?",
            "section": "main",
            "scale_min": "1",
            "scale_max": "5",
            "min_label": "Not safe",
            "max_label": "Very safe",
            "show_match": "all",
            "conditions-0-question": "do_you_visit_it",
            "conditions-0-op": "equals",
            "conditions-0-value": "yes",
        },
    ]
    for step in steps:
        result = post(client, f"{BASE}/park/questions/new", token, **step)
        assert result.status_code == 303, text_of(result.data)
    return token


def translate_all(client, token, lang="es"):
    page = client.get(f"{BASE}/park/translate?lang={lang}")
    count = page.data.decode().count("<textarea")
    data = {f"t{i}": f"[es] texto {i}" for i in range(count)}
    assert post(client, f"{BASE}/park/translate?lang={lang}", token, **data).status_code == 303


def test_staff_build_publish_and_a_resident_answers(signed_in, make_site, make_user, session, app):
    site = make_site(slug="here")
    client = signed_in(make_user("staff", site))
    token = build_survey(client)

    editor = client.get(f"{BASE}/park")
    assert "What do you hope for the park?" in text_of(editor.data)
    refused = post(client, f"{BASE}/park/publish", token)
    assert refused.status_code == 303
    warning = text_of(client.get(f"{BASE}/park").data)
    assert "text is missing (Español)" in warning
    assert session.exec(select(SurveyVersion)).all() == []

    translate_all(client, token)
    page = client.get(f"{BASE}/park/preview?lang=es").get_data(as_text=True)
    # The frame shows the chosen language, and the picker marks it.
    assert f'src="{BASE}/park/preview/frame?lang=es"' in page
    assert re.search(r'<a class="button "[^>]*lang="es"[^>]*aria-current="true"', page)
    preview = client.get(f"{BASE}/park/preview/frame?lang=es")
    assert preview.status_code == 200
    assert read(preview.data).html_attrs["lang"] == "es"
    assert "frame-ancestors 'self'" in preview.headers["Content-Security-Policy"]

    assert post(client, f"{BASE}/park/publish", token).status_code == 303
    [version] = session.exec(select(SurveyVersion)).all()
    assert version.number == 1
    qr = client.get(f"{BASE}/park/qr.png?lang=es")
    assert qr.status_code == 200
    assert qr.data.startswith(b"\x89PNG")
    svg = client.get(f"{BASE}/park/qr.svg").data
    assert svg.lstrip().startswith(b"<svg")
    # A vector that scales to the box it is placed in (a poster tool, a word processor).
    assert b'viewBox="0 0 ' in svg
    assert "/s/park?lang=es" in text_of(client.get(f"{BASE}/park/share").data)

    resident = app.test_client()
    first = resident.get("/s/park?lang=es")
    keys = [i["name"] for i in read(first.data).inputs if i.get("name", "").startswith("q_")]
    assert "q_how_safe_does_it_feel" not in keys, "the rating waits for a 'yes'"
    sent = submit(
        resident,
        "/s/park?lang=es",
        first.data,
        {"q_what_do_you_hope_for_the_park": "Más luz", "q_do_you_visit_it": "no"},
        "send",
    )
    assert sent.status_code == 303, (keys, read(sent.data).errors)
    [response] = session.exec(select(Response)).all()
    assert response.locale == "es"
    answers = {a.question_key: a.value for a in session.exec(select(Answer))}
    assert answers == {"what_do_you_hope_for_the_park": "Más luz", "do_you_visit_it": "no"}


def test_editing_the_draft_never_changes_a_published_version(
    signed_in, make_site, make_user, session
):
    site = make_site(slug="here")
    client = signed_in(make_user("staff", site))
    token = build_survey(client)
    post(client, f"{BASE}/park/languages", token, default_locale="en", locales=["en"])
    assert post(client, f"{BASE}/park/publish", token).status_code == 303
    [before] = session.exec(select(SurveyVersion)).all()
    frozen = dict(before.definition)
    edit = post(
        client,
        f"{BASE}/park/questions/do_you_visit_it",
        token,
        kind="single_choice",
        text="Do you go there?",
        section="main",
        options="yes = Yes\nno = No\nsometimes = Sometimes",
        key="do_you_visit_it",
    )
    assert edit.status_code == 303
    page = text_of(client.get(f"{BASE}/park").data)
    assert "Question “Do you go there?”: wording changed" in page
    assert "Question “Do you go there?”: options changed" in page
    session.expire_all()
    assert session.get(SurveyVersion, before.id).definition == frozen
    assert post(client, f"{BASE}/park/publish", token).status_code == 303
    assert [v.number for v in session.exec(select(SurveyVersion))] == [1, 2]


def test_bad_question_input_is_explained_and_kept(signed_in, make_site, make_user):
    site = make_site(slug="here")
    client = signed_in(make_user("staff", site))
    token = build_survey(client)
    duplicate = post(
        client,
        f"{BASE}/park/questions/new",
        token,
        kind="single_choice",
        text="Again?",
        section="main",
        options="a = One\na = Two",
    )
    assert duplicate.status_code == 422
    page = read(duplicate.data)
    assert "option codes used twice: a" in text_of(duplicate.data)
    assert "a = One\na = Two" in duplicate.data.decode().replace("&#34;", '"')
    no_options = post(
        client,
        f"{BASE}/park/questions/new",
        token,
        kind="multiple_choice",
        text="Pick",
        section="main",
        options="",
    )
    assert no_options.status_code == 422
    assert "a choice question needs options" in text_of(no_options.data)
    forward = post(
        client,
        f"{BASE}/park/questions/do_you_visit_it",
        token,
        kind="single_choice",
        text="Do you visit it?",
        section="main",
        options="yes = Yes\nno = No",
        key="do_you_visit_it",
        show_match="all",
        **{"conditions-0-question": "do_you_visit_it", "conditions-0-op": "equals"},
        **{"conditions-0-value": "yes"},
    )
    assert forward.status_code == 422
    assert "a question cannot depend on its own answer" in text_of(forward.data)
    assert page.inputs is not None


def test_staff_typed_text_is_escaped_everywhere(signed_in, make_site, make_user, app):
    site = make_site(slug="here")
    client = signed_in(make_user("staff", site))
    token = csrf_of(client, f"{BASE}/")
    evil = "<script>alert(1)</script>"
    post(client, f"{BASE}/", token, title=evil, slug="evil", default_locale="en")
    post(
        client,
        f"{BASE}/evil/questions/new",
        token,
        kind="single_choice",
        text=evil,
        section="main",
        options=f"x = {evil}",
    )
    post(client, f"{BASE}/evil/publish", token)
    for url in (
        f"{BASE}/",
        f"{BASE}/evil",
        f"{BASE}/evil/share",
        f"{BASE}/evil/poster",
        f"{BASE}/evil/paper",
        f"{BASE}/evil/translate",
        f"{BASE}/evil/preview/frame",
        "/s/evil",
    ):
        body = (client if url.startswith("/sites") else app.test_client()).get(url).data.decode()
        assert "<script>alert(1)</script>" not in body, url


def test_duplicate_as_next_round_and_close_reopen(signed_in, make_site, make_user, session):
    from survey.models import Survey

    site = make_site(slug="here")
    client = signed_in(make_user("staff", site))
    token = build_survey(client)
    post(client, f"{BASE}/park/languages", token, default_locale="en", locales=["en"])
    post(client, f"{BASE}/park/publish", token)
    assert post(client, f"{BASE}/park/status", token, status="closed").status_code == 303
    assert client.get("/s/park").status_code == 410
    post(client, f"{BASE}/park/status", token, status="open")
    assert client.get("/s/park").status_code == 200
    assert post(client, f"{BASE}/park/duplicate", token).status_code == 303
    session.expire_all()
    copy = session.exec(select(Survey).where(Survey.slug == "park-r2")).one()
    original = session.exec(select(Survey).where(Survey.slug == "park")).one()
    assert copy.previous_round_id == original.id
    assert copy.status == "draft"


def test_paper_entry_stores_answers_with_the_paper_channel(
    signed_in, make_site, make_user, session
):
    site = make_site(slug="here")
    client = signed_in(make_user("staff", site))
    token = build_survey(client)
    post(client, f"{BASE}/park/languages", token, default_locale="en", locales=["en"])
    post(client, f"{BASE}/park/publish", token)
    form = client.get(f"{BASE}/park/paper-entry")
    hidden = dict(read(form.data).hidden)
    data = {
        **hidden,
        "q_what_do_you_hope_for_the_park": "Benches",
        "q_do_you_visit_it": "yes",
        "q_how_safe_does_it_feel": "4",
        "answer_lang": "en",
    }
    saved = client.post(f"{BASE}/park/paper-entry", data=data)
    assert saved.status_code == 303
    again = client.post(f"{BASE}/park/paper-entry", data=data)
    assert again.status_code == 303
    [response] = session.exec(select(Response)).all()
    told = text_of(client.get(again.headers["Location"]).data)
    assert f"already saved as number {response.id}; nothing was saved twice" in told
    assert response.channel == "paper"
    missing = client.post(
        f"{BASE}/park/paper-entry", data={**hidden, "token": "paper-x", "q_do_you_visit_it": "no"}
    )
    assert missing.status_code == 422
    assert "Please answer this question." in text_of(missing.data)


def test_an_xlsform_refused_on_the_upload_page_names_sheet_and_row(signed_in, make_site, make_user):
    import io

    from openpyxl import Workbook

    site = make_site(slug="here")
    client = signed_in(make_user("staff", site))
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label"])
    sheet.append(["geopoint", "where", "Where are you?"])
    data = io.BytesIO()
    book.save(data)
    token = csrf_of(client, f"{BASE}/import")
    refused = client.post(
        f"{BASE}/import?ui=es",
        data={"csrf_token": token, "file": (io.BytesIO(data.getvalue()), "form.xlsx")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert "hoja «survey», fila 2" in text_of(refused.data)
