"""Read-only JSON for other tools: a site member's session, or a per-site bearer token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from werkzeug.wrappers import Response as HttpResponse

from analysis.results import OptionShare, QuestionResult
from survey import db, i18n
from survey.extensions import csrf
from survey.i18n import _
from survey.languages import LOCALE_CODES
from survey.services import api_tokens, coverage, designer, insights, results
from survey.services.access import Forbidden, Need
from survey.services.errors import NotFound
from survey.web import representation, staff

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def _error(status: int, message: str) -> tuple[HttpResponse, int]:
    return jsonify({"error": message}), status


@bp.get("/openapi.json")
def openapi() -> HttpResponse:
    """The API described in OpenAPI 3.1 (a file in the package; a test checks live answers
    against it)."""
    document = Path(current_app.static_folder or "static") / "openapi.json"
    return current_app.response_class(document.read_bytes(), mimetype="application/json")


def _round(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def _option(option: OptionShare, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "code": option.code,
        "label": labels.get(option.code, option.code),
        "count": option.count,
        "share": _round(option.share),
        "ci": None if option.low is None else [_round(option.low), _round(option.high)],
        "suppressed": option.suppressed,
    }


def _stats(result: QuestionResult) -> dict[str, Any] | None:
    stats = result.stats
    if stats is None:
        return None
    return {
        "mean": _round(stats.mean),
        "mean_ci": [_round(stats.mean_low), _round(stats.mean_high)],
        "median": stats.median,
        "median_ci": [stats.median_low, stats.median_high],
        "q1": stats.q1,
        "q3": stats.q3,
        "histogram": [
            {"low": b.low, "high": b.high, "count": b.count, "suppressed": b.suppressed}
            for b in stats.bins
        ],
    }


def _change(result: QuestionResult) -> dict[str, Any] | None:
    if result.value_change is not None:
        c = result.value_change
        return {
            "test": "mann-whitney",
            "mean_before": _round(c.before_mean),
            "mean_after": _round(c.after_mean),
            "median_before": c.before_median,
            "median_after": c.after_median,
            "p_value": _round(c.p_value, 6),
            "significant": c.significant,
        }
    if result.option_changes:
        return {
            "test": "two-proportion-z",
            "options": [
                {
                    "code": c.code,
                    "before": _round(c.before),
                    "after": _round(c.after),
                    "p_value": _round(c.p_value, 6),
                    "significant": c.significant,
                }
                for c in result.option_changes
            ],
        }
    return None


def _question(view: results.QuestionView) -> dict[str, Any]:
    result = view.result
    labels = dict(view.labels)
    return {
        "key": view.key,
        "kind": view.kind,
        "text": view.text,
        "n": result.n,
        "suppressed": result.suppressed,
        "multiple": result.multiple,
        "options": [_option(o, labels) for o in result.options],
        "prefer_not_to_say": None if result.apart is None else _option(result.apart, labels),
        "stats": _stats(result),
        "change": _change(result),
    }


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
        except staff.EnrolmentNeeded:
            return _error(403, "this site requires a second factor: set one up at /account/")
    else:
        return _error(401, "sign in or send 'Authorization: Bearer <token>'")
    asked = request.args.get("lang")
    if asked is not None and asked not in LOCALE_CODES:
        return _error(400, f"unknown lang {asked!r}: one of {', '.join(LOCALE_CODES)}")
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
        # Per language of the answer: written answers and those with no theme; ``far`` when the
        # rate is far above the other languages' (the insights page warns about it).
        "untagged_by_language": [
            {
                "lang": row.lang,
                "answers": row.answers,
                "untagged": row.untagged,
                "share": round(row.share, 4),
                "others": None if row.others is None else round(row.others, 4),
                "far": row.far,
            }
            for row in coverage.untagged_answers(session=session, surveys=surveys)
        ],
    }
    views = results.question_results(
        session=session, site=site, surveys=surveys, locale=locale, translate=_
    )
    body["questions"] = [_question(view) for view in views]
    # weighted to the neighbourhood (survey/web/representation.py)
    if representation.wants_weighted():
        body.update(representation.weighted_json(site, surveys, result, body["themes"]))
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
        for view, question in zip(views, body["questions"], strict=True):
            if view.is_text or view.result.suppressed or view.key == by:
                continue
            found = results.question_breakdown(
                session=session, site=site, surveys=surveys, question_key=view.key, by=by
            )
            if found is not None:
                question["groups"] = [
                    {
                        "code": c.group,
                        "label": groupings[by].options.get(c.group, c.group),
                        "n": c.n,
                        "counts": dict(c.counts or {}),
                    }
                    for c in found[0].groups
                    if not c.suppressed
                ]
    return jsonify(body)
