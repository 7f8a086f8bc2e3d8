"""Near-identical answers arriving in a burst: flagged for staff, never deleted, and without
knowing anything about who sent them (no address or device is stored; only the answers' text and
time are compared).

A response is in a burst when at least ``BURST_SIZE`` responses to the same survey within
``BURST_WINDOW`` have the same open answers once case, spacing and punctuation are set aside.

Staff look at the flagged responses and may leave them out of summaries (``exclude``) or count
them again (``include``). A response left out stays stored and in the raw export (marked there);
every count, share, summary and theme export reads responses through ``counted``, the one filter
that leaves it out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from survey.models import Answer, Response, Site, Survey

BURST_WINDOW = timedelta(minutes=10)
BURST_SIZE = 3
#: how many of the latest sends in the window a new one is compared with
RECENT = 500
_NOT_WORD = re.compile(r"[\W_]+")


def _normal(text: str) -> str:
    return _NOT_WORD.sub(" ", text.casefold()).strip()


def flag_bursts(*, session: Session, response: Response) -> int:
    """Flag ``response`` and its near-identical neighbours when they make a burst; how many
    responses the burst holds (0 when there is none)."""
    own = session.exec(
        select(Answer.question_key, Answer.text).where(
            Answer.response_id == response.id, col(Answer.text).is_not(None)
        )
    ).all()
    key = tuple(sorted((q, _normal(t or "")) for q, t in own))
    if not key or not any(text for _q, text in key):
        return 0
    # The most recent sends in the window (newest first, at most RECENT of them), then their
    # answers: a Send costs the same in the middle of a campaign as on a quiet day.
    recent = (
        select(Response.id)
        .where(
            Response.survey_id == response.survey_id,
            col(Response.submitted_at) >= response.submitted_at - BURST_WINDOW,
        )
        .order_by(col(Response.submitted_at).desc())
        .limit(RECENT)
    )
    candidates = session.exec(
        select(Answer.response_id, Answer.question_key, Answer.text, Response.burst)
        .join(Response, col(Response.id) == col(Answer.response_id))
        .where(
            col(Answer.response_id).in_(recent.scalar_subquery()),
            col(Answer.text).is_not(None),
            col(Answer.question_key).in_([q for q, _t in key]),
        )
    ).all()
    texts: dict[int, list[tuple[str, str]]] = defaultdict(list)
    flagged: set[int] = set()
    for response_id, question, text, burst in candidates:
        texts[response_id].append((question, _normal(text or "")))
        if burst:
            flagged.add(response_id)
    same = [rid for rid, answers in texts.items() if tuple(sorted(answers)) == key]
    if len(same) < BURST_SIZE:
        return 0
    unflagged = [rid for rid in same if rid not in flagged]  # in a long burst, only the new one
    if unflagged:
        session.execute(update(Response).where(col(Response.id).in_(unflagged)).values(burst=True))
        session.flush()
    return len(same)


def _count_marked(session: Session, survey_ids: Sequence[int], mark: Any) -> int:
    return int(
        session.exec(
            select(func.count(col(Response.id))).where(
                col(Response.survey_id).in_(survey_ids), col(mark).is_(True)
            )
        ).one()
    )


def flagged_count(*, session: Session, survey_ids: Sequence[int]) -> int:
    """Responses in a burst of near-identical answers."""
    return _count_marked(session, survey_ids, Response.burst)


def counted(response_id: Any = None) -> ColumnElement[bool]:
    """The condition that keeps responses staff left out of every count and summary.

    Without an argument, for a query that reads the ``Response`` table itself; given the column
    that holds a response's id in another table (``AnswerTag.response_id``,
    ``Answer.response_id``), for a query that does not join responses. The few responses left
    out are found through their own index.
    """
    if response_id is None:
        return col(Response.excluded).is_(False)
    left_out = select(Response.id).where(col(Response.excluded).is_(True))
    return col(response_id).not_in(left_out)


def exclusion_mark(session: Session) -> tuple[int, ...]:
    """Changes whenever responses are left out or counted again (for what is remembered): the
    ids of the responses left out, which are few and found through their own index."""
    ids = session.exec(
        select(Response.id).where(col(Response.excluded).is_(True)).order_by(col(Response.id))
    ).all()
    return tuple(int(i or 0) for i in ids)


@dataclass(frozen=True)
class Flagged:
    """A flagged response as staff see it: when, how, and the open answers (nothing else)."""

    id: int
    survey_slug: str
    submitted_at: datetime
    locale: str
    channel: str
    excluded: bool
    answers: tuple[tuple[str, str], ...]  #: (question key, the open answer's text)


def flagged(
    *, session: Session, site: Site, survey: Survey | None = None, limit: int = 200
) -> list[Flagged]:
    """The site's flagged responses, newest first (one survey's, or every survey's)."""
    query = (
        select(Response, Survey.slug)
        .join(Survey, col(Survey.id) == col(Response.survey_id))
        .where(Response.site_id == site.id, col(Response.burst).is_(True))
    )
    if survey is not None:
        query = query.where(Response.survey_id == survey.id)
    rows = session.exec(query.order_by(col(Response.id).desc()).limit(limit)).all()
    # Only the open answers (what made the burst): choices such as age or neighbourhood together
    # could point at a person, and are not needed to judge a burst.
    answers: dict[int, list[tuple[str, str]]] = {}
    ids = [response.id for response, _slug in rows]
    for response_id, key, text in session.exec(
        select(Answer.response_id, Answer.question_key, Answer.text)
        .where(col(Answer.response_id).in_(ids), col(Answer.text).is_not(None))
        .order_by(col(Answer.id))
    ):
        answers.setdefault(response_id, []).append((key, text or ""))
    return [
        Flagged(
            id=response.id or 0,
            survey_slug=slug,
            submitted_at=response.submitted_at,
            locale=response.locale,
            channel=str(response.channel),
            excluded=response.excluded,
            answers=tuple(answers.get(response.id or 0, [])),
        )
        for response, slug in rows
    ]


def set_excluded(
    *,
    session: Session,
    site: Site,
    excluded: bool,
    response_ids: Sequence[int] | None = None,
    survey: Survey | None = None,
) -> int:
    """Leave flagged responses out of summaries (or count them again): the ones named, or every
    flagged one of ``survey``; only the site's own flagged responses change. How many changed."""
    query = update(Response).where(
        col(Response.site_id) == site.id,
        col(Response.burst).is_(True),
        col(Response.excluded).is_(not excluded),
    )
    if response_ids is not None:
        query = query.where(col(Response.id).in_(list(response_ids)))
    if survey is not None:
        query = query.where(col(Response.survey_id) == survey.id)
    if response_ids is None and survey is None:
        raise ValueError("name the responses or the survey")
    changed = session.execute(query.values(excluded=excluded))
    session.flush()
    return int(changed.rowcount)  # type: ignore[attr-defined]


def survey_slugs(*, session: Session, site: Site, response_ids: Sequence[int]) -> list[str]:
    """The slugs of the site's surveys these responses belong to (to name them in the audit)."""
    return list(
        session.exec(
            select(Survey.slug)
            .join(Response, col(Response.survey_id) == col(Survey.id))
            .where(Response.site_id == site.id, col(Response.id).in_(list(response_ids)))
            .distinct()
            .order_by(col(Survey.slug))
        ).all()
    )


def excluded_count(*, session: Session, survey_ids: Sequence[int]) -> int:
    """Responses staff left out of summaries."""
    return _count_marked(session, survey_ids, Response.excluded)
