"""A second factor for staff: a 6-digit code from an authenticator app (TOTP, RFC 6238).

Turning it on takes two steps: a secret is made and shown (a QR code and the same secret as text),
then the first code the app gives confirms that the app has it; only then does signing in ask for
codes. A code is accepted for its own 30-second step and one step either side (phones' clocks
drift), and never twice: the step of the last code accepted is stored, and a code of that step or
an earlier one is refused. The secret never leaves this module except to be shown to its owner
while enrolling.
"""

from __future__ import annotations

import enum
import hmac
import time

import pyotp
import segno
from sqlalchemy import or_, update
from sqlmodel import Session, col

from survey.document import N_
from survey.models import Site, User
from survey.services import access, accounts

ISSUER = "Community Voice"
STEP = 30  #: seconds a code lasts
#: steps either side of now that are still accepted (a phone's clock a little off)
VALID_WINDOW = 1
CODE_DIGITS = 6


class Check(enum.StrEnum):
    ok = "ok"
    malformed = "malformed"  #: not six digits
    wrong = "wrong"
    reused = "reused"  #: right, but that code (or a later one) was already used


#: what the person is told for each refusal (catalog messages)
MESSAGES: dict[Check, str] = {
    Check.malformed: N_("Type the 6 digits your authenticator app shows."),
    Check.wrong: N_(
        "That code is not right. Codes change every 30 seconds: type the one your app shows now."
    ),
    Check.reused: N_("That code was already used. Wait for the next code in your app."),
}


def clean(code: str | None) -> str | None:
    """The six digits typed, without spaces; ``None`` if they are not six ASCII digits."""
    digits = "".join((code or "").split())
    if len(digits) != CODE_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


def start(*, session: Session, user: User) -> str:
    """A new secret for ``user`` to put in their app (not on until ``confirm``)."""
    if user.totp_on:
        raise ValueError("the second factor is already on")
    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = None
    session.add(user)
    session.flush()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret or "").provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(user: User, title: str) -> str:
    """The enrolment link as an inline SVG QR code (scales with its ``viewBox``)."""
    code = segno.make(provisioning_uri(user), error="m")
    return str(code.svg_inline(scale=4, omitsize=True, light="#fff", title=title))


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def check(*, session: Session, user: User, code: str | None, now: float | None = None) -> Check:
    """Check ``code`` against ``user``'s secret and, when right, use it up (atomically, so two
    requests with the same code cannot both pass)."""
    digits = clean(code)
    if digits is None:
        return Check.malformed
    if not user.totp_secret:
        return Check.wrong
    totp = pyotp.TOTP(user.totp_secret)
    current = int((time.time() if now is None else now) // STEP)
    matched = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(step * STEP), digits):
            matched = step
    if matched is None:
        return Check.wrong
    used = session.execute(
        update(User)
        .where(col(User.id) == user.id)
        .where(or_(col(User.totp_last_step).is_(None), col(User.totp_last_step) < matched))
        .values(totp_last_step=matched)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        return Check.reused
    session.flush()
    session.refresh(user)
    return Check.ok


def confirm(*, session: Session, user: User, code: str | None, now: float | None = None) -> Check:
    """Turn the second factor on once the first code from the app is right."""
    if user.totp_on or not user.totp_secret:
        return Check.wrong
    result = check(session=session, user=user, code=code, now=now)
    if result is Check.ok:
        user.totp_on = True
        session.add(user)
        session.flush()
    return result


def required_by(*, session: Session, user: User) -> list[Site]:
    """The sites the user works on that require a second factor."""
    return [
        site
        for site, _role in access.sites_of(session=session, user=user)
        if site.require_second_factor
    ]


def must_enrol(*, user: User, site: Site) -> bool:
    """The site requires a second factor and the user has none yet."""
    return site.require_second_factor and not user.totp_on


def turn_off(*, session: Session, user: User) -> None:
    user.totp_on = False
    user.totp_secret = None
    user.totp_last_step = None
    session.add(user)
    session.flush()


def disable(
    *, session: Session, user: User, password: str, code: str | None, now: float | None = None
) -> str | None:
    """Turn the user's own second factor off, with their password and a code; why not, or
    ``None`` once it is off."""
    if required_by(session=session, user=user):
        return N_("A site you work on requires a second factor, so it stays on.")
    if accounts.authenticate(session=session, email=user.email, password=password) is None:
        return N_("That password is not right.")
    result = check(session=session, user=user, code=code, now=now)
    if result is not Check.ok:
        return MESSAGES[result]
    turn_off(session=session, user=user)
    return None


def reset(*, session: Session, user: User) -> None:
    """An administrator's reset (a lost phone): the second factor is off and every session ends;
    a site that requires one asks the user to enrol again at their next visit."""
    turn_off(session=session, user=user)
    accounts.end_sessions(session=session, user=user)


def require(*, session: Session, site: Site, required: bool) -> None:
    site.require_second_factor = required
    session.add(site)
    session.flush()
