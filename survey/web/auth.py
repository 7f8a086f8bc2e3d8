"""Signing staff in and out. Residents never sign in."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response as HttpResponse

from forms.staff import CodeForm, ForgotPasswordForm, LoginForm, NewPasswordForm
from survey import db, i18n
from survey.extensions import login_manager
from survey.i18n import _, ngettext
from survey.models import TokenPurpose, User
from survey.services import account_links, accounts, audit, second_factor, throttle
from survey.web import account_mail, staff

bp = Blueprint("auth", __name__)
#: the session key that says the password was right and a code is awaited (never a sign-in)
PENDING = "second_factor_pending"
#: seconds the code step stays open after the password
PENDING_FOR = 300


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
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


@bp.before_request
def _language() -> None:
    i18n.select_staff_locale()


@bp.route("/login", methods=["GET", "POST"])
def login() -> HttpResponse | tuple[str, int] | str:
    form = staff.form(LoginForm)
    if request.method == "POST" and form.validate():
        counters, wait = _throttled(form.email.data or "")
        if wait:
            form.password.errors = [_wait_message(wait)]
            return render_template("auth/login.html", form=form), 429
        user = accounts.authenticate(
            session=db.session(), email=form.email.data, password=form.password.data
        )
        if user is not None and user.totp_on:
            # The password alone gives no session: only a note that the code step may follow,
            # which no staff page accepts. The count of tries is cleared by the right code.
            _fresh_session()
            session[PENDING] = {"user": user.get_id(), "at": int(time.time())}
            return redirect(url_for("auth.code", next=request.args.get("next") or None), code=303)
        if user is not None:
            throttle.succeeded(session=db.session(), account=counters[0])
            _sign_in(user)
            return redirect(_safe_next(request.args.get("next")), code=303)
        form.password.errors = [_("That email and password do not match an account.")]
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), 422 if request.method == "POST" else 200


def _fresh_session() -> None:
    """Nothing from before signing in carries over; the languages chosen (the interface's and a
    survey's) stay."""
    languages = {k: session[k] for k in ("lang", "ui_lang") if session.get(k)}
    session.clear()
    session.update(languages)


def _sign_in(user: User) -> None:
    _fresh_session()
    login_user(user)


def _throttled(email: str) -> tuple[list[throttle.Counter], int]:
    """Count a try (of a password or of a code); the counters and the seconds to wait first."""
    counters = throttle.counters(
        secret=str(current_app.secret_key), email=email, address=request.remote_addr or ""
    )
    # Counted in a transaction of its own: a failed try answers 401, which rolls the request's
    # transaction back, and the count must stay.
    with db.session_scope(db.engine()) as counting:
        wait = throttle.claim(
            session=counting,
            counters=counters,
            first_delay=float(current_app.config.get("LOGIN_FIRST_DELAY", 1.0)),
        )
    return counters, wait


def _wait_message(wait: int) -> str:
    return ngettext(
        "Too many tries for this account or from this address. "
        "Please wait %(num)s second and try again.",
        "Too many tries for this account or from this address. "
        "Please wait %(num)s seconds and try again.",
        wait,
    )


def _pending_user() -> User | None:
    """The user who gave the right password and has yet to give a code, if that was recent."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int):
        return None
    if time.time() - pending["at"] > PENDING_FOR:
        return None
    user = load_user(str(pending.get("user", "")))
    return user if user is not None and user.totp_on else None


@bp.route("/login/code", methods=["GET", "POST"])
def code() -> HttpResponse | tuple[str, int]:
    """The second step of signing in for someone with a second factor: the app's code."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("Please sign in again."), "error")
        return redirect(url_for("auth.login"), code=303)
    form = staff.form(CodeForm)
    if request.method == "POST" and form.validate():
        if second_factor.clean(form.code.data) is None:
            # Not six digits: a slip of the finger, not a guess, so it is not counted.
            form.code.errors = [_(second_factor.MESSAGES[second_factor.Check.malformed])]
            return render_template("auth/code.html", form=form), 422
        counters, wait = _throttled(user.email)
        if wait:
            form.code.errors = [_wait_message(wait)]
            return render_template("auth/code.html", form=form), 429
        result = second_factor.check(session=db.session(), user=user, code=form.code.data)
        if result is second_factor.Check.ok:
            throttle.succeeded(session=db.session(), account=counters[0])
            _sign_in(user)
            return redirect(_safe_next(request.args.get("next")), code=303)
        form.code.errors = [_(second_factor.MESSAGES[result])]
        return render_template("auth/code.html", form=form), 401
    return render_template("auth/code.html", form=form), 422 if request.method == "POST" else 200


@bp.post("/logout")
def logout() -> HttpResponse:
    member = staff.user()
    if member is not None:
        # A copied cookie must not outlive signing out: the user's session generation moves on.
        accounts.end_sessions(session=db.session(), user=member)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"), code=303)


@bp.route("/password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> HttpResponse | tuple[str, int]:
    """The page an invitation or reset link opens: choose a password, then sign in."""
    form = staff.form(NewPasswordForm)
    link = account_links.usable(session=db.session(), raw=token)
    if link is None:
        return render_template("auth/link_unusable.html"), 410
    if request.method == "POST" and form.validate():
        try:
            user = account_links.redeem(
                session=db.session(), raw=token, password=form.password.data or ""
            )
        except accounts.AccountError as error:
            if error.field != "password":
                return render_template("auth/link_unusable.html"), 410
            form.password.errors = [_(str(error))]
        else:
            audit.record(
                session=db.session(), actor=user, action="account.password_set", target=user.email
            )
            flash(_("Your password is set. Please sign in."), "ok")
            return redirect(url_for("auth.login"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "auth/set_password.html", form=form, invitation=link.purpose == TokenPurpose.invitation
    ), status


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> HttpResponse | tuple[str, int]:
    form = staff.form(ForgotPasswordForm)
    mail_configured = bool(current_app.config.get("MAIL_SERVER"))
    if request.method == "POST" and form.validate() and mail_configured:
        found = account_links.reset_for(session=db.session(), email=form.email.data or "")
        if found is not None:
            user, raw = found
            account_mail.deliver(user=user, raw=raw, purpose=TokenPurpose.reset)
        # The same words whether or not the address has an account.
        flash(
            _("If an account has that address, a link to set a new password is on its way."),
            "ok",
        )
        return redirect(url_for("auth.login"), code=303)
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template("auth/forgot.html", form=form, mail_configured=mail_configured), status
