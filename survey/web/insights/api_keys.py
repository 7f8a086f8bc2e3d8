"""API keys of a site: creating (shown once) and revoking."""

from __future__ import annotations

import secrets

from flask import flash, make_response, redirect, render_template, request, url_for
from flask import session as flask_session
from werkzeug.wrappers import Response as HttpResponse

from survey import db
from survey.i18n import _
from survey.services import api_tokens
from survey.services.access import Need
from survey.services.errors import InvalidDocument
from survey.web import staff
from survey.web.insights import bp

#: a one-time value in the key form, held in the session, so that reloading the page that shows
#: a new key cannot make a second one. The key itself never enters the session cookie.
_KEY_FORM = "cv_api_key_form"


@bp.route("/<site_slug>/api-keys", methods=["GET", "POST"])
def api_keys(site_slug: str) -> HttpResponse:
    site = staff.site(site_slug, Need.design)
    problems: list[str] = []
    created = None
    if request.method == "POST":
        expected = flask_session.pop(_KEY_FORM, None)
        if not expected or request.form.get("once") != expected:
            # The page was reloaded after the key was shown, or sent twice: no second key.
            return redirect(url_for("insights.api_keys", site_slug=site.slug), code=303)
        try:
            _token, created = api_tokens.create(
                session=db.session(),
                site=site,
                name=request.form.get("name", ""),
                user=staff.user(),
            )
        except InvalidDocument as error:
            problems = [staff.describe(p) for p in error.problems]
    once = secrets.token_urlsafe(16)
    flask_session[_KEY_FORM] = once
    page = render_template(
        "insights/api_keys.html",
        site=site,
        tokens=api_tokens.tokens_of(session=db.session(), site=site),
        created=created,
        once=once,
        problems=problems,
        form=request.form if problems else None,
    )
    response = make_response(page, 422 if problems else 200)
    response.headers["Cache-Control"] = "no-store"  # the new key is shown once, kept nowhere
    return response


@bp.post("/<site_slug>/api-keys/<int:token_id>/revoke")
def revoke_key(site_slug: str, token_id: int) -> HttpResponse:
    site = staff.site(site_slug, Need.design)
    api_tokens.revoke(session=db.session(), site=site, token_id=token_id)
    flash(_("The key was revoked."), "ok")
    return redirect(url_for("insights.api_keys", site_slug=site.slug), code=303)
