"""Per-site read-only API keys. The key is shown once; only its hash is kept."""

from __future__ import annotations

import hashlib
import secrets

from sqlmodel import Session, col, select

from survey.document import N_, Problem
from survey.models import ApiToken, Site, User, utcnow
from survey.services.errors import InvalidDocument, NotFound

PREFIX = "cv_"
MAX_NAME = 120


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create(*, session: Session, site: Site, name: str, user: User | None) -> tuple[ApiToken, str]:
    name = name.strip()
    if len(name) > MAX_NAME:
        raise InvalidDocument(
            [
                Problem(
                    "key",
                    N_("please keep it to %(max)s characters or fewer (it has %(length)s)"),
                    params={"max": MAX_NAME, "length": len(name)},
                )
            ]
        )
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        site_id=site.id,  # type: ignore[arg-type]
        name=name or "API",
        token_hash=_hash(raw),
        created_by=user.id if user else None,
    )
    session.add(token)
    session.flush()
    return token, raw


def tokens_of(*, session: Session, site: Site) -> list[ApiToken]:
    return list(
        session.exec(
            select(ApiToken).where(ApiToken.site_id == site.id).order_by(col(ApiToken.id).desc())
        )
    )


def revoke(*, session: Session, site: Site, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is None or token.site_id != site.id:
        raise NotFound(str(token_id))
    token.revoked_at = utcnow()
    session.add(token)
    session.flush()


def site_for_token(*, session: Session, raw: str, site_slug: str) -> Site | None:
    """The site if ``raw`` is a live key for it; ``None`` otherwise (never says which part failed)."""
    token = session.exec(
        select(ApiToken).where(
            ApiToken.token_hash == _hash(raw), col(ApiToken.revoked_at).is_(None)
        )
    ).first()
    if token is None:
        return None
    site = session.get(Site, token.site_id)
    return site if site is not None and site.slug == site_slug else None
