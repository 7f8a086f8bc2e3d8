"""Staff accounts: creating them, checking passwords, memberships."""

from __future__ import annotations

import re
import secrets

from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash, generate_password_hash

from survey.document import N_
from survey.models import Membership, Role, Site, User

MIN_PASSWORD_LENGTH = 10  #: the messages below say 10; change both together
#: zxcvbn's 0–4 strength; 3 means about 10**8 guesses, beyond an online guesser slowed by
#: ``services/throttle.py``
MIN_PASSWORD_SCORE = 3
#: a valid hash to compare against when the account does not exist, so that a login for an
#: unknown address takes as long as one for a known address
_DUMMY_HASH = generate_password_hash("not a real password")


class AccountError(ValueError):
    """A request about accounts that cannot be carried out, said plainly; ``field`` is the form
    field it is about."""

    def __init__(self, message: str, field: str = "email") -> None:
        super().__init__(message)
        self.field = field


#: a plausible address: one @, no spaces, quotes, angle brackets or other markup, a dotted domain
_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
_EMAIL = re.compile(r"[^@\s<>()\[\]\\,;:\"'`]+@" + _LABEL + r"(?:\." + _LABEL + r")+")


def plausible_email(address: str) -> bool:
    return len(address) <= 254 and _EMAIL.fullmatch(address) is not None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why ``password`` will not do (a message to translate), or ``None``.

    Beyond the length, zxcvbn's dictionaries (shipped in its package: common and leaked
    passwords, words, names, keyboard patterns, dates) estimate how fast it would be guessed;
    the address itself and the app's name count as known words.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("The password must have at least 10 characters.")
    from zxcvbn import zxcvbn

    known = [part for part in re.split(r"[@.\-_+]", email.lower()) if part]
    result = zxcvbn(password[:100], user_inputs=[*known, "community", "voice", "survey"])
    if result["score"] >= MIN_PASSWORD_SCORE:
        return None
    if "common" in (result["feedback"].get("warning") or ""):
        return N_("This password is among the most common ones, so it is guessed first.")
    return N_(
        "This password would be guessed quickly: it is made of a common word, a name, a date or "
        "a keyboard pattern. Add a few uncommon words."
    )


def user_by_email(*, session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def create_user(
    *,
    session: Session,
    email: str,
    password: str,
    is_admin: bool = False,
    locale: str = "en",
) -> User:
    address = normalise_email(email)
    if not plausible_email(address):
        raise AccountError(N_("That does not look like an email address."))
    problem = password_problem(password, email=address)
    if problem:
        raise AccountError(problem, field="password")
    if user_by_email(session=session, email=address) is not None:
        raise AccountError(N_("An account with that email address already exists."))
    user = User(
        email=address,
        password_hash=generate_password_hash(password),
        is_admin=is_admin,
        session_nonce=secrets.token_hex(8),
        locale=locale,
    )
    session.add(user)
    session.flush()
    return user


def set_password(*, session: Session, user: User, password: str) -> None:
    problem = password_problem(password, email=user.email)
    if problem:
        raise AccountError(problem, field="password")
    user.password_hash = generate_password_hash(password)
    end_sessions(session=session, user=user)


def end_sessions(*, session: Session, user: User) -> None:
    """Sign the user out everywhere: every copy of every session cookie they hold stops working
    (the generation in it no longer matches, checked on each request)."""
    user.session_nonce = secrets.token_hex(8)
    session.add(user)
    session.flush()


def set_active(*, session: Session, user: User, active: bool) -> None:
    """Deactivate an account (it cannot sign in, its sessions end) or let it sign in again."""
    user.active = active
    end_sessions(session=session, user=user)


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    user = user_by_email(session=session, email=email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user


def grant(*, session: Session, user: User, site: Site, role: Role) -> Membership:
    membership = session.exec(
        select(Membership).where(Membership.user_id == user.id, Membership.site_id == site.id)
    ).first()
    if membership is None:
        membership = Membership(user_id=user.id, site_id=site.id, role=role)  # type: ignore[arg-type]
    membership.role = role
    session.add(membership)
    session.flush()
    return membership


def revoke(*, session: Session, user_id: int, site: Site) -> bool:
    """Remove the user's access to the site; ``False`` if they had none (nothing was removed)."""
    membership = session.exec(
        select(Membership).where(Membership.user_id == user_id, Membership.site_id == site.id)
    ).first()
    if membership is None:
        return False
    session.delete(membership)
    session.flush()
    return True


def members(*, session: Session, site: Site) -> list[tuple[User, Membership]]:
    rows = session.exec(
        select(User, Membership)
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(Membership.site_id == site.id)
        .order_by(col(User.email))
    ).all()
    return [(user, membership) for user, membership in rows]


def all_users(*, session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.email))).all())
