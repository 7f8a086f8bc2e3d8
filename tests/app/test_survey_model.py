"""One survey model seen from the designer: kinds show their own fields, conditions are built and
refused with reasons, every structural change can be published and is named, the app's own texts
never block publishing, and a JSON survey imported on the command line behaves the same."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from survey.models import Answer, SurveyVersion
from tests.app.test_designer import BASE, build_survey, post
from tests.conftest import csrf_of, survey_document, visits_question
from tests.pages import read, submit, text_of


def staff(signed_in, make_site, make_user):
    return signed_in(make_user("staff", make_site(slug="here")))


def _hidden_groups(html: bytes) -> dict[str, bool]:
    """Each kind-specific field name → whether the editor hides it."""
    page = html.decode()
    found = {}
    for name in ("options", "scale_min", "number_min", "max_length", "multiple"):
        before = page.split(f'name="{name}"', 1)[0]
        group = before.rsplit("<div data-kinds=", 1)[1]
        found[name] = group.split(">", 1)[0].endswith(" hidden")
    return found


def test_the_question_editor_shows_only_the_chosen_kind_s_fields(signed_in, make_site, make_user):
    client = staff(signed_in, make_site, make_user)
    token = build_survey(client)
    rating = client.get(f"{BASE}/park/questions/new?kind=rating&section=main")
    assert _hidden_groups(rating.data) == {
        "options": True,
        "scale_min": False,
        "number_min": True,
        "max_length": True,
        "multiple": True,
    }
    # Without JavaScript: choose another kind and ask for its fields; what was typed stays.
    redrawn = post(
        client,
        f"{BASE}/park/questions/new",
        token,
        kind="demographic",
        text="Your age group?",
        section="main",
        action="kind",
    )
    assert redrawn.status_code == 200
    assert "Your age group?" in redrawn.data.decode()
    assert _hidden_groups(redrawn.data)["options"] is False
    assert _hidden_groups(redrawn.data)["multiple"] is False
    assert _hidden_groups(redrawn.data)["scale_min"] is True
    # A stray value in another kind's (hidden) field does not block saving.
    saved = post(
        client,
        f"{BASE}/park/questions/new",
        token,
        kind="long_text",
        text="Anything else?",
        section="main",
        number_min="not a number",
    )
    assert saved.status_code == 303, read(saved.data).errors


def test_the_page_picker_names_pages_as_the_list_does(signed_in, make_site, make_user):
    client = staff(signed_in, make_site, make_user)
    build_survey(client)
    page = client.get(f"{BASE}/park/questions/new?kind=rating&section=main").data.decode()
    picker = page.split('<select id="section"', 1)[1].split("</select>", 1)[0]
    assert ">Page 1</option>" in picker
    assert ">main<" not in picker


def _add_age(client, token):
    result = post(
        client,
        f"{BASE}/park/questions/new",
        token,
        kind="number",
        text="How old are you?",
        section="main",
        number_min="0",
        number_max="120",
        integer="y",
        key="age",
    )
    assert result.status_code == 303, read(result.data).errors


def test_numeric_and_any_conditions_from_the_editor(signed_in, make_site, make_user, session):
    client = staff(signed_in, make_site, make_user)
    token = build_survey(client)
    _add_age(client, token)
    added = post(
        client,
        f"{BASE}/park/questions/new",
        token,
        kind="short_text",
        text="Who comes with you?",
        section="main",
        key="guardian",
        show_match="any",
        **{"conditions-0-question": "age", "conditions-0-op": "lt", "conditions-0-value": "18"},
        **{"conditions-1-question": "do_you_visit_it", "conditions-1-op": "equals"},
        **{"conditions-1-value": "No"},  # the option's words work as well as its code
    )
    assert added.status_code == 303, read(added.data).errors
    page = text_of(client.get(f"{BASE}/park").data)
    assert "asked only if “How old are you?” is less than 18 or “Do you visit it?” is “No”" in page
    edit = client.get(f"{BASE}/park/questions/guardian").data.decode()
    assert 'value="18"' in edit
    assert '<option selected value="any">' in edit


def test_conditions_that_cannot_work_are_refused_in_the_staff_language(
    signed_in, make_site, make_user
):
    client = staff(signed_in, make_site, make_user)
    token = build_survey(client)
    _add_age(client, token)
    never = post(
        client,
        f"{BASE}/park/questions/new?ui=es",
        token,
        kind="short_text",
        text="Never asked",
        section="main",
        show_match="all",
        **{"conditions-0-question": "age", "conditions-0-op": "gt", "conditions-0-value": "200"},
    )
    assert never.status_code == 422
    words = text_of(never.data)
    assert "nunca puede cumplirse" in words, words
    assert 'value="200"' in never.data.decode(), "what was typed is kept"
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
        **{"conditions-0-question": "age", "conditions-0-op": "ge", "conditions-0-value": "5"},
    )
    assert forward.status_code == 422
    assert "solo puede depender de una pregunta anterior" in text_of(forward.data)
    not_a_number = post(
        client,
        f"{BASE}/park/questions/new",
        token,
        kind="short_text",
        text="Odd",
        section="main",
        show_match="all",
        **{"conditions-0-question": "age", "conditions-0-op": "lt", "conditions-0-value": "abc"},
    )
    assert not_a_number.status_code == 422
    assert "“age” necesita un número" in text_of(not_a_number.data)


def test_moving_a_question_to_a_new_page_can_be_published_and_is_named(
    signed_in, make_site, make_user, session
):
    client = staff(signed_in, make_site, make_user)
    token = build_survey(client)
    post(client, f"{BASE}/park/languages", token, default_locale="en", locales=["en"])
    assert post(client, f"{BASE}/park/publish", token).status_code == 303
    unchanged = client.get(f"{BASE}/park").data.decode()
    assert "No changes since it was published." in unchanged
    assert 'disabled aria-describedby="publish-why"' in unchanged

    assert post(client, f"{BASE}/park/sections", token, title="Safety").status_code == 303
    moved = post(
        client,
        f"{BASE}/park/questions/how_safe_does_it_feel",
        token,
        kind="rating",
        text="How safe does it feel?",
        section="safety",
        scale_min="1",
        scale_max="5",
        min_label="Not safe",
        max_label="Very safe",
        key="how_safe_does_it_feel",
        show_match="all",
        **{"conditions-0-question": "do_you_visit_it", "conditions-0-op": "equals"},
        **{"conditions-0-value": "yes"},
    )
    assert moved.status_code == 303, read(moved.data).errors
    page = client.get(f"{BASE}/park").data.decode()
    words = text_of(page)
    assert "2 changes since the last published version:" in words
    assert "Page 2 added" in words
    assert "Question “How safe does it feel?” moved from page 1 to page 2" in words
    assert "disabled" not in page.split("design/publish", 1)[0].rsplit("<form", 1)[-1]

    published = post(client, f"{BASE}/park/publish", token)
    assert published.status_code == 303
    flashed = text_of(client.get(f"{BASE}/park").data)
    assert "Published version 2 (2 changes)." in flashed
    assert [v.number for v in session.exec(select(SurveyVersion))] == [1, 2]


def test_one_change_is_counted_in_the_singular(signed_in, make_site, make_user):
    client = staff(signed_in, make_site, make_user)
    token = build_survey(client)
    post(client, f"{BASE}/park/languages", token, default_locale="en", locales=["en"])
    post(client, f"{BASE}/park/publish", token)
    post(client, f"{BASE}/park/sections/main", token, action="rename", title="Visits")
    assert "1 change since the last published version:" in text_of(client.get(f"{BASE}/park").data)
    post(client, f"{BASE}/park/publish", token)
    assert "Published version 2 (1 change)." in text_of(client.get(f"{BASE}/park").data)


def test_a_demographic_question_publishes_without_anyone_typing_prefer_not_to_say(
    signed_in, make_site, make_user, session, app
):
    client = staff(signed_in, make_site, make_user)
    token = csrf_of(client, f"{BASE}/")
    post(client, f"{BASE}/", token, title="Voices", slug="voices", default_locale="en")
    post(client, f"{BASE}/voices/languages", token, default_locale="en", locales=["en", "es"])
    added = post(
        client,
        f"{BASE}/voices/questions/new",
        token,
        kind="demographic",
        text="Your age group?",
        section="main",
        options="young = Under 30\nolder = 30 or over",
    )
    assert added.status_code == 303
    # Vietnamese is enabled only after the question exists.
    post(client, f"{BASE}/voices/languages", token, default_locale="en", locales=["en", "es", "vi"])
    badges = text_of(client.get(f"{BASE}/voices").data)
    assert "English main language: 4 texts" in badges
    assert "Tiếng Việt 0 of 4 texts translated" in badges
    translate = client.get(f"{BASE}/voices/translate?lang=es").data.decode()
    assert "Prefer not to say" not in translate, "nothing for staff to translate"
    for lang in ("es", "vi"):
        page = client.get(f"{BASE}/voices/translate?lang={lang}")
        count = page.data.decode().count("<textarea")
        fingerprints = [v for n, v in read(page.data).hidden if n.startswith("k")]
        data: dict[str, Any] = {f"t{i}": f"[{lang}] {i}" for i in range(count)}
        data.update({f"k{i}": value for i, value in enumerate(fingerprints)})
        post(client, f"{BASE}/voices/translate?lang={lang}", token, **data)
    assert post(client, f"{BASE}/voices/publish", token).status_code == 303
    [version] = session.exec(select(SurveyVersion)).all()
    [question] = version.definition["sections"][0]["questions"]
    prefer = next(o for o in question["options"] if o["code"] == "prefer_not_to_say")
    assert prefer["label"] == {
        "en": "Prefer not to say",
        "es": "Prefiero no decirlo",
        "vi": prefer["label"]["vi"],
    }
    from survey.catalogs import gettext_in

    assert prefer["label"]["vi"] == gettext_in("vi", "Prefer not to say") != "Prefer not to say"
    resident = app.test_client().get("/s/voices?lang=vi")
    assert prefer["label"]["vi"] in text_of(resident.data)


def test_a_json_survey_with_a_same_page_condition_imported_on_the_command_line(
    runner, make_site, session, app, tmp_path
):
    make_site(slug="north")
    document = survey_document(
        slug="same-page",
        sections=[
            {
                "key": "visits",
                "questions": [
                    visits_question(),
                    {
                        "key": "barriers",
                        "kind": "long_text",
                        "text": {"en": "What keeps you away?", "es": "¿Qué se lo impide?"},
                        "show_if": {"question": "visits", "equals": "never"},
                    },
                ],
            }
        ],
    )
    path = tmp_path / "same-page.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(args=["import-survey", str(path), "--site", "north", "--publish"])
    assert result.exit_code == 0, result.output

    resident = app.test_client()
    first = resident.get("/s/same-page")
    again = submit(resident, "/s/same-page", first.data, {"q_visits": "never"}, "send")
    assert again.status_code == 200
    assert "What keeps you away?" in text_of(again.data)
    sent = submit(
        resident, "/s/same-page", again.data, {"q_visits": "never", "q_barriers": "Far"}, "send"
    )
    assert sent.status_code == 303
    session.expire_all()
    stored = {a.question_key: a.value for a in session.exec(select(Answer))}
    assert stored == {"visits": "never", "barriers": "Far"}


def test_paper_instructions_say_the_condition_in_words(signed_in, make_site, make_user):
    client = staff(signed_in, make_site, make_user)
    token = build_survey(client)
    _add_age(client, token)
    post(
        client,
        f"{BASE}/park/questions/new",
        token,
        kind="short_text",
        text="Who comes with you?",
        section="main",
        show_match="any",
        **{"conditions-0-question": "age", "conditions-0-op": "lt", "conditions-0-value": "18"},
        **{"conditions-1-question": "do_you_visit_it", "conditions-1-op": "unanswered"},
    )
    paper = text_of(client.get(f"{BASE}/park/paper").data)
    assert (
        "Answer only if “How old are you?” is less than 18 or “Do you visit it?” is not answered."
        in paper
    )
    assert "Answer only if “Do you visit it?” is “Yes”." in paper


def test_the_xlsform_export_writes_every_condition_as_relevant():
    from pyxform.xls2xform import convert

    from survey.formats.xlsform.write import xlsx_from_document

    age = {
        "key": "years",
        "kind": "number",
        "integer": True,
        "text": {"en": "How old are you?", "es": "¿Edad?"},
    }
    guardian = {
        "key": "guardian",
        "kind": "short_text",
        "text": {"en": "Who comes with you?", "es": "¿Quién le acompaña?"},
        "show_if": {
            "any": [
                {"question": "years", "lt": 18},
                {"not": {"question": "kids", "answered": True}},
            ]
        },
    }
    document = survey_document()
    document["sections"][0]["questions"].append(age)
    document["sections"][1]["questions"].append(guardian)
    xform = convert(xlsx_from_document(document), file_type=".xlsx", form_name="data").xform
    assert "( /data/one/years  &lt; 18) or (not( /data/one/kids  != ''))" in xform
    assert "relevant=\" /data/one/kids  = 'yes'\"" in xform


def test_a_condition_the_rows_cannot_show_is_kept_when_the_question_is_edited(
    signed_in, make_site, make_user, session, runner, tmp_path
):
    from survey.models import Question

    site = make_site(slug="here")
    client = signed_in(make_user("staff", site))
    nested = {
        "all": [
            {
                "any": [
                    {"question": "hopes", "answered": True},
                    {"question": "kids", "equals": "no"},
                ]
            },
            {"question": "kids", "not_equals": "yes"},
        ]
    }
    document = survey_document(slug="nested")
    document["sections"][1]["questions"][0]["show_if"] = nested
    path = tmp_path / "nested.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert runner.invoke(args=["import-survey", str(path), "--site", "here"]).exit_code == 0
    form = client.get(f"{BASE}/nested/questions/kid_needs").data.decode()
    assert '<option selected value="keep">' in form
    token = csrf_of(client, f"{BASE}/nested")
    saved = post(
        client,
        f"{BASE}/nested/questions/kid_needs",
        token,
        kind="short_text",
        text="What do kids need most?",
        section="two",
        key="kid_needs",
        show_match="keep",
    )
    assert saved.status_code == 303, read(saved.data).errors
    session.expire_all()
    question = session.exec(select(Question).where(Question.key == "kid_needs")).one()
    assert question.show_if == nested
    assert question.text["en"] == "What do kids need most?"
