"""Demo data for a newcomer's first ``make run``: idempotent, safe to run again.

Three sites; at Riverside the "hopes" survey in eight languages with two rounds of answers
written for the demo, tagged with themes, plus the partnership's outcome, map, commitments and a
few approved quotes, the neighbourhood's shares by language at home and age, and three demo
accounts (development only).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from survey.document import questions
from survey.models import (
    Answer,
    Channel,
    Commitment,
    CommitmentUpdate,
    QuoteApproval,
    Response,
    Role,
    Site,
    Stakeholder,
    Survey,
    SurveyStatus,
    utcnow,
)
from survey.services import accounts, insights, loop, representation, tagging
from survey.services.responses import add_answers
from survey.services.surveys import create_from_document, publish

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
SITES = (
    ("riverside", "Riverside Partnership"),
    ("northgate", "Northgate Together"),
    ("eastlake", "Eastlake Community Alliance"),
)
#: development only: printed by ``seed-demo``; never use these accounts in production
DEMO_PASSWORD = "riverside-demo-garden"
DEMO_USERS = (
    ("admin@example.org", "admin", None),
    ("staff@riverside.example", "staff", "riverside"),
    ("analyst@riverside.example", "analyst", "riverside"),
)
ALL_LOCALES = ["en", "es", "vi", "zh_Hans", "ar", "so", "ht", "hmn"]


def _load(name: str) -> dict[str, Any]:
    return json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def demo_document(name: str = "hopes") -> dict[str, Any]:
    return _load(f"{name}.json")


def seed(*, session: Session, answers: bool = True) -> dict[str, int]:
    """Create what is missing of the demo; never duplicates, never overwrites staff edits."""
    created = {"sites": 0, "surveys": 0, "responses": 0, "users": 0}
    sites: dict[str, Site] = {}
    for slug, name in SITES:
        site = session.exec(select(Site).where(Site.slug == slug)).first()
        if site is None:
            site = Site(slug=slug, name=name, locales=list(ALL_LOCALES))
            session.add(site)
            session.flush()
            created["sites"] += 1
        sites[slug] = site
    riverside = sites["riverside"]
    current, earlier = _rounds(session, riverside, created)
    if answers:
        rounds = _load("answers.json")["rounds"]
        for survey, key in ((earlier, "1"), (current, "2")):
            created["responses"] += _answers(session, riverside, survey, rounds[key])
        _loop(session, riverside, current)
    _references(session, riverside)
    created["users"] = _users(session, sites)
    session.flush()
    return created


def _rounds(session: Session, site: Site, created: dict[str, int]) -> tuple[Survey, Survey]:
    document = demo_document("hopes")
    surveys = {}
    for slug, age_days in (("hopes-2025", 420), ("hopes", 45)):
        survey = session.exec(select(Survey).where(Survey.slug == slug)).first()
        if survey is None:
            survey = create_from_document(
                session=session, site=site, document={**document, "slug": slug}
            )
            publish(session=session, survey=survey)
            survey.created_at = utcnow() - timedelta(days=age_days)
            created["surveys"] += 1
        surveys[slug] = survey
    earlier, current = surveys["hopes-2025"], surveys["hopes"]
    if created["surveys"]:
        earlier.status = SurveyStatus.closed
        current.status = SurveyStatus.open
        current.previous_round_id = earlier.id
        session.add_all([earlier, current])
        session.flush()
    return current, earlier


def _answers(session: Session, site: Site, survey: Survey, rows: list[dict[str, Any]]) -> int:
    if (
        session.exec(select(Response.id).where(Response.survey_id == survey.id).limit(1)).first()
        is not None
    ):
        return 0
    from survey.services.catalog import latest_version

    version = latest_version(session=session, survey=survey)
    assert version is not None
    kinds = {q["key"]: q["kind"] for q in questions(version.definition)}
    stored: list[Answer] = []
    locales: dict[int, str] = {}
    now = utcnow()
    for number, row in enumerate(rows):
        response = Response(
            site_id=site.id,  # type: ignore[arg-type]
            survey_id=survey.id,  # type: ignore[arg-type]
            version_id=version.id,  # type: ignore[arg-type]
            locale=row["locale"],
            channel=Channel(row.get("channel", "web")),
            token=f"demo-{survey.slug}-{number}",
            submitted_at=now - timedelta(days=int(row.get("days_ago", 0)), minutes=number * 7),
        )
        session.add(response)
        session.flush()
        locales[response.id or 0] = response.locale
        stored += add_answers(
            session=session, response=response, answers=row["answers"], kinds=kinds
        )
    session.flush()
    tagging.tag_answers(session=session, site=site, survey=survey, answers=stored, locales=locales)
    return len(rows)


def _loop(session: Session, site: Site, current: Survey) -> None:
    content = _load("loop.json")
    if not site.outcome:
        site.outcome = dict(content["outcome"])
        site.next_round_opens = (
            utcnow() + timedelta(days=int(content["next_round_in_days"]))
        ).date()
        site.locales = list(ALL_LOCALES)
        session.add(site)
    if (
        session.exec(select(Stakeholder.id).where(Stakeholder.site_id == site.id).limit(1)).first()
        is None
    ):
        for item in content["stakeholders"]:
            loop.save_stakeholder(
                session=session, site=site, data=loop.StakeholderInput(**item), user=None
            )
    if (
        session.exec(select(Commitment.id).where(Commitment.site_id == site.id).limit(1)).first()
        is None
    ):
        for item in content["commitments"]:
            commitment = Commitment(
                site_id=site.id,  # type: ignore[arg-type]
                text=dict(item["text"]),
                target={k: v for k, v in item["target"].items() if v},
                partners=item["partners"],
                themes=list(item["themes"]),
                due=(utcnow() + timedelta(days=int(item["due_in_days"]))).date(),
                status=item["status"],
            )
            session.add(commitment)
            session.flush()
            for update in item["updates"]:
                session.add(
                    CommitmentUpdate(
                        commitment_id=commitment.id,  # type: ignore[arg-type]
                        text=dict(update["text"]),
                        on=(utcnow() - timedelta(days=int(update["days_ago"]))).date(),
                    )
                )
    if (
        session.exec(
            select(QuoteApproval.id).where(QuoteApproval.site_id == site.id).limit(1)
        ).first()
        is None
    ):
        summary = insights.summarise(
            session=session, site=site, surveys=[current], locale="en", phrases=False
        )
        for key, quotes in list(summary.quotes.items())[:3]:
            for quote in quotes[:1]:
                # Approve exactly what the approval page would show staff.
                _answer, shown = loop.quote_preview(
                    session=session, site=site, answer_id=int(quote.answer_id)
                )
                loop.approve_quote(
                    session=session,
                    site=site,
                    answer_id=int(quote.answer_id),
                    theme=key,
                    user=None,
                    shown_text=shown,
                )
    session.flush()


def _references(session: Session, site: Site) -> None:
    """Who lives around Riverside, by language at home and age, to compare respondents with."""
    if representation.references_of(session=session, site=site):
        return
    content = _load("references.json")
    for key, shares in content["questions"].items():
        representation.save_reference(
            session=session,
            site=site,
            question_key=key,
            shares={code: str(share) for code, share in shares.items()},
            source=content["source"],
            year=str(content["year"]),
            note=content["notes"].get(key, {}),
        )


def _users(session: Session, sites: dict[str, Site]) -> int:
    made = 0
    for email, role, site_slug in DEMO_USERS:
        if accounts.user_by_email(session=session, email=email) is not None:
            continue
        user = accounts.create_user(
            session=session, email=email, password=DEMO_PASSWORD, is_admin=role == "admin"
        )
        if site_slug is not None:
            accounts.grant(session=session, user=user, site=sites[site_slug], role=Role(role))
        made += 1
    return made
