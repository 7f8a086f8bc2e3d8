"""A staff member's own account: the second factor (turn it on with an app, or off)."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup
from werkzeug.wrappers import Response as HttpResponse

from forms.staff import CodeForm, SecondFactorOffForm
from survey import db, i18n
from survey.i18n import _
from survey.models import User
from survey.services import audit, second_factor
from survey.web import staff

bp = Blueprint("account", __name__, url_prefix="/account")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.errorhandler(staff.EnrolmentNeeded)
    def enrol_first(error: staff.EnrolmentNeeded) -> HttpResponse:
        i18n.select_staff_locale()
        flash(
            _(
                "%(site)s asks everyone who works on it to sign in with a second factor. "
                "Set it up to continue.",
                site=error.site_name,
            ),
            "error",
        )
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("account.enrol", next=target), code=303)


@bp.before_request
@login_required
def _signed_in() -> None:
    i18n.select_staff_locale()


def _me() -> User:
    member = staff.user()
    assert member is not None  # login_required
    return member


@bp.get("/")
def home() -> str:
    me = _me()
    return render_template(
        "account/home.html",
        me=me,
        off_form=staff.form(SecondFactorOffForm),
        required_by=second_factor.required_by(session=db.session(), user=me),
    )


@bp.route("/second-factor", methods=["GET", "POST"])
def enrol() -> HttpResponse | tuple[str, int]:
    """Turn the second factor on: the app reads the QR code (or the secret typed in), and the
    first code it gives confirms it."""
    me = _me()
    target = staff.same_site(request.args.get("next"), url_for("account.home"))
    if me.totp_on:
        return redirect(target, code=303)
    if not me.totp_secret:
        second_factor.start(session=db.session(), user=me)
    form = staff.form(CodeForm)
    if request.method == "POST" and form.validate():
        result = second_factor.confirm(session=db.session(), user=me, code=form.code.data)
        if result is second_factor.Check.ok:
            audit.record(
                session=db.session(), actor=me, action="second_factor.enable", target=me.email
            )
            flash(_("The second factor is on. Signing in now asks for a code from your app."), "ok")
            return redirect(target, code=303)
        form.code.errors = [_(second_factor.MESSAGES[result])]
    status = 422 if request.method == "POST" else 200
    # The secret made above must be kept even when the code was refused.
    db.session().commit()
    return render_template(
        "account/enrol.html",
        form=form,
        # Made here from the account's own secret, not from anything typed: safe as markup.
        qr=Markup(
            second_factor.qr_svg(me, _("QR code to add this account to an authenticator app"))
        ),
        secret=second_factor.grouped(me.totp_secret or ""),
    ), status


@bp.post("/second-factor/off")
def turn_off() -> HttpResponse | tuple[str, int]:
    me = _me()
    form = staff.form(SecondFactorOffForm)
    if not me.totp_on:
        return redirect(url_for("account.home"), code=303)
    if form.validate():
        problem = second_factor.disable(
            session=db.session(),
            user=me,
            password=form.password.data or "",
            code=form.code.data,
        )
        if problem is None:
            audit.record(
                session=db.session(), actor=me, action="second_factor.disable", target=me.email
            )
            flash(_("The second factor is off. Signing in asks for your password only."), "ok")
            return redirect(url_for("account.home"), code=303)
        form.code.errors = [_(problem)]
    return render_template(
        "account/home.html",
        me=me,
        off_form=form,
        required_by=second_factor.required_by(session=db.session(), user=me),
    ), 422
