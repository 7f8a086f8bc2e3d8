"""The review queue: reading and coding answers, training and accepting a tagger."""

from __future__ import annotations

import math
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as HttpResponse

from survey import db, i18n
from survey.i18n import _
from survey.services import jobs, review, tagging
from survey.services.access import Need
from survey.services.errors import InvalidDocument
from survey.web import staff
from survey.web.insights import bp
from survey.web.insights.codebook import start_retag


def _needed() -> int:
    return int(current_app.config.get("REVIEW_MIN_POSITIVES", review.MIN_POSITIVES))


def _filters() -> review.QueueFilter:
    state = request.args.get("state", "todo")
    max_score = request.args.get("below", type=float)
    if max_score is not None and not math.isfinite(max_score):
        max_score = None
    return review.QueueFilter(
        theme=request.args.get("theme") or None,
        lang=request.args.get("lang_filter") or None,
        source=request.args.get("source") or None,
        max_score=max_score,
        reviewed={"todo": False, "done": True}.get(state),
        order="teach" if request.args.get("order") == "teach" else "newest",
    )


@bp.get("/<site_slug>/review")
def review_queue(site_slug: str) -> str:
    site = staff.site(site_slug, Need.review)
    page = review.clamp_page(staff.number(request.args.get("page"), 0) or 0)
    items, total = review.queue(session=db.session(), site=site, filters=_filters(), page=page)
    codebook = tagging.codebook_for(session=db.session(), site=site)
    locale = i18n.current_locale()
    return render_template(
        "insights/review.html",
        site=site,
        retag_job=jobs.latest(session=db.session(), site=site, kind="retag"),
        items=items,
        answer_languages=review.answer_languages(session=db.session(), site=site),
        total=total,
        page=page,
        page_size=review.PAGE_SIZE,
        themes=[
            (k, codebook.label(k, locale, fallback=[site.default_locale])) for k in codebook.keys
        ],
        labels={
            t.key: codebook.label(t.key, locale, fallback=[site.default_locale])
            for t in codebook.themes
        },
        agreement=review.agreement(session=db.session(), site=site),
        readiness=review.readiness(session=db.session(), site=site, needed=_needed()),
        args=request.args,
    )


@bp.post("/<site_slug>/review/<int:answer_id>")
def review_answer(site_slug: str, answer_id: int) -> HttpResponse:
    site = staff.site(site_slug, Need.review)
    answer = review.answer_of_site(session=db.session(), site=site, answer_id=answer_id)
    member = staff.user()
    assert member is not None
    try:
        review.decide(
            session=db.session(),
            site=site,
            answer=answer,
            reviewer=member,
            themes=request.form.getlist("theme"),
        )
    except InvalidDocument as error:
        staff.flash_problems(error.problems)
    back = staff.same_site(
        request.form.get("back"), url_for("insights.review_queue", site_slug=site.slug)
    )
    return redirect(f"{back}#a{answer_id}", code=303)


@bp.post("/<site_slug>/review/retrain")
def retrain(site_slug: str) -> HttpResponse:
    site = staff.site(site_slug, Need.review)
    try:
        model = review.train_candidate(session=db.session(), site=site, needed=_needed())
    except InvalidDocument as error:
        staff.flash_problems(error.problems)
        return redirect(url_for("insights.review_queue", site_slug=site.slug), code=303)
    return redirect(url_for("insights.model", site_slug=site.slug, model_id=model.id), code=303)


@bp.get("/<site_slug>/review/models/<int:model_id>")
def model(site_slug: str, model_id: int) -> str:
    site = staff.site(site_slug, Need.review)
    candidate = review.candidate(session=db.session(), site=site, model_id=model_id)
    current = tagging.accepted_model(session=db.session(), site=site)
    codebook = tagging.codebook_for(session=db.session(), site=site)
    locale = i18n.current_locale()
    agreement = {a.key: a for a in review.agreement(session=db.session(), site=site)}
    rows: list[dict[str, Any]] = []
    figures = review.figures(candidate.metrics)
    positives = candidate.metrics.get("positives") or {}
    needed = int(candidate.metrics.get("needed") or review.MIN_POSITIVES)
    old_f1 = review.per_theme_f1(current.metrics) if current else {}
    for key in codebook.keys:
        now = agreement.get(key)
        codebook_f1 = None
        if (
            now
            and now.precision is not None
            and now.recall is not None
            and now.precision + now.recall
        ):
            codebook_f1 = 2 * now.precision * now.recall / (now.precision + now.recall)
        rows.append(
            {
                "key": key,
                "label": codebook.label(key, locale, fallback=[site.default_locale]),
                "new": figures.get(key),
                "positives": positives.get(key, 0),
                "current": old_f1.get(key, codebook_f1),
            }
        )
    return render_template(
        "insights/model.html",
        site=site,
        candidate=candidate,
        current=current,
        rows=rows,
        needed=needed,
        thin=[row["label"] for row in rows if row["new"] is None],
        can_accept=staff.can(site, Need.accept),
    )


@bp.post("/<site_slug>/review/models/<int:model_id>/accept")
def accept_model(site_slug: str, model_id: int) -> HttpResponse:
    site = staff.site(site_slug, Need.accept)
    candidate = review.candidate(session=db.session(), site=site, model_id=model_id)
    review.accept(session=db.session(), site=site, model=candidate)
    start_retag(site)
    flash(
        _("The new tagger is in use. The answers are being tagged again; this page shows how far."),
        "ok",
    )
    return redirect(url_for("insights.review_queue", site_slug=site.slug), code=303)
