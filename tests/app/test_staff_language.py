"""Staff pages speak the language staff chose in the header, whatever survey language they open."""

from __future__ import annotations

from tests.conftest import survey_document
from tests.pages import read, text_of


def test_a_survey_language_in_the_address_does_not_change_the_interface(
    signed_in, make_site, make_user, make_survey
):
    site = make_site(slug="here")
    survey = make_survey(survey_document(slug="park"), site=site)
    client = signed_in(make_user("staff", site))
    spanish = client.get("/sites/?ui=es")
    assert read(spanish.data).html_attrs["lang"] == "es"
    # Translating into Arabic, previewing in Vietnamese: the interface stays Spanish.
    translate = client.get(f"/sites/here/surveys/{survey.slug}/translate?lang=es")
    assert read(translate.data).html_attrs["lang"] == "es"
    client.get(f"/sites/here/surveys/{survey.slug}/qr.svg?lang=vi")
    later = client.get("/sites/")
    assert read(later.data).html_attrs["lang"] == "es"
    assert "Sitios" in text_of(later.data) or "sitios" in text_of(later.data)


def test_the_language_picker_keeps_the_rest_of_the_address(signed_in, make_site, make_user):
    site = make_site(slug="here")
    client = signed_in(make_user("analyst", site))
    page = client.get("/sites/here/insights?survey=hopes&by=age")
    kept = [(n, v) for n, v in read(page.data).hidden if n in ("survey", "by")]
    assert kept == [("survey", "hopes"), ("by", "age")]


def test_staff_error_pages_speak_to_staff_in_their_language(signed_in, make_site, make_user):
    site = make_site(slug="here")
    client = signed_in(make_user("staff", site))
    client.get("/sites/?ui=es")
    missing = client.get("/sites/here/surveys/no-such-survey")
    assert missing.status_code == 404
    assert read(missing.data).html_attrs["lang"] == "es"
    text = text_of(missing.data)
    assert "anonymous" not in text  # not the residents' page
    assert "anónim" not in text
    assert any(href.startswith("/sites") for href in read(missing.data).links)
    huge = client.get("/sites/here/loop/commitments/99999999999999999999")
    assert huge.status_code == 404


def test_a_problem_reads_as_one_sentence_in_the_staff_language(app):
    from survey import i18n
    from survey.document import N_, Problem
    from survey.web.staff import describe

    with app.test_request_context("/sites/?ui=zh_Hans"):
        i18n.select_staff_locale()
        row = describe(Problem("survey sheet, row 4", N_("has no type")))
        assert row.startswith("工作表“survey”，第 4 行：")
        whole = describe(
            Problem("file", N_("is too large once unpacked; a survey form is far smaller"))
        )
        assert whole.startswith("文件：")
    with app.test_request_context("/sites/?ui=es"):
        i18n.select_staff_locale()
        whole = describe(
            Problem("file", N_("is too large once unpacked; a survey form is far smaller"))
        )
        assert whole.startswith("El archivo: ")
