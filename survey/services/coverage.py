"""How many written answers in each language got no theme, and where that rate stands out.

An answer with no theme counts for nothing in the theme shares; when one language's answers are
left untagged far more often than the others', those residents are under-counted in every share.
The insights page and the API show the per-language figures and say so in plain words. The
statistics (rates, intervals, what counts as "far") come from :mod:`analysis.parity`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from analysis.parity import LanguageCoverage, untagged_by_language
from survey.models import Answer, AnswerTag, Response, Survey
from survey.services.integrity import counted


def untagged_answers(
    *, session: Session, surveys: Sequence[Survey]
) -> tuple[LanguageCoverage, ...]:
    """Per language of the answer: written answers, how many carry no theme that counts, and
    whether that rate is far above the other languages'. One grouped query."""
    ids = [s.id for s in surveys if s.id is not None]
    if not ids:
        return ()
    tagged = (
        select(AnswerTag.answer_id)
        .where(col(AnswerTag.survey_id).in_(ids), col(AnswerTag.effective).is_(True))
        .distinct()
    )
    untagged = func.sum(case((col(Answer.id).in_(tagged), 0), else_=1))
    statement = (
        select(Answer.lang, func.count(col(Answer.id)), untagged)
        .join(Response, col(Response.id) == col(Answer.response_id))
        .where(
            col(Response.survey_id).in_(ids),
            counted(),
            # an answer still being read has no theme yet, not none at all
            col(Answer.tagged_at).is_not(None),
            col(Answer.text).is_not(None),
            func.trim(col(Answer.text)) != "",
        )
        .group_by(col(Answer.lang))
    )
    counts: dict[str, tuple[int, int]] = {}
    for lang, n, missing in session.exec(statement).all():
        key = lang or "en"
        before = counts.get(key, (0, 0))
        counts[key] = (before[0] + int(n), before[1] + int(missing or 0))
    return untagged_by_language(counts)
