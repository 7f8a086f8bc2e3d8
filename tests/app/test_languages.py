"""Eight languages: negotiation, switcher, right-to-left, Hmong, and complete catalogs."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from survey.i18n import LANGUAGES, negotiate
from tests.conftest import ROOT, survey_document
from tests.pages import read, submit, text_of

ALL = ["en", "es", "vi", "zh_Hans", "ar", "so", "ht", "hmn"]
NON_ENGLISH = ALL[1:]


def catalog(code: str):
    with (ROOT / "translations" / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("code", NON_ENGLISH)
def test_every_catalog_is_complete(code):
    untranslated = [
        m.id
        for m in catalog(code)
        if m.id and not (m.string if isinstance(m.string, str) else all(m.string))
    ]
    fuzzy = [m.id for m in catalog(code) if m.id and m.fuzzy]
    assert untranslated == [], f"{code}: {len(untranslated)} untranslated"
    assert fuzzy == [], f"{code}: {len(fuzzy)} fuzzy"


def test_every_catalog_has_every_message_of_the_template():
    with (ROOT / "translations" / "messages.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    for code in NON_ENGLISH:
        assert template <= {m.id for m in catalog(code) if m.id}, code


@pytest.fixture
def eight_language_survey(make_survey):
    document = survey_document(locales=ALL)
    for node in _texts(document):
        for code in ALL[2:]:
            node[code] = f"[{code}] {node['en']}"
    return make_survey(document)


def _texts(document):
    yield document["title"]
    yield document["intro"]
    yield document["thank_you"]
    for section in document["sections"]:
        for question in section["questions"]:
            yield question["text"]
            for option in question.get("options", []):
                yield option["label"]


@pytest.mark.parametrize("code", ALL)
def test_the_survey_page_speaks_each_language(client, eight_language_survey, code):
    page = client.get(f"/s/{eight_language_survey.slug}?lang={code}")
    assert page.status_code == 200
    html = read(page.data)
    language = LANGUAGES[code]
    assert html.html_attrs == {"lang": language.tag, "dir": language.direction}
    expected_next = "Next" if code == "en" else catalog(code).get("Next").string
    assert expected_next
    assert expected_next in text_of(page.data), "the interface text comes from the compiled catalog"
    if code != "en":
        assert expected_next != "Next"


def test_arabic_is_right_to_left_and_numbers_follow_the_locale(client, eight_language_survey):
    page = client.get(f"/s/{eight_language_survey.slug}?lang=ar")
    assert read(page.data).html_attrs["dir"] == "rtl"


def test_accept_language_alone_picks_vietnamese(client, eight_language_survey):
    page = client.get(f"/s/{eight_language_survey.slug}", headers={"Accept-Language": "vi"})
    assert read(page.data).html_attrs["lang"] == "vi"
    assert "[vi] Your hopes?" in text_of(page.data)


def test_a_chosen_language_is_remembered_over_the_browser_preference(client, eight_language_survey):
    url = f"/s/{eight_language_survey.slug}"
    client.get(f"{url}?lang=so")
    page = client.get(url, headers={"Accept-Language": "vi"})
    assert read(page.data).html_attrs["lang"] == "so"


def test_a_language_the_survey_lacks_falls_back_to_its_default(client, make_survey):
    survey = make_survey()  # English and Spanish only
    page = client.get(f"/s/{survey.slug}?lang=vi", headers={"Accept-Language": "ar"})
    assert read(page.data).html_attrs["lang"] == "en"


def test_the_switcher_names_each_language_in_itself_and_keeps_answers(
    client, eight_language_survey
):
    url = f"/s/{eight_language_survey.slug}"
    first = client.get(url)
    names = text_of(first.data)
    for native in (
        "Español",
        "Tiếng Việt",
        "中文",
        "العربية",
        "Soomaali",
        "Kreyòl ayisyen",
        "Hmoob",
    ):
        assert native in names
    switched = submit(client, f"{url}?lang=es", first.data, {"q_hopes": "Un parque"}, action="lang")
    assert switched.status_code == 200
    assert read(switched.data).html_attrs["lang"] == "es"
    assert "Un parque" in text_of(switched.data)
    assert "¿Sus esperanzas?" in text_of(switched.data)


def test_validation_messages_are_in_the_residents_language(client, eight_language_survey):
    url = f"/s/{eight_language_survey.slug}?lang=es"
    result = submit(client, url, client.get(url).data, {"q_hopes": ""})
    assert result.status_code == 422
    expected = catalog("es").get("Please answer this question.").string
    assert read(result.data).errors == [expected]


def test_hmong_messages_come_from_its_catalog_with_english_number_formats(app):
    from survey import i18n

    with app.test_request_context("/?lang=hmn"):
        i18n.select_locale()
        assert i18n.current_locale() == "hmn"
        assert i18n.gettext("Next") == catalog("hmn").get("Next").string
        assert i18n.format_number(12345.5) == "12,345.5"
    with app.test_request_context("/?lang=es"):
        i18n.select_locale()
        assert i18n.format_number(12345.5) == "12.345,5"


@pytest.mark.parametrize(
    ("code", "medium", "long"),
    [
        ("hmn", "10/30/2026", "10/30/2026"),  # no CLDR words for Hmong: digits, not English
        ("ht", "30 oktòb 2026", "30 oktòb 2026"),  # CLDR would print "2026 M10 30"
        ("so", "30 Oktoobar 2026", "30 Oktoobar 2026"),  # one format, not two mixed
        ("es", "30 oct 2026", "30 de octubre de 2026"),
        ("ar", "30 أكتوبر 2026", "30 أكتوبر 2026"),  # not digits in one place, words in another
    ],
)
def test_dates_read_naturally_in_each_language(app, code, medium, long):
    from datetime import date

    from survey import i18n

    with app.test_request_context(f"/?lang={code}"):
        i18n.select_locale()
        assert i18n.format_date(date(2026, 10, 30)) == medium
        assert i18n.format_date(date(2026, 10, 30), "long") == long


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9", "zh_Hans"),
        ("es-MX", "es"),
        ("fr, ht;q=0.5", "ht"),
        ("de", "en"),
        ("", "en"),
    ],
)
def test_negotiation_of_browser_languages(header, expected):
    from werkzeug.datastructures import LanguageAccept
    from werkzeug.http import parse_accept_header

    accept = parse_accept_header(header, LanguageAccept)
    assert (
        negotiate(requested=None, remembered=None, accept=accept, available=ALL, default="en")
        == expected
    )


def test_no_template_carries_untranslated_interface_text():
    """Visible words in templates go through the catalog; only names and markup stay literal."""
    import re

    allowed = {"Community Voice", "CSV", "XLSX", "JSON"}
    for path in Path(ROOT / "survey" / "templates").rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        source = re.sub(r"<code>.*?</code>", " ", source, flags=re.S)  # examples of syntax
        stripped = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}|<[^>]+>", " ", source, flags=re.S)
        words = [w.strip(" ·:→←") for w in stripped.split("\n") if w.strip(" ·:→←") not in allowed]
        leftovers = [w for w in words if re.search(r"[A-Za-z]{3,}", w) and w not in (";", "=")]
        assert leftovers == [], f"{path.name}: {leftovers}"


@pytest.mark.parametrize("code", ALL)
def test_no_interface_message_is_garbled_by_formatting(code):
    """Templates format every message with ``%``: a bare percent sign would print garbage."""
    path = (
        ROOT
        / "translations"
        / ("messages.pot" if code == "en" else f"{code}/LC_MESSAGES/messages.po")
    )
    with path.open("rb") as handle:
        messages = [m for m in read_po(handle) if m.id]
    for message in messages:
        source = message.id if code == "en" else message.string
        for text in source if isinstance(source, tuple) else (source,):
            if "%(" in text or not text:
                continue
            assert text % {} == text.replace("%%", "%"), text


def _summary(html: bytes) -> str:
    page = html.decode("utf-8")
    return page[page.index("<summary>") : page.index("</summary>")]


def test_a_first_page_the_browser_did_not_ask_for_names_every_language_up_front(
    client, eight_language_survey
):
    url = f"/s/{eight_language_survey.slug}"
    # A Somali reader whose phone is left on English, given the plain link.
    english = client.get(url, headers={"Accept-Language": "en-US"})
    for code in NON_ENGLISH:
        assert f'<span lang="{LANGUAGES[code].tag}"' in _summary(english.data)
    # The browser asks for Somali and the page is in Somali: one short line.
    somali = client.get(url, headers={"Accept-Language": "so"})
    assert read(somali.data).html_attrs["lang"] == "so"
    assert 'class="also"' not in _summary(somali.data)
    assert "Soomaali" in _summary(somali.data)
    # Once a language was picked from the list, the line is short again, typed answers kept.
    switched = submit(
        client, f"{url}?lang=hmn", english.data, {"q_hopes": "Ib lub tiaj ua si"}, action="lang"
    )
    assert 'class="also"' not in _summary(switched.data)
    assert "Ib lub tiaj ua si" in text_of(switched.data)


def test_the_browsers_languages_come_first_in_the_list(client, eight_language_survey):
    page = client.get(
        f"/s/{eight_language_survey.slug}?lang=en", headers={"Accept-Language": "hmn, ar;q=0.8"}
    )
    html = page.data.decode("utf-8")
    listed = html[html.index("<ul>", html.index("<nav")) :]
    assert listed.index(">Hmoob<") < listed.index(">العربية<") < listed.index(">English<")


def test_the_first_page_leads_with_one_sentence_and_keeps_the_rest_below_the_questions(
    client, make_survey
):
    survey = make_survey(
        survey_document(intro={"en": "Tell us. It takes 5 minutes.", "es": "Cuéntenos."})
    )
    html = client.get(f"/s/{survey.slug}?lang=en").data.decode("utf-8")
    assert html.index("Tell us.") < html.index("Your hopes?") < html.index("It takes 5 minutes.")


def test_lead_sentence_splits_latin_arabic_and_chinese_text():
    from survey.document import lead_sentence

    assert lead_sentence("One. Two three.") == ("One.", "Two three.")
    assert lead_sentence("ما رأيك؟ أخبرنا.") == ("ما رأيك؟", "أخبرنا.")
    assert lead_sentence("请告诉我们。大约5分钟。") == ("请告诉我们。", "大约5分钟。")
    assert lead_sentence("Only one") == ("Only one", "")
