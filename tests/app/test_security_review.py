"""The findings of the security and reliability review, each as a user or an attacker would meet
it; every test here failed before its fix (on SQLite or PostgreSQL)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from tests.app.test_insights import answer_many, document
from tests.conftest import csrf_of, sign_in
from tests.pages import read, submit, text_of

BEYOND_INTEGER = 2**31


@pytest.fixture
def riverside(make_site, make_survey, session):
    site = make_site(slug="riverside", name="Riverside", k_threshold=5)
    survey = make_survey(document("riverside-hopes"), site=site)
    answer_many(session, survey, [("en", "ok;=1+1", "north")] * 6)
    return site


# -- 1. ids beyond the database's integers, NUL bytes in paths: 404, never 500 -------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/sites/riverside/review/{n}"),
        ("get", "/sites/riverside/loop/map/{n}"),
        ("get", "/sites/riverside/review/models/{n}"),
        ("post", "/sites/riverside/review/models/{n}/accept"),
        ("post", "/sites/riverside/api-keys/{n}/revoke"),
        ("post", "/sites/riverside/loop/quotes/{n}/withdraw"),
        ("post", "/sites/riverside/loop/commitments/{n}/updates"),
        ("post", "/admin/sites/riverside/members/{n}/remove"),
    ],
)
def test_an_id_beyond_the_database_integers_is_not_found(
    method, path, riverside, signed_in, make_user
):
    client = signed_in(make_user("admin"))
    token = csrf_of(client, "/sites/riverside/insights")
    url = path.format(n=BEYOND_INTEGER)
    response = client.post(url, data={"csrf_token": token}) if method == "post" else client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/s/%00",
        "/p/%00",
        "/s/%00/thanks",
        "/sites/%00/surveys/",
        "/sites/riverside/surveys/%00",
        "/sites/riverside/surveys/riverside-hopes/questions/%00",
    ],
)
def test_a_nul_byte_in_a_path_is_not_found(path, riverside, signed_in, make_user):
    client = signed_in(make_user("admin"))
    assert client.get(path).status_code == 404
    assert client.application.test_client().get(path).status_code == 404


# -- 2. a session cookie stops working at logout -------------------------------------------------


def test_a_copied_session_cookie_stops_working_after_logout(app, riverside, make_user):
    user = make_user("staff", riverside)
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 303
    copied = client.get_cookie("session").value
    token = csrf_of(client, "/sites/riverside/insights")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/sites/riverside/insights").status_code == 302  # to the sign-in page


# -- 3. CSV read with ';' as the separator -------------------------------------------------------


def _cells(text: str, delimiter: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_exports_hold_no_formula_cell_whatever_the_separator(
    delimiter, riverside, signed_in, make_user, runner
):
    client = signed_in(make_user("staff", riverside))
    web = client.get("/sites/riverside/insights/export/responses.csv?survey=riverside-hopes")
    assert web.status_code == 200
    result = runner.invoke(
        args=["export-responses", "--survey", "riverside-hopes", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    for text in (web.data.decode("utf-8-sig"), result.output):
        cells = _cells(text, delimiter)
        assert cells, text
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
        assert "ok;'=1+1" in text  # the answer kept, its formula inert


# -- 4. throttling shared by every worker, slowing guesses without locking the owner out ----------


def test_sign_in_counts_are_shared_by_every_app_server(app, database_url, tmp_path, make_user):
    from survey import create_app

    # A first wait long enough that a slow machine cannot outlast it between two tries.
    settings = {"LOGIN_FIRST_DELAY": 30.0, "SECRET_KEY": "test-secret", "TESTING": True}
    other = create_app(
        {**settings, "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "other")}
    )
    app.config.update(settings)
    user = make_user("staff")
    clients = [app.test_client(), other.test_client()]
    statuses = [sign_in(clients[n % 2], user.email, "wrong guess!!").status_code for n in range(8)]
    other.extensions["cv_engine"].dispose()
    assert statuses == [401] * 5 + [429] * 3


def _age_the_tries(session, seconds: float) -> None:
    from survey.models import LoginThrottle

    for row in session.exec(select(LoginThrottle)).all():
        row.last_failure = row.last_failure - timedelta(seconds=seconds)
        session.add(row)
    session.commit()


def test_after_five_wrong_guesses_the_owner_waits_seconds_not_a_minute(
    app, client, make_user, session
):
    app.config["LOGIN_FIRST_DELAY"] = 30.0  # a slow machine cannot outlast it between two tries
    user = make_user("staff")
    for _ in range(5):
        assert sign_in(client, user.email, "wrong guess!!").status_code == 401
    refused = sign_in(client, user.email)
    assert refused.status_code == 429
    assert "Please wait" in text_of(refused.data)
    _age_the_tries(session, 31)  # half a minute later
    assert sign_in(client, user.email).status_code == 303


def test_the_wait_after_the_free_tries_starts_at_a_second_and_doubles():
    from survey.services import throttle

    waits = [throttle.delay_after(n, throttle.ACCOUNT_CAP).total_seconds() for n in range(4, 14)]
    assert waits == [0, 1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert throttle.delay_after(40, throttle.ADDRESS_CAP).total_seconds() == 15 * 60


def test_a_long_guessing_run_keeps_the_owner_waiting_a_minute_at_most(client, make_user, session):
    from survey.models import LoginThrottle
    from survey.services import throttle

    user = make_user("staff")
    sign_in(client, user.email, "wrong guess!!")
    account, _address = throttle.counters(
        secret="test-secret", email=user.email, address="127.0.0.1"
    )
    row = session.exec(select(LoginThrottle).where(LoginThrottle.key == account.key)).one()
    row.failures = 500  # someone guessed this account's password 500 times, from elsewhere
    session.add(row)
    session.commit()
    refused = sign_in(client, user.email)
    assert refused.status_code == 429
    waits = [int(n) for n in re.findall(r"wait (\d+) seconds", text_of(refused.data))]
    assert waits
    assert 30 < waits[0] <= 60


# -- 5. passwords that are guessed first are refused, in the staff member's language -------------


@pytest.mark.parametrize("password", ["password12", "1234567890", "qwertyuiop"])
def test_a_common_password_is_refused_when_an_admin_creates_an_account(
    password, signed_in, make_user, session
):
    from survey.models import User

    client = signed_in(make_user("admin"))
    data = {
        "csrf_token": csrf_of(client, "/admin/users"),
        "email": "new.person@example.org",
        "password": password,
    }
    refused = client.post("/admin/users", data=data)
    assert refused.status_code == 422
    assert "most common" in text_of(refused.data) or "guessed quickly" in text_of(refused.data)
    assert 'value="new.person@example.org"' in refused.data.decode()
    assert session.exec(select(User).where(User.email == "new.person@example.org")).first() is None


def test_why_a_password_is_refused_is_said_in_the_staff_language(signed_in, make_user):
    client = signed_in(make_user("admin"))
    client.get("/admin/users?ui=es")
    data = {
        "csrf_token": csrf_of(client, "/admin/users"),
        "email": "new.person@example.org",
        "password": "1234567890",
    }
    refused = client.post("/admin/users", data=data)
    assert refused.status_code == 422
    assert "contraseña" in text_of(refused.data)
    assert "common" not in text_of(refused.data)


def test_the_command_line_refuses_a_common_password(runner):
    result = runner.invoke(
        args=["user", "create", "--email", "a@example.org", "--role", "admin"],
        input="1234567890\n",
    )
    assert result.exit_code != 0
    assert "most common" in result.output


# -- 6. headers, exports, API keys, demo data, direction overrides, form keys -------------------


def test_production_pages_ask_for_tls_and_no_page_asks_for_devices(database_url, tmp_path):
    from survey import create_app

    production = create_app(
        {
            "APP_ENV": "production",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "p"),
            "SECRET_KEY": "production-secret",
        }
    )
    page = production.test_client().get("/login")
    production.extensions["cv_engine"].dispose()
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "camera=()" in page.headers["Permissions-Policy"]
    assert "geolocation=()" in page.headers["Permissions-Policy"]


def test_development_pages_do_not_pin_tls(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_exports_are_never_stored_by_a_cache(riverside, signed_in, make_user):
    client = signed_in(make_user("staff", riverside))
    for fmt in ("csv", "json", "xlsx"):
        export = client.get(f"/sites/riverside/insights/export/responses.{fmt}")
        assert export.status_code == 200
        assert export.headers["Cache-Control"] == "no-store"


def test_a_new_api_key_never_travels_in_the_session_cookie(app, riverside, signed_in, make_user):
    client = signed_in(make_user("staff", riverside))
    form = dict(read(client.get("/sites/riverside/api-keys").data).hidden)
    shown = client.post("/sites/riverside/api-keys", data={**form, "name": "Dashboard"})
    key = re.search(r"cv_[A-Za-z0-9_-]+", text_of(shown.data))
    assert key
    assert shown.headers["Cache-Control"] == "no-store"
    serializer = app.session_interface.get_signing_serializer(app)
    assert key.group(0) not in str(serializer.loads(client.get_cookie("session").value))


def test_seed_demo_refuses_to_run_in_production(database_url, tmp_path, session):
    from survey import create_app
    from survey.models import User

    production = create_app(
        {
            "APP_ENV": "production",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "p"),
            "SECRET_KEY": "production-secret",
        }
    )
    result = production.test_cli_runner().invoke(args=["seed-demo"])
    production.extensions["cv_engine"].dispose()
    assert result.exit_code != 0
    assert "APP_ENV=production" in result.output
    assert session.exec(select(User)).first() is None


def test_a_right_to_left_override_typed_by_staff_is_not_shown(signed_in, make_user):
    client = signed_in(make_user("admin"))
    data = {
        "csrf_token": csrf_of(client, "/admin/sites"),
        "slug": "harbour",
        "name": "Harbour \u202etxt.exe",
        "k_threshold": "10",
    }
    assert client.post("/admin/sites", data=data).status_code == 303
    for url in ("/admin/sites", "/sites/", "/admin/sites/harbour"):
        page = client.get(url).data.decode()
        assert "Harbour txt.exe" in page, url
        assert "\u202e" not in page, url


def test_one_form_key_stores_one_response_however_often_it_is_sent(client, make_survey, session):
    from survey.models import Response

    survey = make_survey()
    url = f"/s/{survey.slug}"
    last_page = submit(client, url, client.get(url).data, {"q_hopes": "Trees", "q_kids": "no"})
    assert last_page.status_code == 200
    hidden = read(last_page.data).hidden
    statuses = []
    for n in range(20):
        data = [(k, v) for k, v in hidden if k != "token"]
        data += [("token", f"scripted-token-{n:04d}-abcdef"), ("q_age", "30"), ("action", "send")]
        statuses.append(client.post(url, data=MultiDict(data)).status_code)
    stored = session.exec(select(Response).where(Response.survey_id == survey.id)).all()
    assert len(stored) <= 1
    assert statuses.count(303) <= 1
