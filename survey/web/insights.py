"""Site teams read what residents said: ``/sites/<site>/insights``, the review queue, the
codebook, exports and the printable brief. Analysts read; staff also review and edit."""

from __future__ import annotations

import io
import math
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask import session as flask_session
from flask_login import login_required
from werkzeug.wrappers import Response as HttpResponse

from survey import db, i18n
from survey.i18n import LANGUAGES, _
from survey.models import Site, Survey
from survey.services import (
    api_tokens,
    codebook_edit,
    designer,
    exports,
    insights,
    qdpx,
    review,
    tagging,
)
from survey.services.access import Need
from survey.services.errors import InvalidDocument, NotFound
from survey.web import staff

bp = Blueprint("insights", __name__, url_prefix="/sites")
#: the site menu in the staff layout shows only the sections the signed-in role may use
bp.add_app_template_global(staff.can_design, "may_design")


@bp.before_request
@login_required
def _signed_in() -> None:
    i18n.select_staff_locale()


def _scope(site_slug: str, need: Need = Need.read) -> tuple[Site, list[Survey], Survey | None]:
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


@bp.get("/<site_slug>/insights")
def summary(site_slug: str) -> str:
    site, surveys, chosen = _scope(site_slug)
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
    return render_template(
        "insights/summary.html",
        site=site,
        summary=result,
        chosen=chosen,
        all_surveys=designer.surveys_of(session=db.session(), site=site),
        groupings=groupings,
        grouping=grouping,
        table=table,
        labels={r.key: r.label for r in result.themes},
        can_design=staff.can_design(site),
    )


@bp.get("/<site_slug>/insights/brief")
def brief(site_slug: str) -> str:
    site, surveys, chosen = _scope(site_slug)
    lang = request.args.get("lang", i18n.current_locale())
    i18n.use_locale(lang if lang in LANGUAGES else i18n.current_locale())
    result = insights.summarise(
        session=db.session(),
        site=site,
        surveys=surveys,
        locale=i18n.current_locale(),
        phrases=False,
    )
    return render_template("insights/brief.html", site=site, summary=result, chosen=chosen)


# -- exports ----------------------------------------------------------------------------------


def _download(data: bytes, name: str, mimetype: str) -> Response:
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


@bp.get("/<site_slug>/insights/export/responses.<fmt>")
def export_responses(site_slug: str, fmt: str) -> Response:
    site, surveys, _chosen = _scope(site_slug)
    name = f"{site.slug}-responses"
    session = db.session()
    if fmt == "csv":
        return _download(
            exports.responses_csv(session=session, surveys=surveys).encode("utf-8"),
            f"{name}.csv",
            "text/csv",
        )
    if fmt == "json":
        return _download(
            exports.responses_json(session=session, surveys=surveys),
            f"{name}.json",
            "application/json",
        )
    if fmt == "xlsx":
        return _download(
            exports.responses_xlsx(session=session, surveys=surveys),
            f"{name}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    raise NotFound(fmt)


@bp.get("/<site_slug>/insights/export/themes-by-group.csv")
def export_groups(site_slug: str) -> Response:
    site, surveys, _chosen = _scope(site_slug)
    key = request.args.get("by", "")
    locale = i18n.current_locale()
    groupings = {
        g.key: g
        for g in insights.grouping_questions(session=db.session(), surveys=surveys, locale=locale)
    }
    if key not in groupings:
        raise NotFound(key)
    codebook = tagging.codebook_for(session=db.session(), site=site)
    table = insights.breakdown(
        session=db.session(), site=site, surveys=surveys, question_key=key, themes=codebook.keys
    )
    data = exports.groups_csv(
        table,
        theme_labels={
            k: codebook.label(k, locale, fallback=[site.default_locale]) for k in codebook.keys
        },
        group_labels=groupings[key].options,
        hidden_label=_("hidden (small group)"),
        not_stated_label=_("not stated"),
        total_label=_("All"),
    )
    return _download(data.encode("utf-8"), f"{site.slug}-themes-by-{key}.csv", "text/csv")


@bp.get("/<site_slug>/insights/export/project.qdpx")
def export_qdpx(site_slug: str) -> Response:
    site, surveys, _chosen = _scope(site_slug)
    data = qdpx.project(
        session=db.session(), site=site, surveys=surveys, locale=i18n.current_locale()
    )
    return _download(data, f"{site.slug}.qdpx", "application/zip")


# -- review -----------------------------------------------------------------------------------


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
    )


@bp.get("/<site_slug>/review")
def review_queue(site_slug: str) -> str:
    site = staff.site(site_slug, Need.design)
    page = review.clamp_page(staff.number(request.args.get("page"), 0) or 0)
    items, total = review.queue(session=db.session(), site=site, filters=_filters(), page=page)
    codebook = tagging.codebook_for(session=db.session(), site=site)
    locale = i18n.current_locale()
    return render_template(
        "insights/review.html",
        site=site,
        items=items,
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
        args=request.args,
    )


@bp.post("/<site_slug>/review/<int:answer_id>")
def review_answer(site_slug: str, answer_id: int) -> HttpResponse:
    site = staff.site(site_slug, Need.design)
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
    site = staff.site(site_slug, Need.design)
    try:
        model = review.train_candidate(session=db.session(), site=site)
    except InvalidDocument as error:
        staff.flash_problems(error.problems)
        return redirect(url_for("insights.review_queue", site_slug=site.slug), code=303)
    return redirect(url_for("insights.model", site_slug=site.slug, model_id=model.id), code=303)


@bp.get("/<site_slug>/review/models/<int:model_id>")
def model(site_slug: str, model_id: int) -> str:
    site = staff.site(site_slug, Need.design)
    candidate = review.candidate(session=db.session(), site=site, model_id=model_id)
    current = tagging.accepted_model(session=db.session(), site=site)
    codebook = tagging.codebook_for(session=db.session(), site=site)
    locale = i18n.current_locale()
    agreement = {a.key: a for a in review.agreement(session=db.session(), site=site)}
    rows: list[dict[str, Any]] = []
    new_f1 = review.per_theme_f1(candidate.metrics)
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
                "new": new_f1.get(key),
                "current": old_f1.get(key, codebook_f1),
            }
        )
    return render_template(
        "insights/model.html", site=site, candidate=candidate, current=current, rows=rows
    )


@bp.post("/<site_slug>/review/models/<int:model_id>/accept")
def accept_model(site_slug: str, model_id: int) -> HttpResponse:
    site = staff.site(site_slug, Need.design)
    candidate = review.candidate(session=db.session(), site=site, model_id=model_id)
    count = review.accept(session=db.session(), site=site, model=candidate)
    flash(_("The new tagger is in use. %(count)s answers were tagged again.", count=count), "ok")
    return redirect(url_for("insights.review_queue", site_slug=site.slug), code=303)


# -- codebook ---------------------------------------------------------------------------------


@bp.get("/<site_slug>/codebook")
def codebook(site_slug: str) -> str:
    site = staff.site(site_slug, Need.read)
    book = tagging.codebook_for(session=db.session(), site=site)
    return render_template(
        "insights/codebook.html",
        site=site,
        codebook=book,
        locale=i18n.current_locale(),
        can_design=staff.can_design(site),
    )


#: the address of the "Add a theme" page, so never a theme's key
NEW_THEME = "new"


@bp.route("/<site_slug>/codebook/<key>", methods=["GET", "POST"])
def theme(site_slug: str, key: str) -> HttpResponse | tuple[str, int] | str:
    site = staff.site(site_slug, Need.design)
    book = tagging.codebook_for(session=db.session(), site=site)
    problems: list[str] = []
    if request.method == "POST":
        try:
            if key == NEW_THEME:
                review.check_new_theme_key(request.form.get("key", ""), reserved={NEW_THEME})
            codebook_edit.save_theme(
                session=db.session(),
                site=site,
                key=key,
                form=request.form,
                locales=list(LANGUAGES),
                is_new=key == NEW_THEME,
            )
        except InvalidDocument as error:
            problems = [staff.describe(p) for p in error.problems]
        else:
            flash(_("Codebook saved. Run “Tag again” so that older answers follow it."), "ok")
            return redirect(url_for("insights.codebook", site_slug=site.slug), code=303)
    entry = None if key == NEW_THEME else _theme_or_404(book, key)
    return render_template(
        "insights/theme.html", site=site, theme=entry, key=key, problems=problems, form=request.form
    ), (422 if problems else 200)


def _theme_or_404(book: Any, key: str) -> Any:
    try:
        return book.theme(key)
    except KeyError:
        raise NotFound(key) from None


@bp.post("/<site_slug>/codebook-retag")
def retag(site_slug: str) -> HttpResponse:
    site = staff.site(site_slug, Need.design)
    count = tagging.retag(
        session=db.session(),
        site=site,
        surveys=designer.surveys_of(session=db.session(), site=site),
    )
    flash(_("%(count)s answers were tagged again.", count=count), "ok")
    return redirect(url_for("insights.codebook", site_slug=site.slug), code=303)


# -- API keys -----------------------------------------------------------------------------------


#: where the new key waits between the POST and the page that shows it, once
_NEW_KEY = "cv_new_api_key"


@bp.route("/<site_slug>/api-keys", methods=["GET", "POST"])
def api_keys(site_slug: str) -> HttpResponse | tuple[str, int]:
    site = staff.site(site_slug, Need.design)
    problems: list[str] = []
    if request.method == "POST":
        try:
            _token, raw = api_tokens.create(
                session=db.session(),
                site=site,
                name=request.form.get("name", ""),
                user=staff.user(),
            )
        except InvalidDocument as error:
            problems = [staff.describe(p) for p in error.problems]
        else:
            # POST-redirect-GET: a reload cannot make a second key; the key is shown once.
            flask_session[_NEW_KEY] = {"site": site.slug, "key": raw}
            return redirect(url_for("insights.api_keys", site_slug=site.slug), code=303)
    waiting = flask_session.pop(_NEW_KEY, None) if request.method == "GET" else None
    created = (
        waiting.get("key")
        if isinstance(waiting, dict) and waiting.get("site") == site.slug
        else None
    )
    return render_template(
        "insights/api_keys.html",
        site=site,
        tokens=api_tokens.tokens_of(session=db.session(), site=site),
        created=created,
        problems=problems,
        form=request.form,
    ), 422 if problems else 200


@bp.post("/<site_slug>/api-keys/<int:token_id>/revoke")
def revoke_key(site_slug: str, token_id: int) -> HttpResponse:
    site = staff.site(site_slug, Need.design)
    api_tokens.revoke(session=db.session(), site=site, token_id=token_id)
    flash(_("The key was revoked."), "ok")
    return redirect(url_for("insights.api_keys", site_slug=site.slug), code=303)
