"""Every table, in one module. Survey content is ``{locale: text}`` JSON; answers store codes.

Nothing here knows about residents' identity: a response records when, in which language and
through which channel it came, never an IP address or a user agent.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
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
    #: enabled languages, default first
    locales: list[str] = _json(default_factory=lambda: ["en"])
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

    __table_args__ = (Index("ix_response_survey_submitted", "survey_id", "submitted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    survey_id: int = Field(foreign_key="survey.id")
    version_id: int = Field(foreign_key="surveyversion.id", index=True)
    #: locale the resident answered in
    locale: str = Field(max_length=16)
    channel: Channel = Field(default=Channel.web, max_length=16)
    #: the token of the form that was sent; a second send of the same form stores nothing
    token: str = Field(max_length=64, unique=True)
    submitted_at: datetime = Field(default_factory=utcnow)


class Answer(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("response_id", "question_key"),
        Index("ix_answer_question", "question_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id", index=True, ondelete="CASCADE")
    #: the question's key in the response's version
    question_key: str = Field(max_length=64)
    #: the answer as stored: text, a number, an option code, or a list of codes
    value: Any = _json()
    #: the open text, for tagging and search (null for closed questions)
    text: str | None = Field(default=None)


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
    #: changes when the password changes, which signs every other session out
    session_nonce: str = Field(max_length=32)
    #: preferred interface language
    locale: str = Field(default="en", max_length=16)
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
