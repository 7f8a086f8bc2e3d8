"""Every table, in one module. Survey content is ``{locale: text}`` JSON; answers store codes.

Nothing here knows about residents' identity: a response records when, in which language and
through which channel it came, never an IP address or a user agent.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _json(**kwargs: Any) -> Any:
    nullable = kwargs.pop("nullable", False)
    return Field(sa_column=Column(JSON, nullable=nullable), **kwargs)


class SurveyStatus(enum.StrEnum):
    draft = "draft"  #: never published; residents get 404
    open = "open"  #: residents can answer the latest published version
    closed = "closed"  #: residents see a friendly "this survey has closed" page (410)


class Channel(enum.StrEnum):
    web = "web"
    paper = "paper"
    kiosk = "kiosk"
    #: a staff tablet at a community event, in event mode (works offline)
    event = "event"


class Site(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    #: URL name, e.g. ``riverside``
    slug: str = Field(max_length=64, unique=True, index=True)
    #: display name (proper noun, not translated)
    name: str = Field(max_length=200)
    #: groups smaller than this are hidden in every breakdown (never below 5)
    k_threshold: int = Field(default=10)
    #: language the site works in by default
    default_locale: str = Field(default="en", max_length=16)
    #: languages of the public page, default first
    locales: list[str] = _json(default_factory=lambda: ["en"])
    #: the partnership's 3–6 year outcome, ``{locale: text}``
    outcome: dict[str, str] = _json(default_factory=dict)
    #: when residents will next be asked, shown on the public page (null: not announced)
    next_round_opens: date | None = Field(default=None)
    #: names staff flag for redaction in quotes (one per entry)
    redact_names: list[str] = _json(default_factory=list)
    #: keys of the closed questions whose results the public page shows (staff pick them)
    public_questions: list[str] = _json(default_factory=list)
    #: everyone who works on the site must sign in with a second factor (a code from an app)
    require_second_factor: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)


class Survey(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    #: owning site; every query about a survey is scoped by it
    site_id: int = Field(foreign_key="site.id", index=True)
    #: public URL name (``/s/<slug>``), unique across sites because the URL carries no site
    slug: str = Field(max_length=80, unique=True, index=True)
    #: draft / open / closed
    status: SurveyStatus = Field(default=SurveyStatus.draft, max_length=16)
    #: language every other language falls back to
    default_locale: str = Field(default="en", max_length=16)
    #: enabled languages, default first: any BCP 47 content language (``sw``, ``fa_AF``)
    locales: list[str] = _json(default_factory=lambda: ["en"])
    #: interface language (buttons, messages) shown with a content language the app has no
    #: catalog for
    interface_locale: str = Field(
        default="en", max_length=16, sa_column_kwargs={"server_default": "en"}
    )
    #: ``{locale: text}``
    title: dict[str, str] = _json(default_factory=dict)
    #: ``{locale: text}`` shown above the first page
    intro: dict[str, str] = _json(default_factory=dict)
    #: ``{locale: text}`` on the thank-you page
    thank_you: dict[str, str] = _json(default_factory=dict)
    #: survey this one repeats (a later round), if any
    previous_round_id: int | None = Field(default=None, foreign_key="survey.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Section(SQLModel, table=True):
    """A page of the draft survey."""

    __table_args__ = (UniqueConstraint("survey_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    #: stable key within the survey
    key: str = Field(max_length=64)
    #: order of pages, ascending
    position: int = Field(default=0)
    #: ``{locale: text}``, may be empty
    title: dict[str, str] = _json(default_factory=dict)


class Question(SQLModel, table=True):
    """A draft question. Residents never see these rows: they see a published version."""

    __table_args__ = (UniqueConstraint("survey_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    section_id: int = Field(foreign_key="section.id", index=True)
    #: stable key, used in exports and in ``show_if``
    key: str = Field(max_length=64)
    #: one of the kinds in ``survey.document.KINDS``
    kind: str = Field(max_length=32)
    #: order within the section, ascending
    position: int = Field(default=0)
    required: bool = Field(default=False)
    #: ``{locale: text}``
    text: dict[str, str] = _json(default_factory=dict)
    #: ``{locale: text}`` help shown under the question
    help: dict[str, str] = _json(default_factory=dict)
    #: ``[{"code": str, "label": {locale: text}}]`` for choice kinds
    options: list[dict[str, Any]] = _json(default_factory=list)
    #: kind-specific settings: ``scale`` for ratings, ``min``/``max``/``integer`` for numbers,
    #: ``max_length`` for text, ``multiple`` for demographics
    settings: dict[str, Any] = _json(default_factory=dict)
    #: ``{"question": key, "equals"|"includes": code}`` or null
    show_if: dict[str, str] | None = _json(default=None, nullable=True)


class SurveyVersion(SQLModel, table=True):
    """A published, immutable survey document. Responses point here."""

    __table_args__ = (UniqueConstraint("survey_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    #: 1, 2, 3… per survey
    number: int
    #: the survey document (see ``survey.document``); never updated after insert
    definition: dict[str, Any] = _json()
    published_at: datetime = Field(default_factory=utcnow)


class Response(SQLModel, table=True):
    """One resident's submission. Anonymous by design."""

    __table_args__ = (
        Index("ix_response_survey_submitted", "survey_id", "submitted_at"),
        Index("ix_response_survey_open", "survey_id", "open_text"),
        Index("ix_response_survey_locale", "survey_id", "locale"),
        Index("ix_response_survey_channel", "survey_id", "channel"),
        # Finds the few responses staff left out, for the filter every summary applies.
        Index("ix_response_excluded", "excluded"),
    )

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    survey_id: int = Field(foreign_key="survey.id")
    version_id: int = Field(foreign_key="surveyversion.id", index=True)
    #: locale the resident answered in
    locale: str = Field(max_length=16)
    channel: Channel = Field(default=Channel.web, max_length=16)
    #: the community event an answer was collected at (event mode), as staff named it
    event: str | None = Field(default=None, max_length=80, nullable=True)
    #: the token of the form that was sent; a second send of the same form stores nothing
    token: str = Field(max_length=64, unique=True)
    submitted_at: datetime = Field(default_factory=utcnow)
    #: the resident wrote at least one open answer (the base of every theme share)
    open_text: bool = Field(default=False)
    #: nearly the same answers as others that arrived in the same few minutes (flagged for staff,
    #: never deleted)
    burst: bool = Field(default=False)
    #: left out of summaries by staff (a flagged burst they judged not genuine); still stored
    excluded: bool = Field(default=False)


class Answer(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("response_id", "question_key"),
        Index("ix_answer_question", "question_key"),
        # Finds the open answers still being read (tagging runs in a job, after the Send).
        Index("ix_answer_untagged", "tagged_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id", index=True, ondelete="CASCADE")
    #: the question's key in the response's version
    question_key: str = Field(max_length=64)
    #: the answer as stored: text, a number, an option code, or a list of codes
    value: Any = _json()
    #: the open text, for tagging and search (null for closed questions)
    text: str | None = Field(default=None)
    #: the language the text is in (the resident's choice, confirmed by a detector)
    lang: str | None = Field(default=None, max_length=16)
    #: -1..1 where the language has a sentiment model; null means "not available", never neutral
    sentiment: float | None = Field(default=None)
    #: a person reviewed this answer's themes; from then on only their decisions count
    reviewed: bool = Field(default=False)
    #: when the tagger last read this open answer; null while it is still being read (tagging
    #: runs in a job after the Send, and an answer whose job was lost is found by this)
    tagged_at: datetime | None = Field(default=None)


class Role(enum.StrEnum):
    staff = "staff"  #: design, responses, review, commitments at one site
    analyst = "analyst"  #: read summaries and exports at one site


class User(SQLModel, table=True):
    """A member of a partnership's staff. Residents never have accounts."""

    id: int | None = Field(default=None, primary_key=True)
    #: lower-cased login name
    email: str = Field(max_length=254, unique=True, index=True)
    #: a scrypt hash from werkzeug.security; never the password
    password_hash: str = Field(max_length=255)
    #: admins see every site and manage users
    is_admin: bool = Field(default=False)
    active: bool = Field(default=True)
    #: the session generation: every session cookie carries it and stops working when it changes
    #: (sign-out, a password change, an administrator's "sign out everywhere")
    session_nonce: str = Field(max_length=32)
    #: preferred interface language
    locale: str = Field(default="en", max_length=16)
    #: the shared secret of the second factor (base32, for a time-based code app); set while
    #: the user enrols, kept once confirmed; never shown in logs or the audit log
    totp_secret: str | None = Field(default=None, max_length=64)
    #: the second factor is on: signing in asks for a code after the password
    totp_on: bool = Field(default=False)
    #: the 30-second time step of the last code accepted; a code of that step or earlier is
    #: refused, so one code cannot be used twice
    totp_last_step: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)

    # What a login session needs to know of its user (the login manager reads these names).
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """Changes with the password, so a password change signs other sessions out."""
        return f"{self.id}:{self.session_nonce}"


class Membership(SQLModel, table=True):
    """A user's role at one site."""

    __table_args__ = (UniqueConstraint("user_id", "site_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    site_id: int = Field(foreign_key="site.id", index=True, ondelete="CASCADE")
    role: Role = Field(max_length=16)


class TagStatus(enum.StrEnum):
    auto = "auto"  #: proposed by the tagger, not reviewed
    confirmed = "confirmed"  #: a reviewer kept it, or added it
    rejected = "rejected"  #: a reviewer removed it (kept to measure agreement)


class AnswerTag(SQLModel, table=True):
    """A theme on an open answer, automatic or human.

    ``effective`` is what summaries count: automatic tags until someone reviews the answer,
    then only the reviewer's decisions. Site and survey are copied here so that a summary is one
    indexed aggregate.
    """

    __table_args__ = (
        UniqueConstraint("answer_id", "theme_key", "reviewer_id"),
        # Covers the summary's one aggregate: counts and mean sentiment per theme.
        Index(
            "ix_answertag_summary",
            "survey_id",
            "effective",
            "theme_key",
            "response_id",
            "sentiment",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    answer_id: int = Field(foreign_key="answer.id", index=True, ondelete="CASCADE")
    response_id: int = Field(foreign_key="response.id", ondelete="CASCADE")
    survey_id: int = Field(foreign_key="survey.id")
    site_id: int = Field(foreign_key="site.id", index=True)
    #: a key of the site's codebook
    theme_key: str = Field(max_length=64)
    #: 0..1; 1 for a person's decision
    score: float = Field(default=1.0)
    #: ``codebook`` | ``learned`` | ``semantic`` | ``human``
    source: str = Field(max_length=16)
    status: TagStatus = Field(default=TagStatus.auto, max_length=16)
    #: who decided (null for automatic tags)
    reviewer_id: int | None = Field(default=None, foreign_key="user.id")
    effective: bool = Field(default=True)
    #: the answer's sentiment, copied so that summaries need not join answers
    sentiment: float | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)


class JobStatus(enum.StrEnum):
    queued = "queued"  #: waiting for a worker
    running = "running"  #: a worker is on it; ``done`` of ``total`` so far
    finished = "finished"
    failed = "failed"  #: stopped with an error (``error`` says which); nothing half-done counts


class Job(SQLModel, table=True):
    """Long work started from a page (tagging again, retraining, large imports and exports),
    recorded so that the page shows its progress, also after a reload or from another server."""

    id: int | None = Field(default=None, primary_key=True)
    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)
    #: what the job does: ``retag``, ``accept_model`` …
    kind: str = Field(max_length=32)
    status: JobStatus = Field(default=JobStatus.queued, max_length=16)
    #: units of work done so far, and how many there are (null while unknown)
    done: int = Field(default=0)
    total: int | None = Field(default=None)
    #: the job's arguments, and what it found when it finished
    params: dict[str, Any] = _json(default_factory=dict)
    result: dict[str, Any] = _json(default_factory=dict)
    error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = Field(default=None)
    finished_at: datetime | None = Field(default=None)


class Review(SQLModel, table=True):
    """One person read one answer and settled its themes (measures agreement between people)."""

    __table_args__ = (UniqueConstraint("answer_id", "reviewer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    answer_id: int = Field(foreign_key="answer.id", index=True, ondelete="CASCADE")
    reviewer_id: int = Field(foreign_key="user.id", index=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    reviewed_at: datetime = Field(default_factory=utcnow)


class SiteCodebook(SQLModel, table=True):
    """A site's codebook: starts as a copy of the default, staff edit it. Newest version wins."""

    __table_args__ = (UniqueConstraint("site_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    version: int
    #: the codebook document (``analysis.codebook`` format); themes are retired, never deleted
    document: dict[str, Any] = _json()
    created_at: datetime = Field(default_factory=utcnow)


class TaggerModel(SQLModel, table=True):
    """A learned tagger trained on a site's reviewed answers."""

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    #: the saved model directory, zipped
    archive: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    #: cross-validated figures per theme, and how many examples
    metrics: dict[str, Any] = _json(default_factory=dict)
    #: staff accepted it; the newest accepted model tags answers
    accepted: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)


class ApiToken(SQLModel, table=True):
    """A read-only key to a site's summaries for other tools. Only its hash is stored."""

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    name: str = Field(max_length=120)
    #: sha256 of the token
    token_hash: str = Field(max_length=64, unique=True)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = Field(default=None)


class QuoteApproval(SQLModel, table=True):
    """A quote staff approved for the public page, with the redacted text exactly as shown."""

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    answer_id: int = Field(foreign_key="answer.id", ondelete="CASCADE")
    #: what the public sees: the redacted text, frozen at approval
    text: str
    lang: str = Field(max_length=16)
    #: the theme it illustrates
    theme_key: str | None = Field(default=None, max_length=64)
    approved_by: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime = Field(default_factory=utcnow)
    #: set when approval is withdrawn; the quote leaves the public page
    withdrawn_at: datetime | None = Field(default=None)


class Sector(enum.StrEnum):
    government = "government"
    nonprofit = "nonprofit"
    business = "business"
    philanthropy = "philanthropy"
    resident_group = "resident_group"
    education = "education"
    health = "health"
    faith = "faith"
    other = "other"


class Stakeholder(SQLModel, table=True):
    """Someone who influences the site's outcome: the partnership map."""

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    name: str = Field(max_length=200)
    #: ``organisation`` | ``person``
    kind: str = Field(default="organisation", max_length=16)
    sector: Sector = Field(default=Sector.other, max_length=32)
    #: 1 (a little) … 3 (a lot)
    influence: int = Field(default=2)
    #: at the partnership's table now
    at_table: bool = Field(default=False)
    notes: str = Field(default="")
    updated_at: datetime = Field(default_factory=utcnow)


class StakeholderChange(SQLModel, table=True):
    """History of the map: who changed what about a stakeholder, and when."""

    id: int | None = Field(default=None, primary_key=True)
    stakeholder_id: int = Field(foreign_key="stakeholder.id", index=True, ondelete="CASCADE")
    changed_by: int | None = Field(default=None, foreign_key="user.id")
    changed_at: datetime = Field(default_factory=utcnow)
    #: the stakeholder's fields after the change
    snapshot: dict[str, Any] = _json()


class CommitmentStatus(enum.StrEnum):
    draft = "draft"  #: being written; never public
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    dropped = "dropped"


class Commitment(SQLModel, table=True):
    """What a partner commits to do about what residents said."""

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    #: ``{locale: text}``
    text: dict[str, str] = _json(default_factory=dict)
    #: theme keys it answers
    themes: list[str] = _json(default_factory=list)
    #: the partner or partners committing (proper names)
    partners: str = Field(default="", max_length=500)
    #: the measurable target, ``{locale: text}``
    target: dict[str, str] = _json(default_factory=dict)
    due: date | None = Field(default=None)
    status: CommitmentStatus = Field(default=CommitmentStatus.draft, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CommitmentUpdate(SQLModel, table=True):
    """A dated progress note on a commitment."""

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id", index=True, ondelete="CASCADE")
    #: ``{locale: text}``
    text: dict[str, str] = _json(default_factory=dict)
    on: date = Field(default_factory=lambda: utcnow().date())
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class LoginThrottle(SQLModel, table=True):
    """Failed staff sign-ins, counted per account and per address and shared by every app server.

    The key is a keyed hash (``account:…`` or ``address:…``): no email or address in clear.
    """

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    failures: int = Field(default=0)
    last_failure: datetime = Field(default_factory=utcnow)


class TokenPurpose(enum.StrEnum):
    invitation = "invitation"
    reset = "reset"


class AccountToken(SQLModel, table=True):
    """A link sent by e-mail to set a password: an invitation or a reset. Works once, expires."""

    id: int | None = Field(default=None, primary_key=True)
    #: SHA-256 of the token in the link; the token itself is never stored
    token_hash: str = Field(max_length=64, unique=True)
    purpose: TokenPurpose = Field(max_length=16)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = Field(default=None)


class AuditEvent(SQLModel, table=True):
    """A staff action that matters: who, what, when, which site. Never resident text."""

    __table_args__ = (Index("ix_auditevent_site_at", "site_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    #: the account that acted (kept as an address too, should the account go)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    actor: str = Field(default="", max_length=254)
    #: one of ``survey.services.audit.ACTIONS``
    action: str = Field(max_length=48)
    site_id: int | None = Field(default=None, foreign_key="site.id", ondelete="CASCADE")
    #: what was acted on, by its name (a survey's slug, an account's email, a key's label)
    target: str = Field(default="", max_length=254)


class ReferenceDistribution(SQLModel, table=True):
    """Who lives in a site's neighbourhood, by the groups of one question (a census, say), so that
    the people who answered can be compared with them and their answers weighted to them."""

    __table_args__ = (UniqueConstraint("site_id", "question_key"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    #: the key of a demographic or single-choice question in the site's surveys
    question_key: str = Field(max_length=64)
    #: option code → the neighbourhood's share, as entered (need not sum exactly to 1)
    shares: dict[str, float] = _json(default_factory=dict)
    #: where the shares come from, e.g. "ACS 2023 5-year, tracts 12, 14"
    source: str = Field(default="", max_length=300)
    #: the year the shares describe (null: not given)
    year: int | None = Field(default=None)
    #: what the partnership is doing about who was not heard, ``{locale: text}``, for the public page
    note: dict[str, str] = _json(default_factory=dict)
    updated_at: datetime = Field(default_factory=utcnow)
