"""The main staff pages meet the same bar as residents' pages: axe-core finds no WCAG A/AA
violation at 1280 px, in English and in Arabic (right to left)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

STAFF_PAGES = [
    "/sites/riverside/surveys/hopes",
    "/sites/riverside/insights?survey=hopes",
    "/sites/riverside/review",
    "/sites/riverside/loop",
    "/admin/users",
    "/admin/sites/riverside",
    "/admin/audit",
    "/account/",
    "/account/second-factor",
    "/sites/riverside/insights/flagged",
]


@pytest.mark.parametrize("ui", ["en", "ar"])
def test_main_staff_pages_have_no_accessibility_violations(
    ui, session, live_server, playwright_browser, axe_violations
):
    from survey.services.demo import seed

    seed(session=session)
    session.commit()
    _p, browser = playwright_browser
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/login?ui={ui}")
    page.locator("main input[name=email]").fill("admin@example.org")
    page.locator("main input[name=password]").fill("riverside-demo-garden")
    page.locator("main button[type=submit]").click()
    found = {}
    for path in STAFF_PAGES:
        page.goto(f"{live_server}{path}")
        assert page.locator("html").get_attribute("lang") == ui, path
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    context.close()
    assert found == {}
