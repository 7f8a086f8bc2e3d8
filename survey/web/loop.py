"""Closing the loop: the public "you said, we did" page ``/p/<site>``, and the staff pages behind
it (outcome, commitments, the partnership map, quote approval)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response as HttpResponse

from survey import db, i18n
from survey.i18n import LANGUAGES, _
from survey.models import Commitment, Site
from survey.services import loop, representation, results, sites, tagging
from survey.services.access import Need
from survey.services.errors import InvalidDocument, NotFound
from survey.web import staff

public = Blueprint("public_loop", __name__)
bp = Blueprint("loop", __name__, url_prefix="/sites")


# -- the public page --------------------------------------------------------------------------


@public.get("/p/<site_slug>")
def page(site_slug: str) -> str:
    site = sites.site_by_slug(session=db.session(), slug=site_slug)
    if site is None:
        raise NotFound(site_slug)
    locale = i18n.select_locale(site.locales, site.default_locale)
    view = loop.public_page(session=db.session(), site=site, locale=locale)
    # who we heard from (survey/services/representation.py)
    heard = representation.heard_from(
        session=db.session(), site=site, survey=view.survey, locale=locale
    )
    questions = (
        results.question_results(
            session=db.session(),
            site=site,
            surveys=[view.survey],
            locale=locale,
            translate=_,
            only=site.public_questions,
        )
        if view.survey is not None and site.public_questions
        else []
    )
    return render_template(
        "loop/public.html",
        site=site,
        view=view,
        statuses=_status_labels(),
        questions=[q for q in questions if not q.is_text and not q.result.suppressed],
        heard=heard,
    )


# -- staff ------------------------------------------------------------------------------------


@bp.before_request
@login_required
def _signed_in() -> None:
    i18n.select_staff_locale()


@bp.route("/<site_slug>/loop", methods=["GET", "POST"])
def overview(site_slug: str) -> HttpResponse | tuple[str, int]:
    site = staff.site(site_slug, Need.design if request.method == "POST" else Need.read)
    session = db.session()
    problems: list[str] = []
    if request.method == "POST":
        try:
            loop.update_public_settings(
                session=session,
                site=site,
                locale=site.default_locale,
                outcome=request.form.get("outcome", ""),
                locales=[c for c in request.form.getlist("locales") if c in LANGUAGES],
                next_round_opens=loop.parse_date(
                    request.form.get("next_round_opens", ""), where="site"
                ),
                redact_names=request.form.get("redact_names", "").splitlines(),
            )
        except InvalidDocument as error:
            problems = [staff.describe(p) for p in error.problems]
        else:
            flash(_("Saved."), "ok")
            return redirect(url_for("loop.overview", site_slug=site.slug), code=303)
    commitments = loop.commitments_of(session=session, site=site)
    codebook = tagging.codebook_for(session=session, site=site)
    locale = i18n.current_locale()
    return render_template(
        "loop/overview.html",
        site=site,
        commitments=commitments,
        updates=loop.updates_of(session=session, commitments=commitments),
        quotes=loop.approved_quotes(session=session, site=site),
        labels={t.key: codebook.label(t.key, locale) for t in codebook.themes},
        can_design=staff.can_design(site),
        statuses=_status_labels(),
        problems=problems,
        form=request.form if problems else None,
    ), 422 if problems else 200


def _status_labels() -> dict[str, str]:
    return {
        "draft": _("Draft (not public)"),
        "planned": _("Planned"),
        "in_progress": _("In progress"),
        "done": _("Done"),
        "dropped": _("Dropped"),
    }


@bp.route("/<site_slug>/loop/commitments/<commitment_id>", methods=["GET", "POST"])
def commitment(site_slug: str, commitment_id: str) -> HttpResponse | tuple[str, int]:
    site = staff.site(site_slug, Need.design)
    session = db.session()
    existing = (
        None
        if commitment_id == "new"
        else loop.commitment_at(
            session=session, site=site, commitment_id=staff.number(commitment_id, -1) or -1
        )
    )
    problems: list[str] = []
    if request.method == "POST":
        try:
            saved = loop.save_commitment(
                session=session,
                site=site,
                locale=site.default_locale,
                commitment=existing,
                data=loop.CommitmentInput(
                    text=request.form.get("text", ""),
                    target=request.form.get("target", ""),
                    partners=request.form.get("partners", ""),
                    themes=request.form.getlist("themes"),
                    due=request.form.get("due", ""),
                    status=request.form.get("status", "draft"),
                ),
            )
        except InvalidDocument as error:
            problems = [staff.describe(p) for p in error.problems]
        else:
            flash(_("Commitment saved."), "ok")
            return redirect(
                url_for("loop.commitment", site_slug=site.slug, commitment_id=saved.id), code=303
            )
    return _commitment_page(site, existing, problems=problems, form=request.form)


def _commitment_page(
    site: Site,
    existing: Commitment | None,
    *,
    problems: list[str],
    form: Any = None,
    update_problems: list[str] | None = None,
    update_form: Any = None,
) -> tuple[str, int]:
    session = db.session()
    codebook = tagging.codebook_for(session=session, site=site)
    locale = i18n.current_locale()
    return render_template(
        "loop/commitment.html",
        site=site,
        commitment=existing,
        updates=loop.updates_of(session=session, commitments=[existing]).get(existing.id or 0, [])
        if existing
        else [],
        themes=[(k, codebook.label(k, locale)) for k in codebook.keys],
        statuses=_status_labels(),
        problems=problems,
        form=form or {},
        update_problems=update_problems or [],
        update_form=update_form or {},
    ), 422 if problems or update_problems else 200


@bp.post("/<site_slug>/loop/commitments/<int:commitment_id>/updates")
def commitment_update(site_slug: str, commitment_id: int) -> HttpResponse | tuple[str, int]:
    site = staff.site(site_slug, Need.design)
    session = db.session()
    found = loop.commitment_at(session=session, site=site, commitment_id=commitment_id)
    try:
        loop.add_update(
            session=session,
            commitment=found,
            text=request.form.get("text", ""),
            locale=site.default_locale,
            on=request.form.get("on", ""),
            user=staff.user(),
        )
    except InvalidDocument as error:
        return _commitment_page(
            site,
            found,
            problems=[],
            update_problems=[staff.describe(p) for p in error.problems],
            update_form=request.form,
        )
    flash(_("Saved."), "ok")
    return redirect(
        url_for("loop.commitment", site_slug=site.slug, commitment_id=found.id), code=303
    )


@bp.route("/<site_slug>/loop/map", methods=["GET", "POST"])
def partnership_map(site_slug: str) -> HttpResponse | tuple[str, int]:
    site = staff.site(site_slug, Need.design if request.method == "POST" else Need.read)
    session = db.session()
    problems: list[str] = []
    if request.method == "POST":
        try:
            loop.save_stakeholder(
                session=session, site=site, data=_stakeholder_input(), user=staff.user()
            )
        except InvalidDocument as error:
            problems = [staff.describe(p) for p in error.problems]
        else:
            flash(_("Saved."), "ok")
            return redirect(url_for("loop.partnership_map", site_slug=site.slug), code=303)
    return render_template(
        "loop/map.html",
        site=site,
        view=loop.partnership_map(session=session, site=site),
        sectors=_sector_labels(),
        problems=problems,
        form=request.form,
        can_design=staff.can_design(site),
    ), 422 if problems else 200


def _stakeholder_input() -> loop.StakeholderInput:
    return loop.StakeholderInput(
        name=request.form.get("name", ""),
        kind=request.form.get("kind", "organisation"),
        sector=request.form.get("sector", "other"),
        influence=staff.number(request.form.get("influence", "2"), 0) or 0,
        at_table=request.form.get("at_table") in ("y", "on"),
        notes=request.form.get("notes", ""),
    )


def _sector_labels() -> dict[str, str]:
    return {
        "government": _("Government"),
        "nonprofit": _("Nonprofit"),
        "business": _("Business"),
        "philanthropy": _("Philanthropy"),
        "resident_group": _("Resident group"),
        "education": _("Education"),
        "health": _("Health"),
        "faith": _("Faith"),
        "other": _("Other"),
    }


@bp.route("/<site_slug>/loop/map/<int:stakeholder_id>", methods=["GET", "POST"])
def stakeholder(site_slug: str, stakeholder_id: int) -> HttpResponse | tuple[str, int]:
    site = staff.site(site_slug, Need.design)
    session = db.session()
    found = loop.stakeholder_at(session=session, site=site, stakeholder_id=stakeholder_id)
    problems: list[str] = []
    if request.method == "POST":
        try:
            loop.save_stakeholder(
                session=session,
                site=site,
                data=_stakeholder_input(),
                user=staff.user(),
                stakeholder=found,
            )
        except InvalidDocument as error:
            problems = [staff.describe(p) for p in error.problems]
        else:
            flash(_("Saved."), "ok")
            return redirect(
                url_for("loop.stakeholder", site_slug=site.slug, stakeholder_id=found.id), code=303
            )
    return render_template(
        "loop/stakeholder.html",
        site=site,
        stakeholder=found,
        history=loop.history_of(session=session, stakeholder=found),
        sectors=_sector_labels(),
        problems=problems,
        form=request.form if problems else None,
    ), 422 if problems else 200


@bp.route("/<site_slug>/loop/quotes/approve", methods=["GET", "POST"])
def approve_quote(site_slug: str) -> HttpResponse | str:
    site = staff.site(site_slug, Need.design)
    session = db.session()
    answer_id = staff.number(request.values.get("answer_id"), -1) or -1
    theme = request.values.get("theme") or None
    answer, text = loop.quote_preview(session=session, site=site, answer_id=answer_id)
    if request.method == "POST":
        try:
            loop.approve_quote(
                session=session,
                site=site,
                answer_id=answer_id,
                theme=theme,
                user=staff.user(),
                shown_text=request.form.get("shown", ""),
            )
        except InvalidDocument as error:
            staff.flash_problems(error.problems)
            return redirect(
                url_for(
                    "loop.approve_quote", site_slug=site.slug, answer_id=answer_id, theme=theme
                ),
                code=303,
            )
        flash(_("The quote will appear on the public page."), "ok")
        return redirect(url_for("loop.overview", site_slug=site.slug), code=303)
    return render_template("loop/approve.html", site=site, answer=answer, text=text, theme=theme)


@bp.post("/<site_slug>/loop/quotes/<int:approval_id>/withdraw")
def withdraw_quote(site_slug: str, approval_id: int) -> HttpResponse:
    site = staff.site(site_slug, Need.design)
    loop.withdraw_quote(session=db.session(), site=site, approval_id=approval_id)
    flash(_("The quote was taken off the public page."), "ok")
    return redirect(url_for("loop.overview", site_slug=site.slug), code=303)
