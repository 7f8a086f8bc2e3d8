"""Printed materials as a phone camera meets them: the poster's and the paper survey's QR codes,
printed to PDF by Chromium, turned into images and read by a real decoder (zbarimg)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI

pytestmark = pytest.mark.browser

CM = 96 / 2.54  # CSS pixels in a centimetre


def _tools() -> None:
    missing = [tool for tool in ("pdftoppm", "zbarimg") if shutil.which(tool) is None]
    if missing:
        reason = f"{', '.join(missing)} not installed (apt-get install poppler-utils zbar-tools)"
        if IN_CI:
            pytest.fail(f"QR decoding must run in CI: {reason}")
        pytest.skip(reason)


def _decoded(pdf: bytes, folder: Path) -> list[str]:
    """Every QR code zbarimg finds on the PDF's pages, as text."""
    source = folder / "printed.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(source), str(folder / "page")], check=True)
    found: list[str] = []
    for image in sorted(folder.glob("page*.png")):
        result = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
            capture_output=True,
            text=True,
            check=False,
        )
        found.extend(line for line in result.stdout.splitlines() if line)
    return found


@pytest.fixture
def staff_page(session, live_server, playwright_browser):
    from survey.services.demo import seed

    seed(session=session)
    session.commit()
    _p, browser = playwright_browser
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.locator("main").get_by_label("Email").fill("staff@riverside.example")
    page.locator("main").get_by_label("Password").fill("riverside-demo-garden")
    page.locator("main").get_by_role("button").click()
    yield page
    context.close()


#: printable width of each paper size in CSS pixels (page width less the 1.5 cm margins)
PRINTABLE = {"a4": round((21.0 - 3) * CM), "letter": round((21.59 - 3) * CM)}


def _qr_box(page, paper: str) -> dict[str, float]:
    """Where the QR code's modules are drawn when printed (not the box around them)."""
    page.set_viewport_size({"width": PRINTABLE[paper], "height": 1000})
    page.emulate_media(media="print")
    box = page.locator(".qr svg path").first.bounding_box()
    page.emulate_media(media="screen")
    assert box is not None
    return box


@pytest.mark.parametrize("lang", ["en", "es", "ar", "vi"])
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_poster_qr_code_scans_to_the_survey_in_its_language(
    staff_page, live_server, tmp_path, lang, paper
):
    _tools()
    page = staff_page
    page.goto(f"{live_server}/sites/riverside/surveys/hopes/poster?lang={lang}&paper={paper}")
    box = _qr_box(page, paper)
    assert box["width"] >= 8 * CM, f"QR is {box['width'] / CM:.1f} cm wide"
    width = page.evaluate("document.documentElement.clientWidth")
    left, right = box["x"], width - box["x"] - box["width"]
    assert abs(left - right) < 0.5 * CM, "QR code is not centred"
    pdf = page.pdf(format="Letter" if paper == "letter" else "A4", print_background=True)
    assert _decoded(pdf, tmp_path) == [f"{live_server}/s/hopes?lang={lang}"]


@pytest.mark.parametrize("lang", ["en", "es", "ar"])
def test_the_paper_survey_qr_code_scans_to_the_survey_in_its_language(
    staff_page, live_server, tmp_path, lang
):
    _tools()
    page = staff_page
    page.goto(f"{live_server}/sites/riverside/surveys/hopes/paper?lang={lang}")
    box = _qr_box(page, "a4")
    assert box["width"] >= 3 * CM, f"QR is {box['width'] / CM:.1f} cm wide"
    pdf = page.pdf(format="A4", print_background=True)
    assert _decoded(pdf, tmp_path)[:1] == [f"{live_server}/s/hopes?lang={lang}"]
