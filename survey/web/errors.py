"""Friendly error pages in the visitor's language; never a bare 500."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

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


def error_page(status: int) -> tuple[str, int]:
    i18n.select_locale()
    return render_template(_PAGES.get(status, "errors/generic.html"), status=status), status


def init_app(app: Flask) -> None:
    @app.errorhandler(NotFound)
    def not_found(_error: NotFound) -> tuple[str, int]:
        return error_page(404)

    @app.errorhandler(Forbidden)
    def forbidden(_error: Forbidden) -> tuple[str, int]:
        return error_page(403)

    @app.errorhandler(CSRFError)
    def expired(_error: CSRFError) -> tuple[str, int]:
        i18n.select_locale()
        return render_template("errors/expired.html"), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return error_page(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        app.logger.exception("unhandled error", exc_info=error)
        return error_page(500)
