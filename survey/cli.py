"""``flask --app wsgi …`` commands. Each command is a unit of work: it commits once at the end."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click
from flask import Flask
from sqlmodel import Session

from survey import db, i18n
from survey.formats import definitions
from survey.formats import po as content_po
from survey.languages import DEFAULT_LOCALE, LOCALE_CODES, content_code
from survey.models import Role, Survey
from survey.problems import Problem
from survey.services import (
    accounts,
    demo,
    designer,
    exports,
    sites,
    tagging,
)
from survey.services.errors import InvalidDocument, NotFound
from survey.services.surveys import publish, survey_by_any_slug
from survey.web import staff


def init_app(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or upgrade the database schema to the latest migration."""
        from survey.migrate import upgrade

        upgrade(db.engine())
        click.echo("database is up to date")

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Add the demo sites, surveys, answers and accounts (idempotent; never in production)."""
        if app.config.get("APP_ENV") == "production":
            raise click.ClickException(
                "seed-demo adds accounts with a published password: it does not run with "
                "APP_ENV=production"
            )
        with db.session_scope(db.engine()) as session:
            created = demo.seed(session=session)
        click.echo(
            f"demo data ready (new sites: {created['sites']}, surveys: {created['surveys']}, "
            f"responses: {created['responses']}, accounts: {created['users']})"
        )
        accounts_list = ", ".join(email for email, _role, _site in demo.DEMO_USERS)
        click.echo(
            f"demo accounts (development only): {accounts_list}; password: {demo.DEMO_PASSWORD}"
        )

    @app.cli.command("export-responses")
    @click.option("--survey", "slug", required=True, help="the survey's slug")
    @click.option("--format", "fmt", type=click.Choice(exports.FORMATS), default="jsonl")
    @click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
    def export_responses(slug: str, fmt: str, output: Path | None) -> None:
        """Write every response of a survey as JSON lines or CSV."""
        with db.session_scope(db.engine()) as session:
            survey = _survey_or_fail(session, slug)
            chunks = exports.export_responses(session=session, survey=survey, format=fmt)
            if output is None:
                for chunk in chunks:
                    sys.stdout.write(chunk)
            else:
                with output.open("w", encoding="utf-8", newline="") as handle:
                    handle.writelines(chunks)
                click.echo(f"wrote {output}", err=True)

    @app.cli.group("survey-po")
    def survey_po() -> None:
        """Survey content as PO files for translators."""

    @survey_po.command("export")
    @click.option("--survey", "slug", required=True)
    @click.option("--locale", required=True, help="one of the survey's languages, e.g. es or sw")
    @click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
    def po_export(slug: str, locale: str, output: Path | None) -> None:
        """Write the survey's texts with their LOCALE translations as a PO file."""
        with db.session_scope(db.engine()) as session:
            survey = _survey_or_fail(session, slug)
            locale = content_code(locale) or locale
            if locale not in survey.locales:
                raise click.ClickException(
                    f"{locale!r} is not a language of {slug}: {', '.join(survey.locales)}"
                )
            data = content_po.export_po(session=session, survey=survey, locale=locale)
        if output is None:
            sys.stdout.buffer.write(data)
        else:
            output.write_bytes(data)
            click.echo(f"wrote {output}", err=True)

    @survey_po.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--survey", "slug", required=True)
    @click.option(
        "--locale",
        default=None,
        help="overrides the file's Language header (one of the survey's languages)",
    )
    def po_import(file: Path, slug: str, locale: str | None) -> None:
        """Read translations from a PO file into the survey's draft."""
        with db.session_scope(db.engine()) as session:
            survey = _survey_or_fail(session, slug)
            try:
                report = content_po.import_po(
                    session=session, survey=survey, data=file.read_bytes(), locale=locale
                )
            except content_po.MalformedPo as exc:
                raise click.ClickException(f"nothing was saved: {exc}") from None
        click.echo(f"{report.locale}: {len(report.updated)} updated, {report.unchanged} unchanged")
        for label, items in (
            ("unknown keys", report.unknown_keys),
            ("empty translations (left as they were)", report.empty),
            ("placeholders differ from the source (skipped)", report.placeholder_mismatches),
        ):
            if items:
                click.echo(f"{label}: {', '.join(items)}")

    @app.cli.group("user")
    def user_group() -> None:
        """Staff accounts."""

    @user_group.command("invite")
    @click.option("--email", required=True)
    @click.option("--role", type=click.Choice(["admin", "staff", "analyst"]), required=True)
    @click.option("--site", "site_slug", help="the site's slug (staff and analysts)")
    @click.option("--locale", type=click.Choice(LOCALE_CODES), default="en", show_default=True)
    def invite_user(email: str, role: str, site_slug: str | None, locale: str) -> None:
        """Invite someone by e-mail; the link is printed when no mail server is configured."""
        from survey.models import TokenPurpose
        from survey.services import account_links, audit
        from survey.web import account_mail

        if role != "admin" and not site_slug:
            raise click.ClickException("staff and analysts need --site")
        with db.session_scope(db.engine()) as session:
            site = sites.site_by_slug(session=session, slug=site_slug) if site_slug else None
            if site_slug and site is None:
                raise click.ClickException(f"no site with slug {site_slug!r}")
            try:
                user, raw = account_links.invite(
                    session=session,
                    email=email,
                    role=None if role == "admin" else Role(role),
                    site=site,
                    locale=locale,
                )
            except accounts.AccountError as exc:
                raise click.ClickException(str(exc)) from None
            audit.record(
                session=session,
                actor=None,
                action="account.invite",
                site=site,
                target=f"{user.email} {role}",
            )
            with app.test_request_context(
                base_url=app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000"
            ):
                link = account_mail.deliver(user=user, raw=raw, purpose=TokenPurpose.invitation)
        if link is None:
            click.echo(f"invitation sent to {user.email}")
        else:
            click.echo(f"no mail sent; give {user.email} this link (it works once, for 7 days):")
            click.echo(link)

    @user_group.command("create")
    @click.option("--email", required=True)
    @click.option("--role", type=click.Choice(["admin", "staff", "analyst"]), required=True)
    @click.option("--site", "site_slugs", multiple=True, help="a site's slug; repeat for several")
    def user_create(email: str, role: str, site_slugs: tuple[str, ...]) -> None:
        """Create an account; the password is read from standard input."""
        password = sys.stdin.readline().rstrip("\r\n")
        if role != "admin" and not site_slugs:
            raise click.ClickException("staff and analysts need at least one --site")
        with db.session_scope(db.engine()) as session:
            found = []
            for slug in site_slugs:
                site = sites.site_by_slug(session=session, slug=slug)
                if site is None:
                    raise click.ClickException(f"no site with slug {slug!r}")
                found.append(site)
            try:
                user = accounts.create_user(
                    session=session, email=email, password=password, is_admin=role == "admin"
                )
            except accounts.AccountError as exc:
                raise click.ClickException(str(exc)) from None
            for site in found:
                accounts.grant(
                    session=session,
                    user=user,
                    site=site,
                    role=Role(role if role != "admin" else "staff"),
                )
        click.echo(f"created {user.email} ({role})")

    @app.cli.command("import-survey")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--site", "site_slug", required=True)
    @click.option(
        "--publish", "publish_now", is_flag=True, help="publish it and open it to residents"
    )
    @click.option(
        "--replace-draft", is_flag=True, help="replace the draft of a survey with the same slug"
    )
    @click.option(
        "--lang",
        "ui_lang",
        default=DEFAULT_LOCALE,
        type=click.Choice(LOCALE_CODES),
        help="the language the changes and problems are listed in",
    )
    def import_survey(
        file: Path, site_slug: str, publish_now: bool, replace_draft: bool, ui_lang: str
    ) -> None:
        """Import a survey from an XLSForm (.xlsx) or a survey document (.json); list what
        was changed to import it, by sheet and row."""
        with db.session_scope(db.engine()) as session:
            site = sites.site_by_slug(session=session, slug=site_slug)
            if site is None:
                raise click.ClickException(f"no site with slug {site_slug!r}")
            try:
                imported = definitions.read_definition(file.name, file.read_bytes())
                survey = designer.import_document(
                    session=session,
                    site=site,
                    document=imported.document,
                    replace_draft=replace_draft,
                )
                if publish_now:
                    version = publish(session=session, survey=survey)
            except InvalidDocument as error:
                lines = "\n".join(f"  - {line}" for line in _described(error.problems, ui_lang))
                raise click.ClickException(f"nothing was imported:\n{lines}") from None
        message = f"imported {survey.slug} into {site.slug}"
        if publish_now:
            message += f", published as version {version.number}"
        click.echo(message)
        if imported.changes:
            click.echo(f"{len(imported.changes)} changes were made to import it:")
            for line in _described(imported.changes, ui_lang):
                click.echo(f"  - {line}")

    def _described(problems: Sequence[Problem], ui_lang: str) -> list[str]:
        """Problems or changes as staff read them on the import page, in ``ui_lang``."""
        with app.test_request_context():
            i18n.use_locale(ui_lang)
            return [staff.describe(problem) for problem in problems]

    @app.cli.command("analyze")
    @click.option("--site", "site_slug", required=True)
    @click.option("--survey", "survey_slug", default=None, help="only this survey")
    def analyze(site_slug: str, survey_slug: str | None) -> None:
        """Tag every open answer again (after a codebook or model change)."""
        with db.session_scope(db.engine()) as session:
            site = sites.site_by_slug(session=session, slug=site_slug)
            if site is None:
                raise click.ClickException(f"no site with slug {site_slug!r}")
            chosen = designer.surveys_of(session=session, site=site)
            if survey_slug:
                chosen = [s for s in chosen if s.slug == survey_slug]
                if not chosen:
                    raise click.ClickException(f"no survey {survey_slug!r} at {site_slug}")
            total = tagging.open_answer_count(session=session, surveys=chosen)
            with click.progressbar(length=total, label="tagging answers", file=sys.stderr) as bar:
                done = tagging.retag(
                    session=session, site=site, surveys=chosen, progress=bar.update
                )
        click.echo(f"tagged {done} answers")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="stop once the queue is empty")
    def worker(burst: bool) -> None:
        """Run jobs from the queue at REDIS_URL (tagging, tagging again); start one per core, on
        as many machines as needed. Tags every answer left untagged first."""
        from flask import current_app

        from survey import queue

        if not current_app.config.get("REDIS_URL"):
            raise click.ClickException(
                "REDIS_URL is not set: without it, each app process runs its own jobs"
            )
        queue.work(current_app._get_current_object(), burst=burst)  # type: ignore[attr-defined]

    @app.cli.command("db-revision")
    @click.argument("message")
    def db_revision(message: str) -> None:
        """Autogenerate a migration from the models (for developers)."""
        from survey.migrate import revision

        revision(db.engine(), message)


def _survey_or_fail(session: Session, slug: str) -> Survey:
    try:
        return survey_by_any_slug(session=session, slug=slug)
    except NotFound:
        raise click.ClickException(f"no survey with slug {slug!r}") from None
