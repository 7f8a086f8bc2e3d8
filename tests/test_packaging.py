"""The wheel speaks every language: the build compiles the catalogs into the package (setup.py),
and ``wsgi`` is installed as a module, so ``pip install .`` then ``gunicorn wsgi:app`` works
outside the checkout."""

from __future__ import annotations

import runpy
import tomllib
from pathlib import Path

from babel.support import Translations

from survey.languages import LOCALE_CODES

ROOT = Path(__file__).resolve().parent.parent


def test_the_build_puts_compiled_catalogs_for_every_language_into_the_package(tmp_path):
    build = runpy.run_path(str(ROOT / "setup.py"))
    assert build["BuildWithCatalogs"].__name__ == "BuildWithCatalogs"
    build["compile_catalogs"](ROOT / "translations", tmp_path / "survey" / "translations")
    packaged = tmp_path / "survey" / "translations"
    for code in LOCALE_CODES:
        if code == "en":
            continue
        assert (packaged / code / "LC_MESSAGES" / "messages.mo").is_file(), code
    assert (packaged / "languages.json").read_bytes() == (
        ROOT / "translations" / "languages.json"
    ).read_bytes()
    vietnamese = Translations.load(str(packaged), ["vi"])
    assert vietnamese.gettext("Sign in") not in ("", "Sign in")


def test_the_wheel_installs_the_wsgi_module_and_builds_with_babel():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "wsgi" in project["tool"]["setuptools"]["py-modules"]
    assert any(r.startswith("babel") for r in project["build-system"]["requires"])
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8")
    assert "recursive-include translations *.po" in manifest
    assert "include translations/languages.json" in manifest


SERVE_FROM_WHEEL = """
import sys
import survey
from survey import create_app
from survey.migrate import upgrade
from survey.services.demo import seed
from sqlmodel import Session
assert survey.__file__.startswith(sys.argv[1]), survey.__file__
app = create_app()
engine = app.extensions["cv_engine"]
upgrade(engine)
with Session(engine) as session:
    seed(session=session, answers=False)
    session.commit()
page = app.test_client().get("/s/hopes?lang=vi")
print(page.status_code)
print(page.get_data(as_text=True))
"""


def test_the_built_wheel_serves_residents_in_vietnamese_outside_the_checkout(tmp_path):
    """What `pip install .` puts in site-packages, run in production from another folder."""
    import shutil
    import subprocess
    import sys
    import zipfile

    # built from a copy, so that nothing a previous build left in the checkout gets in
    source = tmp_path / "source"
    skip = (
        ".git",
        ".venv",
        "build",
        "node_modules",
        "instance",
        "*.egg-info",
        "__pycache__",
        "*.mo",
    )
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*skip))
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)],
        check=True,
        timeout=600,
        capture_output=True,
    )
    site = tmp_path / "site"
    with zipfile.ZipFile(next(dist.glob("community_voice-*.whl"))) as wheel:
        wheel.extractall(site)
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(site),
        "APP_ENV": "production",
        "SECRET_KEY": "a-production-secret-for-the-wheel-test-0123456789",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cv.db'}",
    }
    served = subprocess.run(
        [sys.executable, "-c", SERVE_FROM_WHEEL, str(site)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert served.returncode == 0, served.stderr[-2000:]
    status, _, html = served.stdout.partition("\n")
    assert status == "200"
    assert '<html lang="vi"' in html
    assert ">Tiếp<" in html or ">Tiếp theo<" in html
