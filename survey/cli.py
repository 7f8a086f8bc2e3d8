"""``flask --app wsgi …`` commands. Each command is a unit of work: it commits once at the end."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from sqlmodel import Session

from survey import db
from survey.i18n import LOCALE_CODES
from survey.models import Survey
from survey.services import content_po, demo, exports
from survey.services.errors import NotFound
from survey.services.surveys import survey_by_any_slug


def init_app(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or upgrade the database schema to the latest migration."""
        from survey.migrate import upgrade

        upgrade(db.engine())
        click.echo("database is up to date")

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Add the demo sites and the open 'hopes' survey (idempotent)."""
        with db.session_scope(db.engine()) as session:
            created = demo.seed(session=session)
        click.echo(
            f"demo data ready (new sites: {created['sites']}, new surveys: {created['surveys']})"
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
    @click.option("--locale", required=True, type=click.Choice(LOCALE_CODES))
    @click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
    def po_export(slug: str, locale: str, output: Path | None) -> None:
        """Write the survey's texts with their LOCALE translations as a PO file."""
        with db.session_scope(db.engine()) as session:
            survey = _survey_or_fail(session, slug)
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
        type=click.Choice(LOCALE_CODES),
        help="overrides the file's Language header",
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
