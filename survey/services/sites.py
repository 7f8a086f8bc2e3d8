"""Sites: the partnerships that use Community Voice."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from survey.document import N_, Problem
from survey.models import Site
from survey.services.errors import InvalidDocument

MIN_K = 5
DEFAULT_K = 10
#: a larger threshold would hide everything; it must also fit the database column
MAX_K = 100_000


def create_site(*, session: Session, slug: str, name: str, k_threshold: int = DEFAULT_K) -> Site:
    slug = slug.strip().lower()
    problems = []
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", slug):
        problems.append(Problem("site", N_("the link name may use a-z, 0-9 and dashes")))
    elif session.exec(select(Site).where(Site.slug == slug)).first() is not None:
        problems.append(Problem("site", N_("that link name is taken; please choose another")))
    if not name.strip():
        problems.append(Problem("site", N_("a site needs a name")))
    if k_threshold < MIN_K:
        problems.append(
            Problem("site", N_("groups smaller than 5 are never shown; choose 5 or more"))
        )
    elif k_threshold > MAX_K:
        problems.append(
            Problem(
                "site",
                N_("the smallest group shown can be at most %(max)s"),
                params={"max": MAX_K},
            )
        )
    if problems:
        raise InvalidDocument(problems)
    site = Site(slug=slug, name=name.strip(), k_threshold=k_threshold)
    session.add(site)
    session.flush()
    return site


def all_sites(*, session: Session) -> list[Site]:
    return list(session.exec(select(Site).order_by(col(Site.name))))


def site_by_slug(*, session: Session, slug: str) -> Site | None:
    return session.exec(select(Site).where(Site.slug == slug)).first()
