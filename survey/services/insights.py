"""What residents said, summarised for a site: themes with intervals, sentiment where it exists,
quotes, emergent phrases, languages and channels, change between rounds, and breakdowns by group
with small groups hidden.

Counting happens in the database (one indexed aggregate per figure) so that a site with a
hundred thousand answers still gets its summary at once; the statistics and the suppression
rules come from ``analysis``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from analysis.codebook import Codebook
from analysis.phrases import EmergentPhrase, emergent_phrases
from analysis.redact import Redactor
from analysis.summary import (
    Breakdown,
    Quote,
    breakdown_by_group,
    check_threshold,
    representative_quotes,
    two_proportion_z_test,
    wilson_interval,
)
from survey.document import localise, questions
from survey.models import Answer, AnswerTag, Response, Site, Survey
from survey.services.catalog import latest_version
from survey.services.tagging import codebook_for

QUOTES_PER_THEME = 3
MIN_QUOTE_WORDS = 6
#: how many recent answers of a theme the quote picker reads
QUOTE_POOL = 150
PHRASE_POOL = 1500


@dataclass(frozen=True)
class ThemeRow:
    key: str
    label: str
    count: int  #: people whose answers carry the theme
    share: float
    low: float  #: Wilson 95 % interval
    high: float
    sentiment: float | None  #: mean polarity where a model exists; None = not available
    sentiment_n: int
    retired: bool = False


@dataclass(frozen=True)
class ThemeMove:
    key: str
    label: str
    before: float
    after: float
    p_value: float | None
    significant: bool


@dataclass(frozen=True)
class Summary:
    site: Site
    surveys: tuple[Survey, ...]
    responses: int  #: everyone who answered
    n: int  #: people who wrote an open answer: the base of every share
    themes: tuple[ThemeRow, ...]
    by_language: tuple[tuple[str, int], ...]
    by_channel: tuple[tuple[str, int], ...]
    quotes: Mapping[str, tuple[Quote, ...]] = field(default_factory=dict)
    phrases: Mapping[str, tuple[EmergentPhrase, ...]] = field(default_factory=dict)
    previous: Survey | None = None
    moves: tuple[ThemeMove, ...] = ()


def _survey_ids(surveys: Sequence[Survey]) -> list[int]:
    return [s.id for s in surveys if s.id is not None]


def response_count(session: Session, ids: Sequence[int]) -> int:
    return int(
        session.exec(
            select(func.count(col(Response.id))).where(col(Response.survey_id).in_(ids))
        ).one()
    )


def open_answer_people(session: Session, ids: Sequence[int]) -> int:
    statement = (
        select(func.count(func.distinct(col(Answer.response_id))))
        .join(Response, col(Response.id) == col(Answer.response_id))
        .where(
            col(Response.survey_id).in_(ids), col(Answer.text).is_not(None), col(Answer.text) != ""
        )
    )
    return int(session.exec(statement).one())


def theme_counts(session: Session, ids: Sequence[int]) -> dict[str, int]:
    statement = (
        select(AnswerTag.theme_key, func.count(func.distinct(col(AnswerTag.response_id))))
        .where(col(AnswerTag.survey_id).in_(ids), col(AnswerTag.effective).is_(True))
        .group_by(col(AnswerTag.theme_key))
    )
    return {key: int(count) for key, count in session.exec(statement).all()}


def theme_sentiment(session: Session, ids: Sequence[int]) -> dict[str, tuple[float | None, int]]:
    statement = (
        select(
            AnswerTag.theme_key, func.avg(col(Answer.sentiment)), func.count(col(Answer.sentiment))
        )
        .join(Answer, col(Answer.id) == col(AnswerTag.answer_id))
        .where(col(AnswerTag.survey_id).in_(ids), col(AnswerTag.effective).is_(True))
        .group_by(col(AnswerTag.theme_key))
    )
    return {
        key: (None if not n else float(mean), int(n))
        for key, mean, n in session.exec(statement).all()
    }


def _grouped(session: Session, ids: Sequence[int], column: Any) -> tuple[tuple[str, int], ...]:
    statement = (
        select(column, func.count(col(Response.id)))
        .where(col(Response.survey_id).in_(ids))
        .group_by(column)
        .order_by(func.count(col(Response.id)).desc())
    )
    return tuple((str(value), int(count)) for value, count in session.exec(statement).all())


def theme_rows(
    counts: Mapping[str, int],
    n: int,
    codebook: Codebook,
    locale: str,
    sentiment: Mapping[str, tuple[float | None, int]] | None = None,
) -> tuple[ThemeRow, ...]:
    active = set(codebook.keys)
    keys = list(codebook.keys) + [k for k in counts if k not in active]
    rows = []
    for key in keys:
        count = counts.get(key, 0)
        low, high = wilson_interval(count, n)
        mean, sentiment_n = (sentiment or {}).get(key, (None, 0))
        try:
            label = codebook.label(key, locale)
            retired = codebook.theme(key).retired
        except KeyError:
            label, retired = key, True
        rows.append(
            ThemeRow(
                key, label, count, count / n if n else 0.0, low, high, mean, sentiment_n, retired
            )
        )
    return tuple(sorted(rows, key=lambda r: (r.retired, -r.count, r.label)))


def _quotes(
    session: Session, ids: Sequence[int], themes: Sequence[str], redactor: Redactor, k: int
) -> dict[str, tuple[Quote, ...]]:
    quotes: dict[str, tuple[Quote, ...]] = {}
    used: set[int] = set()  # one answer illustrates one theme
    for key in themes:
        rows = session.exec(
            select(Answer.id, Answer.text, Answer.lang)
            .join(AnswerTag, col(AnswerTag.answer_id) == col(Answer.id))
            .where(
                col(AnswerTag.survey_id).in_(ids),
                col(AnswerTag.effective).is_(True),
                AnswerTag.theme_key == key,
            )
            .order_by(col(Answer.id).desc())
            .limit(QUOTE_POOL)
        ).all()
        answers = [
            {"id": i, "text": t or "", "lang": lang or "en", "themes": [key]}
            for i, t, lang in rows
            if i not in used
        ]
        # A quote should say something: prefer answers of a few words when there are enough.
        fuller = [a for a in answers if len(str(a["text"]).split()) >= MIN_QUOTE_WORDS]
        pool = fuller if len(fuller) >= QUOTES_PER_THEME else answers
        quotes[key] = representative_quotes(
            pool, key, limit=QUOTES_PER_THEME, redactor=redactor, k=k
        )
        used.update(int(q.answer_id) for q in quotes[key])
    return quotes


def _phrases(session: Session, ids: Sequence[int]) -> dict[str, tuple[EmergentPhrase, ...]]:
    tagged = select(AnswerTag.answer_id).where(
        col(AnswerTag.survey_id).in_(ids), col(AnswerTag.effective).is_(True)
    )
    rows = session.exec(
        select(Answer.id, Answer.text, Answer.lang)
        .join(Response, col(Response.id) == col(Answer.response_id))
        .where(
            col(Response.survey_id).in_(ids),
            col(Answer.text).is_not(None),
            col(Answer.id).not_in(tagged),
        )
        .order_by(col(Answer.id).desc())
        .limit(PHRASE_POOL)
    ).all()
    answers = [{"id": i, "text": t or "", "lang": lang or "en"} for i, t, lang in rows]
    return emergent_phrases(answers, limit=8, examples=3)


def redactor_for(site: Site) -> Redactor:
    return Redactor(tuple(site.redact_names))


def summarise(
    *,
    session: Session,
    site: Site,
    surveys: Sequence[Survey],
    locale: str,
    quotes: bool = True,
    phrases: bool = True,
) -> Summary:
    ids = _survey_ids(surveys)
    codebook = codebook_for(session=session, site=site)
    n = open_answer_people(session, ids)
    rows = theme_rows(
        theme_counts(session, ids), n, codebook, locale, theme_sentiment(session, ids)
    )
    top = [r.key for r in rows if r.count and not r.retired][:5]
    previous, moves = _previous_round(session, site, surveys, codebook, locale, rows, n)
    return Summary(
        site=site,
        surveys=tuple(surveys),
        responses=response_count(session, ids),
        n=n,
        themes=rows,
        by_language=_grouped(session, ids, col(Response.locale)),
        by_channel=_grouped(session, ids, col(Response.channel)),
        quotes=_quotes(session, ids, top, redactor_for(site), check_threshold(site.k_threshold))
        if quotes
        else {},
        phrases=_phrases(session, ids) if phrases else {},
        previous=previous,
        moves=moves,
    )


def _previous_round(
    session: Session,
    site: Site,
    surveys: Sequence[Survey],
    codebook: Codebook,
    locale: str,
    rows: Sequence[ThemeRow],
    n: int,
) -> tuple[Survey | None, tuple[ThemeMove, ...]]:
    if len(surveys) != 1 or surveys[0].previous_round_id is None:
        return None, ()
    previous = session.get(Survey, surveys[0].previous_round_id)
    if previous is None or previous.site_id != site.id:
        return None, ()
    before_ids = _survey_ids([previous])
    before_n = open_answer_people(session, before_ids)
    before = theme_counts(session, before_ids)
    moves = []
    for row in rows:
        if row.retired:
            continue
        z, p = two_proportion_z_test(before.get(row.key, 0), before_n, row.count, n)
        moves.append(
            ThemeMove(
                key=row.key,
                label=row.label,
                before=before.get(row.key, 0) / before_n if before_n else 0.0,
                after=row.share,
                p_value=p,
                significant=p is not None and p < 0.05 and z is not None,
            )
        )
    moves.sort(key=lambda m: -abs(m.after - m.before))
    return previous, tuple(moves)


# -- breakdowns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupingQuestion:
    key: str
    text: str
    options: Mapping[str, str]  #: code → label in the reader's language


def grouping_questions(
    *, session: Session, surveys: Sequence[Survey], locale: str
) -> list[GroupingQuestion]:
    """Demographic and single-choice questions, the ways answers can be broken down."""
    found: dict[str, GroupingQuestion] = {}
    for survey in surveys:
        version = latest_version(session=session, survey=survey)
        if version is None:
            continue
        default = version.definition.get("default_locale", "en")
        for question in questions(version.definition):
            if (
                question["kind"] in ("demographic", "single_choice")
                and question["key"] not in found
            ):
                found[question["key"]] = GroupingQuestion(
                    key=question["key"],
                    text=localise(question.get("text"), locale, default),
                    options={
                        o["code"]: localise(o.get("label"), locale, default)
                        for o in question.get("options", [])
                    },
                )
    return list(found.values())


def breakdown(
    *,
    session: Session,
    site: Site,
    surveys: Sequence[Survey],
    question_key: str,
    themes: Sequence[str],
) -> Breakdown:
    """Themes × groups of ``question_key`` with the site's small-group suppression.

    Someone who chose several groups (a multiple-answer question) counts in each of them.
    """
    ids = _survey_ids(surveys)
    people = session.exec(
        select(Answer.response_id)
        .join(Response, col(Response.id) == col(Answer.response_id))
        .where(
            col(Response.survey_id).in_(ids), col(Answer.text).is_not(None), col(Answer.text) != ""
        )
        .distinct()
    ).all()
    groups: dict[int, list[str]] = {}
    for response_id, value in session.exec(
        select(Answer.response_id, Answer.value)
        .join(Response, col(Response.id) == col(Answer.response_id))
        .where(col(Response.survey_id).in_(ids), Answer.question_key == question_key)
    ).all():
        groups[response_id] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    tags: dict[int, set[str]] = {}
    for response_id, key in session.exec(
        select(AnswerTag.response_id, AnswerTag.theme_key).where(
            col(AnswerTag.survey_id).in_(ids), col(AnswerTag.effective).is_(True)
        )
    ).all():
        tags.setdefault(response_id, set()).add(key)
    rows = []
    for response_id in people:
        for group in groups.get(response_id) or [None]:  # type: ignore[list-item]
            rows.append(
                {
                    "id": f"{response_id}:{group}",
                    "text": "",
                    "lang": "en",
                    "themes": sorted(tags.get(response_id, ())),
                    "group": None if group in (None, "prefer_not_to_say") else group,
                }
            )
    return breakdown_by_group(rows, themes=themes, k=check_threshold(site.k_threshold))
