"""The codebook: reading it, editing a theme, tagging answers again."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as HttpResponse

from survey import db, i18n, queue
from survey.i18n import LANGUAGES, _
from survey.services import codebook_edit, jobs, review, tagging
from survey.services.access import Need
from survey.services.errors import InvalidDocument, NotFound
from survey.web import staff
from survey.web.insights import bp


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
        retag_job=jobs.latest(session=db.session(), site=site, kind="retag"),
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
    if not jobs.is_active(jobs.latest(session=db.session(), site=site, kind="retag")):
        start_retag(site)
    flash(_("The answers are being tagged again; this page shows how far."), "ok")
    return redirect(url_for("insights.codebook", site_slug=site.slug), code=303)


def start_retag(site: Any) -> None:
    """Tag the site's answers again in a job; the codebook and review pages show its progress."""
    job = jobs.create(session=db.session(), site=site, kind="retag", params={})
    queue.enqueue("retag", job_id=job.id)
