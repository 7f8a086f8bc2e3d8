"""Theme shares weighted to the neighbourhood over 100,000 answers: how long the weighted summary
takes through the service the insights page and the API use, and through the API itself.

Run: ``python tests/bench/bench_weighting.py [--answers N] [--runs R]``. Generates a skewed sample
(too few young people and Somali speakers) in a temporary SQLite database (or ``DATABASE_URL``),
with the demo's reference shares for language at home and age, then prints p50 and p95. Asserts
nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_insights import generate  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from survey import create_app  # noqa: E402
from survey.migrate import upgrade  # noqa: E402
from survey.models import Answer, Response, Site, Survey  # noqa: E402
from survey.services import insights, weighting  # noqa: E402
from survey.services.demo import seed  # noqa: E402

#: who answered: far more English speakers, far fewer Somali speakers than live there
LANGUAGES = {"en": 50, "es": 20, "so": 4, "vi": 8, "zh": 7, "ar": 5, "hmn": 3, "ht": 3}


def add_home_language(session: Session, survey: Survey, count: int) -> None:
    rng = random.Random(11)
    codes, weights = zip(*LANGUAGES.items(), strict=True)
    ids = session.exec(
        select(Response.id).where(Response.survey_id == survey.id).order_by(col(Response.id))
    ).all()
    for start in range(0, len(ids), 5000):
        rows = [
            {
                "response_id": rid,
                "question_key": "home_language",
                "value": rng.choices(codes, weights)[0],
                "text": None,
                "lang": None,
                "sentiment": None,
                "reviewed": False,
            }
            for rid in ids[start : start + 5000]
        ]
        session.execute(insert(Answer), rows)
        session.commit()


def percentile(timings: list[float], share: float) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


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
            add_home_language(session, survey, args.answers)
            print(
                f"generated {args.answers:,} responses (open answer, age, language at home) "
                f"in {time.perf_counter() - started:.1f} s"
            )
            timings = []
            result = None
            for _ in range(args.runs + 1):
                t0 = time.perf_counter()
                summary = insights.summarise(
                    session=session,
                    site=site,
                    surveys=[survey],
                    locale="en",
                    quotes=False,
                    phrases=False,
                )
                result = weighting.weighted_summary(
                    session=session, site=site, surveys=[survey], summary=summary, locale="en"
                )
                timings.append((time.perf_counter() - t0) * 1000)
            timings = timings[1:]  # the first run warms the codebook and the cell counts
            assert result is not None
            assert result.weighted, result.too_few
            moved = max(abs(t.share - t.unweighted) for t in result.themes)
            print(
                f"summary + weighted summary (service), {args.answers:,} answers: "
                f"p50 {statistics.median(timings):.0f} ms, p95 {percentile(timings, 0.95):.0f} ms "
                f"over {args.runs} runs; effective n {result.effective_n:,.0f}, "
                f"design effect {result.design_effect:.2f}, largest share moved by weighting "
                f"{moved * 100:.1f} points, {result.capped} people at the cap"
            )
            alone = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                weighting.weighted_summary(
                    session=session, site=site, surveys=[survey], summary=summary, locale="en"
                )
                alone.append((time.perf_counter() - t0) * 1000)
            print(
                f"of which the weighting itself (cell counts kept): p50 {statistics.median(alone):.0f} ms, "
                f"p95 {percentile(alone, 0.95):.0f} ms"
            )
            cold = []
            for _ in range(max(3, args.runs // 3)):
                insights._REMEMBERED.clear()  # as right after new answers arrive
                t0 = time.perf_counter()
                weighting.weighted_summary(
                    session=session, site=site, surveys=[survey], summary=summary, locale="en"
                )
                cold.append((time.perf_counter() - t0) * 1000)
            print(
                f"weighted summary right after new answers (cells counted again): "
                f"p50 {statistics.median(cold):.0f} ms over {len(cold)} runs"
            )
        client = app.test_client()
        from tests.pages import read

        token = dict(read(client.get("/login").data).hidden)["csrf_token"]
        client.post(
            "/login",
            data={
                "csrf_token": token,
                "email": "analyst@riverside.example",
                "password": "riverside-demo-garden",
            },
        )
        for label, path in (
            ("JSON API, weighted=1", "/api/v1/sites/riverside/summary?survey=hopes&weighted=1"),
            ("insights page, weighted=1", "/sites/riverside/insights?survey=hopes&weighted=1"),
        ):
            client.get(path)
            timings = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, response.status_code
            print(
                f"{label}: p50 {statistics.median(timings):.0f} ms, "
                f"p95 {percentile(timings, 0.95):.0f} ms over {args.runs} runs"
            )
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        engine.dispose()


if __name__ == "__main__":
    main()
