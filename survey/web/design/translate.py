"""Translation: side by side in the browser, or as PO files for translators' own tools."""

from __future__ import annotations

import io

from flask import Response, flash, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response as HttpResponse

from survey import db
from survey.document import N_
from survey.formats import po as content_po
from survey.i18n import _
from survey.services import surveys
from survey.web.design.base import back, bp, load

_NOT_A_TARGET = N_("Choose one of the survey's other languages to translate into.")
_STALE = N_(
    "%(count)s translations were not saved because their text changed or was removed "
    "since the page was opened. Please check them."
)


@bp.route("/<site_slug>/surveys/<slug>/translate", methods=["GET", "POST"])
def translate(site_slug: str, slug: str) -> HttpResponse | str:
    site, survey = load(site_slug, slug)
    targets = [code for code in survey.locales if code != survey.default_locale]
    asked = request.args.get("lang")
    target = asked or (targets[0] if targets else "")
    if target not in targets:
        if request.method == "POST" or asked:
            flash(_(_NOT_A_TARGET), "error")
            if targets:
                return redirect(
                    url_for("design.translate", site_slug=site.slug, slug=survey.slug), code=303
                )
            return back(site, survey, "languages")
        target = survey.default_locale  # one language: the page says so and offers no form
    session = db.session()
    if request.method == "POST":
        sent: list[content_po.SentTranslation] = []
        while f"t{len(sent)}" in request.form:
            index = len(sent)
            sent.append(
                content_po.SentTranslation(
                    value=request.form[f"t{index}"], fingerprint=request.form.get(f"k{index}")
                )
            )
        changed, stale = content_po.save_translations(
            session=session, survey=survey, target=target, sent=sent
        )
        flash(_("Saved %(count)s translations.", count=changed), "ok")
        if stale:
            flash(_(_STALE, count=stale), "error")
        return redirect(
            url_for("design.translate", site_slug=site.slug, slug=survey.slug, lang=target),
            code=303,
        )
    entries = content_po.translatable(session=session, survey=survey)
    return render_template(
        "design/translate.html",
        site=site,
        survey=survey,
        entries=[(e, content_po.fingerprint(e, e.texts[survey.default_locale])) for e in entries],
        target=target,
        completeness=content_po.completeness(session=session, survey=survey),
    )


@bp.get("/<site_slug>/surveys/<slug>/po")
def po_export(site_slug: str, slug: str) -> Response:
    _site, survey = load(site_slug, slug)
    locale = surveys.language_or_default(survey, request.args.get("lang"))
    data = content_po.export_po(session=db.session(), survey=survey, locale=locale)
    return send_file(
        io.BytesIO(data),
        mimetype="text/x-gettext-translation",
        as_attachment=True,
        download_name=f"{survey.slug}-{locale}.po",
    )


@bp.post("/<site_slug>/surveys/<slug>/po")
def po_import(site_slug: str, slug: str) -> HttpResponse | tuple[str, int]:
    site, survey = load(site_slug, slug)
    upload = request.files.get("file")
    locale = request.form.get("lang") or None
    if upload is None or not upload.filename:
        flash(_("Please choose a file."), "error")
        return redirect(
            url_for("design.translate", site_slug=site.slug, slug=survey.slug), code=303
        )
    try:
        report = content_po.import_po(
            session=db.session(), survey=survey, data=upload.read(), locale=locale
        )
    except content_po.MalformedPo as error:
        flash(
            _(
                "Nothing was saved. %(error)s",
                error=_(error.message, **error.params) if error.params else _(error.message),
            ),
            "error",
        )
        return redirect(
            url_for("design.translate", site_slug=site.slug, slug=survey.slug), code=303
        )
    flash(_("%(count)s translations updated.", count=len(report.updated)), "ok")
    for label, items in (
        (_("Unknown keys"), report.unknown_keys),
        (_("Empty translations, left as they were"), report.empty),
        (_("Placeholders differ from the source, skipped"), report.placeholder_mismatches),
    ):
        if items:
            flash(f"{label}: {', '.join(items)}", "error")
    return redirect(
        url_for("design.translate", site_slug=site.slug, slug=survey.slug, lang=report.locale),
        code=303,
    )
