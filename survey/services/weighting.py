"""Theme shares weighted to the neighbourhood: each person's answers count as much as their
group's share of the neighbourhood asks (post-stratification on one question with reference
shares, raking on several), with capped weights.

People are counted in the database by *cell* — their groups on every weighting question — and by
cell and theme, so weighting a hundred thousand answers is two grouped counts and a small table
(the counts are kept until a new response or tag arrives, like the summary's quotes); the weights
come from ``analysis.weighting``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, cast, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from analysis import DEFAULT_CAP, MIN_GROUP, CannotWeight, rake, weighted_shares
from analysis.summary import wilson_interval
from survey.document import PREFER_NOT_TO_SAY
from survey.models import Answer, AnswerTag, Response, Site, Survey
from survey.services.insights import GroupingQuestion, Summary, remembered
from survey.services.integrity import counted
from survey.services.representation import referable_questions, references_of
from survey.services.results import stored_value


@dataclass(frozen=True)
class WeightedTheme:
    key: str
    label: str
    unweighted: float
    share: float
    low: float  #: Wilson 95 % interval on the effective sample size
    high: float


@dataclass(frozen=True)
class TooFew:
    question: str  #: the question's text in the reader's language
    group: str  #: the group's label
    n: int


@dataclass(frozen=True)
class WeightedSummary:
    questions: tuple[GroupingQuestion, ...]  #: weighted on these
    n: int  #: people who wrote in their own words
    themes: tuple[WeightedTheme, ...] = ()
    effective_n: float | None = None
    design_effect: float | None = None
    cap: float | None = DEFAULT_CAP
    capped: int = 0  #: people whose weight was cut to the cap
    margin_gap: float = 0.0  #: how far capped weights leave a group from its reference share
    too_few: tuple[TooFew, ...] = ()  #: why weighting was refused; empty when it was done
    minimum: int = MIN_GROUP

    @property
    def weighted(self) -> bool:
        return not self.too_few and bool(self.themes)

    @property
    def method(self) -> str:
        return "raking" if len(self.questions) > 1 else "post_stratification"


def _code(raw: Any) -> str | None:
    """The group a stored answer puts a person in; none for several choices or no answer."""
    value = stored_value(raw)
    if isinstance(value, tuple) or value in (None, "", PREFER_NOT_TO_SAY):
        return None
    return str(value)


def cell_counts(
    session: Session, ids: Sequence[int], keys: Sequence[str]
) -> tuple[list[dict[str, str | None]], list[int], dict[str, list[int]]]:
    """People who wrote an open answer, by cell (their group on each of ``keys``), and by cell
    and theme: ``(cells, people per cell, theme → people per cell)``."""
    answers = [aliased(Answer) for _ in keys]
    values = [cast(a.value, String).label(f"group_{i}") for i, a in enumerate(answers)]
    people: Any = select(*values, func.count(col(Response.id)))  # type: ignore[call-overload]
    people = people.select_from(Response)
    for alias, key in zip(answers, keys, strict=True):
        people = people.outerjoin(
            alias, and_(col(alias.response_id) == col(Response.id), col(alias.question_key) == key)
        )
    people = people.where(
        col(Response.survey_id).in_(ids), col(Response.open_text).is_(True), counted()
    )
    people = people.group_by(*values)
    themed: Any = select(  # type: ignore[call-overload]
        *values, AnswerTag.theme_key, func.count(func.distinct(col(AnswerTag.response_id)))
    )
    themed = themed.select_from(AnswerTag)  # a person counts once per theme
    for alias, key in zip(answers, keys, strict=True):
        themed = themed.outerjoin(
            alias,
            and_(
                col(alias.response_id) == col(AnswerTag.response_id),
                col(alias.question_key) == key,
            ),
        )
    themed = themed.where(
        col(AnswerTag.survey_id).in_(ids),
        col(AnswerTag.effective).is_(True),
        counted(AnswerTag.response_id),
    )
    themed = themed.group_by(*values, col(AnswerTag.theme_key))
    index: dict[tuple[str | None, ...], int] = {}
    cells: list[dict[str, str | None]] = []
    sizes: list[int] = []
    for row in session.exec(people).all():
        codes = tuple(_code(v) for v in row[: len(keys)])
        if codes not in index:
            index[codes] = len(cells)
            cells.append(dict(zip(keys, codes, strict=True)))
            sizes.append(0)
        sizes[index[codes]] += int(row[-1])
    hits: dict[str, list[int]] = {}
    for row in session.exec(themed).all():
        codes = tuple(_code(v) for v in row[: len(keys)])
        theme, count = str(row[-2]), int(row[-1])
        if codes not in index:
            continue
        per_cell = hits.setdefault(theme, [0] * len(cells))
        per_cell[index[codes]] += count
    return cells, sizes, hits


def weighted_summary(
    *, session: Session, site: Site, surveys: Sequence[Survey], summary: Summary, locale: str
) -> WeightedSummary | None:
    """The summary's theme shares weighted to the site's reference shares; ``None`` when no
    question of ``surveys`` has reference shares."""
    saved = references_of(session=session, site=site)
    questions = tuple(
        q
        for q in referable_questions(session=session, site=site, locale=locale, surveys=surveys)
        if q.key in saved and any(v > 0 for v in saved[q.key].shares.values())
    )
    if not questions:
        return None
    ids = [s.id for s in surveys if s.id is not None]
    keys = [q.key for q in questions]
    # Counting people by cell reads every tag: kept until a new response or tag arrives.
    cells, sizes, hits = remembered(
        session,
        ("weighting-cells", tuple(ids), tuple(keys)),
        lambda: cell_counts(session, ids, keys),
    )
    targets = {key: dict(saved[key].shares) for key in keys}
    try:
        weights = rake(cells, sizes, targets, cap=DEFAULT_CAP, min_group=MIN_GROUP)
    except CannotWeight as refused:
        texts = {q.key: q for q in questions}
        return WeightedSummary(
            questions=questions,
            n=summary.n,
            too_few=tuple(
                TooFew(
                    texts[g.question].text,
                    texts[g.question].options.get(g.group, g.group),
                    g.n,
                )
                for g in refused.small
            ),
        )
    shown = [row for row in summary.themes if not row.retired]
    shares = weighted_shares(
        weights.weights, sizes, {row.key: hits.get(row.key, [0] * len(cells)) for row in shown}
    )
    effective = max(1, round(weights.effective_n))
    themes = []
    for row in shown:
        share = shares[row.key]
        low, high = wilson_interval(min(effective, round(share * effective)), effective)
        themes.append(WeightedTheme(row.key, row.label, row.share, share, low, high))
    themes.sort(key=lambda t: (-t.share, t.label))
    return WeightedSummary(
        questions=questions,
        n=summary.n,
        themes=tuple(themes),
        effective_n=weights.effective_n,
        design_effect=weights.design_effect,
        cap=weights.cap,
        capped=weights.capped,
        margin_gap=weights.margin_gap,
    )
