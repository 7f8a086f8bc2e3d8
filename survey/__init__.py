"""Community Voice: the Flask application."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from markupsafe import Markup

from survey import config as config_module
from survey import db, i18n
from survey.request import BoundedInt, CleanRequest

csrf = CSRFProtect()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    settings = config_module.from_environment()
    if config:
        settings.update(config)
    app = Flask(__name__, instance_path=str(Path(settings["INSTANCE_PATH"]).resolve()))
    app.request_class = CleanRequest
    app.url_map.converters["int"] = BoundedInt  # before any route is added
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if app.config.get("PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind N proxies the client's address (used only to throttle staff sign-in) and the
        # scheme come from their headers.
        proxies = int(app.config["PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    db.init_app(app)
    i18n.init_app(app)
    csrf.init_app(app)
    _resident_css(app)

    from survey.web import admin, api, auth, design, errors, insights, loop, public, respond

    app.register_blueprint(public.bp)
    app.register_blueprint(respond.bp)
    auth.init_app(app)
    app.register_blueprint(design.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(insights.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(loop.bp)
    app.register_blueprint(loop.public)
    errors.init_app(app)

    from survey import cli

    cli.init_app(app)
    _privacy_headers(app)
    return app


def _resident_css(app: Flask) -> None:
    """Resident pages carry their CSS inline (one round trip on a slow phone); CSP pins its hash."""
    css = (Path(__file__).parent / "static" / "resident.css").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    app.jinja_env.globals["resident_css"] = Markup(css)  # our own file, never user content
    app.config["CSP_STYLE_HASH"] = f"'sha256-{digest}'"


def _privacy_headers(app: Flask) -> None:
    @app.after_request
    def headers(response: Any) -> Any:
        # Resident pages load nothing from anywhere else and tell nobody where they came from.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; "
            f"style-src 'self' {app.config['CSP_STYLE_HASH']}; script-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        )
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
