"""Accounts that organisations can run: invitations and resets through a real local SMTP
server, links that work once and expire, deactivation, signing out everywhere, the audit log."""

from __future__ import annotations

import email
import re
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from survey.models import AccountToken, User, utcnow
from tests.app.test_insights import answer_many, document
from tests.conftest import csrf_of, sign_in
from tests.pages import read, text_of

STRONG = "lantern orchard quietly"


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox(app):
    handler = _Inbox()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="cv@example.org")
    yield handler
    controller.stop()


@pytest.fixture
def riverside(make_site, make_survey, session):
    site = make_site(slug="riverside", name="Riverside", k_threshold=5)
    survey = make_survey(document("riverside-hopes"), site=site)
    answer_many(session, survey, [("en", "A private worry about my landlord", "north")] * 6)
    return site


def _link_in(message: email.message.Message) -> str:
    body = message.get_payload(decode=True).decode("utf-8")
    found = re.search(r"https?://\S+/password/[A-Za-z0-9_-]+", body)
    assert found, body
    return found.group(0).split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_an_invited_staff_member_sets_a_password_and_signs_in_once(
    app, inbox, riverside, signed_in, make_user
):
    admin = signed_in(make_user("admin"))
    sent = admin.post(
        "/admin/users/invite",
        data={
            "csrf_token": csrf_of(admin, "/admin/users"),
            "email": "Rosa@Example.org",
            "role": "staff",
            "site": "riverside",
        },
    )
    assert sent.status_code == 303
    assert "A link was sent to rosa@example.org." in text_of(admin.get("/admin/users").data)
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "rosa@example.org"
    assert message["Subject"] == "You are invited to Community Voice"
    link = _link_in(message)

    newcomer = app.test_client()
    assert sign_in(newcomer, "rosa@example.org", STRONG).status_code == 401  # no password yet
    page = newcomer.get(link)
    assert page.status_code == 200
    token = dict(read(page.data).hidden)["csrf_token"]
    weak = newcomer.post(link, data={"csrf_token": token, "password": "riverside2026"})
    assert weak.status_code == 422
    assert "guessed quickly" in text_of(weak.data)
    chosen = newcomer.post(link, data={"csrf_token": token, "password": STRONG})
    assert chosen.status_code == 303
    assert sign_in(newcomer, "rosa@example.org", STRONG).status_code == 303
    assert newcomer.get("/sites/riverside/insights").status_code == 200

    again = app.test_client().get(link)
    assert again.status_code == 410
    assert "expired or was already used" in text_of(again.data)

    log = text_of(admin.get("/admin/audit?site=riverside").data)
    assert "Account invited" in log
    assert "rosa@example.org staff" in log


def test_an_expired_invitation_link_fails(app, inbox, riverside, signed_in, make_user, session):
    admin = signed_in(make_user("admin"))
    admin.post(
        "/admin/users/invite",
        data={
            "csrf_token": csrf_of(admin, "/admin/users"),
            "email": "late@example.org",
            "role": "analyst",
            "site": "riverside",
        },
    )
    link = _link_in(inbox.messages[0])
    for token in session.exec(select(AccountToken)).all():
        token.expires_at = utcnow() - timedelta(minutes=1)
        session.add(token)
    session.commit()
    assert app.test_client().get(link).status_code == 410


def test_without_a_mail_server_the_admin_sees_the_link(app, riverside, signed_in, make_user):
    admin = signed_in(make_user("admin"))
    admin.post(
        "/admin/users/invite",
        data={
            "csrf_token": csrf_of(admin, "/admin/users"),
            "email": "nomail@example.org",
            "role": "staff",
            "site": "riverside",
        },
    )
    shown = text_of(admin.get("/admin/users").data)
    assert "No mail was sent. Give nomail@example.org this link yourself" in shown
    link = re.search(r"http://\S+/password/[A-Za-z0-9_-]+", shown).group(0)
    assert app.test_client().get(link.split("localhost", 1)[1]).status_code == 200


def test_the_command_line_invites_and_prints_the_link_without_mail(runner, riverside, session):
    result = runner.invoke(
        args=[
            "user",
            "invite",
            "--email",
            "cli@example.org",
            "--role",
            "staff",
            "--site",
            "riverside",
        ]
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"http://127\.0\.0\.1:5000/password/[A-Za-z0-9_-]{40,}", result.output)
    assert session.exec(select(User).where(User.email == "cli@example.org")).one()


def test_the_command_line_sends_the_invitation_by_mail(runner, inbox, riverside):
    result = runner.invoke(
        args=["user", "invite", "--email", "m@example.org", "--role", "admin", "--locale", "es"]
    )
    assert result.exit_code == 0, result.output
    assert "invitation sent to m@example.org" in result.output
    assert inbox.messages[0]["To"] == "m@example.org"
    assert "Community Voice" in inbox.messages[0]["Subject"]


def test_a_forgotten_password_is_reset_by_mail(app, inbox, make_user):
    user = make_user("staff")
    client = app.test_client()
    page = client.get("/password/forgot")
    token = dict(read(page.data).hidden)["csrf_token"]
    asked = client.post("/password/forgot", data={"csrf_token": token, "email": user.email})
    assert asked.status_code == 303
    unknown = client.post("/password/forgot", data={"csrf_token": token, "email": "x@example.org"})
    assert unknown.status_code == 303  # the same answer: nothing says which addresses exist
    assert len(inbox.messages) == 1
    link = _link_in(inbox.messages[0])
    form = dict(read(client.get(link).data).hidden)
    assert client.post(link, data={**form, "password": STRONG}).status_code == 303
    assert sign_in(app.test_client(), user.email, STRONG).status_code == 303


def test_a_deactivated_account_cannot_sign_in_and_its_sessions_end(
    app, riverside, signed_in, make_user
):
    admin = signed_in(make_user("admin"))
    member = make_user("staff", riverside)
    theirs = signed_in(member)
    assert theirs.get("/sites/riverside/insights").status_code == 200
    done = admin.post(
        f"/admin/users/{member.id}/active",
        data={"csrf_token": csrf_of(admin, "/admin/users"), "active": "0"},
    )
    assert done.status_code == 303
    assert theirs.get("/sites/riverside/insights").status_code == 302
    assert sign_in(app.test_client(), member.email).status_code == 401
    assert "Account deactivated" in text_of(admin.get("/admin/audit").data)


def test_sign_out_everywhere_ends_every_copy_of_every_session(riverside, signed_in, make_user):
    admin = signed_in(make_user("admin"))
    member = make_user("staff", riverside)
    phone, laptop = signed_in(member), signed_in(member)
    admin.post(
        f"/admin/users/{member.id}/sign-out", data={"csrf_token": csrf_of(admin, "/admin/users")}
    )
    assert phone.get("/sites/riverside/insights").status_code == 302
    assert laptop.get("/sites/riverside/insights").status_code == 302


def test_the_audit_log_records_exports_and_publishing_but_never_answers(
    riverside, signed_in, make_user
):
    staff_member = make_user("staff", riverside)
    client = signed_in(staff_member)
    assert client.get("/sites/riverside/insights/export/responses.csv").status_code == 200
    token = csrf_of(client, "/sites/riverside/surveys/riverside-hopes")
    closed = client.post(
        "/sites/riverside/surveys/riverside-hopes/status",
        data={"csrf_token": token, "status": "closed"},
    )
    assert closed.status_code == 303
    admin = signed_in(make_user("admin"))
    csv_text = admin.get("/admin/audit.csv?site=riverside").data.decode("utf-8-sig")
    assert "responses.export" in csv_text
    assert "survey.close" in csv_text
    assert staff_member.email in csv_text
    assert "landlord" not in csv_text
    page = text_of(admin.get("/admin/audit?site=riverside").data)
    assert "Answers exported" in page
    assert "Survey closed" in page
