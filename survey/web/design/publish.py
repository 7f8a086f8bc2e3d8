"""The phone preview of the draft, and publishing it."""

from __future__ import annotations

from flask import Response, current_app, flash, render_template, request, url_for
from werkzeug.wrappers import Response as HttpResponse

from survey import db, i18n
from survey.document import N_, localise_document
from survey.i18n import _, ngettext
from survey.services import changes, surveys
from survey.web.design.base import back, bp, load, reports_problems
from survey.web.respond import Step, page_view, response_form, step


@bp.get("/<site_slug>/surveys/<slug>/preview")
def preview(site_slug: str, slug: str) -> str:
    site, survey = load(site_slug, slug)
    lang = request.args.get("lang", survey.default_locale)
    # Named apart from ``lang``, which the staff layout sets to the interface language.
    preview_lang = lang if lang in survey.locales else survey.default_locale
    return render_template(
        "design/preview.html", site=site, survey=survey, preview_lang=preview_lang
    )


#: the preview's last page was sent: residents would now see the thank-you page
_SENT = N_(
    "In the real survey these answers would now be sent. Nothing was saved: this is a preview."
)


@bp.get("/<site_slug>/surveys/<slug>/preview/frame")
def preview_frame(site_slug: str, slug: str) -> Response:
    site, survey = load(site_slug, slug)
    lang = surveys.language_or_default(survey, request.args.get("lang"))
    document = localise_document(
        surveys.document_from_draft(session=db.session(), survey=survey), lang
    )
    form = response_form(document, translations=i18n.translations_for(lang), data=request.args)
    i18n.use_locale(lang)
    index = form.current_page()
    action = request.args.get("action", "")
    # Opening the frame (or another language) shows the page; the buttons step as residents do.
    outcome = step(form, index, action) if action in ("back", "next", "send") else Step(index)
    notice = _(_SENT) if outcome.finished else outcome.notice
    html = page_view(
        survey,
        form,
        outcome.index,
        notice=notice,
        preview_url=url_for(
            "design.preview_frame", site_slug=site.slug, slug=survey.slug, lang=lang
        ),
    )
    response = Response(html, status=outcome.status)
    # The preview is shown inside the designer's own page.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; style-src 'self' "
        + _style_hash()
        + "; frame-ancestors 'self'; form-action 'self'"
    )
    return response


def _style_hash() -> str:
    return str(current_app.config["CSP_STYLE_HASH"])


@bp.post("/<site_slug>/surveys/<slug>/publish")
@reports_problems
def publish(site_slug: str, slug: str) -> HttpResponse:
    site, survey = load(site_slug, slug)
    count = len(changes.pending_changes(session=db.session(), survey=survey))
    version = surveys.publish(session=db.session(), survey=survey)
    flash(
        ngettext(
            "Published version %(number)s (%(num)s change). Residents now see it.",
            "Published version %(number)s (%(num)s changes). Residents now see it.",
            count,
            number=version.number,
        ),
        "ok",
    )
    return back(site, survey)
