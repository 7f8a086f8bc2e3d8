"""A result for every question of a survey: the database counts people per stored answer (one
grouped query), the question's kind (``survey.kinds``) turns the counts into a result with its
small groups hidden, and the same question a round earlier gives the change.

Breakdowns of a closed question by a grouping question use the same suppression as the themes'
(:func:`analysis.summary.breakdown_from_counts`): groups under k hidden, with complementary
suppression, and a total hidden where it would give a hidden group away.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from analysis.results import QuestionResult, with_change
from analysis.summary import NOT_STATED, Breakdown, breakdown_from_counts, check_threshold
from survey.document import localise, questions
from survey.kinds import PREFER_NOT_TO_SAY_LABEL, QuestionKind, kind_of
from survey.models import Answer, Response, Site, Survey
from survey.services.catalog import latest_version
from survey.services.integrity import counted


@dataclass(frozen=True)
class QuestionView:
    """One question's result with the words to show it in the reader's language."""

    key: str
    kind: str
    text: str
    labels: Mapping[str, str]  #: option code → label
    result: QuestionResult

    @property
    def is_text(self) -> bool:
        kind = kind_of({"kind": self.kind})
        return kind is not None and kind.is_text


def stored_value(raw: str | None) -> Any:
    """A stored answer value as Python; lists become tuples so that they can key a tally."""
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return tuple(value) if isinstance(value, list) else value


def _ids(surveys: Sequence[Survey]) -> list[int]:
    return [s.id for s in surveys if s.id is not None]


def survey_questions(
    *, session: Session, surveys: Sequence[Survey]
) -> list[tuple[dict[str, Any], str]]:
    """Every question of the surveys' newest versions, in order, each key once, with the
    document's default language."""
    found: dict[str, tuple[dict[str, Any], str]] = {}
    for survey in surveys:
        version = latest_version(session=session, survey=survey)
        if version is None:
            continue
        default = version.definition.get("default_locale", "en")
        for question in questions(version.definition):
            found.setdefault(question["key"], (question, default))
    return list(found.values())


def tallies(
    session: Session, ids: Sequence[int], kinds: Mapping[str, QuestionKind]
) -> dict[str, dict[Any, int]]:
    """Per question key: stored value → people. Free-text questions count only who answered."""
    value = cast(col(Answer.value), String)
    closed = [key for key, kind in kinds.items() if kind.tallied]
    text = [key for key, kind in kinds.items() if not kind.tallied]
    found: dict[str, dict[Any, int]] = {key: {} for key in kinds}
    answered = (
        col(Response.survey_id).in_(ids),
        col(Answer.value).is_not(None),
        counted(),
    )
    if closed:
        rows = session.exec(
            select(Answer.question_key, value, func.count(col(Answer.id)))
            .join(Response, col(Response.id) == col(Answer.response_id))
            .where(*answered, col(Answer.question_key).in_(closed))
            .group_by(col(Answer.question_key), value)
        ).all()
        for key, raw, people in rows:
            decoded = stored_value(raw)
            if decoded in (None, "", ()):
                continue
            bucket = found[key]
            bucket[decoded] = bucket.get(decoded, 0) + int(people)
    if text:
        answered_rows = session.exec(
            select(Answer.question_key, func.count(col(Answer.id)))
            .join(Response, col(Response.id) == col(Answer.response_id))
            .where(*answered, col(Answer.question_key).in_(text), col(Answer.text) != "")
            .group_by(col(Answer.question_key))
        ).all()
        for key, people in answered_rows:
            found[key] = {"answered": int(people)}
    return found


def _labels(
    question: Mapping[str, Any],
    kind: QuestionKind,
    locale: str,
    default: str,
    translate: Callable[[str], str],
) -> dict[str, str]:
    builtin = kind.builtin_texts(question)
    labels = {
        str(o["code"]): translate(builtin[o["code"]])
        if o["code"] in builtin
        else localise(o.get("label"), locale, default)
        for o in question.get("options", [])
        if isinstance(o, Mapping) and "code" in o
    }
    for code, text in builtin.items():
        labels.setdefault(code, translate(text))
    return labels


def question_results(
    *,
    session: Session,
    site: Site,
    surveys: Sequence[Survey],
    locale: str,
    translate: Callable[[str], str] = str,
    only: Sequence[str] | None = None,
) -> list[QuestionView]:
    """A result for every question (``only``: just these keys), with the change since the
    previous round when the page is about one round that has one.

    Counting every closed answer of a large survey takes a while, so the results are kept until
    a new response or tag arrives (the same rule as the summary's quotes)."""
    from survey.services.insights import remembered

    versions = tuple(
        version.id
        for survey in surveys
        if (version := latest_version(session=session, survey=survey)) is not None
    )
    key = (
        "questions",
        tuple(_ids(surveys)),
        versions,  # a new version may word its questions differently
        None if only is None else tuple(only),
        locale,
        translate(PREFER_NOT_TO_SAY_LABEL),
        site.k_threshold,
    )
    return remembered(
        session,
        key,
        lambda: _question_results(
            session=session,
            site=site,
            surveys=surveys,
            locale=locale,
            translate=translate,
            only=only,
        ),
    )


def _question_results(
    *,
    session: Session,
    site: Site,
    surveys: Sequence[Survey],
    locale: str,
    translate: Callable[[str], str],
    only: Sequence[str] | None,
) -> list[QuestionView]:
    k = check_threshold(site.k_threshold)
    asked = [
        (question, default, kind)
        for question, default in survey_questions(session=session, surveys=surveys)
        if (kind := kind_of(question)) is not None and (only is None or question["key"] in only)
    ]
    kinds = {question["key"]: kind for question, _default, kind in asked}
    now = tallies(session, _ids(surveys), kinds)
    before: dict[str, dict[Any, int]] = {}
    previous = previous_round(session=session, site=site, surveys=surveys)
    if previous is not None:
        before = tallies(session, _ids([previous]), kinds)
    views = []
    for question, default, kind in asked:
        key = question["key"]
        result = kind.result(question, now[key], k=k)
        if previous is not None and before.get(key):
            earlier = kind.result(question, before[key], k=k)
            numeric = kind.is_numeric
            result = with_change(
                result,
                earlier,
                before_tally=_numeric(before[key]) if numeric else None,
                after_tally=_numeric(now[key]) if numeric else None,
            )
        views.append(
            QuestionView(
                key=key,
                kind=kind.name,
                text=localise(question.get("text"), locale, default),
                labels=_labels(question, kind, locale, default, translate),
                result=result,
            )
        )
    return views


def _numeric(tally: Mapping[Any, int]) -> dict[float, int]:
    return {
        float(v): int(c)
        for v, c in tally.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def previous_round(*, session: Session, site: Site, surveys: Sequence[Survey]) -> Survey | None:
    """The round before, when the page is about exactly one round that repeats another."""
    if len(surveys) != 1 or surveys[0].previous_round_id is None:
        return None
    previous = session.get(Survey, surveys[0].previous_round_id)
    return previous if previous is not None and previous.site_id == site.id else None


def groups_of(raw: str | None) -> list[str]:
    """The groups a stored grouping answer puts someone in ("prefer not to say" and no answer
    join the unstated)."""
    from survey.kinds import PREFER_NOT_TO_SAY

    value = stored_value(raw)
    values = value if isinstance(value, tuple) else (value,)
    groups = [NOT_STATED if v in (None, "", PREFER_NOT_TO_SAY) else str(v) for v in values]
    return list(dict.fromkeys(groups)) or [NOT_STATED]


def question_breakdown(
    *,
    session: Session,
    site: Site,
    surveys: Sequence[Survey],
    question_key: str,
    by: str,
) -> tuple[Breakdown, list[str]] | None:
    """A closed question's answers per group of ``by``, small groups hidden; with the columns
    (options, scale points or histogram bars). ``None`` for a question the surveys do not ask."""
    found = {q["key"]: q for q, _default in survey_questions(session=session, surveys=surveys)}
    question = found.get(question_key)
    kind = kind_of(question) if question else None
    if question is None or kind is None or not kind.tallied:
        return None
    ids = _ids(surveys)
    target = aliased(Answer)
    group = aliased(Answer)
    group_value = cast(col(group.value), String).label("group_value")
    target_value = cast(col(target.value), String).label("target_value")
    rows = session.exec(
        select(group_value, target_value, func.count())
        .select_from(target)
        .join(Response, col(Response.id) == col(target.response_id))
        .outerjoin(
            group,
            (col(group.response_id) == col(target.response_id)) & (col(group.question_key) == by),
        )
        .where(
            col(Response.survey_id).in_(ids),
            col(target.question_key) == question_key,
            col(target.value).is_not(None),
            counted(),
        )
        .group_by(group_value, target_value)
    ).all()
    tally: dict[Any, int] = {}
    for _g, raw, people in rows:
        value = stored_value(raw)
        tally[value] = tally.get(value, 0) + int(people)
    columns = kind.categories(question, tally)
    sizes: dict[str, int] = {}
    counts: dict[str, dict[str, int]] = {}
    total = 0
    for raw_group, raw, people in rows:
        value = stored_value(raw)
        if value in (None, "", ()):
            continue
        total += int(people)
        for name in groups_of(raw_group):
            sizes[name] = sizes.get(name, 0) + int(people)
            bucket = counts.setdefault(name, {})
            for column in kind.category_of(question, value, columns):
                bucket[column] = bucket.get(column, 0) + int(people)
    table = breakdown_from_counts(
        sizes, counts, themes=columns, k=check_threshold(site.k_threshold), total=total
    )
    return table, columns


def choose_public_questions(
    *, session: Session, site: Site, surveys: Sequence[Survey], keys: Sequence[str]
) -> list[str]:
    """Show the results of these closed questions on the public page (unknown and free-text
    questions are ignored: the public page shows no one's words but approved quotes)."""
    closed = {
        question["key"]
        for question, _default in survey_questions(session=session, surveys=surveys)
        if (kind := kind_of(question)) is not None and kind.tallied
    }
    site.public_questions = [key for key in dict.fromkeys(keys) if key in closed]
    session.add(site)
    session.flush()
    return site.public_questions
