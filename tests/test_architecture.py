"""The dependency rule of DESIGN.md, enforced: analysis/ and forms/ stand alone; services and
models never import Flask; views reach the database only through services."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imports_of(package: str) -> dict[Path, set[str]]:
    found: dict[Path, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[path] = names
    return found


def offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, names in imports_of(package).items()
        for name in sorted(names)
        if name.split(".")[0] in forbidden
        or name in forbidden
        or name.startswith(tuple(f"{f}." for f in forbidden))
    ]


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("analysis", ("flask", "survey", "forms", "flask_wtf")),
        ("forms", ("flask", "survey", "analysis", "flask_wtf")),
        ("survey/services", ("flask", "flask_wtf", "forms", "survey.web")),
        ("survey/formats", ("flask", "flask_wtf", "forms", "survey.web")),
    ],
)
def test_dependency_rule(package, forbidden):
    assert offenders(package, forbidden) == []


def test_models_never_import_flask():
    names = imports_of("survey")[ROOT / "survey" / "models.py"]
    assert not {n for n in names if n.split(".")[0] in ("flask", "flask_wtf")}


def test_views_do_not_query_the_database():
    for path, names in imports_of("survey/web").items():
        assert "sqlmodel" not in names, path
        assert "sqlalchemy.orm" not in names, path


def test_analysis_and_forms_import_without_flask():
    code = (
        "import sys, analysis, forms.response, forms.kinds\n"
        "assert 'flask' not in sys.modules, sorted(m for m in sys.modules if 'flask' in m)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_document_languages_and_services_import_without_flask():
    code = (
        "import sys, pkgutil, importlib, survey.document, survey.languages\n"
        "import survey.services, survey.formats\n"
        "for package in (survey.services, survey.formats):\n"
        "    for info in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "assert 'flask' not in sys.modules, sorted(m for m in sys.modules if 'flask' in m)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_blueprints_take_extensions_from_their_module():
    for path, names in imports_of("survey/web").items():
        source = path.read_text(encoding="utf-8")
        assert "from survey import csrf" not in source, path
        assert "survey.app" not in names, path
