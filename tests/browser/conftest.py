"""A real Chromium (Debian's) driving the app served on 127.0.0.1, as a phone would."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import IN_CI, ROOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _missing() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


@pytest.fixture(scope="session")
def playwright_browser() -> Iterator[Any]:
    reason = _missing()
    if reason:
        if IN_CI:
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield p, browser
        browser.close()


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Request threads are kept track of, so that a request still running when the test ends (a
    # service worker fetching the offline copy, say) finishes before the app's engine is disposed:
    # a connection it held would otherwise be left open and collected later, in another test.
    server.daemon_threads = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    requests = getattr(server, "_threads", None)  # a list once a request came, else a stand-in
    for request in list(requests) if isinstance(requests, list) else []:
        request.join(timeout=10)


#: how long a Send may take: the first answer a site stores compiles its codebook (about 10 s on a
#: busy 2-core machine), longer than Playwright's usual wait
FIRST_SEND_MS = 60_000

#: small or older phones residents carry, as Playwright's device profiles name them
PHONES = ("iPhone SE", "Galaxy S8", "Pixel 7")


@pytest.fixture
def phone(playwright_browser: Any) -> Any:
    """Open a new phone context: ``phone(javascript=False, locale="vi-VN", device="iPhone SE")``
    (a Pixel 7 unless told otherwise)."""
    p, browser = playwright_browser
    contexts = []

    def open_context(
        *, javascript: bool = True, locale: str = "en-US", device: str = "Pixel 7"
    ) -> Any:
        profile = dict(p.devices[device])
        profile.pop("default_browser_type", None)
        context = browser.new_context(**profile, java_script_enabled=javascript, locale=locale)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_context
    for context in contexts:
        context.close()


AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def axe_violations() -> Any:
    """``axe_violations(page)``: axe-core's WCAG A/AA violations on the page as it stands now.

    axe-core comes from ``npm install`` (package.json); the check is skipped when it is absent,
    except under ``CI=true``, where it must run.
    """
    if not AXE_SCRIPT.exists():
        reason = f"axe-core not found at {AXE_SCRIPT} (run `npm install`)"
        if IN_CI:
            pytest.fail(f"accessibility checks must run in CI: {reason}")
        pytest.skip(reason)

    def run(page: Any) -> list[dict[str, Any]]:
        # Evaluated rather than added as a <script>: the app's Content-Security-Policy (rightly)
        # blocks inline scripts, and an evaluated one is not the page's own.
        if page.evaluate("typeof axe") == "undefined":
            page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
        found: list[dict[str, Any]] = page.evaluate(
            """async () => (await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
            })).violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"""
        )
        return found

    return run
