"""Commands staff and operators run: demo data, exports, survey content as PO files."""

from __future__ import annotations

import csv
import io
import json

from babel.messages.pofile import read_po
from sqlmodel import select

from survey.models import Channel, Question, Site, Survey
from survey.services.catalog import latest_version
from survey.services.responses import submit
from tests.conftest import survey_document


def test_seed_demo_is_idempotent(runner, session):
    for _ in range(2):
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    assert sorted(s.slug for s in session.exec(select(Site))) == [
        "eastlake",
        "northgate",
        "riverside",
    ]
    [hopes] = session.exec(select(Survey).where(Survey.slug == "hopes")).all()
    assert hopes.status == "open"
    assert len(hopes.locales) == 8


def _answer(session, survey, answers, token):
    version = latest_version(session=session, survey=survey)
    submit(
        session=session,
        survey=survey,
        version=version,
        answers=answers,
        locale="es",
        channel=Channel.paper,
        token=token,
    )
    session.commit()


def test_export_jsonl_shows_each_answer_once(runner, make_survey, session):
    survey = make_survey()
    _answer(session, survey, {"hopes": "Más árboles", "kids": "yes", "age": 41}, "t" * 20)
    result = runner.invoke(args=["export-responses", "--survey", survey.slug, "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    [line] = result.output.strip().splitlines()
    record = json.loads(line)
    assert set(record) == {
        "id",
        "survey",
        "version",
        "locale",
        "channel",
        "submitted_at",
        "excluded",
        "answers",
    }
    assert record["answers"] == {"hopes": "Más árboles", "kids": "yes", "age": 41}
    assert (record["survey"], record["version"], record["locale"], record["channel"]) == (
        survey.slug,
        1,
        "es",
        "paper",
    )
    assert record["submitted_at"].endswith("Z")


def test_export_csv_is_spreadsheet_safe(runner, make_survey, session, tmp_path):
    survey = make_survey()
    _answer(session, survey, {"hopes": '=HYPERLINK("http://x")', "kids": "no"}, "a" * 20)
    _answer(session, survey, {"hopes": "@SUM(A1)\nsecond line", "age": 30}, "b" * 20)
    out = tmp_path / "out.csv"
    result = runner.invoke(
        args=["export-responses", "--survey", survey.slug, "--format", "csv", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["hopes"] for r in rows] == ['\'=HYPERLINK("http://x")', "'@SUM(A1)\nsecond line"]
    assert rows[1]["age"] == "30"
    assert list(rows[0])[:6] == ["id", "survey", "version", "locale", "channel", "submitted_at"]


def test_export_of_an_unknown_survey_is_a_clear_error(runner):
    result = runner.invoke(args=["export-responses", "--survey", "nope"])
    assert result.exit_code != 0
    assert "no survey with slug 'nope'" in result.output


def _draft(make_site, session):
    from survey.services.surveys import create_from_document

    survey = create_from_document(session=session, site=make_site(), document=survey_document())
    session.commit()
    return survey


def test_po_round_trip_updates_the_draft(runner, make_site, session, tmp_path):
    survey = _draft(make_site, session)
    exported = runner.invoke(
        args=["survey-po", "export", "--survey", survey.slug, "--locale", "es"]
    )
    assert exported.exit_code == 0
    catalog = read_po(io.BytesIO(exported.stdout_bytes))
    by_context = {m.context: m for m in catalog if m.id}
    assert by_context["hopes"].id == "Your hopes?"
    assert by_context["hopes"].string == "¿Sus esperanzas?"
    assert by_context["kids.option.yes"].string == "Sí"
    edited = exported.stdout_bytes.decode().replace("¿Sus esperanzas?", "¿Qué espera usted?")
    edited = edited.replace('msgctxt "kids.option.no"', 'msgctxt "kids.option.nope"')
    path = tmp_path / "es.po"
    path.write_text(edited, encoding="utf-8")
    result = runner.invoke(args=["survey-po", "import", str(path), "--survey", survey.slug])
    assert result.exit_code == 0, result.output
    assert "unknown keys: kids.option.nope" in result.output
    session.expire_all()
    question = session.exec(
        select(Question).where(Question.key == "hopes", Question.survey_id == survey.id)
    ).one()
    assert question.text["es"] == "¿Qué espera usted?"


def test_po_import_of_a_broken_file_saves_nothing(runner, make_site, session, tmp_path):
    survey = _draft(make_site, session)
    path = tmp_path / "broken.po"
    path.write_text(
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n\nmsgctxt "hopes"\nmsgid "Your hopes?"\nmsgstr "X"\nmsgid "dangling"\n',
        encoding="utf-8",
    )
    result = runner.invoke(args=["survey-po", "import", str(path), "--survey", survey.slug])
    assert result.exit_code != 0
    assert "nothing was saved" in result.output
    session.expire_all()
    question = session.exec(
        select(Question).where(Question.key == "hopes", Question.survey_id == survey.id)
    ).one()
    assert question.text["es"] == "¿Sus esperanzas?"


def test_po_import_reports_placeholder_mismatch_and_empty(runner, make_site, session, tmp_path):
    from survey.services.surveys import create_from_document

    document = survey_document()
    document["sections"][0]["questions"][0]["text"] = {"en": "Hopes for %(place)s?", "es": "x"}
    survey = create_from_document(session=session, site=make_site(), document=document)
    session.commit()
    po = (
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n\n'
        'msgctxt "hopes"\nmsgid "Hopes for %(place)s?"\nmsgstr "¿Esperanzas para %(lugar)s?"\n\n'
        'msgctxt "kids"\nmsgid "Kids at home?"\nmsgstr ""\n'
    )
    path = tmp_path / "es.po"
    path.write_text(po, encoding="utf-8")
    result = runner.invoke(args=["survey-po", "import", str(path), "--survey", survey.slug])
    assert result.exit_code == 0, result.output
    assert "placeholders differ from the source (skipped): hopes" in result.output
    assert "empty translations (left as they were): kids" in result.output


def test_user_create_reads_the_password_from_standard_input(runner, make_site, session):
    from survey.services import accounts

    make_site(slug="north")
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "Rosa@Example.org",
            "--role",
            "staff",
            "--site",
            "north",
        ],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert accounts.authenticate(
        session=session, email="rosa@example.org", password="a long enough password"
    )
    short = runner.invoke(
        args=["user", "create", "--email", "b@example.org", "--role", "admin"], input="short\n"
    )
    assert short.exit_code != 0
    assert "10 characters" in short.output
    no_site = runner.invoke(
        args=["user", "create", "--email", "c@example.org", "--role", "staff"], input="x" * 12
    )
    assert no_site.exit_code != 0


def test_import_survey_from_an_xlsform_and_publish(runner, make_site, session, tmp_path):
    from survey.formats.xlsform import xlsx_from_document
    from survey.services.demo import demo_document

    make_site(slug="north")
    document = demo_document()
    document["slug"] = "imported"
    path = tmp_path / "imported.xlsx"
    path.write_bytes(xlsx_from_document(document))
    result = runner.invoke(args=["import-survey", str(path), "--site", "north", "--publish"])
    assert result.exit_code == 0, result.output
    assert "published as version 1" in result.output
    again = runner.invoke(args=["import-survey", str(path), "--site", "north"])
    assert again.exit_code != 0
    assert "replace" in again.output
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a spreadsheet")
    refused = runner.invoke(args=["import-survey", str(broken), "--site", "north"])
    assert refused.exit_code != 0
    assert "nothing was imported" in refused.output
