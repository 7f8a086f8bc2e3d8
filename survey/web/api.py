"""Read-only JSON for other tools: a site member's session, or a per-site bearer token."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response as HttpResponse

from survey import csrf, db, i18n
from survey.services import api_tokens, designer, insights
from survey.services.access import Forbidden, Need
from survey.services.errors import NotFound
from survey.web import staff

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def _error(status: int, message: str) -> tuple[HttpResponse, int]:
    return jsonify({"error": message}), status


@bp.get("/sites/<site_slug>/summary")
def summary(site_slug: str) -> tuple[HttpResponse, int] | HttpResponse:
    session = db.session()
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        site = api_tokens.site_for_token(
            session=session, raw=header.removeprefix("Bearer ").strip(), site_slug=site_slug
        )
        if site is None:
            return _error(401, "invalid or revoked token for this site")
    elif staff.user() is not None:
        try:
            site = staff.site(site_slug, Need.read)
        except (NotFound, Forbidden):
            return _error(404, "not found")
    else:
        return _error(401, "sign in or send 'Authorization: Bearer <token>'")
    i18n.select_locale()
    everything = designer.surveys_of(session=session, site=site)
    slug = request.args.get("survey")
    surveys = (
        [s for s in everything if s.slug == slug]
        if slug
        else [s for s in everything if s.status != "draft"]
    )
    if slug and not surveys:
        return _error(404, f"no survey {slug!r} at this site")
    locale = i18n.current_locale()
    result = insights.summarise(
        session=session, site=site, surveys=surveys, locale=locale, quotes=False, phrases=False
    )
    body: dict[str, Any] = {
        "site": site.slug,
        "survey": slug,
        "responses": result.n,
        "themes": [
            {
                "key": r.key,
                "label": r.label,
                "count": r.count,
                "share": round(r.share, 4),
                "ci": [round(r.low, 4), round(r.high, 4)],
            }
            for r in result.themes
            if not r.retired
        ],
        "groups": [],
        "suppressed_groups": 0,
    }
    by = request.args.get("by")
    if by:
        groupings = {
            g.key: g
            for g in insights.grouping_questions(session=session, surveys=surveys, locale=locale)
        }
        if by not in groupings:
            return _error(404, f"no grouping question {by!r}")
        table = insights.breakdown(
            session=session,
            site=site,
            surveys=surveys,
            question_key=by,
            themes=[t["key"] for t in body["themes"]],
        )
        body["groups"] = [
            {
                "code": c.group,
                "label": groupings[by].options.get(c.group, c.group),
                "n": c.n,
                "themes": dict(c.counts or {}),
            }
            for c in table.groups
            if not c.suppressed
        ]
        body["suppressed_groups"] = sum(1 for c in table.groups if c.suppressed)
    return jsonify(body)
