"""Shared fixtures: a fresh database per test (SQLite by default, PostgreSQL via DATABASE_URL),
the app, a test client that behaves like a browser with cookies, and factories."""

from __future__ import annotations

import copy
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import text
from sqlmodel import Session, SQLModel

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
#: public test material beside the repository (or wherever CV_SHARED_DATA says)
SHARED_DATA = Path(os.environ.get("CV_SHARED_DATA") or ROOT.parent / "shared" / "data")


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """Build .mo files from the committed .po files, as `make` does (a missing .mo shows English)."""
    for po_path in (ROOT / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Migrate once per run; each test then gets a copy (SQLite) or emptied tables (PostgreSQL)."""
    from survey.db import make_engine
    from survey.migrate import upgrade

    url = os.environ.get("DATABASE_URL")
    if url:
        from survey.config import from_environment

        url = from_environment({"DATABASE_URL": url, "SECRET_KEY": "x"})["DATABASE_URL"]
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        upgrade(engine)
        engine.dispose()
        return {"kind": "postgresql", "url": url}
    path = tmp_path_factory.mktemp("db") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return {"kind": "sqlite", "path": path}


@pytest.fixture
def database_url(migrated_template: dict[str, Any], tmp_path: Path) -> Iterator[str]:
    if migrated_template["kind"] == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(migrated_template["path"], path)
        yield f"sqlite:///{path}"
        return
    url = migrated_template["url"]
    from survey.db import make_engine

    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in reversed(SQLModel.metadata.sorted_tables))
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield url


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    from survey import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test-secret",
            # Jobs (tagging after a Send) run at once, so a test sees their result; the queue's
            # own tests run real workers and threads (tests/app/test_queue.py).
            "JOBS_EAGER": True,
            # Counts may live in a Redis shared by the whole run: tests that need the limit on
            # residents' sends set it themselves (tests/app/test_integrity.py).
            "RESIDENT_SEND_LIMIT": "",
            # Every resident page filled in from a kept page is compared with a full rendering.
            "RESIDENT_PAGES_CHECKED": True,
        }
    )
    yield app
    app.extensions["cv_engine"].dispose()


@pytest.fixture
def engine(app: Any) -> Any:
    return app.extensions["cv_engine"]


@pytest.fixture
def session(engine: Any) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as db:
        yield db


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


# -- factories ------------------------------------------------------------------------------


def visits_question() -> dict[str, Any]:
    """A required choice that a same-page condition can ask about ("never" brings one up)."""
    return {
        "key": "visits",
        "kind": "single_choice",
        "required": True,
        "text": {"en": "Do you visit parks?", "es": "¿Visita parques?"},
        "options": [
            {"code": "often", "label": {"en": "Often", "es": "A menudo"}},
            {"code": "never", "label": {"en": "Never", "es": "Nunca"}},
        ],
    }


def survey_document(**overrides: Any) -> dict[str, Any]:
    """A small two-page survey in English and Spanish; override any top-level key."""
    document: dict[str, Any] = {
        "schema": "community-voice/survey@1",
        "slug": overrides.pop("slug", f"s-{uuid.uuid4().hex[:8]}"),
        "default_locale": "en",
        "locales": ["en", "es"],
        "title": {"en": "Park survey", "es": "Encuesta del parque"},
        "intro": {"en": "Tell us.", "es": "Cuéntenos."},
        "thank_you": {"en": "Thanks, neighbour!", "es": "¡Gracias, vecino!"},
        "sections": [
            {
                "key": "one",
                "questions": [
                    {
                        "key": "hopes",
                        "kind": "long_text",
                        "required": True,
                        "text": {"en": "Your hopes?", "es": "¿Sus esperanzas?"},
                    },
                    {
                        "key": "kids",
                        "kind": "single_choice",
                        "required": False,
                        "text": {"en": "Kids at home?", "es": "¿Niños en casa?"},
                        "options": [
                            {"code": "yes", "label": {"en": "Yes", "es": "Sí"}},
                            {"code": "no", "label": {"en": "No", "es": "No"}},
                        ],
                    },
                ],
            },
            {
                "key": "two",
                "questions": [
                    {
                        "key": "kid_needs",
                        "kind": "short_text",
                        "text": {"en": "What do kids need?", "es": "¿Qué necesitan?"},
                        "show_if": {"question": "kids", "equals": "yes"},
                    },
                    {
                        "key": "age",
                        "kind": "number",
                        "min": 0,
                        "max": 120,
                        "integer": True,
                        "text": {"en": "Your age?", "es": "¿Su edad?"},
                    },
                ],
            },
        ],
    }
    document.update(overrides)
    return copy.deepcopy(document)


@pytest.fixture
def make_site(session: Session) -> Any:
    from survey.models import Site

    def make(**fields: Any) -> Site:
        fields.setdefault("slug", f"site-{uuid.uuid4().hex[:6]}")
        fields.setdefault("name", "Test Site")
        site = Site(**fields)
        session.add(site)
        session.commit()
        return site

    return make


@pytest.fixture
def make_survey(session: Session, make_site: Any) -> Any:
    """Create and publish a survey (open unless told otherwise)."""
    from survey.models import SurveyStatus
    from survey.services.surveys import create_from_document, publish

    def make(
        document: dict[str, Any] | None = None, *, site: Any = None, status: str = "open"
    ) -> Any:
        site = site or make_site()
        survey = create_from_document(
            session=session, site=site, document=document or survey_document()
        )
        publish(session=session, survey=survey)
        survey.status = SurveyStatus(status)
        session.add(survey)
        session.commit()
        return survey

    return make


PASSWORD = "correct horse battery"


@pytest.fixture
def make_user(session: Session) -> Any:
    """``make_user("staff", site)``, ``make_user("analyst", site)``, ``make_user("admin")``."""
    from survey.models import Role
    from survey.services import accounts

    def make(role: str, *sites: Any, email: str | None = None) -> Any:
        user = accounts.create_user(
            session=session,
            email=email or f"{role}-{uuid.uuid4().hex[:6]}@example.org",
            password=PASSWORD,
            is_admin=role == "admin",
        )
        for site in sites:
            accounts.grant(session=session, user=user, site=site, role=Role(role))
        session.commit()
        return user

    return make


def sign_in(client: Any, email: str, password: str = PASSWORD) -> Any:
    from tests.pages import read

    page = client.get("/login")
    token = dict(read(page.data).hidden)["csrf_token"]
    return client.post("/login", data={"csrf_token": token, "email": email, "password": password})


@pytest.fixture
def signed_in(app: Any) -> Any:
    """A new browser-like client signed in as ``user``."""

    def open_client(user: Any) -> Any:
        client = app.test_client()
        result = sign_in(client, user.email)
        assert result.status_code == 303, result.status_code
        return client

    return open_client


def csrf_of(client: Any, url: str = "/sites/") -> str:
    from tests.pages import read

    return dict(read(client.get(url).data).hidden).get("csrf_token", "")
