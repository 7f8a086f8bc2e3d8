"""The insights page and the printable brief."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as HttpResponse

from analysis.results import format_p
from survey import db, i18n
from survey.i18n import LANGUAGES, _
from survey.services import catalog, coverage, designer, insights, integrity, results, tagging
from survey.services.access import Need
from survey.services.insights import GroupingQuestion
from survey.web import representation, staff
from survey.web.insights import bp, scope

bp.add_app_template_global(format_p, "format_p")


def question_tables(
    site_slug: str, views: list[results.QuestionView], grouping: GroupingQuestion | None
) -> dict[str, object]:
    """Each closed question's answers by ``grouping`` (small groups hidden)."""
    if grouping is None:
        return {}
    site, surveys, _chosen = scope(site_slug)
    tables: dict[str, object] = {}
    for view in views:
        if view.is_text or view.result.suppressed or view.key == grouping.key:
            continue
        found = results.question_breakdown(
            session=db.session(), site=site, surveys=surveys, question_key=view.key, by=grouping.key
        )
        if found is not None:
            tables[view.key] = found[0]
    return tables


@bp.get("/<site_slug>/insights")
def summary(site_slug: str) -> str:
    site, surveys, chosen = scope(site_slug)
    locale = i18n.current_locale()
    result = insights.summarise(session=db.session(), site=site, surveys=surveys, locale=locale)
    groupings = insights.grouping_questions(session=db.session(), surveys=surveys, locale=locale)
    by = request.args.get("by")
    grouping = next((g for g in groupings if g.key == by), None)
    table = None
    if grouping is not None:
        themes = [r.key for r in result.themes if not r.retired]
        table = insights.breakdown(
            session=db.session(),
            site=site,
            surveys=surveys,
            question_key=grouping.key,
            themes=themes,
        )
    views = results.question_results(
        session=db.session(), site=site, surveys=surveys, locale=locale, translate=_
    )
    everything = designer.surveys_of(session=db.session(), site=site)
    return render_template(
        "insights/summary.html",
        site=site,
        summary=result,
        chosen=chosen,
        all_surveys=everything,
        rounds=catalog.round_numbers(everything),
        groupings=groupings,
        grouping=grouping,
        table=table,
        questions=views,
        question_tables=question_tables(site_slug, views, grouping),
        labels={r.key: r.label for r in result.themes},
        can_design=staff.can_design(site),
        untagged=coverage.untagged_answers(session=db.session(), surveys=surveys),
        being_read=tagging.untagged_count(session=db.session(), surveys=surveys),
        bursts=integrity.flagged_count(
            session=db.session(), survey_ids=[s.id for s in surveys if s.id is not None]
        ),
        excluded=integrity.excluded_count(
            session=db.session(), survey_ids=[s.id for s in surveys if s.id is not None]
        ),
        # weighted to the neighbourhood (survey/web/representation.py)
        weighted_asked=representation.wants_weighted(),
        weighted=representation.weighted_view(site, surveys, result)
        if representation.wants_weighted()
        else None,
    )


@bp.post("/<site_slug>/insights/public-questions")
def public_questions(site_slug: str) -> HttpResponse:
    site, surveys, chosen = scope(site_slug, Need.design)
    results.choose_public_questions(
        session=db.session(), site=site, surveys=surveys, keys=request.form.getlist("q")
    )
    flash(_("The public page shows the results you picked."), "ok")
    return redirect(
        url_for("insights.summary", site_slug=site.slug, survey=chosen.slug if chosen else None)
        + "#questions",
        code=303,
    )


@bp.get("/<site_slug>/insights/brief")
def brief(site_slug: str) -> str:
    site, surveys, chosen = scope(site_slug)
    lang = request.args.get("lang", i18n.current_locale())
    i18n.use_locale(lang if lang in LANGUAGES else i18n.current_locale())
    result = insights.summarise(
        session=db.session(),
        site=site,
        surveys=surveys,
        locale=i18n.current_locale(),
        phrases=False,
    )
    picked = request.args.getlist("q")
    views = (
        results.question_results(
            session=db.session(),
            site=site,
            surveys=surveys,
            locale=i18n.current_locale(),
            translate=_,
            only=picked,
        )
        if picked
        else []
    )
    everything = designer.surveys_of(session=db.session(), site=site)
    return render_template(
        "insights/brief.html",
        site=site,
        summary=result,
        chosen=chosen,
        rounds=catalog.round_numbers(everything),
        questions=[v for v in views if not v.is_text],
        # weighted to the neighbourhood (survey/web/representation.py)
        weighted=representation.weighted_view(site, surveys, result)
        if representation.wants_weighted()
        else None,
    )
