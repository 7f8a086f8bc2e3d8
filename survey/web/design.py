"""Site staff design, translate, publish and share surveys: ``/sites/<site>/surveys/…``.

Every page loads the site through ``staff.site`` (404 for people with no role there, 403 for
analysts on pages that change things), calls a service, and renders or redirects.
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import login_required
from markupsafe import Markup
from werkzeug.wrappers import Response as HttpResponse

from forms.response import build_form
from forms.staff import (
    KIND_LABELS,
    LanguagesForm,
    QuestionForm,
    SectionForm,
    SurveyCreateForm,
    SurveyTextsForm,
    UploadForm,
)
from survey import db, i18n
from survey.document import CHOICE_KINDS, N_, localise, localise_document
from survey.document import questions as document_questions
from survey.i18n import LANGUAGES, _
from survey.models import Channel, Question, Site, Survey, SurveyStatus
from survey.services import access, catalog, content_po, definitions, designer, responses, surveys
from survey.services.access import Need
from survey.services.errors import InvalidDocument, NotFound
from survey.web import staff
from survey.web.respond import page_view

bp = Blueprint("design", __name__, url_prefix="/sites")


@bp.before_request
@login_required
def _signed_in() -> None:
    i18n.select_staff_locale()


def _survey(site_slug: str, slug: str, need: Need = Need.design) -> tuple[Site, Survey]:
    site = staff.site(site_slug, need)
    return site, designer.survey_at(session=db.session(), site=site, slug=slug)


def _back(site: Site, survey: Survey, anchor: str = "") -> HttpResponse:
    target = url_for("design.edit", site_slug=site.slug, slug=survey.slug)
    return redirect(target + (f"#{anchor}" if anchor else ""), code=303)


def _reports_problems(view: Callable[..., Any]) -> Callable[..., Any]:
    """A change refused by the rules goes back to the survey page with every problem listed."""

    @wraps(view)
    def wrapper(site_slug: str, slug: str, **kwargs: Any) -> Any:
        try:
            return view(site_slug, slug, **kwargs)
        except InvalidDocument as error:
            staff.flash_problems(error.problems)
            site, survey = _survey(site_slug, slug)
            return _back(site, survey)
        except NotFound:
            # A page or question deleted meanwhile (the survey itself is checked again here).
            site, survey = _survey(site_slug, slug)
            flash(_(_GONE), "error")
            return _back(site, survey)

    return wrapper


#: a stale form: what it was about was deleted meanwhile
_GONE = N_(
    "That page or question no longer exists; someone may have deleted it. Nothing was saved."
)


def _answer_cap() -> int:
    """The site-wide cap on an answer's length (config ``ANSWER_MAX_CHARS``)."""
    return int(current_app.config["ANSWER_MAX_CHARS"])


def _prefer_not_labels(survey: Survey) -> dict[str, str]:
    return {code: i18n.gettext_in(code, "Prefer not to say") for code in survey.locales}


# -- sites and surveys ------------------------------------------------------------------------


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
    form.default_locale.choices = _language_choices()
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
            return _back(site, survey)
    status = 422 if request.method == "POST" else 200
    items = designer.surveys_of(session=db.session(), site=site)
    return (
        render_template(
            "design/surveys.html",
            site=site,
            form=form,
            surveys=items,
            can_design=staff.can_design(site),
        ),
        status,
    )


def _language_choices() -> list[tuple[str, str]]:
    return [(code, language.native_name) for code, language in LANGUAGES.items()]


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
                document = definitions.read_definition(upload.filename, upload.read())
                survey = designer.import_document(
                    session=db.session(),
                    site=site,
                    document=document,
                    replace_draft=form.replace_draft.data,
                    answer_cap=_answer_cap(),
                )
            except InvalidDocument as error:
                problems = [staff.describe(p) for p in error.problems]
            else:
                flash(_("Survey imported as a draft. Check it, then publish."), "ok")
                return _back(site, survey)
    status = 422 if problems else 200
    return render_template("design/import.html", site=site, form=form, problems=problems), status


# -- the survey page --------------------------------------------------------------------------


@bp.get("/<site_slug>/surveys/<slug>")
def edit(site_slug: str, slug: str) -> str:
    site, survey = _survey(site_slug, slug)
    return _edit_page(site, survey)


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
    languages.default_locale.choices = _language_choices()
    languages.default_locale.data = survey.default_locale
    languages.locales.choices = _language_choices()
    languages.locales.data = list(survey.locales)
    sections = designer.sections_of(session=session, survey=survey)
    questions = designer.questions_of(session=session, survey=survey)
    return render_template(
        "design/survey.html",
        site=site,
        survey=survey,
        texts=texts,
        language_form=languages,
        sections=sections,
        questions=questions,
        kind_labels=KIND_LABELS,
        page_input=page_input or {},
        page_errors=page_errors or {},
        completeness=_completeness(survey),
        versions=designer.versions_of(session=session, survey=survey),
        changes=designer.pending_changes(session=session, survey=survey),
        text_of=lambda texts: localise(texts, survey.default_locale, survey.default_locale),
    )


def _completeness(survey: Survey) -> dict[str, tuple[int, int]]:
    entries = list(content_po.entries(session=db.session(), survey=survey))
    total = sum(1 for e in entries if e.texts.get(survey.default_locale))
    return {
        code: (
            sum(1 for e in entries if e.texts.get(survey.default_locale) and e.texts.get(code)),
            total,
        )
        for code in survey.locales
    }


@bp.post("/<site_slug>/surveys/<slug>/texts")
@_reports_problems
def texts(site_slug: str, slug: str) -> HttpResponse | tuple[str, int]:
    site, survey = _survey(site_slug, slug)
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
    return _back(site, survey)


@bp.post("/<site_slug>/surveys/<slug>/languages")
@_reports_problems
def languages(site_slug: str, slug: str) -> HttpResponse:
    site, survey = _survey(site_slug, slug)
    form = staff.form(LanguagesForm)
    chosen = list(form.locales.data or [])
    default = form.default_locale.data or survey.default_locale
    designer.set_languages(
        session=db.session(), survey=survey, default_locale=default, locales=chosen
    )
    flash(_("Languages saved."), "ok")
    return _back(site, survey, "languages")


@bp.post("/<site_slug>/surveys/<slug>/sections")
@_reports_problems
def add_section(site_slug: str, slug: str) -> HttpResponse | tuple[str, int]:
    site, survey = _survey(site_slug, slug)
    form = staff.form(SectionForm)
    if not form.validate():
        return _page_title_refused(site, survey, "", form)
    section = designer.add_section(
        session=db.session(),
        survey=survey,
        title=form.title.data or "",
        locale=survey.default_locale,
    )
    return _back(site, survey, f"page-{section.key}")


@bp.post("/<site_slug>/surveys/<slug>/sections/<key>")
@_reports_problems
def section_action(site_slug: str, slug: str, key: str) -> HttpResponse | tuple[str, int]:
    site, survey = _survey(site_slug, slug)
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
    return _back(site, survey, "pages")


def _page_title_refused(site: Site, survey: Survey, key: str, form: SectionForm) -> tuple[str, int]:
    """The survey page again, the refused title (``key`` "" for a new page) kept and explained."""
    typed = {key: form.title.data or ""}
    return _edit_page(site, survey, page_input=typed, page_errors={key: form.title.errors}), 422


# -- questions --------------------------------------------------------------------------------


def _question_form(survey: Survey, question: Question | None) -> QuestionForm:
    session = db.session()
    form = staff.form(QuestionForm)
    form.answer_cap = _answer_cap()
    form.kind.choices = [(value, _(label)) for value, label in KIND_LABELS.items()]
    sections = designer.sections_of(session=session, survey=survey)
    form.section.choices = [
        (s.key, localise(s.title, survey.default_locale, survey.default_locale) or s.key)
        for s in sections
    ]
    conditions: list[tuple[str, str]] = [("", _("Always show it"))]
    for other in designer.questions_of(session=session, survey=survey):
        if question is not None and other.id == question.id:
            break
        if other.kind in CHOICE_KINDS:
            label = localise(other.text, survey.default_locale, survey.default_locale)
            for option in other.options:
                option_label = localise(
                    option.get("label"), survey.default_locale, survey.default_locale
                )
                conditions.append((f"{other.key}={option['code']}", f"{label} → {option_label}"))
    form.show_if.choices = conditions
    if request.method == "GET" and question is not None:
        _fill_question_form(form, survey, question, sections)
    elif request.method == "GET":
        form.kind.data = request.args.get("kind", "long_text")
        form.section.data = request.args.get("section", sections[0].key if sections else "")
    return form


def _fill_question_form(
    form: QuestionForm, survey: Survey, question: Question, sections: list[Any]
) -> None:
    locale = survey.default_locale
    form.kind.data = question.kind
    form.key.data = question.key
    form.text.data = question.text.get(locale, "")
    form.help.data = question.help.get(locale, "")
    form.required.data = question.required
    form.section.data = next((s.key for s in sections if s.id == question.section_id), "")
    form.options.data = "\n".join(
        f"{o['code']} = {o.get('label', {}).get(locale, '')}"
        for o in question.options
        if o["code"] != "prefer_not_to_say"
    )
    scale = question.settings.get("scale", {})
    form.scale_min.data = scale.get("min", 1)
    form.scale_max.data = scale.get("max", 5)
    form.min_label.data = scale.get("min_label", {}).get(locale, "")
    form.max_label.data = scale.get("max_label", {}).get(locale, "")
    form.number_min.data = _number_text(question.settings.get("min"))
    form.number_max.data = _number_text(question.settings.get("max"))
    form.integer.data = bool(question.settings.get("integer"))
    form.max_length.data = question.settings.get("max_length")
    form.multiple.data = bool(question.settings.get("multiple"))
    if question.show_if:
        code = question.show_if.get("equals") or question.show_if.get("includes")
        form.show_if.data = f"{question.show_if['question']}={code}"


def _number_text(value: Any) -> str:
    return "" if value is None else str(value)


def _question_input(form: QuestionForm) -> designer.QuestionInput:
    from forms.kinds import parse_number

    def number(raw: str | None) -> float | None:
        parsed = parse_number(raw or "") if (raw or "").strip() else None
        return None if parsed is None else float(parsed)

    condition = form.show_if.data or ""
    target, _sep, code = condition.partition("=")
    return designer.QuestionInput(
        kind=form.kind.data,
        text=form.text.data or "",
        section_key=form.section.data or "",
        key=form.key.data or "",
        help=form.help.data or "",
        required=bool(form.required.data),
        options=designer.parse_options(form.options.data or ""),
        scale_min=form.scale_min.data if form.scale_min.data is not None else 1,
        scale_max=form.scale_max.data if form.scale_max.data is not None else 5,
        min_label=form.min_label.data or "",
        max_label=form.max_label.data or "",
        number_min=number(form.number_min.data),
        number_max=number(form.number_max.data),
        integer=bool(form.integer.data),
        max_length=form.max_length.data,
        answer_cap=_answer_cap(),
        multiple=bool(form.multiple.data),
        show_if=(target, code) if target and code else None,
    )


@bp.route("/<site_slug>/surveys/<slug>/questions/new", methods=["GET", "POST"])
def new_question(site_slug: str, slug: str) -> HttpResponse | tuple[str, int]:
    return _question_page(site_slug, slug, None)


@bp.route("/<site_slug>/surveys/<slug>/questions/<key>", methods=["GET", "POST"])
def edit_question(site_slug: str, slug: str, key: str) -> HttpResponse | tuple[str, int]:
    return _question_page(site_slug, slug, key)


def _question_page(site_slug: str, slug: str, key: str | None) -> HttpResponse | tuple[str, int]:
    """Add a question (``key`` is None) or edit one; refused input comes back with every problem."""
    site, survey = _survey(site_slug, slug)
    session = db.session()
    try:
        question = (
            None if key is None else designer.question_at(session=session, survey=survey, key=key)
        )
    except NotFound:
        flash(_(_GONE), "error")
        return _back(site, survey, "pages")
    form = _question_form(survey, question)
    problems: list[str] = []
    if request.method == "POST" and form.validate():
        data = _question_input(form)
        labels = _prefer_not_labels(survey)
        try:
            if question is None:
                saved = designer.add_question(
                    session=session, survey=survey, data=data, prefer_not_label=labels
                )
            else:
                saved = designer.update_question(
                    session=session,
                    survey=survey,
                    question=question,
                    data=data,
                    prefer_not_label=labels,
                )
        except InvalidDocument as error:
            problems = [staff.describe(p) for p in error.problems]
        except NotFound:
            # The chosen page was deleted meanwhile: the form comes back with the pages left.
            problems = [_(_GONE)]
        else:
            flash(_("Question added.") if question is None else _("Question saved."), "ok")
            return _back(site, survey, f"q-{saved.key}")
    status = 422 if request.method == "POST" else 200
    return render_template(
        "design/question.html",
        site=site,
        survey=survey,
        form=form,
        question=question,
        problems=problems,
    ), status


@bp.post("/<site_slug>/surveys/<slug>/questions/<key>/action")
@_reports_problems
def question_action(site_slug: str, slug: str, key: str) -> HttpResponse:
    site, survey = _survey(site_slug, slug)
    session = db.session()
    question = designer.question_at(session=session, survey=survey, key=key)
    action = request.form.get("action")
    if action in ("up", "down"):
        designer.move_question(
            session=session, survey=survey, question=question, step=-1 if action == "up" else 1
        )
        return _back(site, survey, f"q-{key}")
    if action == "delete":
        designer.delete_question(session=session, survey=survey, question=question)
        flash(_("Question deleted."), "ok")
    return _back(site, survey, "pages")


# -- translation ------------------------------------------------------------------------------


def _fingerprint(entry: content_po.Entry, source: str) -> str:
    """Names a text and its wording: a stale form can tell a text moved, changed or went away."""
    return hashlib.sha256(f"{entry.context}\x00{source}".encode()).hexdigest()[:16]


_NOT_A_TARGET = N_("Choose one of the survey's other languages to translate into.")
_STALE = N_(
    "%(count)s translations were not saved because their text changed or was removed "
    "since the page was opened. Please check them."
)


@bp.route("/<site_slug>/surveys/<slug>/translate", methods=["GET", "POST"])
def translate(site_slug: str, slug: str) -> HttpResponse | str:
    site, survey = _survey(site_slug, slug)
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
            return _back(site, survey, "languages")
        target = survey.default_locale  # one language: the page says so and offers no form
    entries = [
        e
        for e in content_po.entries(session=db.session(), survey=survey)
        if e.texts.get(survey.default_locale)
    ]
    fingerprints = [_fingerprint(e, e.texts[survey.default_locale]) for e in entries]
    if request.method == "POST":
        by_print = dict(zip(fingerprints, entries, strict=True))
        changed = stale = 0
        index = 0
        while f"t{index}" in request.form:
            value = request.form[f"t{index}"].strip()
            sent_print = request.form.get(f"k{index}")
            index += 1
            if sent_print is not None:
                found = by_print.get(sent_print)
            else:  # a client that does not send fingerprints: by position, as before
                found = entries[index - 1] if index - 1 < len(entries) else None
            if found is None:
                stale += 1 if value else 0
                continue
            if value != found.texts.get(target, ""):
                texts = (
                    {**found.texts, target: value}
                    if value
                    else {k: v for k, v in found.texts.items() if k != target}
                )
                found.save(texts)
                found.texts = texts
                changed += 1
        flash(_("Saved %(count)s translations.", count=changed), "ok")
        if stale:
            flash(_(_STALE, count=stale), "error")
        return redirect(
            url_for("design.translate", site_slug=site.slug, slug=survey.slug, lang=target),
            code=303,
        )
    return render_template(
        "design/translate.html",
        site=site,
        survey=survey,
        entries=list(zip(entries, fingerprints, strict=True)),
        target=target,
        completeness=_completeness(survey),
    )


@bp.get("/<site_slug>/surveys/<slug>/po")
def po_export(site_slug: str, slug: str) -> Response:
    _site, survey = _survey(site_slug, slug)
    locale = request.args.get("lang", survey.default_locale)
    if locale not in survey.locales:
        locale = survey.default_locale
    data = content_po.export_po(session=db.session(), survey=survey, locale=locale)
    return send_file(
        io.BytesIO(data),
        mimetype="text/x-gettext-translation",
        as_attachment=True,
        download_name=f"{survey.slug}-{locale}.po",
    )


@bp.post("/<site_slug>/surveys/<slug>/po")
def po_import(site_slug: str, slug: str) -> HttpResponse | tuple[str, int]:
    site, survey = _survey(site_slug, slug)
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


# -- preview, publish, status, rounds -----------------------------------------------------------


@bp.get("/<site_slug>/surveys/<slug>/preview")
def preview(site_slug: str, slug: str) -> str:
    site, survey = _survey(site_slug, slug)
    lang = request.args.get("lang", survey.default_locale)
    return render_template("design/preview.html", site=site, survey=survey, lang=lang)


@bp.get("/<site_slug>/surveys/<slug>/preview/frame")
def preview_frame(site_slug: str, slug: str) -> Response:
    site, survey = _survey(site_slug, slug)
    lang = request.args.get("lang", survey.default_locale)
    lang = lang if lang in survey.locales else survey.default_locale
    document = localise_document(
        surveys.document_from_draft(session=db.session(), survey=survey), lang
    )
    form = build_form(document, translations=i18n.translations_for(lang), max_length=_answer_cap())(
        formdata=request.args
    )
    index = form.current_page()
    action = request.args.get("action")
    if action == "next" and form.next_page(index) is not None:
        index = form.next_page(index)  # type: ignore[assignment]
    elif action == "back" and form.previous_page(index) is not None:
        index = form.previous_page(index)  # type: ignore[assignment]
    form.page.data = str(index)
    i18n.use_locale(lang)
    html = page_view(
        survey,
        form,
        index,
        preview_url=url_for(
            "design.preview_frame", site_slug=site.slug, slug=survey.slug, lang=lang
        ),
    )
    response = Response(html)
    # The preview is shown inside the designer's own page.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; style-src 'self' "
        + _style_hash()
        + "; frame-ancestors 'self'; form-action 'self'"
    )
    return response


def _style_hash() -> str:
    from flask import current_app

    return str(current_app.config["CSP_STYLE_HASH"])


@bp.post("/<site_slug>/surveys/<slug>/publish")
@_reports_problems
def publish(site_slug: str, slug: str) -> HttpResponse:
    site, survey = _survey(site_slug, slug)
    changes = designer.pending_changes(session=db.session(), survey=survey)
    version = surveys.publish(session=db.session(), survey=survey)
    flash(
        _(
            "Published version %(number)s (%(count)s changes). Residents now see it.",
            number=version.number,
            count=len(changes),
        ),
        "ok",
    )
    return _back(site, survey)


@bp.post("/<site_slug>/surveys/<slug>/status")
@_reports_problems
def status(site_slug: str, slug: str) -> HttpResponse:
    site, survey = _survey(site_slug, slug)
    asked = request.form.get("status")
    if asked not in (SurveyStatus.open.value, SurveyStatus.closed.value):
        flash(_(_UNKNOWN_STATUS), "error")
        return _back(site, survey)
    wanted = SurveyStatus(asked)
    designer.set_status(session=db.session(), survey=survey, status=wanted)
    flash(
        _("The survey is open.") if wanted == SurveyStatus.open else _("The survey is closed."),
        "ok",
    )
    return _back(site, survey)


_UNKNOWN_STATUS = N_("Nothing was changed: the survey can only be opened or closed.")


@bp.post("/<site_slug>/surveys/<slug>/duplicate")
@_reports_problems
def duplicate(site_slug: str, slug: str) -> HttpResponse:
    site, survey = _survey(site_slug, slug)
    copy = designer.duplicate_as_next_round(session=db.session(), survey=survey)
    flash(_("Next round created as a draft: %(slug)s.", slug=copy.slug), "ok")
    return _back(site, copy)


# -- definitions out --------------------------------------------------------------------------


@bp.get("/<site_slug>/surveys/<slug>/survey.json")
def export_json(site_slug: str, slug: str) -> Response:
    _site, survey = _survey(site_slug, slug, Need.read)
    document = surveys.document_from_draft(session=db.session(), survey=survey)
    return send_file(
        io.BytesIO(json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")),
        mimetype="application/json",
        as_attachment=True,
        download_name=f"{survey.slug}.json",
    )


@bp.get("/<site_slug>/surveys/<slug>/survey.xlsx")
def export_xlsx(site_slug: str, slug: str) -> Response:
    _site, survey = _survey(site_slug, slug, Need.read)
    from survey.services import xlsform  # openpyxl is heavy; load it only when staff export

    document = surveys.document_from_draft(session=db.session(), survey=survey)
    return send_file(
        io.BytesIO(xlsform.xlsx_from_document(document)),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"{survey.slug}.xlsx",
    )


# -- sharing ----------------------------------------------------------------------------------


def _public_url(survey: Survey, lang: str) -> str:
    return url_for("respond.show", slug=survey.slug, lang=lang, _external=True)


def _qr(survey: Survey, lang: str) -> segno.QRCode:
    return segno.make(_public_url(survey, lang), error="m")


@bp.get("/<site_slug>/surveys/<slug>/share")
def share(site_slug: str, slug: str) -> str:
    site, survey = _survey(site_slug, slug)
    links = [(code, _public_url(survey, code)) for code in survey.locales]
    return render_template("design/share.html", site=site, survey=survey, links=links)


@bp.get("/<site_slug>/surveys/<slug>/qr.<fmt>")
def qr(site_slug: str, slug: str, fmt: str) -> Response:
    _site, survey = _survey(site_slug, slug)
    lang = request.args.get("lang", survey.default_locale)
    lang = lang if lang in survey.locales else survey.default_locale
    buffer = io.BytesIO()
    if fmt == "svg":
        _qr(survey, lang).save(buffer, kind="svg", scale=8, border=4, xmldecl=False)
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
    return Markup(_qr(survey, lang).svg_inline(scale=6, border=2))


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
    option_labels = {
        (question["key"], option["code"]): option["label"]
        for question in document_questions(document)
        for option in question.get("options", [])
    }
    return render_template(
        "design/paper.html",
        survey=survey,
        document=document,
        qr=_qr_inline(survey, lang),
        option_labels=option_labels,
    )


@bp.route("/<site_slug>/surveys/<slug>/paper-entry", methods=["GET", "POST"])
def paper_entry(site_slug: str, slug: str) -> HttpResponse | tuple[str, int]:
    site, survey = _survey(site_slug, slug)
    version = catalog.latest_version(session=db.session(), survey=survey)
    if version is None:
        flash(_("Publish the survey before typing in paper answers."), "error")
        return _back(site, survey)
    lang = request.values.get("answer_lang", survey.default_locale)
    lang = lang if lang in survey.locales else survey.default_locale
    document = localise_document(version.definition, survey.default_locale)
    form = build_form(document, translations=i18n.translations(), max_length=_answer_cap())(
        formdata=request.form if request.method == "POST" else None
    )
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
