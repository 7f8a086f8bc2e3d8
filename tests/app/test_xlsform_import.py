"""Importing an XLSForm as staff do: the upload page and ``import-survey`` list what was changed,
by sheet and row, in the staff member's language; a refused file saves nothing; staff enable a
content language the interface does not speak."""

from __future__ import annotations

import io
from typing import Any

from sqlmodel import select

from survey.models import Survey
from tests.conftest import csrf_of
from tests.pages import text_of
from tests.workbooks import workbook

BASE = "/sites/here/surveys"


FORM = workbook(
    {
        "survey": [
            ["type", "name", "label"],
            ["text", "hopes", "Your hopes?"],
            ["geopoint", "where", "Where are you?"],
            ["phone number", "phone", "Phone?"],
        ],
        "settings": [["form_id"], ["with-changes"]],
    }
)


def upload(client: Any, data: bytes, ui: str = "en") -> Any:
    token = csrf_of(client, f"{BASE}/import")
    return client.post(
        f"{BASE}/import?ui={ui}",
        data={"csrf_token": token, "file": (io.BytesIO(data), "form.xlsx")},
        content_type="multipart/form-data",
    )


def test_the_upload_page_lists_the_changes_in_the_staff_language(
    signed_in, make_site, make_user, session
) -> None:
    site = make_site(slug="here")
    client = signed_in(make_user("staff", site))
    page = upload(client, FORM, ui="es")
    assert page.status_code == 200
    text = text_of(page.data)
    assert "hoja «survey», fila 3" in text
    assert "hoja «survey», fila 4" in text
    assert "nunca recogemos ubicaciones" in text  # the change itself, in Spanish
    saved = session.exec(select(Survey).where(Survey.slug == "with-changes")).one()
    assert saved.site_id == site.id
    assert f"{BASE}/with-changes" in page.get_data(as_text=True)


def test_a_refused_form_saves_nothing(signed_in, make_site, make_user, session) -> None:
    site = make_site(slug="here")
    client = signed_in(make_user("staff", site))
    data = workbook({"survey": [["type", "name", "label"], ["calculate", "c", "C"]]})
    page = upload(client, data)
    assert page.status_code == 422
    assert "Nothing was saved" in text_of(page.data)
    assert session.exec(select(Survey)).all() == []


def test_import_survey_prints_the_changes(runner, make_site, tmp_path) -> None:
    make_site(slug="north")
    path = tmp_path / "form.xlsx"
    path.write_bytes(FORM)
    result = runner.invoke(args=["import-survey", str(path), "--site", "north", "--lang", "es"])
    assert result.exit_code == 0, result.output
    assert "imported with-changes into north" in result.output
    assert "2 changes were made to import it:" in result.output
    assert "hoja «survey», fila 3" in result.output


def test_staff_enable_a_content_language_by_its_code(
    signed_in, make_site, make_user, make_survey, session
) -> None:
    site = make_site(slug="here")
    survey = make_survey(site=site, status="draft")
    client = signed_in(make_user("staff", site))
    url = f"{BASE}/{survey.slug}/languages"
    token = csrf_of(client, f"{BASE}/{survey.slug}")
    saved = client.post(
        url,
        data={
            "csrf_token": token,
            "default_locale": survey.default_locale,
            "locales": list(survey.locales),
            "other_locales": "sw, fa-AF",
            "interface_locale": "es",
        },
    )
    assert saved.status_code == 303
    session.refresh(survey)
    assert survey.locales[-2:] == ["sw", "fa_AF"]
    assert survey.interface_locale == "es"
    page = client.get(f"{BASE}/{survey.slug}").get_data(as_text=True)
    assert "Kiswahili (sw)" in page

    refused = client.post(
        url,
        data={
            "csrf_token": token,
            "default_locale": survey.default_locale,
            "locales": list(survey.locales),
            "other_locales": "swahili!",
        },
    )
    assert refused.status_code in (303, 422)
    session.refresh(survey)
    assert "swahili!" not in survey.locales


def test_staff_add_a_date_question_and_residents_get_a_date_input(
    signed_in, make_site, make_user
) -> None:
    site = make_site(slug="here")
    client = signed_in(make_user("staff", site))
    token = csrf_of(client, f"{BASE}/")
    created = client.post(
        f"{BASE}/",
        data={"csrf_token": token, "title": "Dates", "slug": "dates", "default_locale": "en"},
    )
    assert created.status_code == 303
    added = client.post(
        f"{BASE}/dates/questions/new",
        data={"csrf_token": token, "kind": "date", "text": "Which day?", "section": "main"},
    )
    assert added.status_code == 303, text_of(added.data)
    assert "Date" in text_of(client.get(f"{BASE}/dates").data)
    frame = client.get(f"{BASE}/dates/preview/frame").get_data(as_text=True)
    assert 'type="date"' in frame
