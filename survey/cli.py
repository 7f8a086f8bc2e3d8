"""``flask --app wsgi …`` commands. Each command is a unit of work: it commits once at the end."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

from survey import db
from survey.services import demo, exports
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
            try:
                survey = survey_by_any_slug(session=session, slug=slug)
            except NotFound:
                raise click.ClickException(f"no survey with slug {slug!r}") from None
            chunks = exports.export_responses(session=session, survey=survey, format=fmt)
            if output is None:
                for chunk in chunks:
                    sys.stdout.write(chunk)
            else:
                with output.open("w", encoding="utf-8", newline="") as handle:
                    handle.writelines(chunks)
                click.echo(f"wrote {output}", err=True)

    @app.cli.command("db-revision")
    @click.argument("message")
    def db_revision(message: str) -> None:
        """Autogenerate a migration from the models (for developers)."""
        from survey.migrate import revision

        revision(db.engine(), message)
