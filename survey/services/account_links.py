"""Links that set a password: invitations (a new account) and resets. A link works once and
expires; only a hash of its token is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from survey.document import N_
from survey.models import AccountToken, Role, Site, TokenPurpose, User, utcnow
from survey.services import accounts
from survey.services.accounts import AccountError

LIFETIME = {TokenPurpose.invitation: timedelta(days=7), TokenPurpose.reset: timedelta(hours=2)}
LINK_UNUSABLE = N_(
    "This link has expired or was already used. Ask an administrator for a new one, or ask for "
    "a new password on the sign-in page."
)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue(*, session: Session, user: User, purpose: TokenPurpose) -> str:
    """A new link token for ``user`` (returned once, never stored); older unused links of the
    same purpose stop working."""
    for older in session.exec(
        select(AccountToken).where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at == None,  # noqa: E711
        )
    ).all():
        older.used_at = utcnow()
        session.add(older)
    raw = secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            token_hash=_hash(raw),
            purpose=purpose,
            user_id=user.id,  # type: ignore[arg-type]
            expires_at=utcnow() + LIFETIME[purpose],
        )
    )
    session.flush()
    return raw


def invite(
    *, session: Session, email: str, role: Role | None, site: Site | None, locale: str = "en"
) -> tuple[User, str]:
    """A new account that nobody can sign in to until its invitation link sets a password;
    ``role`` at ``site`` (``role=None`` invites an administrator)."""
    user = accounts.create_user(
        session=session,
        email=email,
        password=secrets.token_urlsafe(32),  # replaced by the invitee's own
        is_admin=role is None,
        locale=locale,
    )
    if role is not None and site is not None:
        accounts.grant(session=session, user=user, site=site, role=role)
    return user, issue(session=session, user=user, purpose=TokenPurpose.invitation)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def usable(*, session: Session, raw: str) -> AccountToken | None:
    if not raw or len(raw) > 128:
        return None
    token = session.exec(select(AccountToken).where(AccountToken.token_hash == _hash(raw))).first()
    if token is None or token.used_at is not None or _aware(token.expires_at) <= utcnow():
        return None
    return token


def redeem(*, session: Session, raw: str, password: str) -> User:
    """Set the password through the link; the link is spent and every session signed out."""
    token = usable(session=session, raw=raw)
    user = session.get(User, token.user_id) if token else None
    if token is None or user is None or not user.active:
        raise AccountError(LINK_UNUSABLE, field="link")
    accounts.set_password(session=session, user=user, password=password)
    token.used_at = utcnow()
    session.add(token)
    session.flush()
    return user


def reset_for(*, session: Session, email: str) -> tuple[User, str] | None:
    """A reset link for an active account with that address; ``None`` otherwise (the page says
    the same either way)."""
    user = accounts.user_by_email(session=session, email=email)
    if user is None or not user.active:
        return None
    return user, issue(session=session, user=user, purpose=TokenPurpose.reset)
