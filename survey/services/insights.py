"""What residents said, summarised for a site: themes with intervals, sentiment where it exists,
quotes, emergent phrases, languages and channels, change between rounds, and breakdowns by group
with small groups hidden.

Counting happens in the database (one indexed aggregate per figure) so that a site with a
hundred thousand answers still gets its summary at once; the statistics and the suppression
rules come from ``analysis``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from threading import Lock
from typing import Any, TypeVar

from sqlalchemy import String, and_, cast, func
from sqlmodel import Session, col, select

from analysis.codebook import Codebook
from analysis.phrases import EmergentPhrase, emergent_phrases
from analysis.redact import Redactor
from analysis.summary import (
    NOT_STATED,
    Breakdown,
    Quote,
    breakdown_from_counts,
    check_threshold,
    compare_counts,
    representative_quotes,
    wilson_interval,
)
from survey.document import is_multiple, localise, questions
from survey.kinds import kind_of
from survey.models import Answer, AnswerTag, Response, Site, Survey
from survey.services.catalog import latest_version
from survey.services.integrity import counted, exclusion_mark
from survey.services.results import groups_of
from survey.services.tagging import codebook_for

T = TypeVar("T")
QUOTES_PER_THEME = 3
MIN_QUOTE_WORDS = 6
#: how many recent answers of a theme the quote picker reads
QUOTE_POOL = 60
PHRASE_POOL = 400


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
            select(func.count(col(Response.id))).where(col(Response.survey_id).in_(ids), counted())
        ).one()
    )


def open_answer_people(session: Session, ids: Sequence[int]) -> int:
    statement = select(func.count(col(Response.id))).where(
        col(Response.survey_id).in_(ids), col(Response.open_text).is_(True), counted()
    )
    return int(session.exec(statement).one())


def theme_stats(session: Session, ids: Sequence[int]) -> dict[str, tuple[int, float | None, int]]:
    """Per theme: people, mean sentiment (None where no answer has one), answers with sentiment.

    One pass over the covering index ``ix_answertag_summary``.
    """
    statement = (
        select(
            AnswerTag.theme_key,
            func.count(func.distinct(col(AnswerTag.response_id))),
            func.avg(col(AnswerTag.sentiment)),
            func.count(col(AnswerTag.sentiment)),
        )
        .where(
            col(AnswerTag.survey_id).in_(ids),
            col(AnswerTag.effective).is_(True),
            counted(AnswerTag.response_id),
        )
        .group_by(col(AnswerTag.theme_key))
    )
    return {
        key: (int(people), None if not n else float(mean), int(n))
        for key, people, mean, n in session.exec(statement).all()
    }


def theme_counts(session: Session, ids: Sequence[int]) -> dict[str, int]:
    return {key: people for key, (people, _mean, _n) in theme_stats(session, ids).items()}


def _grouped(session: Session, ids: Sequence[int], column: Any) -> tuple[tuple[str, int], ...]:
    statement = (
        select(column, func.count(col(Response.id)))
        .where(col(Response.survey_id).in_(ids), counted())
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
    said: set[str] = set()  # and the same words (said by two people) are quoted once
    for key in themes:
        rows = session.exec(
            select(Answer.id, Answer.text, Answer.lang)
            .join(AnswerTag, col(AnswerTag.answer_id) == col(Answer.id))
            .where(
                col(AnswerTag.survey_id).in_(ids),
                col(AnswerTag.effective).is_(True),
                AnswerTag.theme_key == key,
                counted(AnswerTag.response_id),
            )
            .order_by(col(Answer.id).desc())
            .limit(QUOTE_POOL)
        ).all()
        answers = [
            {"id": i, "text": t or "", "lang": lang or "en", "themes": [key]}
            for i, t, lang in rows
            if i not in used and (t or "").strip().casefold() not in said
        ]
        # A quote should say something: prefer answers of a few words when there are enough.
        fuller = [a for a in answers if len(str(a["text"]).split()) >= MIN_QUOTE_WORDS]
        pool = fuller if len(fuller) >= QUOTES_PER_THEME else answers
        quotes[key] = representative_quotes(
            pool, key, limit=QUOTES_PER_THEME, redactor=redactor, k=k
        )
        used.update(int(q.answer_id) for q in quotes[key])
        said.update(t.strip().casefold() for i, t, _lang in rows if i in used and t)
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
            counted(),
        )
        .order_by(col(Answer.id).desc())
        .limit(PHRASE_POOL)
    ).all()
    answers = [{"id": i, "text": t or "", "lang": lang or "en"} for i, t, lang in rows]
    return emergent_phrases(answers, limit=8, examples=3)


_REMEMBERED: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_REMEMBERED_LOCK = Lock()


def remembered(session: Session, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """Quotes and phrases are read from samples of answers and change only when answers or tags
    do: keep them until a new response or tag arrives (the newest ids are part of the key)."""
    # The newest rows by primary key, with their times: an emptied database reuses ids.
    newest = (
        session.exec(
            select(Response.id, Response.submitted_at).order_by(col(Response.id).desc()).limit(1)
        ).first(),
        session.exec(
            select(AnswerTag.id, AnswerTag.created_at).order_by(col(AnswerTag.id).desc()).limit(1)
        ).first(),
    )
    # Leaving responses out (or counting them again) changes what is shown, too.
    full = (str(session.get_bind().engine.url), *key, *newest, exclusion_mark(session))
    with _REMEMBERED_LOCK:
        if full in _REMEMBERED:
            _REMEMBERED.move_to_end(full)
            return _REMEMBERED[full]  # type: ignore[no-any-return]
    value = compute()
    with _REMEMBERED_LOCK:
        _REMEMBERED[full] = value
        while len(_REMEMBERED) > 64:
            _REMEMBERED.popitem(last=False)
    return value


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
    stats = theme_stats(session, ids)
    rows = theme_rows(
        {key: people for key, (people, _mean, _n) in stats.items()},
        n,
        codebook,
        locale,
        {key: (mean, count) for key, (_people, mean, count) in stats.items()},
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
        quotes=remembered(
            session,
            ("quotes", tuple(ids), tuple(top), tuple(site.redact_names), site.k_threshold),
            lambda: _quotes(
                session, ids, top, redactor_for(site), check_threshold(site.k_threshold)
            ),
        )
        if quotes
        else {},
        phrases=remembered(session, ("phrases", tuple(ids)), lambda: _phrases(session, ids))
        if phrases
        else {},
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
    shown = [row for row in rows if not row.retired]
    changes = compare_counts(
        theme_counts(session, before_ids),
        open_answer_people(session, before_ids),
        {row.key: row.count for row in shown},
        n,
        themes=[row.key for row in shown],
    )
    labels = {row.key: row.label for row in shown}
    moves = [
        ThemeMove(
            key=change.theme,
            label=labels[change.theme],
            before=change.before_count / change.before_n if change.before_n else 0.0,
            after=change.after_count / change.after_n if change.after_n else 0.0,
            p_value=change.p_value,
            significant=change.significant,
        )
        for change in changes
    ]
    return previous, tuple(moves)


# -- breakdowns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupingQuestion:
    key: str
    text: str
    options: Mapping[str, str]  #: code → label in the reader's language
    multiple: bool = False  #: a person may be in several groups


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
            kind = kind_of(question)
            if kind is not None and kind.groups_answers and question["key"] not in found:
                found[question["key"]] = GroupingQuestion(
                    key=question["key"],
                    text=localise(question.get("text"), locale, default),
                    options={
                        o["code"]: localise(o.get("label"), locale, default)
                        for o in question.get("options", [])
                    },
                    multiple=is_multiple(question),
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

    Counted in the database; someone who chose several groups (a multiple-answer question) counts
    in each of them. People who did not answer, or preferred not to say, form one more group.
    """
    ids = _survey_ids(surveys)
    value = cast(col(Answer.value), String)
    group_answer = and_(
        col(Answer.response_id) == col(AnswerTag.response_id),
        col(Answer.question_key) == question_key,
    )
    sizes_by_value = session.exec(
        select(value, func.count(func.distinct(col(Answer.response_id))))
        .join(Response, col(Response.id) == col(Answer.response_id))
        .where(
            col(Response.survey_id).in_(ids),
            col(Response.open_text).is_(True),
            Answer.question_key == question_key,
            counted(),
        )
        .group_by(value)
    ).all()
    counts_by_value = session.exec(
        select(value, AnswerTag.theme_key, func.count(func.distinct(col(AnswerTag.response_id))))
        .join(Answer, group_answer)
        .where(
            col(AnswerTag.survey_id).in_(ids),
            col(AnswerTag.effective).is_(True),
            counted(AnswerTag.response_id),
        )
        .group_by(value, col(AnswerTag.theme_key))
    ).all()
    sizes: dict[str, int] = {}
    counts: dict[str, dict[str, int]] = {}
    answered = 0
    for raw, people in sizes_by_value:
        answered += int(people)
        for group in groups_of(raw):
            sizes[group] = sizes.get(group, 0) + int(people)
    answered_by_theme: dict[str, int] = {}
    for raw, key, people in counts_by_value:
        answered_by_theme[key] = answered_by_theme.get(key, 0) + int(people)
        for group in groups_of(raw):
            bucket = counts.setdefault(group, {})
            bucket[key] = bucket.get(key, 0) + int(people)
    n = open_answer_people(session, ids)
    silent = n - answered
    if silent > 0:
        totals = theme_counts(session, ids)
        sizes[NOT_STATED] = sizes.get(NOT_STATED, 0) + silent
        bucket = counts.setdefault(NOT_STATED, {})
        for key in themes:
            bucket[key] = bucket.get(key, 0) + max(
                0, totals.get(key, 0) - answered_by_theme.get(key, 0)
            )
    return breakdown_from_counts(
        sizes, counts, themes=themes, k=check_threshold(site.k_threshold), total=n
    )


#: for other services: the groups a stored answer puts someone in
answer_groups = groups_of
