"""Residents answer a survey: ``/s/<slug>`` (pages, skip logic, send) and its thank-you page.

Answers from earlier pages travel with the form as hidden inputs, so nothing is stored until
the last page is sent, and the whole flow works with JavaScript off.

Each page carries a signed, dated form key instead of a session-bound CSRF token, so a resident
whose browser keeps no cookies can still answer; a key older than ``WTF_CSRF_TIME_LIMIT`` gets the
page back with the answers kept. (Staff pages keep session-bound CSRF tokens.)
"""

from __future__ import annotations

import functools
import logging
import re
import secrets
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from itsdangerous import BadData, Serializer, Signer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from markupsafe import Markup
from werkzeug.wrappers import Response as HttpResponse

from forms.response import ResponseForm
from survey import db, i18n, queue
from survey.document import N_, lead_sentence, localise_document
from survey.extensions import csrf, send_counts
from survey.i18n import _
from survey.models import Channel, Survey
from survey.services import catalog, responses
from survey.services.catalog import OpenSurvey
from survey.services.errors import SurveyClosed
from survey.web import compiled, kiosk
from survey.web.compiled import CompiledVersion, PageTemplate

logger = logging.getLogger(__name__)
bp = Blueprint("respond", __name__, url_prefix="/s")
csrf.exempt(bp)  # checked by the form key below, which needs no cookie

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_FORM_KEY = "csrf_token"  # the field name browsers already have in open pages


class _FormKeys(URLSafeTimedSerializer):
    """The serializer of form keys, made once per app: every resident page signs one.

    Keys are those of ``URLSafeTimedSerializer``; two steps it takes for every key are taken
    once or not at all: making its signer, and trying to compress a payload (a slug and a token)
    that never gets shorter for it.
    """

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))

    @functools.cached_property
    def _signer(self) -> Signer:
        return super().make_signer()

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        return self._signer if salt is None else super().make_signer(salt)


def _signer() -> URLSafeTimedSerializer:
    signer = current_app.extensions.get("cv_form_keys")
    if signer is None:
        signer = _FormKeys(str(current_app.secret_key), salt="resident-form")
        current_app.extensions["cv_form_keys"] = signer
    return signer


def form_key(slug: str, token: str = "") -> str:
    """A key for a page of survey ``slug``, valid for ``WTF_CSRF_TIME_LIMIT`` seconds.

    It names the form's response token too, and a token stores one response at most: one key
    stores at most one response, however often it is sent with other tokens.
    """
    return _signer().dumps([slug, token])


def _key_is_fresh(slug: str) -> bool:
    try:
        signed = _signer().loads(
            request.form.get(_FORM_KEY, ""),
            max_age=int(current_app.config["WTF_CSRF_TIME_LIMIT"]),
        )
    except BadData:
        return False
    return bool(signed == [slug, request.form.get("token", "")])


def load_open(slug: str, *, closed_too: bool = False) -> tuple[OpenSurvey, CompiledVersion]:
    """The open survey and its newest version, compiled; NotFound and SurveyClosed become their
    pages. One small query per request; the version is read once per process. ``closed_too``
    also takes a closed survey (for answers collected before it closed)."""
    with db.reading() as connection:
        survey = catalog.open_survey_stamp(connection=connection, slug=slug, closed_too=closed_too)
    version = compiled.compiled(
        survey.version,
        lambda: catalog.version_by_stamp(session=db.session(), stamp=survey.version),
    )
    return survey, version


def select_survey_locale(survey: Survey | OpenSurvey) -> str:
    """The content language of this request among the survey's; the interface follows it when
    it has a catalog, else the language the survey chose for that (English by default)."""
    return i18n.select_content_locale(
        survey.locales, survey.default_locale, survey.interface_locale
    )


def response_form(
    document: Mapping[str, Any], *, translations: Any, data: Any = None
) -> ResponseForm:
    """The resident form for a localised ``document``: residents, the preview and paper entry."""
    form_class = compiled.form_class(
        document, translations=translations, max_length=int(current_app.config["ANSWER_MAX_CHARS"])
    )
    return form_class(formdata=data)


def resident_form(version: CompiledVersion, locale: str, data: Any = None) -> ResponseForm:
    """The resident form of a published version in content language ``locale`` (its messages in
    the request's interface language), filled from ``data`` if given."""
    form_class = version.form_class(
        locale,
        i18n.current_locale(),
        i18n.translations(),
        int(current_app.config["ANSWER_MAX_CHARS"]),
    )
    return form_class(formdata=data)


#: the page came back because an answer on it brought up another question
NEW_QUESTION = N_("Your answer added a question on this page. Please look at it, then continue.")
#: Next was pressed, but no later page applies to the resident's answers
NO_MORE_PAGES = N_(
    "There are no more questions for you. Check your answers, then press “Send my answers”."
)
INCOMPLETE = N_("Please answer the questions on this page first.")


@dataclass(frozen=True)
class Step:
    """Where a press of Back, Next or Send leads: a page to show, or the answers to store."""

    index: int
    status: int = 200
    notice: str | None = None
    finished: bool = False


def step(form: ResponseForm, index: int, action: str) -> Step:
    """The one page flow for residents and the preview.

    A question brought up by an answer on the same page is asked before the page moves on (the
    page comes back with it and a note, without an error on it yet); Next on a page that turned
    out to be the last comes back with a note rather than sending.
    """
    if action == "back":
        previous = form.previous_page(index)
        return Step(index if previous is None else previous)
    added = form.newly_shown(index)
    if added:
        ok = form.validate_page(index, skip=added)
        return Step(index, status=200 if ok else 422, notice=_(NEW_QUESTION))
    if not form.validate_page(index):
        return Step(index, status=422)
    following = form.next_page(index)
    if following is not None:
        return Step(following)
    if action == "next":
        return Step(index, notice=_(NO_MORE_PAGES))
    blocked = form.first_invalid_page()
    if blocked is not None:
        return Step(blocked, status=422, notice=_(INCOMPLETE))
    return Step(index, finished=True)


@dataclass(frozen=True)
class PageFacts:
    """What a survey page shows besides its texts, given the answers the form carries."""

    index: int
    keys: tuple[str, ...]  #: the questions asked on it
    number: int  #: its number among the pages asked
    count: int  #: how many pages there may be
    is_last: bool
    has_previous: bool


def page_facts(form: ResponseForm, index: int) -> PageFacts:
    number, count = form.progress(index)
    return PageFacts(
        index=index,
        keys=tuple(form.visible_keys(index)),
        number=number,
        count=count,
        is_last=not form.may_follow(index),
        has_previous=form.previous_page(index) is not None,
    )


def page_view(
    survey: Survey | OpenSurvey,
    form: ResponseForm,
    index: int,
    *,
    facts: PageFacts | None = None,
    carried: Markup | None = None,
    **extra: Any,
) -> str:
    """The survey page ``index`` of ``form``: used by residents and by the designer's preview."""
    facts = facts or page_facts(form, index)
    form.page.data = str(index)
    form.shown.data = " ".join(facts.keys)
    if not _TOKEN.match(form.token.data or ""):
        form.token.data = secrets.token_urlsafe(24)
    extra.setdefault("notice", None)
    extra.setdefault("form_key", form_key(survey.slug, form.token.data))
    extra.setdefault("language_chosen", False)
    # The first screen leads with the question: one line of the intro above it, the rest below.
    intro = lead_sentence(form.document.get("intro") or "") if facts.number == 1 else ("", "")
    return render_template(
        "respond/page.html",
        survey=survey,
        document=form.document,
        form=form,
        index=index,
        page_number=facts.number,
        page_count=facts.count,
        intro=intro,
        is_last=facts.is_last,
        has_previous=facts.has_previous,
        carried=compiled.hidden_inputs(form.carried(index)) if carried is None else carried,
        **extra,
    )


def _pristine(form: ResponseForm, keys: tuple[str, ...]) -> bool:
    """Nothing typed, chosen or wrong in the questions ``keys``: they look as on a new form."""
    for key in keys:
        field = form.question_field(key)
        if field.errors or field.data not in (None, "", []):
            return False
        if any(value != "" for value in field.raw_data or ()):
            return False
    return True


def resident_page(
    survey: OpenSurvey,
    version: CompiledVersion,
    form: ResponseForm,
    index: int,
    *,
    notice: str | None = None,
    language_chosen: bool = False,
    key: str | None = None,
) -> str:
    """Page ``index`` for a resident: filled in from the page kept for everything it shows when
    nothing is typed on it yet (``survey.web.compiled``), else rendered in full. ``key``: the
    form key, if signed already."""
    facts = page_facts(form, index)
    if not _TOKEN.match(form.token.data or ""):
        form.token.data = secrets.token_urlsafe(24)
    token = str(form.token.data)
    key = key or form_key(survey.slug, token)
    carried = compiled.hidden_inputs(form.carried(index))

    def full() -> str:
        return page_view(
            survey,
            form,
            index,
            facts=facts,
            carried=carried,
            form_key=key,
            notice=notice,
            language_chosen=language_chosen,
        )

    if not _pristine(form, facts.keys):
        return full()
    hint = facts.number == 1 and not language_chosen
    page_key = (facts, *_request_key(survey, notice=notice is not None, hint=hint))
    template = version.page(
        page_key,
        lambda: _page_template(survey, form, facts, notice is not None, language_chosen),
    )
    if template is None:
        return full()
    html = template.fill(compiled.slot_values(key=key, token=token, carried=carried, notice=notice))
    _check(html, page_key, full)
    return html


def _request_key(survey: OpenSurvey, *, notice: bool, hint: bool) -> tuple[Hashable, ...]:
    """Everything a kept page's HTML depends on besides the version, the page's facts and the
    slots: a template that reads anything more from the request must add it here."""
    menu = i18n.language_menu(survey.locales, survey.default_locale)
    return (
        i18n.current_locale(),
        i18n.content_locale(),
        notice,
        hint,
        (tuple(menu.codes), menu.unsure) if len(survey.locales) > 1 else None,
        survey.slug,
        survey.locales,
        survey.default_locale,
        request.script_root,
    )


def _check(html: str, page_key: Hashable, full: Callable[[], str]) -> None:
    if current_app.config.get("RESIDENT_PAGES_CHECKED") and html != full():
        raise AssertionError(f"kept page {page_key!r} differs from a full rendering")


def new_form_page(survey: OpenSurvey, version: CompiledVersion, locale: str) -> str:
    """The page a new form opens on, with a new token; no form is built once it is kept."""
    page_key = ("new form", *_request_key(survey, notice=False, hint=True))
    token = secrets.token_urlsafe(24)

    def opening() -> tuple[ResponseForm, int]:
        form = resident_form(version, locale)
        form.token.data = token
        return form, form.current_page()

    def make() -> PageTemplate | None:
        form, index = opening()
        facts = page_facts(form, index)
        if facts.number != 1 or not _pristine(form, facts.keys):
            return None
        return _page_template(survey, form, facts, False, False)

    template = version.page(page_key, make)
    key = form_key(survey.slug, token)
    if template is None:
        return resident_page(survey, version, *opening(), key=key)
    html = template.fill(
        compiled.slot_values(key=key, token=token, carried=Markup(""), notice=None)
    )
    _check(html, page_key, lambda: resident_page(survey, version, *opening(), key=key))
    return html


def _page_template(
    survey: OpenSurvey, form: ResponseForm, facts: PageFacts, with_notice: bool, chosen: bool
) -> PageTemplate | None:
    """The page of ``facts`` with markers in its slots, if it fills in exactly as it renders."""
    token = form.token.data

    def render(key: str, token: str, carried: Markup, notice: str | None) -> str:
        form.token.data = token
        return page_view(
            survey,
            form,
            facts.index,
            facts=facts,
            carried=carried,
            form_key=key,
            notice=notice if with_notice else None,
            language_chosen=chosen,
        )

    samples = compiled.SAMPLES
    try:
        template = PageTemplate.split(
            render(compiled.KEY, compiled.TOKEN, Markup(compiled.CARRIED), compiled.NOTICE)
        )
        sample_carried = compiled.hidden_inputs(samples[compiled.CARRIED])
        sample = render(
            samples[compiled.KEY], samples[compiled.TOKEN], sample_carried, samples[compiled.NOTICE]
        )
    finally:
        form.token.data = token
    filled = template.fill(
        compiled.slot_values(
            key=samples[compiled.KEY],
            token=samples[compiled.TOKEN],
            carried=sample_carried,
            notice=samples[compiled.NOTICE] if with_notice else None,
        )
    )
    if filled != sample:
        logger.warning("survey page %s cannot be kept; it is rendered for every request", facts)
        return None
    return template


def _render(
    survey: OpenSurvey,
    version: CompiledVersion,
    form: ResponseForm,
    index: int,
    *,
    status: int = 200,
    notice: str | None = None,
    language_chosen: bool = False,
) -> tuple[str, int]:
    html = resident_page(
        survey, version, form, index, notice=notice, language_chosen=language_chosen
    )
    return html, status


@bp.get("/<slug>")
def show(slug: str) -> tuple[str, int]:
    survey, version = load_open(slug)
    locale = select_survey_locale(survey)
    requested = request.args.get("page", type=int)
    if requested is None:
        return new_form_page(survey, version, locale), 200
    form = resident_form(version, locale)
    form.page.data = str(requested)
    index = form.current_page()
    blocked = form.first_invalid_page(through=index - 1) if index > 0 else None
    if blocked is not None:
        # A page reached by editing the URL, past questions that need an answer first.
        return _render(survey, version, form, blocked, status=200, notice=_(INCOMPLETE))
    for key in [k for keys in form.sections for k in keys]:
        form.question_field(key).errors = []
    return _render(survey, version, form, index)


@bp.post("/<slug>")
def answer(slug: str) -> HttpResponse | tuple[str, int]:
    survey, version = load_open(slug)
    locale = select_survey_locale(survey)
    form = resident_form(version, locale, request.form)
    index = form.current_page()
    action = request.form.get("action", "")

    if not _key_is_fresh(slug):
        return _render(
            survey,
            version,
            form,
            index,
            status=400,
            notice=_(
                "This page was open for a long time, so it expired to keep your answers safe. "
                "Your answers are still here: please check them and press the button again."
            ),
        )
    if action == "lang":
        return _render(survey, version, form, index, language_chosen=True)
    outcome = step(form, index, action)
    if not outcome.finished:
        return _render(
            survey, version, form, outcome.index, status=outcome.status, notice=outcome.notice
        )
    if sends_exhausted(survey):
        return _render(
            survey,
            version,
            form,
            index,
            status=429,
            notice=_(
                "Many answers were sent from this network in a short time. Your answers are "
                "still here: please wait a few minutes and press the button again."
            ),
        )
    token = form.token.data if _TOKEN.match(form.token.data or "") else secrets.token_urlsafe(24)
    _response, created = responses.submit(
        session=db.session(),
        survey=survey,
        version=version.version,
        answers=form.visible_answers(),
        locale=locale,
        channel=Channel.web,
        token=token,
    )
    if created:
        # Themes are read in a job once this request has committed: the Send does not wait.
        queue.enqueue("tag_pending", coalesce=True)
    # A form sent again (a double tap, or Back and Send after the thank-you page) stores nothing
    # new; the thank-you page says so rather than pretending the changes were saved.
    again: dict[str, Any] = {} if created else {"again": 1}
    return redirect(url_for("respond.thanks", slug=slug, lang=locale, **again), code=303)


def sends_exhausted(survey: Survey | OpenSurvey) -> bool:
    """Over the generous limit of sends per address and survey (counted only in memory or Redis, never
    stored; off when ``RESIDENT_SEND_LIMIT`` is empty and on a device staff marked as a kiosk)."""
    raw = current_app.config.get("RESIDENT_SEND_LIMIT")
    if not raw or kiosk.is_kiosk_for(survey.site_id):
        return False
    try:
        allowed = send_counts.hit(str(raw), "resident-send", survey.slug, request.remote_addr or "")
    except Exception:  # the counts' store is down: an answer is never lost for a count
        logger.exception("resident send limit unavailable; the send goes ahead")
        return False
    return not allowed


@bp.get("/<slug>/thanks")
def thanks(slug: str) -> str:
    survey = catalog.survey_by_public_slug(session=db.session(), slug=slug)
    locale = select_survey_locale(survey)
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


@bp.app_errorhandler(SurveyClosed)  # the offline copy and event pages too
def closed(error: SurveyClosed) -> tuple[str, int]:
    survey = catalog.survey_by_public_slug(session=db.session(), slug=str(error))
    locale = select_survey_locale(survey)
    title = localise_document(
        {"default_locale": survey.default_locale, "title": survey.title}, locale
    )
    return render_template("respond/closed.html", survey=survey, document=title), 410
