"""Staff edit their site's codebook one theme at a time; every save is a new version."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session

from survey.document import N_, Problem
from survey.models import Site, SiteCodebook
from survey.services.errors import InvalidDocument
from survey.services.tagging import codebook_for, save_codebook


def _terms(raw: str) -> list[str]:
    """One keyword or phrase a line (commas also separate)."""
    return [term.strip() for term in re.split(r"[\n,،，]", raw or "") if term.strip()]


def save_theme(
    *,
    session: Session,
    site: Site,
    key: str,
    form: Mapping[str, str],
    locales: Sequence[str],
    is_new: bool,
) -> SiteCodebook:
    document: dict[str, Any] = codebook_for(session=session, site=site).to_dict()
    themes: list[dict[str, Any]] = document["themes"]
    if is_new:
        key = (form.get("key") or "").strip().lower()
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", key):
            raise InvalidDocument(
                [
                    Problem(
                        "codebook", N_("a theme key uses a-z, 0-9 and _ and starts with a letter")
                    )
                ]
            )
        if any(t["key"] == key for t in themes):
            raise InvalidDocument([Problem("codebook", N_("that theme key is taken"))])
        theme: dict[str, Any] = {
            "key": key,
            "label": {},
            "description": {},
            "keywords": {},
            "phrases": {},
            "examples": {},
        }
        themes.append(theme)
    else:
        found = next((t for t in themes if t["key"] == key), None)
        if found is None:
            raise InvalidDocument([Problem("codebook", N_("no such theme"))])
        theme = found
    for code in locales:
        for field in ("label", "description"):
            value = (form.get(f"{field}_{code}") or "").strip()
            if value:
                theme.setdefault(field, {})[code] = value
            else:
                theme.setdefault(field, {}).pop(code, None)
        for field in ("keywords", "phrases"):
            values = _terms(form.get(f"{field}_{code}", ""))
            if values:
                theme.setdefault(field, {})[code] = values
            else:
                theme.setdefault(field, {}).pop(code, None)
    if not theme.get("label", {}).get("en") and not any(theme.get("label", {}).values()):
        raise InvalidDocument([Problem("codebook", N_("a theme needs a label"))])
    theme["retired"] = form.get("retired") in ("y", "on", "1", "true")
    document["version"] = int(document.get("version", 1)) + 1
    return save_codebook(session=session, site=site, document=document)
