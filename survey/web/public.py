"""Pages for anyone: the health check and the front page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from sqlalchemy import text

from survey import db

bp = Blueprint("public", __name__)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, Any], int]:
    try:
        db.session().execute(text("SELECT 1"))
    except Exception as exc:  # the point is to report any failure, whatever its kind
        return {"status": "error", "database": type(exc).__name__}, 503
    return {"status": "ok", "database": "ok"}, 200


@bp.get("/")
def index() -> str:
    from survey.i18n import select_locale

    select_locale()
    return render_template("public/index.html")
