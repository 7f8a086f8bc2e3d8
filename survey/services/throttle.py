"""Slowing down password guessing without locking anyone out.

Every sign-in attempt is counted per account and per address in the database, so every app
server (and every worker) shares the counts, with or without Redis. The first ``FREE_TRIES``
failures cost nothing; after that each further try must wait twice as long as the one before
(1 s, 2 s, 4 s …), up to ``ACCOUNT_CAP`` for an account (so its real owner waits at most that
long while someone guesses) and ``ADDRESS_CAP`` for an address (so one guesser's address slows to
a crawl). A success clears the account's count; an address's count fades after ``FORGET_AFTER``.

A try is claimed before the password is checked (compare-and-swap on the count), so two
simultaneous guesses cannot both slip through the same free slot.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from survey.models import LoginThrottle, utcnow

FREE_TRIES = 5
ACCOUNT_CAP = timedelta(seconds=60)
ADDRESS_CAP = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Counter:
    key: str  #: the keyed hash stored
    cap: timedelta


def counters(*, secret: str, email: str, address: str) -> list[Counter]:
    def keyed(kind: str, value: str) -> str:
        message = f"{kind}:{value}".encode()
        return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()

    return [
        Counter(keyed("account", email.strip().lower()), ACCOUNT_CAP),
        Counter(keyed("address", address), ADDRESS_CAP),
    ]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def delay_after(failures: int, cap: timedelta, first: float = 1.0) -> timedelta:
    if failures < FREE_TRIES:
        return timedelta(0)
    return min(cap, timedelta(seconds=first * 2 ** min(failures - FREE_TRIES, 20)))


def _row(session: Session, key: str) -> LoginThrottle:
    row = session.exec(select(LoginThrottle).where(LoginThrottle.key == key)).first()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = LoginThrottle(key=key, failures=0, last_failure=utcnow())
            session.add(row)
            session.flush()
    except IntegrityError:  # created at the same moment by another request
        row = session.exec(select(LoginThrottle).where(LoginThrottle.key == key)).one()
    return row


def claim(
    *,
    session: Session,
    counters: list[Counter],
    now: datetime | None = None,
    first_delay: float = 1.0,
) -> int:
    """Count a try against every counter; ``0`` if it may go ahead, otherwise the seconds to
    wait (nothing is counted then). ``first_delay`` is the wait after the free tries."""
    now = now or utcnow()
    rows = [(counter, _row(session, counter.key)) for counter in counters]
    wait = timedelta(0)
    for counter, row in rows:
        session.refresh(row)
        failures = row.failures if now - _aware(row.last_failure) < FORGET_AFTER else 0
        remaining = _aware(row.last_failure) + delay_after(failures, counter.cap, first_delay) - now
        wait = max(wait, remaining if failures else timedelta(0))
    if wait > timedelta(0):
        return max(1, int(wait.total_seconds() + 0.999))
    for counter, row in rows:
        failures = row.failures if now - _aware(row.last_failure) < FORGET_AFTER else 0
        claimed = session.execute(
            update(LoginThrottle)
            .where(col(LoginThrottle.key) == counter.key)
            .where(col(LoginThrottle.failures) == row.failures)
            .values(failures=failures + 1, last_failure=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            # Someone else's try took this slot: this one waits for the next.
            return max(1, int(delay_after(failures + 1, counter.cap, first_delay).total_seconds()))
    session.flush()
    return 0


def succeeded(*, session: Session, account: Counter) -> None:
    """The password was right: the account's count starts again (the address's does not)."""
    session.execute(
        update(LoginThrottle).where(col(LoginThrottle.key) == account.key).values(failures=0)
    )
    session.flush()
