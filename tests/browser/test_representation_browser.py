"""Who we heard from, in a real browser on the Riverside demo: the representativeness view, the
weighted themes toggle, a CSV upload with a mistake, and the outreach sheet printed."""

from __future__ import annotations

import re

import pytest

from survey.services.demo import seed

pytestmark = pytest.mark.browser


@pytest.fixture
def staff_page(session, live_server, playwright_browser):
    seed(session=session)
    session.commit()
    _p, browser = playwright_browser
    # bypass_csp: the accessibility checker is injected as an inline script.
    context = browser.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.locator("main").get_by_label("Email").fill("staff@riverside.example")
    page.locator("main").get_by_label("Password").fill("riverside-demo-garden")
    page.locator("main").get_by_role("button").click()
    yield page
    context.close()


def test_staff_see_who_was_heard_and_weight_the_themes(staff_page, live_server, axe_violations):
    page = staff_page
    page.goto(f"{live_server}/sites/riverside/insights?survey=hopes")
    page.get_by_role("link", name="Show theme shares weighted to the neighbourhood").click()
    table = page.locator("#weighted-themes")
    table.wait_for()
    housing = table.locator('tr[data-theme="housing"] td')
    unweighted, weighted = housing.nth(0).inner_text(), housing.nth(1).inner_text()
    assert unweighted.strip() == "36%"
    assert weighted.startswith("31%")
    assert "Effective sample size:" in page.locator("main").inner_text()

    page.locator("nav.site-nav").get_by_role("link", name="Who we heard from").click()
    page.get_by_label("Survey or round").select_option("hopes")
    page.get_by_role("button", name="Show").click()
    somali = page.locator('#q-home_language tr[data-group="so"]')
    assert "fewer than 10" in somali.inner_text()
    assert "heard too little" in somali.inner_text()
    assert page.locator("#q-age_group").get_by_text("Index by round").count() == 1
    assert axe_violations(page) == []

    with page.expect_navigation():
        page.get_by_role("link", name="Outreach targets (printable)").click()
    assert "Somali: about 10 more answers" in page.locator("main").inner_text()
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1


def test_a_csv_with_a_mistake_is_refused_then_accepted(staff_page, live_server, tmp_path):
    page = staff_page
    page.goto(f"{live_server}/sites/riverside/representation/references")
    bad = tmp_path / "bad.csv"
    bad.write_text("question,group,share\nchildren,yes,40%\nchildren,maybe,60%\n")
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Upload").click()
    assert (
        "Row 3: question “children” has no group “maybe”"
        in page.locator("ul.problems").inner_text()
    )
    good = tmp_path / "good.csv"
    good.write_text("question,group,share,source,year\nchildren,yes,40%,School census,2024\n"
                    "children,no,60%,,\n")  # fmt: skip
    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Upload").click()
    assert "Reference shares saved." in page.locator("main").inner_text()
    assert page.locator("#share-children-yes").input_value() == "0.4"
