"""The initiative team's pages: sites, accounts, who works where. Admins only."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response as HttpResponse

from forms.staff import ROLE_LABELS, MemberForm, SiteForm, UserForm
from survey import db, i18n
from survey.i18n import _
from survey.models import Role
from survey.services import accounts, loop, sites
from survey.services.errors import InvalidDocument, NotFound
from survey.web import staff

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
    if accounts.revoke(session=db.session(), user_id=user_id, site=site):
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
            form.email.errors = [_(str(error))]
        else:
            flash(_("Account %(email)s created.", email=user.email), "ok")
            return redirect(url_for("admin.users"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "admin/users.html", form=form, users=accounts.all_users(session=db.session())
    ), status


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
