"""A site summary over 100,000 answers: how long the insights page takes to render.

Run: ``python tests/bench/bench_insights.py [--answers N] [--runs R]``. Generates answers in a
temporary SQLite database (or ``DATABASE_URL``), then times the page through the test client.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from analysis.codebook import load_default  # noqa: E402
from survey import create_app  # noqa: E402
from survey.migrate import upgrade  # noqa: E402
from survey.models import Answer, AnswerTag, Response, Site, Survey  # noqa: E402
from survey.services.catalog import latest_version  # noqa: E402
from survey.services.demo import seed  # noqa: E402

THEMES = list(load_default().keys)
PHRASES = [
    "cheaper rent",
    "more buses at night",
    "a safe park for kids",
    "good jobs nearby",
    "cleaner streets",
    "after school programs",
    "a health clinic close by",
    "street lights",
]
GROUPS = ["18_24", "25_34", "35_44", "45_54", "55_64", "65_plus", "prefer_not_to_say"]


def generate(session: Session, survey: Survey, site: Site, count: int) -> None:
    version = latest_version(session=session, survey=survey)
    assert version is not None
    rng = random.Random(7)
    start = datetime.now(UTC) - timedelta(days=30)
    batch = 5000
    next_response = (
        session.exec(select(Response.id).order_by(Response.id.desc())).first() or 0
    ) + 1  # type: ignore[union-attr]
    next_answer = (session.exec(select(Answer.id).order_by(Answer.id.desc())).first() or 0) + 1  # type: ignore[union-attr]
    for offset in range(0, count, batch):
        responses, answers, tags = [], [], []
        for i in range(offset, min(count, offset + batch)):
            rid, aid = next_response + i, next_answer + 2 * i
            responses.append(
                {
                    "id": rid,
                    "site_id": site.id,
                    "survey_id": survey.id,
                    "version_id": version.id,
                    "open_text": True,
                    "locale": rng.choice(["en", "es", "vi", "zh_Hans", "ar", "so", "ht", "hmn"]),
                    "channel": rng.choice(["web", "web", "paper"]),
                    "token": f"bench-{rid}",
                    "submitted_at": start + timedelta(seconds=i),
                }
            )
            text = f"I hope for {rng.choice(PHRASES)} and {rng.choice(PHRASES)} ({i})"
            answers.append(
                {
                    "id": aid,
                    "response_id": rid,
                    "question_key": "hopes",
                    "value": text,
                    "text": text,
                    "lang": "en",
                    "sentiment": rng.uniform(-1, 1),
                    "reviewed": False,
                }
            )
            answers.append(
                {
                    "id": aid + 1,
                    "response_id": rid,
                    "question_key": "age_group",
                    "value": rng.choice(GROUPS),
                    "text": None,
                    "lang": None,
                    "sentiment": None,
                    "reviewed": False,
                }
            )
            for theme in rng.sample(THEMES, rng.choice([0, 1, 1, 2, 3])):
                tags.append(
                    {
                        "answer_id": aid,
                        "response_id": rid,
                        "survey_id": survey.id,
                        "site_id": site.id,
                        "theme_key": theme,
                        "score": 0.8,
                        "source": "codebook",
                        "status": "auto",
                        "effective": True,
                        "sentiment": answers[-2]["sentiment"],
                        "created_at": start,
                    }
                )
        session.execute(insert(Response), responses)
        session.execute(insert(Answer), answers)
        if tags:
            session.execute(insert(AnswerTag), tags)
        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(name) / 'bench.db'}"
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": name, "SECRET_KEY": "bench"})
        engine = app.extensions["cv_engine"]
        upgrade(engine)
        with Session(engine) as session:
            seed(session=session, answers=False)
            session.commit()
            site = session.exec(select(Site).where(Site.slug == "riverside")).one()
            survey = session.exec(select(Survey).where(Survey.slug == "hopes")).one()
            started = time.perf_counter()
            generate(session, survey, site, args.answers)
            print(
                f"generated {args.answers:,} responses with open answers in {time.perf_counter() - started:.1f} s"
            )
        client = app.test_client()
        page = client.get("/login")
        from tests.pages import read

        token = dict(read(page.data).hidden)["csrf_token"]
        client.post(
            "/login",
            data={
                "csrf_token": token,
                "email": "analyst@riverside.example",
                "password": "riverside-demo-garden",
            },
        )
        for label, url_path in (
            (
                "site summary page (themes, quotes, phrases, change)",
                "/sites/riverside/insights?survey=hopes",
            ),
            (
                "summary + breakdown by age group",
                "/sites/riverside/insights?survey=hopes&by=age_group",
            ),
            ("JSON API summary", "/api/v1/sites/riverside/summary?survey=hopes"),
        ):
            client.get(url_path)  # warm caches (codebook, analyzers)
            timings = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                response = client.get(url_path)
                timings.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, response.status_code
            timings.sort()
            print(
                f"{label}: p50 {statistics.median(timings):.0f} ms, max {timings[-1]:.0f} ms over {args.runs} runs"
            )
        from survey.services import insights

        timings = []
        for _ in range(max(3, args.runs // 3)):
            insights._REMEMBERED.clear()  # as after new answers arrive
            t0 = time.perf_counter()
            client.get("/sites/riverside/insights?survey=hopes")
            timings.append((time.perf_counter() - t0) * 1000)
        timings.sort()
        print(
            f"site summary page right after new answers (quotes and phrases recomputed): "
            f"p50 {statistics.median(timings):.0f} ms"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
