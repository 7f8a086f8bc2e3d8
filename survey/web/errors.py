"""Friendly error pages in the visitor's language; never a bare 500."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from survey import i18n
from survey.services.access import Forbidden
from survey.services.errors import NotFound

_PAGES = {
    403: "errors/403.html",
    404: "errors/404.html",
    410: "errors/404.html",
    413: "errors/413.html",
    429: "errors/429.html",
}


#: Where staff work; their error pages speak to staff, in the staff interface's language.
_STAFF_PATHS = ("/sites", "/admin", "/login", "/account")


def _for_staff() -> bool:
    return request.path.startswith(_STAFF_PATHS)


def _staff_page(status: int) -> tuple[str, int]:
    i18n.select_staff_locale()
    _ = i18n.gettext
    heading, message = {
        403: (
            _("Not allowed"),
            _(
                "Your role at this site does not allow this. Ask a staff member or an administrator."
            ),
        ),
        404: (
            _("Page not found"),
            _("This page does not exist, or what it showed was deleted in the meantime."),
        ),
        400: (
            _("This page has expired"),
            _(
                "This form was open for a long time, or you signed out in another tab, so nothing "
                "was saved. Go back, reload the page and try again."
            ),
        ),
    }.get(
        status,
        (
            _("Something went wrong"),
            _("Sorry, we could not do that just now. Please try again in a few minutes."),
        ),
    )
    return render_template("errors/staff.html", heading=heading, message=message), status


def error_page(status: int) -> tuple[Any, int]:
    if request.path.startswith("/api/"):
        # The API's callers are programs: they get JSON, as from the API's own refusals.
        return jsonify(error=HTTP_STATUS_CODES.get(status, "error").lower()), status
    if _for_staff() and status != 429:
        return _staff_page(status)
    i18n.select_locale()
    return render_template(_PAGES.get(status, "errors/generic.html"), status=status), status


def init_app(app: Flask) -> None:
    @app.errorhandler(NotFound)
    def not_found(_error: NotFound) -> tuple[Any, int]:
        return error_page(404)

    @app.errorhandler(Forbidden)
    def forbidden(_error: Forbidden) -> tuple[Any, int]:
        return error_page(403)

    @app.errorhandler(CSRFError)
    def expired(_error: CSRFError) -> tuple[str, int]:
        if _for_staff():
            return _staff_page(400)
        i18n.select_locale()
        return render_template("errors/expired.html"), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Any, int, list[tuple[str, str]]]:
        body, status = error_page(error.code or 500)
        # What the error itself says in headers stays (``Allow`` on 405, ``Retry-After``).
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return body, status, headers

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Any, int]:
        app.logger.exception("unhandled error", exc_info=error)
        return error_page(500)
