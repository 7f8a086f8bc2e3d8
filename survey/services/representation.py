"""Who we heard from: each site's reference shares (who lives in the neighbourhood), the
respondents set against them per question and round, and the answers each group still needs.

Reference shares belong to the site and apply to every survey of it that asks the question (by
its key). Only questions where a person is in one group can have them: single-choice questions
and demographic questions without "choose several". The statistics come from ``analysis``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import String, cast, func
from sqlmodel import Session, col, select

from analysis import OutreachTarget, Representation, normalise_shares, outreach_targets, represent
from analysis.summary import NOT_STATED, check_threshold
from survey.document import N_, PREFER_NOT_TO_SAY, localise
from survey.models import Answer, ReferenceDistribution, Response, Site, Survey, utcnow
from survey.services import designer
from survey.services.exports import neutralise_cell
from survey.services.insights import (
    GroupingQuestion,
    answer_groups,
    grouping_questions,
    remembered,
)
from survey.services.integrity import counted

#: the columns of the reference CSV, in order
CSV_COLUMNS = ("question", "group", "share", "source", "year")
MAX_SOURCE = 300
#: outreach aims to bring every group within this many share points of the neighbourhood
TOLERANCE = 0.05

# Problems with reference shares, said for staff (translated where shown).
UNKNOWN_QUESTION = N_("there is no question “%(key)s” that puts each person in one group")
UNKNOWN_GROUP = N_("question “%(key)s” has no group “%(group)s”")
NOT_A_SHARE = N_("“%(value)s” is not a share: write a number such as 0.15 or 15%%")
NEGATIVE_SHARE = N_("a share cannot be below 0")
REPEATED_GROUP = N_("group “%(group)s” of question “%(key)s” is given twice")
NO_SHARES = N_("give at least one share above 0")
BAD_YEAR = N_("“%(value)s” is not a year")
SOURCE_TOO_LONG = N_("the source is longer than %(max)s characters")
MISSING_COLUMNS = N_("the first row must name the columns %(columns)s")
NOT_CSV = N_("this file is not a CSV file in UTF-8")
EMPTY_FILE = N_("the file has no rows of shares")


@dataclass(frozen=True)
class ReferenceProblem:
    """One thing wrong with reference shares; ``row`` is the CSV row (1 = the header)."""

    message: str
    params: Mapping[str, object] = field(default_factory=dict)
    row: int | None = None


class InvalidReference(ValueError):
    def __init__(self, problems: Sequence[ReferenceProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.message % p.params for p in self.problems))


@dataclass(frozen=True)
class SavedReference:
    question_key: str
    total: float  #: what the shares added up to as entered (1 or 100 need no note)


def referable_questions(
    *, session: Session, site: Site, locale: str, surveys: Sequence[Survey] | None = None
) -> list[GroupingQuestion]:
    """Questions that can have reference shares: one group per person."""
    chosen = surveys if surveys is not None else designer.surveys_of(session=session, site=site)
    return [
        q
        for q in grouping_questions(session=session, surveys=chosen, locale=locale)
        if not q.multiple
    ]


def references_of(*, session: Session, site: Site) -> dict[str, ReferenceDistribution]:
    rows = session.exec(
        select(ReferenceDistribution)
        .where(ReferenceDistribution.site_id == site.id)
        .order_by(col(ReferenceDistribution.question_key))
    ).all()
    return {row.question_key: row for row in rows}


def parse_share(raw: str) -> float | None:
    """``0.15``, ``15%``, ``15`` or ``0,15`` as a number (scaled later); ``None`` if not one."""
    text = raw.strip().replace("\u00a0", "").replace(" ", "")
    percent = text.endswith("%")
    text = text.removesuffix("%")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return value / 100 if percent else value


def _year(raw: str, row: int | None, problems: list[ReferenceProblem]) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit() and 1800 <= int(text) <= 2200:
        return int(text)
    problems.append(ReferenceProblem(BAD_YEAR, {"value": text[:20]}, row))
    return None


def save_reference(
    *,
    session: Session,
    site: Site,
    question_key: str,
    shares: Mapping[str, str],
    source: str,
    year: str,
    note: Mapping[str, str] | None = None,
    locale: str = "en",
) -> SavedReference:
    """Store the shares typed for one question (empty boxes are left out)."""
    questions = {q.key: q for q in referable_questions(session=session, site=site, locale=locale)}
    problems: list[ReferenceProblem] = []
    question = questions.get(question_key)
    if question is None:
        raise InvalidReference([ReferenceProblem(UNKNOWN_QUESTION, {"key": question_key})])
    values: dict[str, float] = {}
    for code, raw in shares.items():
        if not raw.strip():
            continue
        if code not in question.options or code == PREFER_NOT_TO_SAY:
            problems.append(ReferenceProblem(UNKNOWN_GROUP, {"key": question_key, "group": code}))
            continue
        _add_share(values, code, raw, None, problems)
    if len(source) > MAX_SOURCE:
        problems.append(ReferenceProblem(SOURCE_TOO_LONG, {"max": MAX_SOURCE}))
    given_year = _year(year, None, problems)
    if not problems and not any(v > 0 for v in values.values()):
        problems.append(ReferenceProblem(NO_SHARES))
    if problems:
        raise InvalidReference(problems)
    return _store(session, site, question_key, values, source.strip(), given_year, note)


def _add_share(
    values: dict[str, float],
    code: str,
    raw: str,
    row: int | None,
    problems: list[ReferenceProblem],
) -> None:
    value = parse_share(raw)
    if value is None:
        problems.append(ReferenceProblem(NOT_A_SHARE, {"value": raw.strip()[:20]}, row))
    elif value < 0:
        problems.append(ReferenceProblem(NEGATIVE_SHARE, {}, row))
    else:
        values[code] = value


def _store(
    session: Session,
    site: Site,
    key: str,
    values: Mapping[str, float],
    source: str,
    year: int | None,
    note: Mapping[str, str] | None,
) -> SavedReference:
    _shares, total = normalise_shares(values)
    row = references_of(session=session, site=site).get(key) or ReferenceDistribution(
        site_id=site.id,  # type: ignore[arg-type]
        question_key=key,
    )
    row.shares = dict(values)
    row.source = source
    row.year = year
    if note is not None:
        row.note = {code: text.strip() for code, text in note.items() if text.strip()}
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return SavedReference(key, total)


def delete_reference(*, session: Session, site: Site, question_key: str) -> None:
    row = references_of(session=session, site=site).get(question_key)
    if row is not None:
        session.delete(row)
        session.flush()


def needs_note(total: float) -> bool:
    """Shares that did not add up to 1 (or 100 %) were scaled: say so."""
    return not (abs(total - 1) < 0.005 or abs(total - 100) < 0.5)


def template_csv(*, session: Session, site: Site, locale: str) -> str:
    """A CSV to fill in: one row per group of every question that can have reference shares,
    with the shares already entered."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    saved = references_of(session=session, site=site)
    for question in referable_questions(session=session, site=site, locale=locale):
        reference = saved.get(question.key)
        for code in question.options:
            if code == PREFER_NOT_TO_SAY:
                continue
            share = reference.shares.get(code) if reference else None
            writer.writerow(
                [
                    question.key,
                    code,
                    "" if share is None else f"{share:g}",
                    neutralise_cell(reference.source) if reference else "",
                    (reference.year or "") if reference else "",
                ]
            )
    return out.getvalue()


def import_csv(*, session: Session, site: Site, data: bytes, locale: str) -> list[SavedReference]:
    """Read reference shares from a CSV (see :data:`CSV_COLUMNS`); nothing is saved when any row
    has a problem, and every problem names its row."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidReference([ReferenceProblem(NOT_CSV)]) from None
    if "\x00" in text:
        raise InvalidReference([ReferenceProblem(NOT_CSV)])
    rows = list(csv.reader(io.StringIO(text)))
    header = [h.strip().lower() for h in rows[0]] if rows else []
    if not all(c in header for c in CSV_COLUMNS[:3]):
        raise InvalidReference(
            [ReferenceProblem(MISSING_COLUMNS, {"columns": ", ".join(CSV_COLUMNS)}, 1)]
        )
    where = {name: header.index(name) for name in CSV_COLUMNS if name in header}
    questions = {q.key: q for q in referable_questions(session=session, site=site, locale=locale)}
    problems: list[ReferenceProblem] = []
    values: dict[str, dict[str, float]] = {}
    sources: dict[str, str] = {}
    years: dict[str, int | None] = {}
    for number, cells in enumerate(rows[1:], start=2):

        def cell(name: str, cells: list[str] = cells) -> str:
            index = where.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        key, code, raw = cell("question"), cell("group"), cell("share")
        if not any(c.strip() for c in cells) or (key and code and not raw):
            continue  # a blank line, or a group left empty on purpose
        question = questions.get(key)
        if question is None:
            problems.append(ReferenceProblem(UNKNOWN_QUESTION, {"key": key[:64]}, number))
            continue
        if code not in question.options or code == PREFER_NOT_TO_SAY:
            problems.append(
                ReferenceProblem(UNKNOWN_GROUP, {"key": key, "group": code[:64]}, number)
            )
            continue
        if code in values.get(key, {}):
            problems.append(ReferenceProblem(REPEATED_GROUP, {"key": key, "group": code}, number))
            continue
        _add_share(values.setdefault(key, {}), code, raw, number, problems)
        if cell("source") and key not in sources:
            if len(cell("source")) > MAX_SOURCE:
                problems.append(ReferenceProblem(SOURCE_TOO_LONG, {"max": MAX_SOURCE}, number))
            source = cell("source")
            # The template writes a formula-like source with a leading quote: read it back bare.
            quoted = source.startswith("'") and neutralise_cell(source[1:]) == source
            sources[key] = source[1:] if quoted else source
        if cell("year") and years.get(key) is None:
            years[key] = _year(cell("year"), number, problems)
    if not problems and any(not any(v > 0 for v in s.values()) for s in values.values()):
        problems.append(ReferenceProblem(NO_SHARES, {}, None))
    if not problems and not values:
        problems.append(ReferenceProblem(EMPTY_FILE))
    if problems:
        raise InvalidReference(problems)
    saved = references_of(session=session, site=site)
    return [
        _store(
            session,
            site,
            key,
            shares,
            sources.get(key, saved[key].source if key in saved else ""),
            years.get(key, saved[key].year if key in saved else None),
            None,
        )
        for key, shares in values.items()
    ]


# -- respondents against the reference ---------------------------------------------------------


def people_by_group(
    session: Session, surveys: Sequence[Survey], question_key: str
) -> tuple[dict[str, int], int]:
    """Everyone who answered ``surveys``, counted by their group for ``question_key``, and how
    many did not say (no answer, or "prefer not to say"). Kept until a new response arrives."""
    ids = [s.id for s in surveys if s.id is not None]
    return remembered(
        session,
        ("people-by-group", tuple(ids), question_key),
        lambda: _people_by_group(session, ids, question_key),
    )


def _people_by_group(
    session: Session, ids: Sequence[int], question_key: str
) -> tuple[dict[str, int], int]:
    value = cast(col(Answer.value), String)
    rows = session.exec(
        select(value, func.count(col(Answer.response_id)))
        .join(Response, col(Response.id) == col(Answer.response_id))
        .where(col(Response.survey_id).in_(ids), Answer.question_key == question_key, counted())
        .group_by(value)
    ).all()
    total = int(
        session.exec(
            select(func.count(col(Response.id))).where(col(Response.survey_id).in_(ids), counted())
        ).one()
    )
    counts: dict[str, int] = {}
    answered = 0
    for raw, people in rows:
        answered += int(people)
        for group in answer_groups(raw):
            if group != NOT_STATED:
                counts[group] = counts.get(group, 0) + int(people)
    stated = sum(counts.values())
    return counts, max(0, total - stated)


@dataclass(frozen=True)
class RoundIndex:
    survey: Survey
    people: int
    index: float | None
    index_below: bool
    reading: str


@dataclass(frozen=True)
class QuestionRepresentation:
    question: GroupingQuestion
    reference: ReferenceDistribution
    shares: Mapping[str, float]  #: normalised
    total: float  #: the shares as entered added up to this
    result: Representation
    not_stated: int
    targets: tuple[OutreachTarget, ...] | None  #: ``None``: no plan could be made
    rounds: tuple[RoundIndex, ...]


def representation(
    *,
    session: Session,
    site: Site,
    surveys: Sequence[Survey],
    locale: str,
    by_round: bool = True,
    targets: bool = True,
) -> list[QuestionRepresentation]:
    """Per question with reference shares (and asked in ``surveys``): the respondents against
    the reference, (``targets``) the outreach targets, and (``by_round``) the index round by
    round."""
    k = check_threshold(site.k_threshold)
    saved = references_of(session=session, site=site)
    rounds = [s for s in designer.surveys_of(session=session, site=site) if s.status != "draft"]
    rounds.sort(key=lambda s: (s.created_at, s.id or 0))
    out = []
    for question in referable_questions(session=session, site=site, locale=locale, surveys=surveys):
        reference = saved.get(question.key)
        if reference is None or not any(v > 0 for v in reference.shares.values()):
            continue
        shares, total = normalise_shares(reference.shares)
        counts, not_stated = people_by_group(session, surveys, question.key)
        result = represent(counts, shares, k=k, outside=not_stated)
        in_reference = {g: c for g, c in counts.items() if shares.get(g, 0) > 0}
        indices = []
        for survey in rounds if by_round else ():
            round_counts, round_unstated = people_by_group(session, [survey], question.key)
            if not round_counts:
                continue
            one = represent(round_counts, shares, k=k, outside=round_unstated)
            indices.append(RoundIndex(survey, one.n, one.index, one.index_below, one.reading))
        out.append(
            QuestionRepresentation(
                question=question,
                reference=reference,
                shares=shares,
                total=total,
                result=result,
                not_stated=not_stated,
                targets=outreach_targets(
                    in_reference, {g: s for g, s in shares.items() if s > 0}, tolerance=TOLERANCE
                )
                if targets
                else None,
                rounds=tuple(indices),
            )
        )
    return out


def about(more: int) -> int:
    """An outreach number as a team would plan it: rounded up to the next 5."""
    return max(5, 5 * math.ceil(more / 5)) if more > 0 else 0


def locale_of_group(code: str, locales: Sequence[str]) -> str | None:
    """The survey language that a group of a "language at home" question speaks, if any
    (``zh`` → ``zh_Hans``)."""
    for locale in locales:
        if code == locale or locale.split("_")[0] == code:
            return locale
    return None


@dataclass(frozen=True)
class HeardFrom:
    """What the public page says about who answered."""

    people: int
    under: tuple[tuple[str, tuple[str, ...]], ...]  #: (question text, groups heard too little)
    notes: tuple[str, ...]  #: what the partnership is doing about it, in the reader's language


def heard_from(*, session: Session, site: Site, survey: Survey | None, locale: str) -> HeardFrom:
    if survey is None:
        return HeardFrom(0, (), ())
    results = representation(
        session=session, site=site, surveys=[survey], locale=locale, by_round=False, targets=False
    )
    under = []
    notes = []
    for item in results:
        groups = tuple(
            item.question.options.get(row.group, row.group)
            for row in item.result.groups
            if row.status == "under"
        )
        if groups:
            under.append((item.question.text, groups))
        note = (
            localise(item.reference.note, locale, site.default_locale)
            if item.reference.note
            else ""
        )
        if note:
            notes.append(note)
    people = int(
        session.exec(
            select(func.count(col(Response.id))).where(Response.survey_id == survey.id, counted())
        ).one()
    )
    return HeardFrom(people, tuple(under), tuple(notes))
