"""Survey content in any language: an XLSForm in Swahili and Tagalog imports and residents read it
with the right ``lang`` and ``dir`` on each part, the interface in the survey's fallback; a
right-to-left content language; the PO export for a content language; and a ninth interface
language added as data only."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from sqlmodel import select

from survey.formats.xlsform import read_xlsform
from survey.languages import content_code, content_language, interface_for
from survey.models import Response, Site
from tests.conftest import ROOT, survey_document
from tests.pages import read, submit, text_of
from tests.workbooks import workbook


def swahili_tagalog_form() -> bytes:
    return workbook(
        {
            "survey": [
                ["type", "name", "label::English (en)", "label::Swahili (sw)",
                 "label::Tagalog (tl)", "required"],
                ["begin group", "page", "About you", "Kuhusu wewe", "Tungkol sa iyo"],
                ["select_one yn", "kids", "Do children live with you?",
                 "Je, watoto wanaishi nawe?", "May mga bata bang nakatira sa iyo?", "yes"],
                ["text", "hopes", "Your hopes?", "Matumaini yako?", "Ang iyong pag-asa?"],
                ["end group"],
            ],
            "choices": [
                ["list_name", "name", "label::English (en)", "label::Swahili (sw)",
                 "label::Tagalog (tl)"],
                ["yn", "yes", "Yes", "Ndiyo", "Oo"],
                ["yn", "no", "No", "Hapana", "Hindi"],
            ],
            "settings": [["form_id", "form_title"], ["matumaini", "Hopes"]],
        }
    )  # fmt: skip


def test_a_swahili_and_tagalog_xlsform_is_answered_in_swahili(
    client, make_survey, session, make_user, signed_in
) -> None:
    imported = read_xlsform(swahili_tagalog_form(), filename="form.xlsx")
    assert imported.changes == []
    survey = make_survey(imported.document)

    page = client.get("/s/matumaini?lang=sw")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # the interface has no Swahili catalog: it speaks the survey's main language, English
    assert read(page.data).html_attrs["lang"] == "en"
    assert "Send my answers" in text_of(page.data)
    assert '<span lang="sw" dir="ltr">Je, watoto wanaishi nawe?</span>' in html
    assert '<h2 lang="sw" dir="ltr">Kuhusu wewe</h2>' in html
    assert '<span lang="sw" dir="ltr">Ndiyo</span>' in html
    assert '<span lang="sw" dir="ltr">Hapana</span>' in html
    for code, name in (("en", "English"), ("sw", "Kiswahili"), ("tl", "Tagalog")):
        assert re.search(f'lang="{code}" dir="ltr"[^>]*>{name}</button>', html), code

    # an answer missing: the error is in the interface language, the content stays Swahili
    sent = submit(client, "/s/matumaini?lang=sw", page.data, {}, action="send")
    assert sent.status_code == 422
    assert "Please answer this question." in text_of(sent.data)
    assert '<span lang="sw" dir="ltr">Je, watoto wanaishi nawe?</span>' in sent.get_data(
        as_text=True
    )

    # answered: stored in Swahili, and the thank-you page keeps the language
    done = submit(
        client,
        "/s/matumaini?lang=sw",
        sent.data,
        {"q_kids": "yes", "q_hopes": "Barabara salama na shule nzuri"},
        action="send",
    )
    assert done.status_code == 303
    assert "lang=sw" in done.headers["Location"]
    thanks = client.get(done.headers["Location"])
    assert thanks.status_code == 200
    [response] = session.exec(select(Response)).all()
    assert response.locale == "sw"

    # Staff read the answer with its language named in itself, never by its code.
    site = session.get(Site, survey.site_id)
    analyst = signed_in(make_user("analyst", site))
    review = analyst.get(f"/sites/{site.slug}/review")
    assert "Kiswahili" in text_of(review.data)
    assert '<blockquote lang="sw" dir="auto">Barabara salama' in review.get_data(as_text=True)
    # ... and may keep to the answers in Swahili.
    assert '<option value="sw" lang="sw">Kiswahili</option>' in review.get_data(as_text=True)
    swahili = analyst.get(f"/sites/{site.slug}/review?lang_filter=sw")
    assert "Barabara salama" in text_of(swahili.data)
    assert "Barabara salama" not in text_of(
        analyst.get(f"/sites/{site.slug}/review?lang_filter=en").data
    )
    summary = analyst.get(f"/sites/{site.slug}/insights")
    assert " sw " not in f" {text_of(summary.data)} "


def test_the_interface_with_a_content_language_is_the_surveys_choice(
    client, make_survey, session
) -> None:
    imported = read_xlsform(swahili_tagalog_form(), filename="form.xlsx")
    survey = make_survey(imported.document)
    survey.interface_locale = "es"
    session.add(survey)
    session.commit()
    page = client.get("/s/matumaini?lang=sw")
    assert read(page.data).html_attrs["lang"] == "es"
    assert "Enviar mis respuestas" in text_of(page.data)
    assert '<span lang="sw" dir="ltr">Je, watoto wanaishi nawe?</span>' in page.get_data(
        as_text=True
    )
    # a content language that is an interface language brings its own interface
    assert read(client.get("/s/matumaini?lang=en").data).html_attrs["lang"] == "en"


def test_a_right_to_left_content_language(client, make_survey) -> None:
    document = survey_document()
    document["locales"] = [*document["locales"], "prs"]

    def in_dari(part: Any) -> None:
        if isinstance(part, dict):
            if "en" in part and all(isinstance(v, str) for v in part.values()):
                part["prs"] = "متن به دری"
            for value in part.values():
                in_dari(value)
        elif isinstance(part, list):
            for value in part:
                in_dari(value)

    in_dari(document)
    for question in (q for s in document["sections"] for q in s["questions"]):
        question["text"]["prs"] = "سوال به دری"
    make_survey(document)
    page = client.get(f"/s/{document['slug']}?lang=prs")
    assert '<span lang="prs" dir="rtl">سوال به دری</span>' in page.get_data(as_text=True)
    assert read(page.data).html_attrs["dir"] == "ltr"  # the interface's own (English)


def test_content_language_codes() -> None:
    assert content_code("fa-AF") == "fa_AF"
    assert content_code("ZH-hant") == "zh_Hant"
    assert content_code("es") == "es"
    assert content_code("not a language") is None
    assert content_language("ur").direction == "rtl"
    assert content_language("ckb").direction == "rtl"
    assert content_language("sw").native_name == "Kiswahili"
    assert interface_for("sw") == "en"
    assert interface_for("sw", "es") == "es"
    assert interface_for("vi", "es") == "vi"


def test_translators_get_a_po_file_for_a_content_language(
    signed_in, make_user, make_site, make_survey
) -> None:
    site = make_site()
    imported = read_xlsform(swahili_tagalog_form(), filename="form.xlsx")
    survey = make_survey(imported.document, site=site)
    client = signed_in(make_user("staff", site))
    response = client.get(f"/sites/{site.slug}/surveys/{survey.slug}/po?lang=sw")
    assert response.status_code == 200
    text = response.data.decode()
    assert '"Language: sw\\n"' in text
    assert 'msgstr "Je, watoto wanaishi nawe?"' in text


def test_a_ninth_interface_language_is_data_only(tmp_path: Path) -> None:
    """Copy the catalogs, add Swahili's catalog and its line in languages.json: the switcher
    offers it and its texts show, with no code changed."""
    folder = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", folder)
    entries = json.loads((folder / "languages.json").read_text(encoding="utf-8"))
    entries.append(
        {"code": "sw", "native_name": "Kiswahili", "tag": "sw", "direction": "ltr",
         "formatting": "sw"}
    )  # fmt: skip
    (folder / "languages.json").write_text(json.dumps(entries), encoding="utf-8")
    messages = folder / "sw" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: sw\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Sign in"\nmsgstr "Ingia"\n',
        encoding="utf-8",
    )
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "compile", "-d", str(folder)],
        check=True,
        capture_output=True,
    )
    code = textwrap.dedent(
        """
        from survey.app import create_app
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                          "DATABASE_URL": "sqlite://"})
        page = app.test_client().get("/login?ui=sw").get_data(as_text=True)
        assert 'lang="sw"' in page, page[:300]
        assert "Kiswahili" in page
        assert "Ingia" in page
        print("ok")
        """
    )
    env = {**os.environ, "CV_TRANSLATIONS_DIR": str(folder)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")
