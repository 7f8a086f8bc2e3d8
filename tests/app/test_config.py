"""Settings: safe defaults in development, no guessing in production."""

from __future__ import annotations

import pytest

from survey.config import ConfigError, from_environment


def test_production_refuses_to_start_without_a_secret(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        from_environment({"APP_ENV": "production", "INSTANCE_PATH": str(tmp_path)})


def test_development_generates_a_secret_once_and_keeps_it(tmp_path):
    first = from_environment({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    second = from_environment({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_default_database_is_sqlite_under_instance(tmp_path):
    settings = from_environment({"INSTANCE_PATH": str(tmp_path)})
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'community-voice.db'}"


def test_postgres_urls_use_psycopg_3():
    settings = from_environment({"DATABASE_URL": "postgresql://u@h/db", "SECRET_KEY": "x"})
    assert settings["DATABASE_URL"] == "postgresql+psycopg://u@h/db"


def test_a_bad_number_setting_is_named(tmp_path):
    with pytest.raises(ConfigError, match="ANSWER_MAX_CHARS"):
        from_environment({"ANSWER_MAX_CHARS": "lots", "SECRET_KEY": "x"})


def test_healthz_says_when_the_database_is_down(tmp_path):
    from survey import create_app

    missing = tmp_path / "no" / "such" / "dir" / "db.sqlite"
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{missing}", "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"}
    )
    result = app.test_client().get("/healthz")
    assert result.status_code == 503
    assert result.get_json()["status"] == "error"
