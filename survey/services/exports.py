"""Responses out of the database, as JSON lines or spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from survey.document import questions
from survey.models import Answer, Response, Survey, SurveyVersion

FORMATS = ("jsonl", "csv")
#: a spreadsheet treats a cell starting with one of these as a formula
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """Make a text cell inert in spreadsheets; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _responses(session: Session, survey: Survey) -> Iterator[tuple[Response, int, dict[str, Any]]]:
    numbers = dict(
        session.exec(
            select(SurveyVersion.id, SurveyVersion.number).where(
                SurveyVersion.survey_id == survey.id
            )
        ).all()
    )
    batch: list[Response] = []

    def flush() -> Iterator[tuple[Response, int, dict[str, Any]]]:
        ids = [r.id for r in batch]
        answers: dict[int, dict[str, Any]] = {i: {} for i in ids if i is not None}
        for answer in session.exec(select(Answer).where(col(Answer.response_id).in_(ids))):
            answers[answer.response_id][answer.question_key] = answer.value
        for response in batch:
            yield response, numbers.get(response.version_id, 0), answers[response.id or 0]

    statement = select(Response).where(Response.survey_id == survey.id).order_by(col(Response.id))
    for response in session.exec(statement):
        batch.append(response)
        if len(batch) >= 500:
            yield from flush()
            batch = []
    if batch:
        yield from flush()


def question_columns(session: Session, survey: Survey) -> list[str]:
    """Question keys across every version, in the order they first appeared."""
    keys: list[str] = []
    versions = session.exec(
        select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey.id)
        .order_by(col(SurveyVersion.number))
    ).all()
    for version in versions:
        for question in questions(version.definition):
            if question["key"] not in keys:
                keys.append(question["key"])
    return keys


def response_records(*, session: Session, survey: Survey) -> Iterator[dict[str, Any]]:
    for response, number, answers in _responses(session, survey):
        yield {
            "id": response.id,
            "survey": survey.slug,
            "version": number,
            "locale": response.locale,
            "channel": str(response.channel),
            "submitted_at": _utc(response.submitted_at),
            "answers": answers,
        }


def as_jsonl(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


def as_csv(records: Iterable[dict[str, Any]], columns: list[str]) -> Iterator[str]:
    """UTF-8 CSV with a byte-order mark (so spreadsheets read accents), one column a question."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    fixed = ["id", "survey", "version", "locale", "channel", "submitted_at"]
    writer.writerow([neutralise_cell(c) for c in (*fixed, *columns)])
    yield "\ufeff" + buffer.getvalue()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        answers = record["answers"]
        cells = [record[name] for name in fixed]
        for key in columns:
            value = answers.get(key)
            if isinstance(value, list):
                value = ";".join(str(v) for v in value)
            cells.append("" if value is None else value)
        writer.writerow([neutralise_cell(c) for c in cells])
        yield buffer.getvalue()


def export_responses(*, session: Session, survey: Survey, format: str) -> Iterator[str]:
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    records = response_records(session=session, survey=survey)
    if format == "jsonl":
        return as_jsonl(records)
    return as_csv(records, question_columns(session, survey))


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive values; they were stored as UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
