"""Answering with no signal: the survey's offline copy, event mode, and answers sent later.

Everything here is an enhancement for browsers that run scripts; the pages of ``respond`` keep
working without them. A resident's phone keeps the offline copy (``/s/<slug>/offline``: every
page of the published version, with the small script that pages through it) in the service
worker's cache. Answers given offline wait in the browser's IndexedDB with their form token
and are sent to ``/s/<slug>/queued`` when the connection returns; the token makes a second send
store nothing.

Event mode (``/s/<slug>/event/<key>``) is the same copy on a staff tablet at a community event:
the link carries a signed key naming the event and when it ends (no staff sign-in on the
tablet), answers are stored with channel ``event`` and the event's name.

``/s/<slug>/queued`` takes JSON only: a page on another site cannot send JSON here without the
browser asking first (CORS), so, like the signed form key of the pages, it needs no cookie.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from itsdangerous import BadData, URLSafeSerializer
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as HttpResponse

from forms import messages
from forms.response import ResponseForm
from survey import db, queue
from survey.extensions import csrf
from survey.i18n import _
from survey.models import Channel
from survey.services import catalog, responses
from survey.services.catalog import OpenSurvey
from survey.services.errors import NotFound
from survey.web import compiled
from survey.web.compiled import CompiledVersion
from survey.web.respond import load_open, resident_form, select_survey_locale, sends_exhausted

bp = Blueprint("offline", __name__, url_prefix="/s")
csrf.exempt(bp)  # JSON only, see the module's docstring

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_STATIC = Path(__file__).resolve().parent.parent / "static"
#: how long an event link works, at most
MAX_EVENT_DAYS = 14
#: the offline script as served now: a phone keeps a new offline copy when it changes
_SCRIPT_TAG = hashlib.sha256((_STATIC / "offline.js").read_bytes()).hexdigest()[:8]


def offline_copy_url(survey: OpenSurvey, lang: str) -> str:
    """Where a survey page's offline copy is: the address names the published version and the
    script, so a phone that already keeps this copy does not fetch it again on every page."""
    stamp = survey.version
    tag = f"{stamp.id}:{stamp.published_at.isoformat()}:{_SCRIPT_TAG}"
    v = hashlib.sha256(tag.encode()).hexdigest()[:10]
    return url_for("offline.offline_copy", slug=survey.slug, lang=lang, v=v)


bp.add_app_template_global(offline_copy_url, "offline_copy_url")


def _event_signer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.secret_key), salt="event-mode")


def event_key(*, slug: str, name: str, days: int) -> str:
    """A key for event mode on survey ``slug``: names the event, works for ``days`` days."""
    until = datetime.now(UTC) + timedelta(days=max(1, min(days, MAX_EVENT_DAYS)))
    return _event_signer().dumps({"s": slug, "n": name, "u": int(until.timestamp())})


def _event(slug: str, key: str, *, still_open: bool) -> str | None:
    """The event's name, or None when ``key`` is not a key for ``slug`` (or has ended)."""
    try:
        data = _event_signer().loads(key)
    except BadData:
        return None
    if not isinstance(data, dict) or data.get("s") != slug or not isinstance(data.get("n"), str):
        return None
    if still_open and float(data.get("u", 0)) < datetime.now(UTC).timestamp():
        return None
    return str(data["n"])


def _messages() -> dict[str, str]:
    """What the script says, in the resident's language (numbers filled in by the script)."""
    return {
        "required": _(messages.REQUIRED),
        "number": _(messages.NOT_A_NUMBER),
        "whole": _(messages.NOT_WHOLE),
        "small": _(messages.TOO_SMALL),
        "large": _(messages.TOO_LARGE),
        "long": _(messages.TOO_LONG),
        "pattern": _(messages.WRONG_FORM),
        "date": _(messages.NOT_A_DATE),
        "time": _(messages.NOT_A_TIME),
        "first": _("Please answer the questions on this page first."),
        "offline": _(
            "You are offline. You can keep answering: your answers stay on this phone "
            "until they can be sent."
        ),
        "saved": _("Saved on this phone — it will be sent when you are online."),
        "sent": _("Sent. Thank you!"),
        "storage": _(
            "This device may delete saved answers if it runs out of space. Connect to the "
            "internet soon to send them."
        ),
    }


def _offline_page(
    survey: OpenSurvey, version: CompiledVersion, locale: str, event: str | None, key: str | None
) -> str:
    form = resident_form(version, locale)
    form.token.data = secrets.token_urlsafe(24)
    return render_template(
        "respond/offline.html",
        survey=survey,
        document=form.document,
        form=form,
        pages=range(len(form.sections)),
        config={
            "slug": survey.slug,
            "version": version.version.id,
            "locale": locale,
            "event": key,
            "send": url_for("offline.queued", slug=survey.slug),
            "messages": _messages(),
        },
        event=event,
    )


@bp.get("/sw.js")
def service_worker() -> HttpResponse:
    response = current_app.response_class(
        (_STATIC / "sw.js").read_bytes(), mimetype="text/javascript"
    )
    # A new service worker reaches every phone on its next visit.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/<slug>/offline")
def offline_copy(slug: str) -> str:
    survey, version = load_open(slug)
    locale = select_survey_locale(survey)
    return _offline_page(survey, version, locale, None, None)


@bp.get("/<slug>/event/<key>")
def event_mode(slug: str, key: str) -> tuple[str, int]:
    survey, version = load_open(slug)
    locale = select_survey_locale(survey)
    event = _event(slug, key, still_open=True)
    if event is None:
        return render_template("respond/event_ended.html", survey=survey), 410
    return _offline_page(survey, version, locale, event, key), 200


def _answers_form(version: CompiledVersion, locale: str, fields: Any) -> ResponseForm | None:
    """The resident form filled with the fields a queued answer carries; None if unreadable."""
    if not isinstance(fields, dict):
        return None
    data: MultiDict[str, str] = MultiDict()
    for name, values in fields.items():
        if not isinstance(name, str) or not isinstance(values, list):
            return None
        for value in values:
            if not isinstance(value, str):
                return None
            data.add(name, value)
    return resident_form(version, locale, data)


@bp.post("/<slug>/queued")
def queued(slug: str) -> tuple[HttpResponse, int]:
    """Store one answer sent from the browser's queue; the same token twice stores it once."""
    payload = request.get_json(silent=True) if request.is_json else None
    if not isinstance(payload, dict):
        return jsonify(error="expected a JSON object"), 400
    event_name = None
    if payload.get("event"):
        # Answers collected while the link worked are taken after it ends, and after the survey
        # closes: a tablet back from a block party may find it closed that evening.
        event_name = _event(slug, str(payload["event"]), still_open=False)
        if event_name is None:
            return jsonify(error="event"), 400
    survey, version = load_open(slug, closed_too=event_name is not None)
    token, locale = payload.get("token"), payload.get("locale")
    if not isinstance(token, str) or not _TOKEN.match(token):
        return jsonify(error="token"), 400
    if locale not in survey.locales:
        locale = survey.default_locale
    if payload.get("version") != version.version.id:
        try:
            # Answers given offline to an earlier version are stored against that version.
            earlier = catalog.version_of(
                session=db.session(), survey=survey, version_id=payload.get("version")
            )
            version = compiled.compiled(compiled.version_stamp(earlier), lambda: earlier)
        except NotFound:
            pass
    if event_name is None and sends_exhausted(survey):
        # The same limit per address as the survey's pages; an event's tablet is spared.
        return jsonify(error="too many sends from this address; try again later"), 429
    form = _answers_form(version, str(locale), payload.get("fields"))
    if form is None:
        return jsonify(error="fields"), 400
    if form.first_invalid_page() is not None:
        return jsonify(error="invalid"), 422
    _response, created = responses.submit(
        session=db.session(),
        survey=survey,
        version=version.version,
        answers=form.visible_answers(),
        locale=str(locale),
        channel=Channel.event if event_name else Channel.web,
        token=token,
        event=event_name,
    )
    if created:
        queue.enqueue("tag_pending", coalesce=True)  # themes are read in a job, as for a Send
    return jsonify(stored=True, again=not created), 201 if created else 200
