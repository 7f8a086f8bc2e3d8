"""Site teams read what residents said: ``/sites/<site>/insights``, the review queue, the
codebook, exports and the printable brief. One blueprint, one module per feature:
``summary`` (the insights page and brief), ``exports``, ``review`` (queue and taggers),
``codebook`` and ``api_keys``. Endpoint names stay ``insights.<view>``."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import login_required

from survey import db, i18n
from survey.models import Site, Survey
from survey.services import designer
from survey.services.access import Need
from survey.services.errors import NotFound
from survey.web import staff

bp = Blueprint("insights", __name__, url_prefix="/sites")
#: the site menu in the staff layout shows only the sections the signed-in role may use
bp.add_app_template_global(staff.can_design, "may_design")
bp.add_app_template_global(staff.can_review, "may_review")


@bp.before_request
@login_required
def _signed_in() -> None:
    i18n.select_staff_locale()


def scope(site_slug: str, need: Need = Need.read) -> tuple[Site, list[Survey], Survey | None]:
    """The site, the surveys the page is about (one round, or all), and the chosen survey."""
    site = staff.site(site_slug, need)
    everything = designer.surveys_of(session=db.session(), site=site)
    slug = request.args.get("survey")
    if slug:
        chosen = next((s for s in everything if s.slug == slug), None)
        if chosen is None:
            raise NotFound(slug)
        return site, [chosen], chosen
    return site, [s for s in everything if s.status != "draft"] or everything, None


# the views register themselves on ``bp`` when imported
from survey.web.insights import api_keys, codebook, exports, flagged, review, summary  # noqa: E402

__all__ = ["api_keys", "bp", "codebook", "exports", "flagged", "review", "summary"]
