"""A resident's Send while the queue tags 100,000 answers again.

Serves the app with gunicorn (gthread, 2 workers × 4 threads) on 127.0.0.1 with ``REDIS_URL``
set, starts two ``flask worker`` processes, stores 100,000 already tagged answers, starts
"tag all answers again" for the site, and meanwhile sends the demo survey again and again (GET the
first page, POST the whole survey), timing each Send. Prints the Send's p50/p95 during the
re-tag, and how long the re-tag took.

Run: ``REDIS_URL=redis://127.0.0.1:6379/15 python tests/bench/bench_queue.py [--answers 100000]``.
Uses its own queue name and removes it afterwards. ``DATABASE_URL`` picks the database (SQLite in
a temporary folder by default; a PostgreSQL database given here is emptied first).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_throughput import FLASK, SEND_FIELDS, prepare, serve, stop  # noqa: E402

TEXTS = (
    "We need cheaper rent and safer streets",
    "More buses at night and a clinic nearby",
    "Parks for the kids and jobs for young people",
    "Queremos un parque limpio y trabajo para todos",
)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def store_answers(env: dict[str, str], count: int) -> int:
    """``count`` tagged open answers of the demo survey, inserted in bulk; the site's id."""
    from sqlalchemy import insert
    from sqlmodel import Session, select

    from survey import create_app
    from survey.models import Answer, Response, Survey, SurveyVersion, utcnow

    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "INSTANCE_PATH": env["INSTANCE_PATH"]})
    engine = app.extensions["cv_engine"]
    with Session(engine) as session:
        survey = session.exec(select(Survey).where(Survey.slug == "hopes")).one()
        version = session.exec(
            select(SurveyVersion).where(SurveyVersion.survey_id == survey.id)
        ).first()
        assert version is not None
        now = utcnow()
        prefix = uuid.uuid4().hex[:8]
        for start in range(0, count, 5000):
            size = min(5000, count - start)
            rows = [
                {
                    "site_id": survey.site_id,
                    "survey_id": survey.id,
                    "version_id": version.id,
                    "locale": "en",
                    "channel": "web",
                    "token": f"bench-{prefix}-{start + i}",
                    "submitted_at": now,
                    "open_text": True,
                }
                for i in range(size)
            ]
            ids = session.connection().execute(insert(Response).returning(Response.id), rows)
            answers = [
                {
                    "response_id": response_id,
                    "question_key": "hopes",
                    "value": TEXTS[n % len(TEXTS)],
                    "text": TEXTS[n % len(TEXTS)],
                    "reviewed": False,
                    "tagged_at": now,
                }
                for n, response_id in enumerate(ids.scalars())
            ]
            session.connection().execute(insert(Answer), answers)
        session.commit()
        site_id = survey.site_id
    engine.dispose()
    return site_id


def start_retag(env: dict[str, str], site_id: int) -> int:
    from survey import create_app, db, queue
    from survey.models import Site
    from survey.services import jobs

    app = create_app(
        {
            "DATABASE_URL": env["DATABASE_URL"],
            "INSTANCE_PATH": env["INSTANCE_PATH"],
            "REDIS_URL": env["REDIS_URL"],
            "JOBS_QUEUE": env["JOBS_QUEUE"],
        }
    )
    with app.app_context(), db.session_scope(db.engine()) as session:
        site = session.get(Site, site_id)
        job = jobs.create(session=session, site=site, kind="retag", params={})
        job_id = job.id
    with app.app_context():
        queue.enqueue("retag", job_id=job_id)
    return int(job_id or 0)


def job_state(env: dict[str, str], job_id: int) -> tuple[str, int, int]:
    from sqlmodel import Session

    from survey.db import make_engine
    from survey.models import Job

    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as session:
        job = session.get(Job, job_id)
        assert job is not None
        state = (str(job.status), job.done, job.total or 0)
    engine.dispose()
    return state


def untagged(env: dict[str, str]) -> int:
    from sqlalchemy import func
    from sqlmodel import Session, col, select

    from survey.db import make_engine
    from survey.models import Answer

    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as session:
        count = session.exec(
            select(func.count(col(Answer.id))).where(
                col(Answer.text).is_not(None), col(Answer.tagged_at).is_(None)
            )
        ).one()
    engine.dispose()
    return int(count)


def send_once(base: str, opener: urllib.request.OpenerDirector) -> float:
    page = urllib.request.urlopen(base + "/s/hopes", timeout=30).read().decode()
    key = re.search(r'name="csrf_token" value="([^"]+)"', page)
    token = re.search(r'name="token"[^>]*value="([^"]+)"', page)
    assert key
    assert token
    body = f"csrf_token={key.group(1)}&token={token.group(1)}&{SEND_FIELDS}".encode()
    start = time.perf_counter()
    try:
        opener.open(urllib.request.Request(base + "/s/hopes", data=body), timeout=30)
    except urllib.error.HTTPError as error:
        if error.code != 303:
            raise
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=600, help="seconds to wait for the re-tag")
    options = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        print("skipped: set REDIS_URL (e.g. redis://127.0.0.1:6379/15) to measure the queue")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        env = prepare(Path(folder))
        env["JOBS_QUEUE"] = f"bench-{uuid.uuid4().hex[:8]}"
        site_id = store_answers(env, options.answers)
        workers = [
            subprocess.Popen(
                [str(FLASK), "--app", "wsgi", "worker"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(2)
        ]
        app, base = serve("wsgi:app", ROOT, env)
        opener = urllib.request.build_opener(NoRedirect)
        try:
            quiet = [send_once(base, opener) for _ in range(50)]
            ready = time.monotonic()
            while untagged(env) and time.monotonic() - ready < options.limit:
                time.sleep(0.5)  # the workers are loading the tagger's models
            job_id = start_retag(env, site_id)
            started = time.monotonic()
            during: list[float] = []
            state = job_state(env, job_id)
            while state[0] in ("queued", "running") and time.monotonic() - started < options.limit:
                during.append(send_once(base, opener))
                if len(during) % 50 == 0:
                    state = job_state(env, job_id)
            state = job_state(env, job_id)
            took = time.monotonic() - started
        finally:
            stop(app)
            for worker in workers:
                stop(worker)  # type: ignore[arg-type]
            from redis import Redis
            from rq import Queue

            Queue(env["JOBS_QUEUE"], connection=Redis.from_url(env["REDIS_URL"])).delete(
                delete_jobs=True
            )

        def p(values: list[float], q: float) -> float:
            return sorted(values)[min(len(values) - 1, int(len(values) * q))]

        print(f"database: {env['DATABASE_URL'].split(':')[0]}; two `flask worker` processes")
        print(
            f"Send alone:            p50 {statistics.median(quiet):6.1f} ms, p95 {p(quiet, 0.95):6.1f} ms"
        )
        if during:
            print(
                f"Send during re-tag:    p50 {statistics.median(during):6.1f} ms, "
                f"p95 {p(during, 0.95):6.1f} ms ({len(during)} sends)"
            )
        print(
            f"re-tag of {options.answers:,} answers: {state[0]}, {state[1]:,} of {state[2]:,} "
            f"in {took:.0f} s ({state[1] / max(took, 1e-9):,.0f} answers/s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
