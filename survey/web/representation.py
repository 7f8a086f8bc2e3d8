"""Who we heard from: ``/sites/<site>/representation`` — respondents against the neighbourhood's
reference shares, by question and round; the reference shares themselves (typed or a CSV); the
printable outreach targets; and the weighted theme shares that the insights page, the brief and
the API show with ``weighted=1``. Analysts and staff read; staff edit reference shares."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask import Response as FileResponse
from flask_login import login_required
from werkzeug.wrappers import Response as HttpResponse

from survey import db, i18n
from survey.i18n import LANGUAGES, _
from survey.models import Site, Survey
from survey.services import access, designer, representation, weighting
from survey.services.access import Need
from survey.services.insights import Summary
from survey.services.representation import InvalidReference, ReferenceProblem
from survey.web import staff
from survey.web.insights import scope

bp = Blueprint("representation", __name__, url_prefix="/sites")


@bp.before_request
@login_required
def _signed_in() -> None:
    i18n.select_staff_locale()


def describe(problem: ReferenceProblem) -> str:
    """A reference problem in the staff member's language, with its CSV row when it has one."""
    message = _(problem.message, **problem.params) if problem.params else _(problem.message)
    if problem.row is None:
        return message
    return _("Row %(row)s: %(problem)s", row=problem.row, problem=message)


def weighted_view(
    site: Site, surveys: Sequence[Survey], summary: Summary
) -> weighting.WeightedSummary | None:
    """The weighted theme shares for a page that asked for them (``weighted=1``)."""
    return weighting.weighted_summary(
        session=db.session(),
        site=site,
        surveys=surveys,
        summary=summary,
        locale=i18n.current_locale(),
    )


def weighted_json(
    site: Site, surveys: Sequence[Survey], summary: Summary, themes: list[dict[str, Any]]
) -> dict[str, Any]:
    """What ``weighted=1`` adds to the API's summary: weighted shares in place of the
    unweighted ones (kept as ``unweighted_share``), or why weighting was refused."""
    result = weighted_view(site, surveys, summary)
    if result is None:
        return {"weighted": False, "not_weighted_because": "no reference shares"}
    if not result.weighted:
        return {
            "weighted": False,
            "not_weighted_because": "too few answers",
            "too_few": [
                {"question": g.question, "group": g.group, "n": g.n} for g in result.too_few
            ],
            "minimum_per_group": result.minimum,
        }
    by_key = {t.key: t for t in result.themes}
    rows = []
    for row in themes:
        theme = by_key.get(row["key"])
        if theme is None:
            rows.append(row)
            continue
        rows.append(
            {
                **row,
                "share": round(theme.share, 4),
                "ci": [round(theme.low, 4), round(theme.high, 4)],
                "unweighted_share": row["share"],
            }
        )
    return {
        "weighted": True,
        "weighted_on": [q.key for q in result.questions],
        "method": result.method,
        "effective_n": round(result.effective_n or 0.0, 1),
        "design_effect": round(result.design_effect or 1.0, 3),
        "weight_cap": result.cap,
        "capped": result.capped,
        "themes": rows,
    }


def _may_edit(site: Site) -> bool:
    member = staff.user()
    return member is not None and access.can(
        session=db.session(), user=member, site=site, need=Need.references
    )


def wants_weighted() -> bool:
    return request.args.get("weighted") == "1"


@bp.get("/<site_slug>/representation")
def overview(site_slug: str) -> str:
    site, surveys, chosen = scope(site_slug)
    locale = i18n.current_locale()
    return render_template(
        "insights/representation.html",
        site=site,
        chosen=chosen,
        all_surveys=designer.surveys_of(session=db.session(), site=site),
        items=representation.representation(
            session=db.session(), site=site, surveys=surveys, locale=locale
        ),
        may_edit=_may_edit(site),
        about=representation.about,
        tolerance=representation.TOLERANCE,
    )


@bp.get("/<site_slug>/representation/outreach")
def outreach(site_slug: str) -> str:
    site, surveys, chosen = scope(site_slug)
    locale = i18n.current_locale()
    open_surveys = [s for s in surveys if s.status == "open"] or surveys
    current = chosen or (open_surveys[-1] if open_surveys else None)
    return render_template(
        "insights/outreach.html",
        site=site,
        chosen=chosen,
        current=current,
        items=representation.representation(
            session=db.session(), site=site, surveys=surveys, locale=locale, by_round=False
        ),
        about=representation.about,
        locale_of_group=representation.locale_of_group,
        tolerance=representation.TOLERANCE,
    )


@bp.route("/<site_slug>/representation/references", methods=["GET", "POST"])
def references(site_slug: str) -> HttpResponse | tuple[str, int]:
    site = staff.site(site_slug, Need.references)
    session = db.session()
    locale = i18n.current_locale()
    problems: dict[str, list[str]] = {}
    if request.method == "POST":
        key = request.form.get("question", "")
        try:
            saved = representation.save_reference(
                session=session,
                site=site,
                question_key=key,
                shares={
                    name.removeprefix("share-"): value
                    for name, value in request.form.items()
                    if name.startswith("share-")
                },
                source=request.form.get("source", ""),
                year=request.form.get("year", ""),
                note={code: request.form.get(f"note-{code}", "") for code in LANGUAGES},
                locale=locale,
            )
        except InvalidReference as error:
            problems[key] = [describe(p) for p in error.problems]
        else:
            _saved_message([saved])
            return redirect(url_for("representation.references", site_slug=site.slug), code=303)
    return _references_page(site, problems, request.form if problems else None)


def _references_page(
    site: Site,
    problems: dict[str, list[str]],
    form: object | None,
    csv_problems: Sequence[str] = (),
) -> tuple[str, int]:
    locale = i18n.current_locale()
    return render_template(
        "insights/references.html",
        site=site,
        questions=representation.referable_questions(
            session=db.session(), site=site, locale=locale
        ),
        saved=representation.references_of(session=db.session(), site=site),
        problems=problems,
        csv_problems=list(csv_problems),
        form=form,
        columns=representation.CSV_COLUMNS,
    ), 422 if problems or csv_problems else 200


def _saved_message(saved: Sequence[representation.SavedReference]) -> None:
    flash(_("Reference shares saved."), "ok")
    for item in saved:
        if representation.needs_note(item.total):
            flash(
                _(
                    "The shares for “%(key)s” added up to %(total)s, not 1 or 100 %%: "
                    "they were scaled so that they do.",
                    key=item.question_key,
                    total=i18n.format_number(round(item.total, 4)),
                ),
                "ok",
            )


@bp.post("/<site_slug>/representation/references/upload")
def upload(site_slug: str) -> HttpResponse | tuple[str, int]:
    site = staff.site(site_slug, Need.references)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _references_page(site, {}, None, [_("Choose a CSV file to upload.")])
    try:
        saved = representation.import_csv(
            session=db.session(), site=site, data=upload.read(), locale=i18n.current_locale()
        )
    except InvalidReference as error:
        return _references_page(site, {}, None, [describe(p) for p in error.problems])
    _saved_message(saved)
    return redirect(url_for("representation.references", site_slug=site.slug), code=303)


@bp.post("/<site_slug>/representation/references/<key>/delete")
def delete(site_slug: str, key: str) -> HttpResponse:
    site = staff.site(site_slug, Need.references)
    representation.delete_reference(session=db.session(), site=site, question_key=key)
    flash(_("Reference shares removed."), "ok")
    return redirect(url_for("representation.references", site_slug=site.slug), code=303)


@bp.get("/<site_slug>/representation/references.csv")
def template(site_slug: str) -> FileResponse:
    site = staff.site(site_slug, Need.read)
    data = representation.template_csv(
        session=db.session(), site=site, locale=i18n.current_locale()
    )
    return send_file(
        io.BytesIO(data.encode("utf-8")),
        mimetype="text/csv",
        as_attachment=True,
        download_name=f"{site.slug}-reference-shares.csv",
    )
