"""Downloads: responses (CSV, JSON, XLSX), themes by group, a QDPX project."""

from __future__ import annotations

import io

from flask import Response, request, send_file

from survey import db, i18n
from survey.formats import qdpx
from survey.i18n import LANGUAGES, _
from survey.models import utcnow
from survey.problems import N_
from survey.services import catalog, designer, exports, insights, tagging
from survey.services.errors import NotFound
from survey.web.insights import bp, scope


def _download(data: bytes, name: str, mimetype: str) -> Response:
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


#: the heading of the column of option labels beside a column of codes
LABEL_HEADING = N_("label")

#: format → (file suffix, media type, the exporter)
_FORMATS = {
    "csv": ("csv", "text/csv", lambda **kw: exports.responses_csv(**kw).encode("utf-8")),
    "json": ("json", "application/json", exports.responses_json),
    "xlsx": (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.responses_xlsx,
    ),
}


@bp.get("/<site_slug>/insights/export/responses.<fmt>")
def export_responses(site_slug: str, fmt: str) -> Response:
    site, surveys, chosen = scope(site_slug)
    if fmt not in _FORMATS:
        raise NotFound(fmt)
    suffix, mimetype, exporter = _FORMATS[fmt]
    lang = request.args.get("lang")
    locale = lang if lang in LANGUAGES else i18n.current_locale()
    session = db.session()
    rounds = catalog.round_numbers(designer.surveys_of(session=session, site=site))
    labels = exports.Labels(
        locale=locale,
        heading=i18n.gettext_in(locale, LABEL_HEADING),
        translate=lambda text: i18n.gettext_in(locale, text),
    )
    data = exporter(session=session, surveys=surveys, labels=labels)
    name = exports.download_name(
        site=site.slug,
        survey=chosen,
        round_number=rounds.get(chosen.id or 0) if chosen else None,
        when=utcnow().date(),
        suffix=suffix,
    )
    return _download(data, name, mimetype)


@bp.get("/<site_slug>/insights/export/themes-by-group.csv")
def export_groups(site_slug: str) -> Response:
    site, surveys, _chosen = scope(site_slug)
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
    site, surveys, _chosen = scope(site_slug)
    data = qdpx.project(
        session=db.session(), site=site, surveys=surveys, locale=i18n.current_locale()
    )
    return _download(data, f"{site.slug}.qdpx", "application/zip")
