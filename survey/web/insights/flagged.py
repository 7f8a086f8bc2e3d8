"""Flagged bursts: staff read the responses that arrived as near-identical copies and leave them
out of summaries, or count them again. Nothing is deleted; every change is audited."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as HttpResponse

from survey import db
from survey.i18n import _, ngettext
from survey.services import audit, integrity
from survey.services.access import Need
from survey.web import staff
from survey.web.insights import bp, scope


@bp.get("/<site_slug>/insights/flagged")
def flagged(site_slug: str) -> str:
    site, surveys, chosen = scope(site_slug, Need.review)
    ids = [s.id for s in surveys if s.id is not None]
    return render_template(
        "insights/flagged.html",
        site=site,
        chosen=chosen,
        responses=integrity.flagged(session=db.session(), site=site, survey=chosen),
        flagged_count=integrity.flagged_count(session=db.session(), survey_ids=ids),
        excluded_count=integrity.excluded_count(session=db.session(), survey_ids=ids),
    )


@bp.post("/<site_slug>/insights/flagged")
def exclude(site_slug: str) -> HttpResponse:
    site, surveys, chosen = scope(site_slug, Need.review)
    leave_out = request.form.get("action") != "include"
    back = url_for("insights.flagged", site_slug=site.slug, survey=chosen.slug if chosen else None)
    changed = 0
    if request.form.get("all") == "1":
        for survey in surveys:
            changed += integrity.set_excluded(
                session=db.session(), site=site, excluded=leave_out, survey=survey
            )
        named = [s.slug for s in surveys]
    else:
        ids = [
            number
            for raw in request.form.getlist("response")
            if (number := staff.number(raw)) is not None
        ]
        changed = integrity.set_excluded(
            session=db.session(), site=site, excluded=leave_out, response_ids=ids
        )
        named = integrity.survey_slugs(session=db.session(), site=site, response_ids=ids)
    if not changed:
        flash(_("Nothing changed: no flagged response was chosen."), "error")
        return redirect(back, code=303)
    audit.record(
        session=db.session(),
        actor=staff.user(),
        action="responses.exclude" if leave_out else "responses.include",
        site=site,
        # How many, and of which surveys: never what the responses said.
        target=f"{changed}: {' '.join(named)}",
    )
    if leave_out:
        flash(
            ngettext(
                "%(num)s response is left out of summaries. It is still stored and in the raw "
                "export.",
                "%(num)s responses are left out of summaries. They are still stored and in the "
                "raw export.",
                changed,
            ),
            "ok",
        )
    else:
        flash(
            ngettext(
                "%(num)s response is counted again.",
                "%(num)s responses are counted again.",
                changed,
            ),
            "ok",
        )
    return redirect(back, code=303)
