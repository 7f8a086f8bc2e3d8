"""The wheel carries the interface catalogs, compiled: ``translations/*/LC_MESSAGES/messages.po``
become ``survey/translations/…/messages.{po,mo}`` inside the package, so that ``pip install .``
then ``gunicorn wsgi:app`` speaks every language without a ``pybabel compile`` step.

Everything else about the package is declared in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def compile_catalogs(source: Path, target: Path) -> list[Path]:
    """Copy every ``messages.po`` under ``source`` to ``target`` with its compiled ``.mo``, and
    ``languages.json``."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        out = target / po_path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(po_path, out)
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        with out.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog)
        written += [out, out.with_suffix(".mo")]
    # the list of interface languages (codes, names, direction) travels with their catalogs
    listing = source / "languages.json"
    if listing.is_file():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(listing, target / listing.name)
        written.append(target / listing.name)
    return written


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        compile_catalogs(ROOT / "translations", Path(self.build_lib) / "survey" / "translations")


if __name__ == "__main__":
    setup(cmdclass={"build_py": BuildWithCatalogs})
