"""Sharing: links, QR codes, the poster and the paper survey."""

from __future__ import annotations

import io
import re
from typing import Any

import segno
from flask import Response, render_template, request, send_file, url_for
from markupsafe import Markup

from survey import conditions, db, i18n
from survey.document import localise_document
from survey.document import questions as document_questions
from survey.i18n import _
from survey.kinds import kind_of
from survey.models import Survey
from survey.services import catalog, surveys
from survey.web import offline
from survey.web.design.base import bp
from survey.web.design.base import load as _survey


def _public_url(survey: Survey, lang: str) -> str:
    return url_for("respond.show", slug=survey.slug, lang=lang, _external=True)


def _qr(survey: Survey, lang: str) -> segno.QRCode:
    return segno.make(_public_url(survey, lang), error="m")


@bp.get("/<site_slug>/surveys/<slug>/share")
def share(site_slug: str, slug: str) -> str:
    site, survey = _survey(site_slug, slug)
    links = [(code, _public_url(survey, code)) for code in survey.locales]
    event = _event_link(survey)
    return render_template("design/share.html", site=site, survey=survey, links=links, **event)


def _event_link(survey: Survey) -> dict[str, Any]:
    """An event-mode link when the share page's event form was sent, or why it was not made."""
    name = " ".join(request.args.get("event", "").split())
    raw_days = request.args.get("days", "1").strip()
    found: dict[str, Any] = {"event_name": name, "event_days": raw_days}
    if "event" not in request.args:
        return found
    days = int(raw_days) if raw_days.isdigit() else 0
    if not name or len(name) > 80:
        found["event_error"] = _("Give the event a name of up to 80 characters.")
    elif not 1 <= days <= offline.MAX_EVENT_DAYS:
        found["event_error"] = _(
            "An event link works for 1 to %(max)s days.", max=offline.MAX_EVENT_DAYS
        )
    else:
        key = offline.event_key(slug=survey.slug, name=name, days=days)
        found["event_link"] = url_for(
            "offline.event_mode",
            slug=survey.slug,
            key=key,
            lang=survey.default_locale,
            _external=True,
        )
    return found


@bp.get("/<site_slug>/surveys/<slug>/qr.<fmt>")
def qr(site_slug: str, slug: str, fmt: str) -> Response:
    _site, survey = _survey(site_slug, slug)
    lang = request.args.get("lang", survey.default_locale)
    lang = lang if lang in survey.locales else survey.default_locale
    buffer = io.BytesIO()
    if fmt == "svg":
        _qr(survey, lang).save(buffer, kind="svg", scale=8, border=4, xmldecl=False)
        buffer = io.BytesIO(_with_view_box(buffer.getvalue()))
        mimetype = "image/svg+xml"
    elif fmt == "png":
        _qr(survey, lang).save(buffer, kind="png", scale=10, border=4)
        mimetype = "image/png"
    else:
        from survey.services.errors import NotFound

        raise NotFound(fmt)
    buffer.seek(0)
    download = request.args.get("download") == "1"
    return send_file(
        buffer,
        mimetype=mimetype,
        as_attachment=download,
        download_name=f"{survey.slug}-{lang}.{fmt}",
    )


def _qr_inline(survey: Survey, lang: str) -> Markup:
    # segno writes only its own path data; nothing typed by anyone goes into this SVG.
    # Without a size and with a viewBox, it fills the box the print stylesheet gives it.
    return Markup(_qr(survey, lang).svg_inline(scale=1, border=2, omitsize=True))


def _with_view_box(svg: bytes) -> bytes:
    """The SVG with a viewBox beside its size, so that it scales to any box it is placed in."""
    return re.sub(
        rb'<svg ([^>]*?)width="(\d+)" height="(\d+)"',
        rb'<svg \1width="\2" height="\3" viewBox="0 0 \2 \3"',
        svg,
        count=1,
    )


@bp.get("/<site_slug>/surveys/<slug>/poster")
def poster(site_slug: str, slug: str) -> str:
    _site, survey = _survey(site_slug, slug)
    lang = request.args.get("lang", survey.default_locale)
    lang = lang if lang in survey.locales else survey.default_locale
    paper = "letter" if request.args.get("paper") == "letter" else "a4"
    i18n.use_locale(lang)
    document = localise_document(
        {"default_locale": survey.default_locale, "title": survey.title, "intro": survey.intro},
        lang,
    )
    return render_template(
        "design/poster.html",
        survey=survey,
        document=document,
        paper=paper,
        qr=_qr_inline(survey, lang),
        url=_public_url(survey, lang),
    )


@bp.get("/<site_slug>/surveys/<slug>/paper")
def paper(site_slug: str, slug: str) -> str:
    _site, survey = _survey(site_slug, slug)
    lang = request.args.get("lang", survey.default_locale)
    lang = lang if lang in survey.locales else survey.default_locale
    version = catalog.latest_version(session=db.session(), survey=survey)
    definition = (
        version.definition
        if version
        else surveys.document_from_draft(session=db.session(), survey=survey)
    )
    i18n.use_locale(lang)
    document = localise_document(definition, lang)
    by_key = {question["key"]: question for question in document_questions(document)}
    # The one evaluator's conditions in words: "Answer only if “How old are you?” is less than 18."
    instructions = {
        key: conditions.instruction(question.get("show_if"), by_key, i18n.translations())
        for key, question in by_key.items()
        if question.get("show_if")
    }
    return render_template(
        "design/paper.html",
        survey=survey,
        document=document,
        qr=_qr_inline(survey, lang),
        instructions=instructions,
        layouts={key: _paper_layout(question) for key, question in by_key.items()},
    )


def _paper_layout(question: dict[str, Any]) -> dict[str, Any]:
    """How the paper survey lays out a question's answer: its kind says."""
    kind = kind_of(question)
    if kind is None:
        return {"layout": "lines", "lines": 1, "multiple": False}
    return {
        "layout": kind.paper_layout,
        "lines": kind.paper_lines,
        "multiple": kind.is_multiple(question),
    }
