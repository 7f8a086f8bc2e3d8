"""Migrations are the schema: applying them gives exactly the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel


def test_autogenerate_finds_no_drift(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_init_db_migrates_a_new_database_to_head(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo
    from sqlalchemy import inspect

    from survey import create_app
    from survey.cli import init_app  # noqa: F401  (the commands are registered by create_app)

    url = f"sqlite:///{tmp_path / 'new.db'}"
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    runner = CliRunner()
    result = runner.invoke(app.cli, ["init-db"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    tables = set(inspect(app.extensions["cv_engine"]).get_table_names())
    assert {"site", "survey", "surveyversion", "response", "answer", "alembic_version"} <= tables
    again = runner.invoke(app.cli, ["init-db"], obj=ScriptInfo(create_app=lambda: app))
    assert again.exit_code == 0
    app.extensions["cv_engine"].dispose()
