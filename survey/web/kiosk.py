"""An event kiosk: a device that staff mark so that the many residents answering on it are not
held back by the limit on sends per address (``RESIDENT_SEND_LIMIT``).

The mark is a signed cookie on that device naming the site; nothing about residents is kept.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import login_required
from itsdangerous import BadData, URLSafeSerializer
from werkzeug.wrappers import Response as HttpResponse

from survey import i18n
from survey.services.access import Need
from survey.web import staff

bp = Blueprint("kiosk", __name__, url_prefix="/sites")
COOKIE = "cv_kiosk"
LIFETIME = 30 * 24 * 3600  #: a month: long enough for a festival season, then marked again


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.secret_key), salt="event-kiosk")


def is_kiosk_for(site_id: int) -> bool:
    try:
        return bool(_signer().loads(request.cookies.get(COOKIE, "")) == site_id)
    except BadData:
        return False


@bp.route("/<site_slug>/kiosk", methods=["GET", "POST"])
@login_required
def page(site_slug: str) -> HttpResponse | str:
    i18n.select_staff_locale()
    site = staff.site(site_slug, Need.design)
    if request.method == "GET":
        return render_template("design/kiosk.html", site=site, marked=is_kiosk_for(site.id or 0))
    response = redirect(url_for("kiosk.page", site_slug=site.slug), code=303)
    if request.form.get("kiosk") == "1":
        response.set_cookie(
            COOKIE,
            _signer().dumps(site.id),
            max_age=LIFETIME,
            httponly=True,
            samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
    else:
        response.delete_cookie(COOKIE)
    return response
