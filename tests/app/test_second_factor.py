"""The second factor: enrolling with an app's real codes, signing in with a code, refusals that
say why, a site that requires it, an administrator's reset, turning it off."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlmodel import select

from survey.models import AuditEvent, User
from tests.conftest import PASSWORD, sign_in
from tests.pages import read, text_of


@pytest.fixture
def riverside(make_site, make_survey):
    site = make_site(slug="riverside", name="Riverside", k_threshold=5)
    make_survey(site=site)
    return site


_ADDRESSES = iter(range(1, 250))


def new_browser(app):
    """A browser of its own, from an address of its own (each address's sign-ins are counted)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.16.0.{next(_ADDRESSES)}"
    return client


def _last_step(session, user_id: int) -> int | None:
    session.expire_all()
    return session.exec(select(User.totp_last_step).where(User.id == user_id)).one()


def fresh_code(session, user_id: int, secret: str) -> str:
    """A code the app would show that has not been used yet (the step after the last used one,
    waiting for it when it is not yet within reach)."""
    last = _last_step(session, user_id)
    while True:
        current = int(time.time() // 30)
        step = current if last is None else max(current, last + 1)
        if step <= current + 1:
            return pyotp.TOTP(secret).at(step * 30)
        time.sleep(1)


def wrong_code(secret: str) -> str:
    now = time.time()
    right = {pyotp.TOTP(secret).at(now + offset * 30) for offset in (-2, -1, 0, 1, 2)}
    return next(c for c in ("123456", "654321", "000000", "999999") if c not in right)


def _post(client, url: str, data: dict[str, str], form_url: str | None = None):
    token = dict(read(client.get(form_url or url).data).hidden)["csrf_token"]
    return client.post(url, data={"csrf_token": token, **data})


def enrol(client, session, user) -> str:
    page = client.get("/account/second-factor")
    assert page.status_code == 200
    html = page.data.decode()
    assert re.search(r"<svg[^>]*viewBox=", html)
    session.expire_all()
    secret = session.get(User, user.id).totp_secret
    assert secret
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in html
    done = _post(client, "/account/second-factor", {"code": fresh_code(session, user.id, secret)})
    assert done.status_code == 303
    return secret


def password_step(client, email: str):
    answer = sign_in(client, email)
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/login/code")
    return answer


def test_a_member_enrols_then_signs_in_with_a_code(app, riverside, signed_in, make_user, session):
    member = make_user("staff", riverside)
    mine = signed_in(member)
    page = mine.get("/account/second-factor")
    assert 'autocomplete="one-time-code"' in page.data.decode()
    assert 'inputmode="numeric"' in page.data.decode()
    # A wrong first code leaves it off, and says so.
    session.expire_all()
    secret = session.get(User, member.id).totp_secret
    refused = _post(mine, "/account/second-factor", {"code": wrong_code(secret)})
    assert refused.status_code == 422
    assert "That code is not right" in text_of(refused.data)
    session.expire_all()
    assert session.get(User, member.id).totp_on is False

    assert enrol(mine, session, member) == secret
    session.expire_all()
    assert session.get(User, member.id).totp_on is True
    assert "On: signing in asks" in text_of(mine.get("/account/").data)

    browser = new_browser(app)
    password_step(browser, member.email)
    # The password alone is not a session: staff pages send it back to sign in.
    assert browser.get("/sites/riverside/insights").status_code == 302
    assert browser.get("/account/").status_code == 302
    done = _post(browser, "/login/code", {"code": fresh_code(session, member.id, secret)})
    assert done.status_code == 303
    assert browser.get("/sites/riverside/insights").status_code == 200


def test_a_wrong_code_and_a_reused_code_are_refused(app, riverside, signed_in, make_user, session):
    member = make_user("staff", riverside)
    secret = enrol(signed_in(member), session, member)
    browser = new_browser(app)
    password_step(browser, member.email)
    wrong = _post(browser, "/login/code", {"code": wrong_code(secret)})
    assert wrong.status_code == 401
    assert "That code is not right" in text_of(wrong.data)
    letters = _post(browser, "/login/code", {"code": "12ab56"})
    assert "Type the 6 digits" in text_of(letters.data)
    assert browser.get("/sites/riverside/insights").status_code == 302

    code = fresh_code(session, member.id, secret)
    assert _post(browser, "/login/code", {"code": code}).status_code == 303
    # Someone who saw that code (over a shoulder, a phishing page) cannot use it again.
    other = new_browser(app)
    password_step(other, member.email)
    again = _post(other, "/login/code", {"code": code})
    assert again.status_code == 401
    assert "already used" in text_of(again.data)
    assert other.get("/sites/riverside/insights").status_code == 302


def test_wrong_codes_count_toward_sign_in_throttling(app, riverside, signed_in, make_user, session):
    member = make_user("staff", riverside)
    secret = enrol(signed_in(member), session, member)
    browser = new_browser(app)
    password_step(browser, member.email)
    statuses = [
        _post(browser, "/login/code", {"code": wrong_code(secret)}).status_code for _ in range(6)
    ]
    assert statuses[-1] == 429
    assert set(statuses[:-1]) <= {401, 429}
    # Even the right code waits now: guessing is slowed, not just refused.
    slowed = _post(browser, "/login/code", {"code": fresh_code(session, member.id, secret)})
    assert slowed.status_code == 429
    assert "Too many tries" in text_of(slowed.data)


def test_a_site_that_requires_it_sends_members_to_enrol(
    app, riverside, signed_in, make_user, session
):
    admin = signed_in(make_user("admin"))
    member = make_user("analyst", riverside)
    theirs = signed_in(member)
    assert theirs.get("/sites/riverside/insights").status_code == 200
    done = _post(
        admin,
        "/admin/sites/riverside/second-factor",
        {"required": "1"},
        form_url="/admin/sites/riverside",
    )
    assert done.status_code == 303
    sent = theirs.get("/sites/riverside/insights")
    assert sent.status_code == 303
    assert sent.headers["Location"].startswith("/account/second-factor")
    assert theirs.get("/api/v1/sites/riverside/summary").status_code == 403
    page = theirs.get(sent.headers["Location"])
    assert "Riverside asks everyone who works on it" in text_of(page.data)
    secret = enrol(theirs, session, member)
    assert theirs.get("/sites/riverside/insights").status_code == 200
    # It cannot be turned off while the site requires it.
    assert "It stays on because a site you work on requires it" in text_of(
        theirs.get("/account/").data
    )
    refused = _post(
        theirs,
        "/account/second-factor/off",
        {"password": PASSWORD, "code": fresh_code(session, member.id, secret)},
        form_url="/account/",
    )
    assert refused.status_code == 422
    session.expire_all()
    assert session.get(User, member.id).totp_on is True
    audit = text_of(admin.get("/admin/audit").data)
    assert "Second factor required by site" in audit
    assert "Second factor turned on" in audit


def test_an_admin_resets_a_lost_second_factor(app, riverside, signed_in, make_user, session):
    admin = signed_in(make_user("admin"))
    member = make_user("staff", riverside)
    mine = signed_in(member)
    secret = enrol(mine, session, member)
    done = _post(
        admin, f"/admin/users/{member.id}/second-factor/reset", {}, form_url="/admin/users"
    )
    assert done.status_code == 303
    assert mine.get("/sites/riverside/insights").status_code == 302  # sessions ended
    session.expire_all()
    reset = session.get(User, member.id)
    assert reset.totp_on is False
    assert reset.totp_secret is None
    # The password alone signs in again, until they set up a new one.
    assert sign_in(new_browser(app), member.email).headers["Location"] == "/sites/"
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "second_factor.reset"))
    assert [e.target for e in events] == [member.email]
    # No audit entry, page or export carries the secret.
    for event in session.exec(select(AuditEvent)):
        assert secret not in event.target
    assert secret not in admin.get("/admin/audit.csv").data.decode("utf-8")


def test_the_owner_turns_it_off_with_password_and_code(
    app, riverside, signed_in, make_user, session
):
    member = make_user("staff", riverside)
    mine = signed_in(member)
    secret = enrol(mine, session, member)
    bad = _post(
        mine,
        "/account/second-factor/off",
        {"password": "not my password at all", "code": fresh_code(session, member.id, secret)},
        form_url="/account/",
    )
    assert bad.status_code == 422
    assert "That password is not right" in text_of(bad.data)
    off = _post(
        mine,
        "/account/second-factor/off",
        {"password": PASSWORD, "code": fresh_code(session, member.id, secret)},
        form_url="/account/",
    )
    assert off.status_code == 303
    assert sign_in(new_browser(app), member.email).headers["Location"] == "/sites/"
    assert session.exec(
        select(AuditEvent).where(AuditEvent.action == "second_factor.disable")
    ).first()
