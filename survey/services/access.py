"""Who may see and change what. Every site-scoped page asks here first.

Someone with no role at a site is told nothing about it: the site and everything in it are
``NotFound``, exactly as if they did not exist. A member whose role does not allow an action
gets ``Forbidden``.
"""

from __future__ import annotations

import enum

from sqlmodel import Session, col, select

from survey.models import Membership, Role, Site, User
from survey.services.errors import NotFound


class Forbidden(PermissionError):
    """A member of the site whose role does not allow this."""


class Need(enum.StrEnum):
    read = "read"  #: summaries, exports, the list of surveys
    review = "review"  #: reading and coding answers, training a candidate tagger
    accept = "accept"  #: putting a candidate tagger to use (it re-tags every answer)
    design = "design"  #: surveys, responses, codebook, commitments, API keys
    references = "references"  #: the neighbourhood's reference shares (who lives there)


#: Analysts read and code answers — that is their job — and may train a candidate tagger to see
#: how it would do; switching the site to it changes every answer's themes, so staff decide.
_ALLOWS: dict[Role, frozenset[Need]] = {
    Role.staff: frozenset({Need.read, Need.review, Need.accept, Need.design, Need.references}),
    Role.analyst: frozenset({Need.read, Need.review}),
}


def role_at(*, session: Session, user: User, site: Site) -> Role | None:
    membership = session.exec(
        select(Membership).where(Membership.user_id == user.id, Membership.site_id == site.id)
    ).first()
    return membership.role if membership else None


def site_for(*, session: Session, user: User | None, slug: str, need: Need) -> Site:
    """The site ``slug`` if ``user`` may ``need`` it; ``NotFound`` if they have no role there."""
    site = session.exec(select(Site).where(Site.slug == slug)).first()
    if site is None or user is None:
        raise NotFound(slug)
    if user.is_admin:
        return site
    role = role_at(session=session, user=user, site=site)
    if role is None:
        raise NotFound(slug)
    if need not in _ALLOWS[role]:
        raise Forbidden(slug)
    return site


def sites_of(*, session: Session, user: User) -> list[tuple[Site, str]]:
    """The sites a user works on, with the role shown to them."""
    if user.is_admin:
        return [(site, "admin") for site in session.exec(select(Site).order_by(col(Site.name)))]
    rows = session.exec(
        select(Site, Membership)
        .join(Membership, col(Membership.site_id) == col(Site.id))
        .where(Membership.user_id == user.id)
        .order_by(col(Site.name))
    ).all()
    return [(site, str(membership.role)) for site, membership in rows]


def can(*, session: Session, user: User, site: Site, need: Need) -> bool:
    if user.is_admin:
        return True
    role = role_at(session=session, user=user, site=site)
    return role is not None and need in _ALLOWS[role]
