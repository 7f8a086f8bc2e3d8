"""The site's surveys and one survey's page: texts, languages, pages, status, next round, export."""

from __future__ import annotations

import io
import json

from flask import Response, flash, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response as HttpResponse

from forms.staff import (
    LanguagesForm,
    SectionForm,
    SurveyCreateForm,
    SurveyTextsForm,
    UploadForm,
)
from survey import conditions, db, i18n
from survey.document import N_, localise, localise_document
from survey.document import questions as document_questions
from survey.formats import definitions
from survey.formats import po as content_po
from survey.i18n import _
from survey.models import Site, Survey, SurveyStatus
from survey.services import access, catalog, changes, designer, surveys
from survey.services.access import Need
from survey.services.errors import InvalidDocument
from survey.web import staff
from survey.web.design.base import answer_cap, back, bp, language_choices, load, reports_problems
from survey.web.design.questions import kind_labels


@bp.get("/")
def home() -> str:
    member = staff.user()
    assert member is not None
    return render_template(
        "design/home.html", sites=access.sites_of(session=db.session(), user=member)
    )


@bp.get("/<site_slug>/")
def site_home(site_slug: str) -> HttpResponse:
    staff.site(site_slug)
    return redirect(url_for("design.survey_list", site_slug=site_slug), code=303)


@bp.route("/<site_slug>/surveys/", methods=["GET", "POST"])
def survey_list(site_slug: str) -> HttpResponse | tuple[str, int]:
    site = staff.site(site_slug, Need.design if request.method == "POST" else Need.read)
    form = staff.form(SurveyCreateForm, default_locale=site.default_locale)
    form.default_locale.choices = language_choices()
    if request.method == "POST" and form.validate():
        try:
            survey = designer.create_survey(
                session=db.session(),
                site=site,
                slug=form.slug.data,
                title=form.title.data,
                default_locale=form.default_locale.data,
                locales=[form.default_locale.data],
            )
        except InvalidDocument as error:
            staff.flash_problems(error.problems)
        else:
            flash(_("Survey created. Add your questions."), "ok")
            return back(site, survey)
    status = 422 if request.method == "POST" else 200
    items = designer.surveys_of(session=db.session(), site=site)
    return (
        render_template(
            "design/surveys.html",
            site=site,
            form=form,
            surveys=items,
            rounds=catalog.round_numbers(items),
            can_design=staff.can_design(site),
        ),
        status,
    )


@bp.route("/<site_slug>/surveys/import", methods=["GET", "POST"])
def import_survey(site_slug: str) -> HttpResponse | tuple[str, int]:
    site = staff.site(site_slug, Need.design)
    form = staff.form(UploadForm)
    problems: list[str] = []
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            problems = [_("Please choose a file.")]
        else:
            try:
                imported = definitions.read_definition(upload.filename, upload.read())
                survey = designer.import_document(
                    session=db.session(),
                    site=site,
                    document=imported.document,
                    replace_draft=form.replace_draft.data,
                    answer_cap=answer_cap(),
                )
            except InvalidDocument as error:
                problems = [staff.describe(p) for p in error.problems]
            else:
                if not imported.changes:
                    flash(_("Survey imported as a draft. Check it, then publish."), "ok")
                    return back(site, survey)
                # the changes stay on screen: staff read them against their workbook
                page = render_template(
                    "design/import.html",
                    site=site,
                    form=form,
                    problems=[],
                    imported=survey,
                    changes=[staff.describe(c) for c in imported.changes],
                )
                return page, 200
    status = 422 if problems else 200
    return render_template("design/import.html", site=site, form=form, problems=problems), status


# -- the survey page --------------------------------------------------------------------------


@bp.get("/<site_slug>/surveys/<slug>")
def edit(site_slug: str, slug: str) -> str:
    site, survey = load(site_slug, slug)
    return _edit_page(site, survey)


def _condition_words(survey: Survey) -> dict[str, str]:
    """Each condition in words: the staff member's language, the survey's main language's texts."""
    document = localise_document(
        surveys.document_from_draft(session=db.session(), survey=survey), survey.default_locale
    )
    by_key = {q["key"]: q for q in document_questions(document)}
    return {
        key: conditions.describe(q["show_if"], by_key, i18n.translations())
        for key, q in by_key.items()
        if q.get("show_if")
    }


def _edit_page(
    site: Site,
    survey: Survey,
    *,
    texts: SurveyTextsForm | None = None,
    page_input: dict[str, str] | None = None,
    page_errors: dict[str, list[str]] | None = None,
) -> str:
    """The survey page; a refused texts or page-title form comes back with what was typed."""
    session = db.session()
    if texts is None:
        texts = SurveyTextsForm(meta={"translations": i18n.translations()})
        locale = survey.default_locale
        texts.title.data = survey.title.get(locale, "")
        texts.intro.data = survey.intro.get(locale, "")
        texts.thank_you.data = survey.thank_you.get(locale, "")
    languages = staff.form(LanguagesForm)
    languages.default_locale.choices = language_choices(survey.locales)
    languages.default_locale.data = survey.default_locale
    languages.locales.choices = language_choices(survey.locales)
    languages.locales.data = list(survey.locales)
    languages.interface_locale.choices = language_choices()
    languages.interface_locale.data = survey.interface_locale
    sections = surveys.sections_of(session=session, survey=survey)
    questions = surveys.questions_of(session=session, survey=survey)
    return render_template(
        "design/survey.html",
        site=site,
        survey=survey,
        texts=texts,
        language_form=languages,
        sections=sections,
        questions=questions,
        kind_labels=kind_labels(),
        condition_words=_condition_words(survey),
        page_input=page_input or {},
        page_errors=page_errors or {},
        completeness=content_po.completeness(session=session, survey=survey),
        versions=designer.versions_of(session=session, survey=survey),
        changes=changes.pending_changes(session=session, survey=survey),
        text_of=lambda texts: localise(texts, survey.default_locale, survey.default_locale),
    )


@bp.post("/<site_slug>/surveys/<slug>/texts")
@reports_problems
def texts(site_slug: str, slug: str) -> HttpResponse | tuple[str, int]:
    site, survey = load(site_slug, slug)
    form = staff.form(SurveyTextsForm)
    if not form.validate():
        return _edit_page(site, survey, texts=form), 422
    designer.update_texts(
        session=db.session(),
        survey=survey,
        locale=survey.default_locale,
        title=form.title.data or "",
        intro=form.intro.data or "",
        thank_you=form.thank_you.data or "",
    )
    flash(_("Saved."), "ok")
    return back(site, survey)


@bp.post("/<site_slug>/surveys/<slug>/languages")
@reports_problems
def languages(site_slug: str, slug: str) -> HttpResponse:
    site, survey = load(site_slug, slug)
    form = staff.form(LanguagesForm)
    chosen = list(form.locales.data or [])
    default = form.default_locale.data or survey.default_locale
    designer.set_languages(
        session=db.session(),
        survey=survey,
        default_locale=default,
        locales=chosen,
        other=(form.other_locales.data or "")[:300],
        interface_locale=form.interface_locale.data or None,
    )
    flash(_("Languages saved."), "ok")
    return back(site, survey, "languages")


@bp.post("/<site_slug>/surveys/<slug>/sections")
@reports_problems
def add_section(site_slug: str, slug: str) -> HttpResponse | tuple[str, int]:
    site, survey = load(site_slug, slug)
    form = staff.form(SectionForm)
    if not form.validate():
        return _page_title_refused(site, survey, "", form)
    section = designer.add_section(
        session=db.session(),
        survey=survey,
        title=form.title.data or "",
        locale=survey.default_locale,
    )
    return back(site, survey, f"page-{section.key}")


@bp.post("/<site_slug>/surveys/<slug>/sections/<key>")
@reports_problems
def section_action(site_slug: str, slug: str, key: str) -> HttpResponse | tuple[str, int]:
    site, survey = load(site_slug, slug)
    session = db.session()
    section = designer.section_at(session=session, survey=survey, key=key)
    action = request.form.get("action")
    if action in ("up", "down"):
        designer.move_section(
            session=session, survey=survey, section=section, step=-1 if action == "up" else 1
        )
    elif action == "delete":
        designer.delete_section(session=session, survey=survey, section=section)
    else:
        form = staff.form(SectionForm)
        if not form.validate():
            return _page_title_refused(site, survey, key, form)
        designer.rename_section(
            session=session,
            survey=survey,
            section=section,
            title=form.title.data or "",
            locale=survey.default_locale,
        )
    return back(site, survey, "pages")


def _page_title_refused(site: Site, survey: Survey, key: str, form: SectionForm) -> tuple[str, int]:
    """The survey page again, the refused title (``key`` "" for a new page) kept and explained."""
    typed = {key: form.title.data or ""}
    return _edit_page(site, survey, page_input=typed, page_errors={key: form.title.errors}), 422


# -- status and rounds ------------------------------------------------------------------------


@bp.post("/<site_slug>/surveys/<slug>/status")
@reports_problems
def status(site_slug: str, slug: str) -> HttpResponse:
    site, survey = load(site_slug, slug)
    asked = request.form.get("status")
    if asked not in (SurveyStatus.open.value, SurveyStatus.closed.value):
        flash(_(_UNKNOWN_STATUS), "error")
        return back(site, survey)
    wanted = SurveyStatus(asked)
    designer.set_status(session=db.session(), survey=survey, status=wanted)
    flash(
        _("The survey is open.") if wanted == SurveyStatus.open else _("The survey is closed."),
        "ok",
    )
    return back(site, survey)


_UNKNOWN_STATUS = N_("Nothing was changed: the survey can only be opened or closed.")


@bp.post("/<site_slug>/surveys/<slug>/duplicate")
@reports_problems
def duplicate(site_slug: str, slug: str) -> HttpResponse:
    site, survey = load(site_slug, slug)
    copy = designer.duplicate_as_next_round(session=db.session(), survey=survey)
    flash(_("Next round created as a draft: %(slug)s.", slug=copy.slug), "ok")
    return back(site, copy)


# -- definitions out --------------------------------------------------------------------------


@bp.get("/<site_slug>/surveys/<slug>/survey.json")
def export_json(site_slug: str, slug: str) -> Response:
    _site, survey = load(site_slug, slug, Need.read)
    document = surveys.document_from_draft(session=db.session(), survey=survey)
    return send_file(
        io.BytesIO(json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")),
        mimetype="application/json",
        as_attachment=True,
        download_name=f"{survey.slug}.json",
    )


@bp.get("/<site_slug>/surveys/<slug>/survey.xlsx")
def export_xlsx(site_slug: str, slug: str) -> Response:
    _site, survey = load(site_slug, slug, Need.read)
    from survey.formats import xlsform  # openpyxl is heavy; load it only when staff export

    document = surveys.document_from_draft(session=db.session(), survey=survey)
    return send_file(
        io.BytesIO(xlsform.xlsx_from_document(document)),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"{survey.slug}.xlsx",
    )
