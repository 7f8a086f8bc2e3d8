"""Residents answer a survey: ``/s/<slug>`` (pages, skip logic, send) and its thank-you page.

Answers from earlier pages travel with the form as hidden inputs, so nothing is stored until
the last page is sent, and the whole flow works with JavaScript off.

Each page carries a signed, dated form key instead of a session-bound CSRF token, so a resident
whose browser keeps no cookies can still answer; a key older than ``WTF_CSRF_TIME_LIMIT`` gets the
page back with the answers kept. (Staff pages keep session-bound CSRF tokens.)
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.wrappers import Response as HttpResponse

from forms.response import ResponseForm, build_form
from survey import csrf, db, i18n
from survey.document import localise_document
from survey.i18n import _
from survey.models import Channel, Survey, SurveyVersion
from survey.services import catalog, responses
from survey.services.errors import SurveyClosed

bp = Blueprint("respond", __name__, url_prefix="/s")
csrf.exempt(bp)  # checked by the form key below, which needs no cookie

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_FORM_KEY = "csrf_token"  # the field name browsers already have in open pages


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.secret_key), salt="resident-form")


def form_key(slug: str) -> str:
    """A key for a page of survey ``slug``, valid for ``WTF_CSRF_TIME_LIMIT`` seconds."""
    return _signer().dumps(slug)


def _key_is_fresh(slug: str) -> bool:
    try:
        signed = _signer().loads(
            request.form.get(_FORM_KEY, ""),
            max_age=int(current_app.config["WTF_CSRF_TIME_LIMIT"]),
        )
    except BadData:
        return False
    return bool(signed == slug)


def _load(slug: str) -> tuple[Survey, SurveyVersion]:
    """The open survey and its version; NotFound and SurveyClosed become their pages."""
    return catalog.open_survey(session=db.session(), slug=slug)


def _form(version: SurveyVersion, locale: str, data: Any = None) -> ResponseForm:
    document = localise_document(version.definition, locale)
    form_class = build_form(
        document,
        translations=i18n.translations(),
        max_length=int(current_app.config["ANSWER_MAX_CHARS"]),
    )
    return form_class(formdata=data)


def page_view(survey: Survey, form: ResponseForm, index: int, **extra: Any) -> str:
    """The survey page ``index`` of ``form``: used by residents and by the designer's preview."""
    pages = form.pages() or [0]
    form.page.data = str(index)
    if not _TOKEN.match(form.token.data or ""):
        form.token.data = secrets.token_urlsafe(24)
    extra.setdefault("notice", None)
    extra.setdefault("form_key", form_key(survey.slug))
    return render_template(
        "respond/page.html",
        survey=survey,
        document=form.document,
        form=form,
        index=index,
        page_number=pages.index(index) + 1 if index in pages else 1,
        page_count=len(pages),
        is_last=form.next_page(index) is None,
        has_previous=form.previous_page(index) is not None,
        **extra,
    )


def _render(
    survey: Survey,
    form: ResponseForm,
    index: int,
    *,
    status: int = 200,
    notice: str | None = None,
) -> tuple[str, int]:
    return page_view(survey, form, index, notice=notice), status


@bp.get("/<slug>")
def show(slug: str) -> tuple[str, int]:
    survey, version = _load(slug)
    locale = i18n.select_locale(survey.locales, survey.default_locale)
    form = _form(version, locale)
    requested = request.args.get("page", type=int)
    index = form.current_page() if requested is None else requested
    if requested is not None:
        form.page.data = str(requested)
        index = form.current_page()
        blocked = form.first_invalid_page(through=index - 1) if index > 0 else None
        if blocked is not None:
            # A page reached by editing the URL, past questions that need an answer first.
            return _render(
                survey,
                form,
                blocked,
                status=200,
                notice=_("Please answer the questions on this page first."),
            )
        for key in [k for keys in form.sections for k in keys]:
            form.question_field(key).errors = []
    return _render(survey, form, index)


@bp.post("/<slug>")
def answer(slug: str) -> HttpResponse | tuple[str, int]:
    survey, version = _load(slug)
    locale = i18n.select_locale(survey.locales, survey.default_locale)
    form = _form(version, locale, request.form)
    index = form.current_page()
    action = request.form.get("action", "next")

    if not _key_is_fresh(slug):
        return _render(
            survey,
            form,
            index,
            status=400,
            notice=_(
                "This page was open for a long time, so it expired to keep your answers safe. "
                "Your answers are still here: please check them and press the button again."
            ),
        )
    if action == "lang":
        return _render(survey, form, index)
    if action == "back":
        previous = form.previous_page(index)
        return _render(survey, form, index if previous is None else previous)
    if not form.validate_page(index):
        return _render(survey, form, index, status=422)
    following = form.next_page(index)
    if following is not None:
        return _render(survey, form, following)
    blocked = form.first_invalid_page()
    if blocked is not None:
        return _render(
            survey,
            form,
            blocked,
            status=422,
            notice=_("Please answer the questions on this page first."),
        )
    token = form.token.data if _TOKEN.match(form.token.data or "") else secrets.token_urlsafe(24)
    _response, created = responses.submit(
        session=db.session(),
        survey=survey,
        version=version,
        answers=form.visible_answers(),
        locale=locale,
        channel=Channel.web,
        token=token,
    )
    # A form sent again (a double tap, or Back and Send after the thank-you page) stores nothing
    # new; the thank-you page says so rather than pretending the changes were saved.
    again = {} if created else {"again": 1}
    return redirect(url_for("respond.thanks", slug=slug, lang=locale, **again), code=303)


@bp.get("/<slug>/thanks")
def thanks(slug: str) -> str:
    survey = catalog.survey_by_public_slug(session=db.session(), slug=slug)
    locale = i18n.select_locale(survey.locales, survey.default_locale)
    document = localise_document(
        {
            "default_locale": survey.default_locale,
            "title": survey.title,
            "thank_you": survey.thank_you,
        },
        locale,
    )
    site = catalog.site_of(session=db.session(), survey=survey)
    return render_template(
        "respond/thanks.html",
        survey=survey,
        document=document,
        site=site,
        again=request.args.get("again") == "1",
    )


@bp.errorhandler(SurveyClosed)
def closed(error: SurveyClosed) -> tuple[str, int]:
    survey = catalog.survey_by_public_slug(session=db.session(), slug=str(error))
    locale = i18n.select_locale(survey.locales, survey.default_locale)
    title = localise_document(
        {"default_locale": survey.default_locale, "title": survey.title}, locale
    )
    return render_template("respond/closed.html", survey=survey, document=title), 410
