"""Demo data for a newcomer's first ``make run``: idempotent, safe to run again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from survey.models import Site, Survey, SurveyStatus
from survey.services.surveys import create_from_document, publish

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
SITES = (
    ("riverside", "Riverside Partnership"),
    ("northgate", "Northgate Together"),
    ("eastlake", "Eastlake Community Alliance"),
)


def demo_document(name: str = "hopes") -> dict[str, Any]:
    return json.loads((DEMO_DIR / f"{name}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def seed(*, session: Session) -> dict[str, int]:
    """Create what is missing of the demo; never duplicates, never overwrites staff edits."""
    created = {"sites": 0, "surveys": 0}
    sites: dict[str, Site] = {}
    for slug, name in SITES:
        site = session.exec(select(Site).where(Site.slug == slug)).first()
        if site is None:
            site = Site(slug=slug, name=name)
            session.add(site)
            session.flush()
            created["sites"] += 1
        sites[slug] = site
    document = demo_document("hopes")
    if session.exec(select(Survey).where(Survey.slug == document["slug"])).first() is None:
        survey = create_from_document(session=session, site=sites["riverside"], document=document)
        publish(session=session, survey=survey)
        survey.status = SurveyStatus.open
        created["surveys"] += 1
    session.flush()
    return created
