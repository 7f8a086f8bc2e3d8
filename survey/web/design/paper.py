"""Typing in answers from paper surveys."""

from __future__ import annotations

import secrets

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as HttpResponse

from forms.response import build_form
from survey import conditions, db, i18n, queue
from survey.document import localise_document
from survey.i18n import _
from survey.models import Channel
from survey.services import catalog, responses, surveys
from survey.web.design.base import answer_cap, back, bp, load


@bp.route("/<site_slug>/surveys/<slug>/paper-entry", methods=["GET", "POST"])
def paper_entry(site_slug: str, slug: str) -> HttpResponse | tuple[str, int]:
    site, survey = load(site_slug, slug)
    version = catalog.latest_version(session=db.session(), survey=survey)
    if version is None:
        flash(_("Publish the survey before typing in paper answers."), "error")
        return back(site, survey)
    lang = surveys.language_or_default(survey, request.values.get("answer_lang"))
    document = localise_document(version.definition, survey.default_locale)
    form = build_form(
        document,
        is_shown=conditions.is_shown,
        translations=i18n.translations(),
        max_length=answer_cap(),
    )(formdata=request.form if request.method == "POST" else None)
    status_code = 200
    if request.method == "POST":
        if form.first_invalid_page() is None:
            token = (
                form.token.data
                if (form.token.data or "").startswith("paper-")
                else f"paper-{secrets.token_urlsafe(16)}"
            )
            response, created = responses.submit(
                session=db.session(),
                survey=survey,
                version=version,
                answers=form.visible_answers(),
                locale=lang,
                channel=Channel.paper,
                token=token,
            )
            if created:
                queue.enqueue("tag_pending", coalesce=True)
                flash(
                    _(
                        "Saved paper answer number %(id)s. The form is ready for the next one.",
                        id=response.id,
                    ),
                    "ok",
                )
            else:
                # The same sheet sent twice (a double click, a reload): stored once, and said so.
                flash(
                    _(
                        "That paper answer was already saved as number %(id)s; nothing was saved "
                        "twice. The form is ready for the next one.",
                        id=response.id,
                    ),
                    "ok",
                )
            return redirect(
                url_for(
                    "design.paper_entry", site_slug=site.slug, slug=survey.slug, answer_lang=lang
                ),
                code=303,
            )
        status_code = 422
    form.token.data = form.token.data or f"paper-{secrets.token_urlsafe(16)}"
    return (
        render_template(
            "design/paper_entry.html",
            site=site,
            survey=survey,
            form=form,
            lang=lang,
            document=document,
        ),
        status_code,
    )
