"""Settings from the environment, with development defaults that need no server."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = ROOT / "instance"


class ConfigError(RuntimeError):
    """A setting the app cannot start without is missing or wrong."""


def _dev_secret(instance: Path) -> str:
    """A secret generated once per checkout, so sessions survive restarts in development."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _flag(env: dict[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def from_environment(env: dict[str, str] | None = None) -> dict[str, Any]:
    env = dict(os.environ if env is None else env)
    instance = Path(env.get("INSTANCE_PATH", DEFAULT_INSTANCE))
    production = env.get("APP_ENV", "development") == "production"
    secret = env.get("SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError("SECRET_KEY must be set when APP_ENV=production")
        secret = _dev_secret(instance)
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'community-voice.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    return {
        "APP_ENV": "production" if production else "development",
        "SECRET_KEY": secret,
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        "REDIS_URL": env.get("REDIS_URL") or None,
        #: the RQ queue jobs go to when REDIS_URL is set (one name per deployment)
        "JOBS_QUEUE": env.get("JOBS_QUEUE") or "community-voice",
        #: open answers a job tags per transaction (a worker that dies loses at most one batch)
        "TAG_BATCH": _int(env, "TAG_BATCH", 500),
        #: run every job at once in the caller's thread (tests; never in production)
        "JOBS_EAGER": False,
        "DEFAULT_LOCALE": env.get("DEFAULT_LOCALE", "en"),
        #: proxies in front of the app (a load balancer, TLS); their X-Forwarded-* headers are trusted
        "PROXIES": _int(env, "PROXIES", 0),
        #: the longest open answer a resident may send, in characters
        "ANSWER_MAX_CHARS": _int(env, "ANSWER_MAX_CHARS", 5000),
        #: reviewed answers a theme needs before a candidate tagger learns it and is judged on it
        "REVIEW_MIN_POSITIVES": max(2, _int(env, "REVIEW_MIN_POSITIVES", 20)),
        #: the largest request body, in bytes; larger bodies get the 413 page. Generous, so that a
        #: too-long answer in a script that takes 3–4 bytes a character (and three times that
        #: once percent-encoded) still reaches the form and comes back with its message, kept.
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        "MAX_FORM_MEMORY_SIZE": _int(env, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        #: outgoing mail for invitations and password resets; without MAIL_SERVER the links are
        #: shown to the administrator (and printed by the CLI) instead of sent
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int(env, "MAIL_PORT", 587 if _flag(env, "MAIL_USE_TLS") else 25),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag(env, "MAIL_USE_TLS"),
        "MAIL_FROM": env.get("MAIL_FROM") or "community-voice@localhost",
        #: the address staff reach the app at, for links in e-mails (set it in production)
        "PUBLIC_URL": env.get("PUBLIC_URL") or None,
        #: resident sends per address (held in memory or Redis, never stored); empty turns it off
        "RESIDENT_SEND_LIMIT": env.get("RESIDENT_SEND_LIMIT", "30 per 10 minutes"),
        #: a resident may take a while over a long survey; the form's key (and staff pages' CSRF
        #: token) lasts as long
        "WTF_CSRF_TIME_LIMIT": _int(env, "WTF_CSRF_TIME_LIMIT", 6 * 3600),
    }
