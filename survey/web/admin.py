"""The initiative team's pages: sites, accounts, who works where. Admins only."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from werkzeug.wrappers import Response as HttpResponse

from forms.staff import ROLE_LABELS, InviteForm, MemberForm, SiteForm, UserForm
from survey import db, i18n
from survey.i18n import _
from survey.models import Role, Site, TokenPurpose, User
from survey.services import account_links, accounts, audit, loop, second_factor, sites
from survey.services.errors import InvalidDocument, NotFound
from survey.web import account_mail, staff

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only() -> None:
    i18n.select_staff_locale()
    member = staff.user()
    if member is None or not member.is_admin:
        abort(404)


@bp.route("/sites", methods=["GET", "POST"])
def site_list() -> HttpResponse | tuple[str, int]:
    form = staff.form(SiteForm)
    if request.method == "POST" and not "".join(form.k_threshold.raw_data or []).strip():
        # The field shows its default (10); left empty, the default is meant, not an error.
        form.k_threshold.process_errors = []
        form.k_threshold.data = sites.DEFAULT_K
    if request.method == "POST" and form.validate():
        try:
            site = sites.create_site(
                session=db.session(),
                slug=form.slug.data,
                name=form.name.data,
                k_threshold=sites.DEFAULT_K
                if form.k_threshold.data is None
                else form.k_threshold.data,
            )
        except InvalidDocument as error:
            staff.flash_problems(error.problems)
        else:
            flash(_("Site “%(name)s” created.", name=site.name), "ok")
            return redirect(url_for("admin.site_members", site_slug=site.slug), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "admin/sites.html", form=form, sites=sites.all_sites(session=db.session())
    ), status


@bp.route("/sites/<site_slug>", methods=["GET", "POST"])
def site_members(site_slug: str) -> HttpResponse | tuple[str, int]:
    site = sites.site_by_slug(session=db.session(), slug=site_slug)
    if site is None:
        raise NotFound(site_slug)
    form = staff.form(MemberForm)
    # Only the roles offered may be given (an empty choice means staff, as before).
    form.role.validate_choice = bool(form.role.data)
    if request.method == "POST" and form.validate():
        user = accounts.user_by_email(session=db.session(), email=form.email.data)
        if user is None:
            form.email.errors = [_("No account has that email address. Create the account first.")]
        else:
            role = form.role.data if form.role.data in ROLE_LABELS else "staff"
            accounts.grant(session=db.session(), user=user, site=site, role=Role(role))
            _audit("role.grant", site=site, target=f"{user.email} {role}")
            flash(_("%(email)s can now work on %(site)s.", email=user.email, site=site.name), "ok")
            return redirect(url_for("admin.site_members", site_slug=site.slug), code=303)
    status = 422 if request.method == "POST" else 200
    members = accounts.members(session=db.session(), site=site)
    return render_template("admin/site.html", site=site, form=form, members=members), status


@bp.post("/sites/<site_slug>/members/<int:user_id>/remove")
def remove_member(site_slug: str, user_id: int) -> HttpResponse:
    site = sites.site_by_slug(session=db.session(), slug=site_slug)
    if site is None:
        raise NotFound(site_slug)
    removed = db.session().get(User, user_id)
    if accounts.revoke(session=db.session(), user_id=user_id, site=site):
        _audit("role.revoke", site=site, target=removed.email if removed else "")
        flash(_("Access removed."), "ok")
    else:
        flash(_("That person had no access to this site, so nothing was removed."), "error")
    return redirect(url_for("admin.site_members", site_slug=site.slug), code=303)


@bp.route("/users", methods=["GET", "POST"])
def users() -> HttpResponse | tuple[str, int]:
    form = staff.form(UserForm)
    if request.method == "POST" and form.validate():
        try:
            user = accounts.create_user(
                session=db.session(),
                email=form.email.data,
                password=form.password.data,
                is_admin=form.is_admin.data,
                locale=i18n.current_locale(),
            )
        except accounts.AccountError as error:
            form[error.field].errors = [_(str(error))]
        else:
            _audit("account.create", target=user.email)
            flash(_("Account %(email)s created.", email=user.email), "ok")
            return redirect(url_for("admin.users"), code=303)
    status = 422 if request.method == "POST" else 200
    return _users_page(form, _invite_form(), status)


def _invite_form() -> InviteForm:
    form = staff.form(InviteForm)
    form.site.choices = [(s.slug, s.name) for s in sites.all_sites(session=db.session())]
    return form


def _users_page(form: UserForm, invite: InviteForm, status: int) -> tuple[str, int]:
    return render_template(
        "admin/users.html",
        form=form,
        invite=invite,
        users=accounts.all_users(session=db.session()),
        mail_configured=bool(current_app.config.get("MAIL_SERVER")),
    ), status


def _audit(action: str, *, site: Site | None = None, target: str = "") -> None:
    audit.record(session=db.session(), actor=staff.user(), action=action, site=site, target=target)


def _hand_over(user: User, raw: str, purpose: TokenPurpose) -> None:
    """Mail the link, or show it to the administrator when it could not be mailed."""
    link = account_mail.deliver(user=user, raw=raw, purpose=purpose)
    if link is None:
        flash(_("A link was sent to %(email)s.", email=user.email), "ok")
    else:
        flash(
            _(
                "No mail was sent. Give %(email)s this link yourself; it works once: %(link)s",
                email=user.email,
                link=link,
            ),
            "ok",
        )


@bp.post("/users/invite")
def invite() -> HttpResponse | tuple[str, int]:
    form = _invite_form()
    if not form.validate():
        return _users_page(staff.form(UserForm), form, 422)
    role = form.role.data if form.role.data in (*ROLE_LABELS, "admin") else "staff"
    site = sites.site_by_slug(session=db.session(), slug=form.site.data or "")
    if role != "admin" and site is None:
        form.site.errors = [_("Choose the site this person will work on.")]
        return _users_page(staff.form(UserForm), form, 422)
    try:
        user, raw = account_links.invite(
            session=db.session(),
            email=form.email.data or "",
            role=None if role == "admin" else Role(role),
            site=site,
            locale=i18n.current_locale(),
        )
    except accounts.AccountError as error:
        form.email.errors = [_(str(error))]
        return _users_page(staff.form(UserForm), form, 422)
    _audit("account.invite", site=site, target=f"{user.email} {role}")
    _hand_over(user, raw, TokenPurpose.invitation)
    return redirect(url_for("admin.users"), code=303)


def _account(user_id: int) -> User:
    user = db.session().get(User, user_id)
    if user is None:
        raise NotFound(str(user_id))
    return user


@bp.post("/users/<int:user_id>/reset-link")
def reset_link(user_id: int) -> HttpResponse:
    user = _account(user_id)
    raw = account_links.issue(session=db.session(), user=user, purpose=TokenPurpose.reset)
    _audit("account.reset_link", target=user.email)
    _hand_over(user, raw, TokenPurpose.reset)
    return redirect(url_for("admin.users"), code=303)


@bp.post("/users/<int:user_id>/sign-out")
def sign_out_everywhere(user_id: int) -> HttpResponse:
    user = _account(user_id)
    accounts.end_sessions(session=db.session(), user=user)
    _audit("account.sign_out_everywhere", target=user.email)
    flash(_("%(email)s is signed out everywhere.", email=user.email), "ok")
    return redirect(url_for("admin.users"), code=303)


@bp.post("/users/<int:user_id>/active")
def set_active(user_id: int) -> HttpResponse:
    user = _account(user_id)
    active = request.form.get("active") == "1"
    if user.id == getattr(staff.user(), "id", None) and not active:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("admin.users"), code=303)
    accounts.set_active(session=db.session(), user=user, active=active)
    _audit("account.reactivate" if active else "account.deactivate", target=user.email)
    if active:
        flash(_("%(email)s can sign in again.", email=user.email), "ok")
    else:
        flash(_("%(email)s can no longer sign in.", email=user.email), "ok")
    return redirect(url_for("admin.users"), code=303)


@bp.post("/users/<int:user_id>/second-factor/reset")
def reset_second_factor(user_id: int) -> HttpResponse:
    user = _account(user_id)
    if not user.totp_on and not user.totp_secret:
        flash(_("%(email)s has no second factor, so nothing was reset.", email=user.email), "error")
        return redirect(url_for("admin.users"), code=303)
    second_factor.reset(session=db.session(), user=user)
    _audit("second_factor.reset", target=user.email)
    flash(
        _(
            "The second factor of %(email)s is reset and their sessions have ended. "
            "They sign in with their password and can set up a new one.",
            email=user.email,
        ),
        "ok",
    )
    return redirect(url_for("admin.users"), code=303)


@bp.post("/sites/<site_slug>/second-factor")
def require_second_factor(site_slug: str) -> HttpResponse:
    site = sites.site_by_slug(session=db.session(), slug=site_slug)
    if site is None:
        raise NotFound(site_slug)
    required = request.form.get("required") == "1"
    second_factor.require(session=db.session(), site=site, required=required)
    _audit(
        "second_factor.require" if required else "second_factor.unrequire",
        site=site,
        target=site.slug,
    )
    if required:
        flash(
            _(
                "Everyone who works on %(site)s now needs a second factor; those without one "
                "are asked to set it up before they see the site.",
                site=site.name,
            ),
            "ok",
        )
    else:
        flash(_("%(site)s no longer requires a second factor.", site=site.name), "ok")
    return redirect(url_for("admin.site_members", site_slug=site.slug), code=303)


@bp.get("/audit")
def audit_log() -> str:
    site = _audited_site()
    return render_template(
        "admin/audit.html",
        site=site,
        events=audit.events(session=db.session(), site=site),
        labels=audit.ACTIONS,
        site_names={s.id: s.name for s in sites.all_sites(session=db.session())},
    )


@bp.get("/audit.csv")
def audit_csv() -> Response:
    site = _audited_site()
    data = audit.as_csv(
        audit.events(session=db.session(), site=site, limit=100_000),
        site_slugs={s.id: s.slug for s in sites.all_sites(session=db.session()) if s.id},
    )
    name = f"audit-{site.slug}.csv" if site else "audit.csv"
    return Response(
        data.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


def _audited_site() -> Site | None:
    slug = request.args.get("site")
    if not slug:
        return None
    site = sites.site_by_slug(session=db.session(), slug=slug)
    if site is None:
        raise NotFound(slug)
    return site


@bp.get("/overview")
def overview() -> str:
    """The initiative team's view: themes across sites (aggregates only) and commitments."""
    session = db.session()
    from analysis.codebook import load_default

    codebook = load_default()
    locale = i18n.current_locale()
    every_site = sites.all_sites(session=session)
    rows = loop.across_sites(session=session, sites=every_site, themes=codebook.keys)
    return render_template(
        "admin/overview.html",
        rows=rows,
        themes=[(k, codebook.label(k, locale)) for k in codebook.keys],
    )
