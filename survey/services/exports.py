"""Responses out of the database, as JSON lines or spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, select

from survey.document import questions
from survey.models import Answer, Response, Survey, SurveyVersion

FORMATS = ("jsonl", "csv")
#: a spreadsheet treats a cell starting with one of these as a formula
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: the columns every response export starts with
#: ``excluded``: staff left the response out of summaries (a flagged burst); it is still here, so
#: that nothing is silently lost
_FIXED = ["id", "survey", "version", "locale", "channel", "submitted_at", "excluded"]


#: a formula character right after a separator some spreadsheet may assume (``,`` ``;`` tab)
_INNER_FORMULA = re.compile(r"([,;\t])([=+\-@])")


class _SpreadsheetWriter:
    """A CSV writer whose cells stay inert whichever separator a spreadsheet assumes: many
    locales read ``;``, which would make ``ok;=1+1`` two cells, the second a formula. A formula
    character right after a separator inside a text cell gets the same ``'`` as at its start."""

    def __init__(self, buffer: io.StringIO) -> None:
        self._writer = csv.writer(buffer)

    def writerow(self, cells: Iterable[Any]) -> None:
        self._writer.writerow(
            [_INNER_FORMULA.sub(r"\1'\2", c) if isinstance(c, str) else c for c in cells]
        )


def spreadsheet_writer(buffer: io.StringIO) -> _SpreadsheetWriter:
    return _SpreadsheetWriter(buffer)


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


def response_records(*, session: Session, survey: Survey) -> Iterator[dict[str, Any]]:
    for response, number, answers in _responses(session, survey):
        yield {
            "id": response.id,
            "survey": survey.slug,
            "version": number,
            "locale": response.locale,
            "channel": str(response.channel),
            "submitted_at": _utc(response.submitted_at),
            "excluded": response.excluded,
            "answers": answers,
        }


def as_jsonl(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


def _answer_cells(answers: dict[str, Any], keys: Iterable[str]) -> list[Any]:
    """One cell a question: multiple choices joined by ``;``, nothing as an empty cell."""
    cells: list[Any] = []
    for key in keys:
        value = answers.get(key)
        if isinstance(value, list):
            value = ";".join(str(v) for v in value)
        cells.append("" if value is None else value)
    return cells


def as_csv(records: Iterable[dict[str, Any]], columns: list[str]) -> Iterator[str]:
    """UTF-8 CSV with a byte-order mark (so spreadsheets read accents), one column a question."""
    buffer = io.StringIO()
    writer = spreadsheet_writer(buffer)
    writer.writerow([neutralise_cell(c) for c in (*_FIXED, *columns)])
    yield "\ufeff" + buffer.getvalue()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        cells = [record[name] for name in _FIXED] + _answer_cells(record["answers"], columns)
        writer.writerow([neutralise_cell(c) for c in cells])
        yield buffer.getvalue()


def export_responses(*, session: Session, survey: Survey, format: str) -> Iterator[str]:
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    records = response_records(session=session, survey=survey)
    if format == "jsonl":
        return as_jsonl(records)
    return as_csv(records, [key for key, _header in question_headers(session, [survey])])


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive values; they were stored as UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- staff exports: responses with their themes, aggregates by group ------------------------------


def _themes_by_response(session: Session, survey_ids: list[int]) -> dict[int, list[str]]:
    from survey.models import AnswerTag

    found: dict[int, set[str]] = {}
    statement = select(AnswerTag.response_id, AnswerTag.theme_key).where(
        col(AnswerTag.survey_id).in_(survey_ids), col(AnswerTag.effective).is_(True)
    )
    for response_id, key in session.exec(statement):
        found.setdefault(response_id, set()).add(key)
    return {rid: sorted(keys) for rid, keys in found.items()}


def records_with_themes(*, session: Session, surveys: Iterable[Survey]) -> Iterator[dict[str, Any]]:
    chosen = list(surveys)
    themes = _themes_by_response(session, [s.id for s in chosen if s.id is not None])
    for survey in chosen:
        for record in response_records(session=session, survey=survey):
            record["themes"] = themes.get(record["id"], [])
            yield record


def question_headers(session: Session, surveys: Iterable[Survey]) -> list[tuple[str, str]]:
    """``(key, header)`` per question across the surveys; the header is ``text [key]``."""
    from survey.document import localise

    seen: dict[str, str] = {}
    for default, question in _questions_oldest_first(session, surveys):
        # Columns keep the order they first appeared in; the text is the newest one.
        text = localise(question.get("text"), default, default)
        seen[question["key"]] = f"{text} [{question['key']}]"
    return list(seen.items())


def _questions_oldest_first(
    session: Session, surveys: Iterable[Survey]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(default locale, question)`` for every question of every version, oldest first, so
    that what is read last is the newest wording."""
    for survey in surveys:
        versions = session.exec(
            select(SurveyVersion)
            .where(SurveyVersion.survey_id == survey.id)
            .order_by(col(SurveyVersion.number))
        ).all()
        for version in versions:
            default = version.definition.get("default_locale", "en")
            for question in questions(version.definition):
                yield default, question


@dataclass(frozen=True)
class Labels:
    """Option labels to put beside codes, in one language."""

    locale: str
    #: the heading word of a label column ("label" in the reader's language)
    heading: str = "label"
    #: turns an app-supplied text (e.g. "Prefer not to say") into the reader's language
    translate: Callable[[str], str] = str


def option_labels(
    session: Session, surveys: Iterable[Survey], labels: Labels
) -> dict[str, dict[str, str]]:
    """Per question with options: code → label in ``labels.locale`` (newest text wins)."""
    from survey.document import localise
    from survey.kinds import kind_of

    found: dict[str, dict[str, str]] = {}
    for default, question in _questions_oldest_first(session, surveys):
        kind = kind_of(question)
        if kind is None or not kind.has_options:
            continue
        builtin = kind.builtin_texts(question)
        mine = found.setdefault(question["key"], {})
        for option in question.get("options", []):
            code = str(option.get("code"))
            mine[code] = (
                labels.translate(builtin[code])
                if code in builtin
                else localise(option.get("label"), labels.locale, default) or code
            )
    return found


def _label_cell(value: Any, labels: dict[str, str]) -> str:
    values = value if isinstance(value, list) else [] if value is None else [value]
    return ";".join(labels.get(str(v), str(v)) for v in values)


def _table(
    session: Session, surveys: list[Survey], labels: Labels | None = None
) -> Iterator[list[Any]]:
    headers = question_headers(session, surveys)
    keys = [key for key, _header in headers]
    names = option_labels(session, surveys, labels) if labels else {}
    columns: list[str] = []
    for key, header in headers:
        columns.append(header)
        if key in names and labels is not None:
            columns.append(f"{header} ({labels.heading})")
    yield [*_FIXED, *columns, "themes"]
    for record in records_with_themes(session=session, surveys=surveys):
        cells: list[Any] = []
        for key, cell in zip(keys, _answer_cells(record["answers"], keys), strict=True):
            cells.append(cell)
            if key in names:
                cells.append(_label_cell(record["answers"].get(key), names[key]))
        yield [*(record[name] for name in _FIXED), *cells, ";".join(record["themes"])]


def responses_csv(
    *, session: Session, surveys: Iterable[Survey], labels: Labels | None = None
) -> str:
    buffer = io.StringIO()
    writer = spreadsheet_writer(buffer)
    for row in _table(session, list(surveys), labels):
        writer.writerow([neutralise_cell(cell) for cell in row])
    return "\ufeff" + buffer.getvalue()


def responses_json(
    *, session: Session, surveys: Iterable[Survey], labels: Labels | None = None
) -> bytes:
    chosen = list(surveys)
    records = list(records_with_themes(session=session, surveys=chosen))
    if labels is not None:
        names = option_labels(session, chosen, labels)
        for record in records:
            record["labels"] = {
                key: _label_cell(value, names[key])
                for key, value in record["answers"].items()
                if key in names
            }
    return json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8")


def responses_xlsx(
    *, session: Session, surveys: Iterable[Survey], labels: Labels | None = None
) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("responses")
    for row in _table(session, list(surveys), labels):
        sheet.append([neutralise_cell(cell) for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def download_name(
    *, site: str, survey: Survey | None, round_number: int | None, when: date, suffix: str
) -> str:
    """``<site>-<survey>-<round>-responses-<date>.<suffix>``: every download tells which survey
    and round it holds (``all-surveys`` when it holds them all)."""
    what = f"{survey.slug}-round-{round_number or 1}" if survey is not None else "all-surveys"
    return f"{site}-{what}-responses-{when.isoformat()}.{suffix}"


def groups_csv(
    table: Any,
    *,
    theme_labels: Mapping[str, str],
    group_labels: Mapping[str, str],
    hidden_label: str,
    not_stated_label: str,
    total_label: str,
) -> str:
    """Themes by group, suppression applied: hidden cells say so and carry no number."""
    from analysis.summary import NOT_STATED

    buffer = io.StringIO()
    writer = spreadsheet_writer(buffer)
    writer.writerow(
        [
            neutralise_cell(c)
            for c in ["group", "n", *(theme_labels.get(t, t) for t in table.themes)]
        ]
    )
    for cell in table.groups:
        label = (
            not_stated_label
            if cell.group == NOT_STATED
            else group_labels.get(cell.group, cell.group)
        )
        if cell.suppressed:
            writer.writerow(
                [neutralise_cell(label), hidden_label, *([hidden_label] * len(table.themes))]
            )
        else:
            writer.writerow(
                [neutralise_cell(label), cell.n, *(cell.counts[t] for t in table.themes)]
            )
    writer.writerow(
        [
            total_label,
            hidden_label if table.total_n is None else table.total_n,
            *(
                hidden_label if table.total_counts[t] is None else table.total_counts[t]
                for t in table.themes
            ),
        ]
    )
    return "\ufeff" + buffer.getvalue()
