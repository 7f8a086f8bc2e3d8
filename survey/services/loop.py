"""Closing the loop with residents: the outcome, the partnership map, commitments, approved
quotes, and what the public page and the initiative team may see.

What reaches the public is decided here, in one place: no draft commitment, no quote that staff
did not approve (or later withdrew), no theme under the site's small-group threshold, nothing
about a retired theme.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from analysis.summary import check_threshold
from survey.document import N_, Problem, localise
from survey.models import (
    Answer,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    QuoteApproval,
    Response,
    Sector,
    Site,
    Stakeholder,
    StakeholderChange,
    Survey,
    SurveyStatus,
    User,
    utcnow,
)
from survey.services import insights
from survey.services.errors import InvalidDocument, NotFound
from survey.services.integrity import counted
from survey.services.tagging import codebook_for

#: the longest texts staff may type (longer ones are refused, never cut)
MAX_COMMITMENT_TEXT = 2000
MAX_SHORT_TEXT = 500
MAX_NAME = 200
TOO_LONG = N_("please keep it to %(max)s characters or fewer (it has %(length)s)")
BAD_DATE = N_("Please write the date as YYYY-MM-DD.")


def _too_long(where: str, text: str, limit: int) -> Problem | None:
    length = len(text.strip())
    if length <= limit:
        return None
    return Problem(where, TOO_LONG, params={"max": limit, "length": length})


def parse_date(raw: date | str | None, *, where: str) -> date | None:
    """A date typed as YYYY-MM-DD (empty: none). Anything else is refused, never ignored."""
    if raw is None or isinstance(raw, date):
        return raw
    text = raw.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidDocument([Problem(where, BAD_DATE)]) from None


PUBLIC_STATUSES = (
    CommitmentStatus.planned,
    CommitmentStatus.in_progress,
    CommitmentStatus.done,
    CommitmentStatus.dropped,
)


# -- the site's outcome and public page settings ------------------------------------------------


def update_public_settings(
    *,
    session: Session,
    site: Site,
    locale: str,
    outcome: str,
    locales: Sequence[str],
    next_round_opens: date | None,
    redact_names: Sequence[str],
) -> None:
    texts = dict(site.outcome)
    if outcome.strip():
        texts[locale] = outcome.strip()
    else:
        texts.pop(locale, None)
    site.outcome = texts
    site.locales = [
        site.default_locale,
        *[c for c in dict.fromkeys(locales) if c != site.default_locale],
    ]
    site.next_round_opens = next_round_opens
    site.redact_names = [n.strip() for n in redact_names if n.strip()]
    session.add(site)
    session.flush()


# -- the partnership map ------------------------------------------------------------------------


@dataclass(frozen=True)
class StakeholderInput:
    name: str
    kind: str = "organisation"
    sector: str = "other"
    influence: int = 2
    at_table: bool = False
    notes: str = ""


def _snapshot(stakeholder: Stakeholder) -> dict[str, Any]:
    return {
        "name": stakeholder.name,
        "kind": stakeholder.kind,
        "sector": str(stakeholder.sector),
        "influence": stakeholder.influence,
        "at_table": stakeholder.at_table,
        "notes": stakeholder.notes,
    }


def save_stakeholder(
    *,
    session: Session,
    site: Site,
    data: StakeholderInput,
    user: User | None,
    stakeholder: Stakeholder | None = None,
) -> Stakeholder:
    problems = []
    if not data.name.strip():
        problems.append(Problem("stakeholder", N_("a stakeholder needs a name")))
    long_name = _too_long("stakeholder", data.name, MAX_NAME)
    if long_name:
        problems.append(long_name)
    if data.sector not in {s.value for s in Sector}:
        problems.append(Problem("stakeholder", N_("unknown sector")))
    if data.influence not in (1, 2, 3):
        problems.append(Problem("stakeholder", N_("influence is 1 (a little), 2 or 3 (a lot)")))
    if problems:
        raise InvalidDocument(problems)
    target = stakeholder or Stakeholder(site_id=site.id, name="")  # type: ignore[arg-type]
    target.name = data.name.strip()
    target.kind = "person" if data.kind == "person" else "organisation"
    target.sector = Sector(data.sector)
    target.influence = data.influence
    target.at_table = data.at_table
    target.notes = data.notes.strip()
    target.updated_at = utcnow()
    session.add(target)
    session.flush()
    session.add(
        StakeholderChange(
            stakeholder_id=target.id,  # type: ignore[arg-type]
            changed_by=user.id if user else None,
            snapshot=_snapshot(target),
        )
    )
    session.flush()
    return target


def stakeholders_of(*, session: Session, site: Site) -> list[Stakeholder]:
    return list(
        session.exec(
            select(Stakeholder)
            .where(Stakeholder.site_id == site.id)
            .order_by(col(Stakeholder.influence).desc(), col(Stakeholder.name))
        )
    )


def stakeholder_at(*, session: Session, site: Site, stakeholder_id: int) -> Stakeholder:
    found = session.get(Stakeholder, stakeholder_id)
    if found is None or found.site_id != site.id:
        raise NotFound(str(stakeholder_id))
    return found


def history_of(
    *, session: Session, stakeholder: Stakeholder
) -> list[tuple[StakeholderChange, str | None]]:
    rows = session.exec(
        select(StakeholderChange, User.email)
        .join(User, col(User.id) == col(StakeholderChange.changed_by), isouter=True)
        .where(StakeholderChange.stakeholder_id == stakeholder.id)
        .order_by(col(StakeholderChange.changed_at).desc(), col(StakeholderChange.id).desc())
    ).all()
    return [(change, email) for change, email in rows]


@dataclass(frozen=True)
class MapView:
    by_sector: Mapping[str, list[Stakeholder]]
    missing: list[Stakeholder]  #: influential (3) but not at the table: who to bring in


def partnership_map(*, session: Session, site: Site) -> MapView:
    people = stakeholders_of(session=session, site=site)
    by_sector: dict[str, list[Stakeholder]] = {}
    for stakeholder in people:
        by_sector.setdefault(str(stakeholder.sector), []).append(stakeholder)
    return MapView(
        by_sector=by_sector, missing=[s for s in people if s.influence == 3 and not s.at_table]
    )


# -- commitments ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommitmentInput:
    text: str
    target: str
    partners: str
    themes: Sequence[str]
    due: date | str | None  #: a date, or as typed (YYYY-MM-DD; empty for none)
    status: str


def save_commitment(
    *,
    session: Session,
    site: Site,
    data: CommitmentInput,
    locale: str,
    commitment: Commitment | None = None,
) -> Commitment:
    problems = []
    if not data.text.strip():
        problems.append(Problem("commitment", N_("say what will be done")))
    for text, limit in (
        (data.text, MAX_COMMITMENT_TEXT),
        (data.target, MAX_SHORT_TEXT),
        (data.partners, MAX_SHORT_TEXT),
    ):
        long_text = _too_long("commitment", text, limit)
        if long_text:
            problems.append(long_text)
    due: date | None = None
    try:
        due = parse_date(data.due, where="commitment")
    except InvalidDocument as error:
        problems.extend(error.problems)
    if data.status not in {s.value for s in CommitmentStatus}:
        problems.append(Problem("commitment", N_("unknown status")))
    known = set(codebook_for(session=session, site=site).keys)
    unknown = [t for t in data.themes if t not in known]
    if unknown:
        problems.append(
            Problem(
                "commitment", N_("unknown theme: %(keys)s"), params={"keys": ", ".join(unknown)}
            )
        )
    if problems:
        raise InvalidDocument(problems)
    target = commitment or Commitment(site_id=site.id)  # type: ignore[arg-type]
    target.text = {**target.text, locale: data.text.strip()}
    target.target = (
        {**target.target, locale: data.target.strip()}
        if data.target.strip()
        else {k: v for k, v in target.target.items() if k != locale}
    )
    target.partners = data.partners.strip()
    target.themes = list(dict.fromkeys(data.themes))
    target.due = due
    target.status = CommitmentStatus(data.status)
    target.updated_at = utcnow()
    session.add(target)
    session.flush()
    return target


def commitments_of(*, session: Session, site: Site, public_only: bool = False) -> list[Commitment]:
    statement = select(Commitment).where(Commitment.site_id == site.id)
    if public_only:
        statement = statement.where(col(Commitment.status).in_([s.value for s in PUBLIC_STATUSES]))
    return list(
        session.exec(
            statement.order_by(
                col(Commitment.due).is_(None), col(Commitment.due), col(Commitment.id)
            )
        )
    )


def commitment_at(*, session: Session, site: Site, commitment_id: int) -> Commitment:
    found = session.get(Commitment, commitment_id)
    if found is None or found.site_id != site.id:
        raise NotFound(str(commitment_id))
    return found


def add_update(
    *,
    session: Session,
    commitment: Commitment,
    text: str,
    locale: str,
    on: date | str | None,
    user: User | None,
) -> CommitmentUpdate:
    """Add an update; ``on`` is a date or as typed (YYYY-MM-DD; empty for today)."""
    problems = []
    if not text.strip():
        problems.append(Problem("commitment", N_("write what happened")))
    long_text = _too_long("commitment", text, MAX_COMMITMENT_TEXT)
    if long_text:
        problems.append(long_text)
    day: date | None = None
    try:
        day = parse_date(on, where="commitment")
    except InvalidDocument as error:
        problems.extend(error.problems)
    if problems:
        raise InvalidDocument(problems)
    update = CommitmentUpdate(
        commitment_id=commitment.id,  # type: ignore[arg-type]
        text={locale: text.strip()},
        on=day or utcnow().date(),
        created_by=user.id if user else None,
    )
    commitment.updated_at = utcnow()
    session.add_all([update, commitment])
    session.flush()
    return update


def updates_of(
    *, session: Session, commitments: Sequence[Commitment]
) -> dict[int, list[CommitmentUpdate]]:
    ids = [c.id for c in commitments]
    found: dict[int, list[CommitmentUpdate]] = {}
    for update in session.exec(
        select(CommitmentUpdate)
        .where(col(CommitmentUpdate.commitment_id).in_(ids))
        .order_by(col(CommitmentUpdate.on).desc(), col(CommitmentUpdate.id).desc())
    ):
        found.setdefault(update.commitment_id, []).append(update)
    return found


# -- quotes for the public ---------------------------------------------------------------------


def quote_preview(*, session: Session, site: Site, answer_id: int) -> tuple[Answer, str]:
    """The answer and its text exactly as the public would see it (redacted)."""
    answer = session.exec(
        select(Answer)
        .join(Response, col(Response.id) == col(Answer.response_id))
        .where(Answer.id == answer_id, Response.site_id == site.id, col(Answer.text).is_not(None))
    ).first()
    if answer is None:
        raise NotFound(str(answer_id))
    return answer, insights.redactor_for(site)(answer.text or "")


def approve_quote(
    *,
    session: Session,
    site: Site,
    answer_id: int,
    theme: str | None,
    user: User | None,
    shown_text: str,
) -> QuoteApproval:
    """Approve what was shown. If the redacted text changed since (new names flagged), refuse."""
    answer, text = quote_preview(session=session, site=site, answer_id=answer_id)
    if text != shown_text:
        raise InvalidDocument(
            [Problem("quote", N_("the quote changed since you saw it; please look again"))]
        )
    # Approving twice (a double click, a reload) keeps the one approval: the quote shows once.
    already = session.exec(
        select(QuoteApproval).where(
            QuoteApproval.site_id == site.id,
            QuoteApproval.answer_id == answer.id,
            QuoteApproval.text == text,
            col(QuoteApproval.withdrawn_at).is_(None),
        )
    ).first()
    if already is not None:
        return already
    approval = QuoteApproval(
        site_id=site.id,  # type: ignore[arg-type]
        answer_id=answer.id,  # type: ignore[arg-type]
        text=text,
        lang=answer.lang or "en",
        theme_key=theme,
        approved_by=user.id if user else None,
    )
    session.add(approval)
    session.flush()
    return approval


def withdraw_quote(*, session: Session, site: Site, approval_id: int) -> None:
    approval = session.get(QuoteApproval, approval_id)
    if approval is None or approval.site_id != site.id:
        raise NotFound(str(approval_id))
    approval.withdrawn_at = utcnow()
    session.add(approval)
    session.flush()


def approved_quotes(
    *, session: Session, site: Site, counted_only: bool = False
) -> list[QuoteApproval]:
    """Quotes approved and not withdrawn; with ``counted_only``, not from a response staff left
    out of summaries (the public page)."""
    query = select(QuoteApproval).where(
        QuoteApproval.site_id == site.id, col(QuoteApproval.withdrawn_at).is_(None)
    )
    if counted_only:
        query = query.join(Answer, col(Answer.id) == col(QuoteApproval.answer_id)).where(
            counted(Answer.response_id)
        )
    return list(session.exec(query.order_by(col(QuoteApproval.approved_at).desc())))


# -- what the public sees -------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicTheme:
    key: str
    label: str
    count: int
    share: float


@dataclass(frozen=True)
class PublicCommitment:
    text: str
    target: str
    partners: str
    themes: tuple[str, ...]
    due: date | None
    status: str
    latest_update: str | None
    latest_update_on: date | None


@dataclass(frozen=True)
class PublicPage:
    site: Site
    outcome: str
    survey: Survey | None  #: the round shown (see :func:`shown_round`)
    responses: int
    themes: tuple[PublicTheme, ...]
    quotes: tuple[QuoteApproval, ...]
    commitments: tuple[PublicCommitment, ...]
    next_round_opens: date | None
    labels: Mapping[str, str] = field(default_factory=dict)


def shown_round(*, session: Session, site: Site, k: int) -> tuple[Survey | None, int]:
    """The round the public page reports, and how many people answered it in their own words.

    The newest published round once at least ``k`` people answered it; until then the round
    before keeps showing, so opening a new round (or publishing a test) does not blank the page.
    """
    rounds = session.exec(
        select(Survey)
        .where(Survey.site_id == site.id, Survey.status != SurveyStatus.draft)
        .order_by(col(Survey.created_at).desc(), col(Survey.id).desc())
    ).all()
    for survey in rounds:
        people = insights.open_answer_people(session, [survey.id or 0])
        if people >= k:
            return survey, people
    newest = rounds[0] if rounds else None
    people = insights.open_answer_people(session, [newest.id or 0]) if newest else 0
    return newest, people


def public_page(*, session: Session, site: Site, locale: str) -> PublicPage:
    codebook = codebook_for(session=session, site=site)
    active = set(codebook.keys)
    k = check_threshold(site.k_threshold)
    survey, responses = shown_round(session=session, site=site, k=k)
    themes: list[PublicTheme] = []
    if survey is not None:
        ids = [survey.id or 0]
        for key, count in insights.theme_counts(session, ids).items():
            # A theme raised by fewer than k people is left out: too few to show safely.
            if key in active and count >= k:
                themes.append(
                    PublicTheme(
                        key,
                        codebook.label(key, locale),
                        count,
                        count / responses if responses else 0,
                    )
                )
        themes.sort(key=lambda t: (-t.count, t.label))
    quotes = tuple(
        q
        for q in approved_quotes(session=session, site=site, counted_only=True)
        if q.theme_key is None or q.theme_key in active
    )
    public = commitments_of(session=session, site=site, public_only=True)
    updates = updates_of(session=session, commitments=public)
    default = site.default_locale
    shown = []
    for commitment in public:
        recent = updates.get(commitment.id or 0)
        latest = recent[0] if recent else None
        shown.append(
            PublicCommitment(
                text=localise(commitment.text, locale, default),
                target=localise(commitment.target, locale, default),
                partners=commitment.partners,
                themes=tuple(codebook.label(t, locale) for t in commitment.themes if t in active),
                due=commitment.due,
                status=str(commitment.status),
                latest_update=localise(latest.text, locale, default) if latest else None,
                latest_update_on=latest.on if latest else None,
            )
        )
    return PublicPage(
        site=site,
        outcome=localise(site.outcome, locale, default),
        survey=survey,
        responses=responses,
        themes=tuple(themes[:6]),
        quotes=quotes[:6],
        commitments=tuple(shown),
        next_round_opens=site.next_round_opens,
        labels={key: codebook.label(key, locale) for key in codebook.keys},
    )


# -- the initiative team's view across sites ---------------------------------------------------


@dataclass(frozen=True)
class CrossSiteRow:
    site: Site
    #: open answers (one per response that has one) over every published survey and round: a
    #: resident who answered two rounds counts twice (answers are anonymous, never linked)
    n: int
    counts: Mapping[str, int | None]  #: None where the count is under the site's k
    commitments: Mapping[str, int]  #: status → how many
    surveys: int = 0  #: published surveys and rounds counted


def across_sites(
    *, session: Session, sites: Sequence[Site], themes: Sequence[str]
) -> list[CrossSiteRow]:
    rows = []
    for site in sites:
        surveys = [
            s
            for s in session.exec(select(Survey).where(Survey.site_id == site.id))
            if s.status != "draft"
        ]
        ids = [s.id or 0 for s in surveys]
        n = insights.open_answer_people(session, ids) if ids else 0
        counts = insights.theme_counts(session, ids) if ids else {}
        k = check_threshold(site.k_threshold)
        by_status = dict(
            session.exec(
                select(Commitment.status, func.count(col(Commitment.id)))
                .where(Commitment.site_id == site.id)
                .group_by(col(Commitment.status))
            ).all()
        )
        rows.append(
            CrossSiteRow(
                site=site,
                n=n if n >= k else 0,
                counts={t: (counts.get(t, 0) if counts.get(t, 0) >= k else None) for t in themes},
                commitments={str(status): int(count) for status, count in by_status.items()},
                surveys=len(surveys),
            )
        )
    return rows
