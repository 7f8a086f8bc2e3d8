"""Signing staff in and out. Residents never sign in."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, redirect, render_template, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, login_user, logout_user
from werkzeug.wrappers import Response as HttpResponse

from forms.staff import LoginForm
from survey import db, i18n
from survey.i18n import _
from survey.models import User
from survey.services import accounts
from survey.web import staff

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
#: login attempts are limited per account and per address; storage is Redis when REDIS_URL is set
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute")
    app.config.setdefault("LOGIN_LIMIT_PER_ADDRESS", "20 per minute")
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # type: ignore[assignment]
    limiter.init_app(app)
    app.register_blueprint(bp)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    raw_id, _sep, nonce = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    user = db.session().get(User, int(raw_id))
    if user is None or not user.active or user.session_nonce != nonce:
        return None
    return user


def _safe_next(target: str | None) -> str:
    """Only a path on this site; never an address elsewhere."""
    if not target:
        return url_for("design.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("design.home")
    return target


def _account_key() -> str:
    return "login:" + accounts.normalise_email(request.form.get("email", ""))


def _failed(response: HttpResponse) -> bool:
    return response.status_code != 303


@bp.before_request
def _language() -> None:
    i18n.select_staff_locale()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: str(limiter_config("LOGIN_LIMIT_PER_ACCOUNT")),
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
)
@limiter.limit(
    lambda: str(limiter_config("LOGIN_LIMIT_PER_ADDRESS")), methods=["POST"], deduct_when=_failed
)
def login() -> HttpResponse | tuple[str, int] | str:
    form = staff.form(LoginForm)
    if request.method == "POST" and form.validate():
        user = accounts.authenticate(
            session=db.session(), email=form.email.data, password=form.password.data
        )
        if user is not None:
            target = _safe_next(request.args.get("next"))
            # A fresh session at login: nothing from before signing in carries over.
            language = session.get("lang")
            session.clear()
            if language:
                session["lang"] = language
            login_user(user)
            return redirect(target, code=303)
        form.password.errors = [_("That email and password do not match an account.")]
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), 422 if request.method == "POST" else 200


def limiter_config(name: str) -> str:
    from flask import current_app

    return str(current_app.config[name])


@bp.post("/logout")
def logout() -> HttpResponse:
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"), code=303)
