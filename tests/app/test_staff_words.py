"""Staff screens say problems in the staff member's language: places, file errors, numbers."""

from __future__ import annotations

import io
import json
import re
from html import unescape

import pytest

from survey import i18n
from survey.document import N_, PLACES, QUESTION_TEXT, Problem, validate
from survey.web import staff
from tests.conftest import csrf_of, survey_document

BASE = "/sites/here/surveys"
_PLACEHOLDER = re.compile(r"(%\([^)]+\)[sd])")
_ACCENTS = str.maketrans("aeiouAEIOU", "áéíóúÁÉÍÓÚ")


class _PseudoSpanish:
    """The Spanish catalog; a message it lacks comes back accented, so it cannot pass for
    English: every word on the page that is still plain English never went through gettext."""

    def __init__(self, real):
        self.real = real

    def gettext(self, message):
        translated = self.real.gettext(message)
        if translated != message:
            return translated
        parts = _PLACEHOLDER.split(message)
        return "".join(p if _PLACEHOLDER.fullmatch(p) else p.translate(_ACCENTS) for p in parts)

    def ngettext(self, singular, plural, n):
        return self.gettext(singular if n == 1 else plural)


@pytest.fixture
def pseudo_spanish(monkeypatch):
    real = i18n._translations

    def translations(code):
        return _PseudoSpanish(real(code)) if code == "es" else real(code)

    monkeypatch.setattr(i18n, "_translations", translations)


def errors_of(html: bytes) -> list[str]:
    found = re.findall(r'<p class="flash error"[^>]*>(.*?)</p>', html.decode(), flags=re.S)
    found += re.findall(r"<li>(.*?)</li>", html.decode(), flags=re.S)
    return [unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in found]


def upload(client, token, name, data, url=f"{BASE}/import"):
    return client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def incomplete_document():
    """Two languages, every kind of text there, Spanish missing from each."""
    document = survey_document(slug="park")
    document["title"] = {"en": "Park"}
    document["intro"] = {"en": "Tell us."}
    document["thank_you"] = {"en": "Thanks!"}
    document["sections"][0]["title"] = {"en": "First"}
    hopes, kids = document["sections"][0]["questions"]
    hopes["text"] = {"en": "Your hopes?"}
    hopes["help"] = {"en": "Anything goes."}
    kids["options"][0]["label"] = {"en": "Yes"}
    document["sections"][1]["questions"].append(
        {
            "key": "safe",
            "kind": "rating",
            "text": {"en": "Safe?", "es": "¿Seguro?"},
            "scale": {"min": 1, "max": 5, "min_label": {"en": "No"}, "max_label": {"en": "Yes"}},
        }
    )
    return document


ENGLISH_PLACE_WORDS = re.compile(
    r"\b(survey|title|intro|introduction|thank|page|section|question|help|option|label|lowest|highest|"
    r"point|min|max)\b",
    re.I,
)


def test_publish_problems_name_every_place_in_the_staff_language(
    signed_in, make_site, make_user, pseudo_spanish
):
    client = signed_in(make_user("staff", make_site(slug="here")))
    client.get("/sites/?ui=es")
    token = csrf_of(client, f"{BASE}/import")
    imported = upload(client, token, "park.json", json.dumps(incomplete_document()).encode())
    assert imported.status_code == 303, imported.data.decode()
    refused = client.post(f"{BASE}/park/publish", data={"csrf_token": token})
    assert refused.status_code == 303
    errors = errors_of(client.get(f"{BASE}/park").data)
    missing = [e for e in errors if "(Español)" in e]
    # title, intro, thank-you, page title, question text, help, option, 2 scale labels
    assert len(missing) == 9, "\n".join(errors)
    for error in missing:
        assert not ENGLISH_PLACE_WORDS.search(error), error


def test_every_place_in_a_document_is_said_with_a_catalog_place():
    problems = validate(incomplete_document())
    places = [p for p in problems if p.locale == "es"]
    assert len(places) == 9
    assert all(p.place in PLACES for p in places), [p for p in places if p.place not in PLACES]


def test_places_are_described_in_spanish(app):
    with app.test_request_context("/sites/?ui=es"):
        i18n.use_locale("es")
        problem = Problem(
            "question hopes help",
            N_("text is missing"),
            "es",
            place=QUESTION_TEXT,
            place_params={"key": "hopes"},
        )
        text = staff.describe(problem)
    assert text.startswith("Pregunta “hopes”"), text


def test_a_broken_json_file_is_explained_in_our_words(signed_in, make_site, make_user):
    client = signed_in(make_user("staff", make_site(slug="here")))
    token = csrf_of(client, f"{BASE}/import")
    refused = upload(client, token, "s.json", b'{\n  "schema": oops\n}')
    assert refused.status_code == 422
    errors = errors_of(refused.data)
    assert "This is not valid JSON (line 2, column 13)." in errors, errors
    refused = upload(client, token, "s.json", b'{"a": "\xff"}')
    assert "The file is not UTF-8 text." in errors_of(refused.data)


@pytest.mark.parametrize(
    ("data", "expected", "library"),
    [
        (
            b'msgid ""\nmsgstr ""\n"Language: es\\n"\n\n0 nonsense\n',
            "This is not a PO file we can read (line 5).",
            "misformatted",
        ),
        (b'msgid ""\nmsgstr "\xff\xfe"\n', "The file is not UTF-8 text.", "codec"),
        (
            b'msgctxt "hopes"\nmsgid "Your hopes?"\nmsgstr "X"\n',
            "The file does not say which language it is in (its “Language” header).",
            "'Language'",
        ),
    ],
)
def test_po_import_problems_are_our_own_messages(
    signed_in, make_site, make_user, make_survey, data, expected, library
):
    site = make_site(slug="here")
    make_survey(survey_document(slug="park"), site=site)
    client = signed_in(make_user("staff", site))
    token = csrf_of(client, f"{BASE}/park/translate")
    upload(client, token, "es.po", data, url=f"{BASE}/park/po")
    errors = errors_of(client.get(f"{BASE}/park/translate").data)
    assert f"Nothing was saved. {expected}" in errors, errors
    assert not any(library in e for e in errors)


def test_staff_number_fields_use_our_whole_number_message(signed_in, make_site, make_user):
    site = make_site(slug="here")
    client = signed_in(make_user("staff", site))
    client.get("/sites/?ui=es")
    token = csrf_of(client, f"{BASE}/")
    client.post(
        f"{BASE}/", data={"csrf_token": token, "title": "P", "slug": "park", "default_locale": "en"}
    )
    page = client.post(
        f"{BASE}/park/questions/new",
        data={
            "csrf_token": token,
            "kind": "rating",
            "text": "Safe?",
            "section": "main",
            "scale_min": "one",
            "scale_max": "5",
        },
    )
    text = unescape(page.data.decode())
    assert "Not a valid integer" not in text
    assert i18n.translations_for("es").gettext("Please enter a whole number.") in text
