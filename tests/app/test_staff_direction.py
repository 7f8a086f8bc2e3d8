"""In the Arabic staff interface, what is written left to right stays so: signed numbers, paths,
file extensions; and "back" points the way Arabic readers go back (to the right)."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in


@pytest.fixture
def arabic_admin(app, session):
    from survey.services.demo import seed

    seed(session=session)
    session.commit()
    client = app.test_client()
    client.get("/login?ui=ar")
    assert sign_in(client, "admin@example.org", "riverside-demo-garden").status_code == 303
    return client


def test_signed_numbers_paths_and_extensions_read_left_to_right(arabic_admin):
    insights = arabic_admin.get("/sites/riverside/insights?survey=hopes").data.decode()
    assert 'dir="rtl"' in insights
    assert '<bdi dir="ltr">+0.' in insights or '<bdi dir="ltr">-0.' in insights
    surveys = arabic_admin.get("/sites/riverside/surveys/").data.decode()
    assert '<bdi dir="ltr">/s/hopes</bdi>' in surveys
    survey = arabic_admin.get("/sites/riverside/surveys/hopes").data.decode()
    assert "\u200e(.json)\u200e" in survey


def test_back_points_right_in_arabic_and_left_in_english(arabic_admin):
    share = arabic_admin.get("/sites/riverside/surveys/hopes/share").data.decode()
    assert "→ " in share
    assert "← " not in share
    english = arabic_admin.get("/sites/riverside/surveys/hopes/share?ui=en").data.decode()
    assert "← " in english
