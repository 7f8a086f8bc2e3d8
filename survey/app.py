"""Building the Flask application: config, database, languages, extensions, blueprints, CLI,
privacy headers."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from markupsafe import Markup

from survey import config as config_module
from survey import db, i18n
from survey.extensions import csrf, send_counts
from survey.request import BIDI_CONTROLS, BoundedInt, CleanRequest, CleanSegment


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    settings = config_module.from_environment()
    if config:
        settings.update(config)
    app = Flask(__name__, instance_path=str(Path(settings["INSTANCE_PATH"]).resolve()))
    app.request_class = CleanRequest
    # before any route is added: ids beyond the database's integers and path segments with
    # control characters match no route (404)
    app.url_map.converters["int"] = BoundedInt
    app.url_map.converters["default"] = app.url_map.converters["string"] = CleanSegment
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
    # Counts held only in memory or Redis, never in the database (residents' sends).
    send_counts.init_app(app)
    _resident_css(app)
    # Text stored before bidirectional controls were dropped at the door is shown without them.
    app.jinja_env.finalize = _without_bidi_controls

    from survey.web import (
        account,
        admin,
        api,
        audited,
        auth,
        design,
        errors,
        insights,
        kiosk,
        loop,
        offline,
        public,
        respond,
    )
    from survey.web import representation as representation_web

    app.register_blueprint(public.bp)
    app.register_blueprint(respond.bp)
    app.register_blueprint(offline.bp)
    auth.init_app(app)
    account.init_app(app)
    app.register_blueprint(design.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(insights.bp)
    app.register_blueprint(representation_web.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(loop.bp)
    app.register_blueprint(loop.public)
    app.register_blueprint(kiosk.bp)
    errors.init_app(app)
    audited.init_app(app)

    from survey import cli, queue

    queue.init_app(app)
    cli.init_app(app)
    _privacy_headers(app)
    return app


def _without_bidi_controls(value: Any) -> Any:
    if isinstance(value, Markup):
        return Markup(BIDI_CONTROLS.sub("", str(value)))  # already safe; stays safe
    if isinstance(value, str):
        return BIDI_CONTROLS.sub("", value)
    return value


def _resident_css(app: Flask) -> None:
    """Resident pages carry their CSS inline (one round trip on a slow phone); CSP pins the hashes.

    The public page's own rules travel only with it, so that the survey page stays small.
    """
    hashes = []
    for name in ("resident", "public"):
        css = _compact_css((Path(__file__).parent / "static" / f"{name}.css").read_text("utf-8"))
        digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
        app.jinja_env.globals[f"{name}_css"] = Markup(css)  # our own file, never user content
        hashes.append(f"'sha256-{digest}'")
    app.config["CSP_STYLE_HASH"] = " ".join(hashes)


def _compact_css(css: str) -> str:
    """The stylesheet as sent: comments and line breaks are bytes every resident pays for."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    return "".join(line.strip() for line in css.splitlines())


PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)


def _privacy_headers(app: Flask) -> None:
    production = app.config.get("APP_ENV") == "production"

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
        # No page here needs a camera, a microphone, the location or payment.
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if production:
            # TLS only, from the first visit on (the proxy in front terminates TLS).
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if response.headers.get("Content-Disposition", "").startswith("attachment"):
            # Exports hold residents' answers: no copy in any cache, the browser's included.
            response.headers["Cache-Control"] = "no-store"
        return response
