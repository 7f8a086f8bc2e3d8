"""Tagging after the Send, on a real queue: RQ workers in their own processes against the real
Redis (``REDIS_URL``, else db 15 on 127.0.0.1), and the background thread used without Redis.

Each test uses its own queue name and removes its queue afterwards; nothing else in Redis is
touched. Without a Redis server the Redis tests skip, except under ``CI=true``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from survey.models import Answer, AnswerTag, Channel, Job, JobStatus, Response, Site
from survey.services import responses, tagging
from survey.services.catalog import latest_version
from tests.conftest import IN_CI, sign_in
from tests.pages import read, submit

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
TEXT = "We need cheaper rent and safer streets"


def _redis_or_skip() -> Any:
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisDown:
        if IN_CI:
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    return connection


@pytest.fixture
def queue_name() -> Any:
    connection = _redis_or_skip()
    name = f"test-{uuid.uuid4().hex[:10]}"
    yield name
    from rq import Queue

    Queue(name, connection=connection).delete(delete_jobs=True)
    for key in connection.scan_iter(f"cv:waiting:{name}:*"):
        connection.delete(key)


@pytest.fixture
def queued_app(database_url: str, tmp_path: Path, queue_name: str) -> Any:
    from survey import create_app

    settings = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "REDIS_URL": REDIS_URL,
        "JOBS_QUEUE": queue_name,
    }
    app = create_app(settings)
    app.config["worker_env"] = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": settings["INSTANCE_PATH"],
        "SECRET_KEY": "test-secret",
        "REDIS_URL": REDIS_URL,
        "JOBS_QUEUE": queue_name,
    }
    yield app
    app.extensions["cv_engine"].dispose()


def _worker(app: Any, *args: str, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", *args],
        cwd=ROOT,
        env={**app.config["worker_env"], **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _finished(worker: subprocess.Popen[bytes], timeout: float = 180) -> int:
    """Wait for a worker; its error output is shown when it failed."""
    _out, errors = worker.communicate(timeout=timeout)
    if worker.returncode not in (0, -signal.SIGKILL):
        print(errors.decode("utf-8", "replace"))
    return worker.returncode


def _store_untagged(session: Session, survey: Any, count: int) -> None:
    version = latest_version(session=session, survey=survey)
    for number in range(count):
        responses.submit(
            session=session,
            survey=survey,
            version=version,
            answers={"hopes": TEXT},
            locale="en",
            channel=Channel.web,
            token=f"bulk-{number:08d}-{uuid.uuid4().hex[:8]}",
        )
    session.commit()


def _counts(engine: Any) -> dict[str, int]:
    with Session(engine) as session:
        untagged = session.exec(
            select(func.count(col(Answer.id))).where(
                col(Answer.text).is_not(None), col(Answer.tagged_at).is_(None)
            )
        ).one()
        tagged = session.exec(
            select(func.count(col(Answer.id))).where(col(Answer.tagged_at).is_not(None))
        ).one()
        doubled = session.exec(
            select(AnswerTag.answer_id, AnswerTag.theme_key)
            .where(AnswerTag.status == "auto")
            .group_by(col(AnswerTag.answer_id), col(AnswerTag.theme_key))
            .having(func.count(col(AnswerTag.id)) > 1)
        ).all()
        housing = session.exec(
            select(func.count(col(AnswerTag.id))).where(AnswerTag.theme_key == "housing")
        ).one()
    return {"untagged": untagged, "tagged": tagged, "doubled": len(doubled), "housing": housing}


def _staff(app: Any, user: Any) -> Any:
    """A staff member signed in to ``app`` (the one whose jobs go to the queue)."""
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 303
    return client


def _send(client: Any, slug: str) -> Any:
    url = f"/s/{slug}"
    page_two = submit(client, url, client.get(url).data, {"q_hopes": TEXT, "q_kids": "no"})
    return submit(client, url, page_two.data, {"q_age": "40"}, "send")


def test_an_answer_sent_while_no_worker_runs_is_tagged_once_one_starts(
    queued_app, make_survey, make_user
):
    survey = make_survey()
    sent = _send(queued_app.test_client(), survey.slug)
    assert sent.status_code == 303
    engine = queued_app.extensions["cv_engine"]
    assert _counts(engine)["untagged"] == 1  # stored at once; the Send did not wait for themes

    with Session(engine) as session:
        site = session.get(Site, survey.site_id)
    staff = _staff(queued_app, make_user("analyst", site))
    page = staff.get(f"/sites/{site.slug}/insights").data.decode()
    assert "1 answer is still being read" in page

    worker = _worker(queued_app, "--burst")
    assert _finished(worker) == 0
    counts = _counts(engine)
    assert counts["untagged"] == 0
    assert counts["housing"] == 1
    page = staff.get(f"/sites/{site.slug}/insights").data.decode()
    assert "still being read" not in page


def test_a_worker_killed_mid_job_loses_no_tag_and_tags_nothing_twice(
    queued_app, make_survey, session
):
    survey = make_survey()
    _store_untagged(session, survey, 3000)
    engine = queued_app.extensions["cv_engine"]
    worker = _worker(queued_app, TAG_BATCH="25")
    deadline = time.monotonic() + 120
    try:
        while _counts(engine)["tagged"] == 0:
            assert time.monotonic() < deadline, "the worker never started tagging"
            assert worker.poll() is None
            time.sleep(0.02)
    finally:
        worker.send_signal(signal.SIGKILL)
        _finished(worker)
    killed = _counts(engine)
    assert 0 < killed["tagged"] < 3000, killed  # it did die in the middle
    assert killed["doubled"] == 0
    assert killed["housing"] == killed["tagged"]  # what was committed was tagged in full

    # Two workers start (the next deploy, say): they find the rest, and share it without overlap.
    first = _worker(queued_app, "--burst", TAG_BATCH="25")
    second = _worker(queued_app, "--burst", TAG_BATCH="25")
    assert _finished(first) == 0
    assert _finished(second) == 0
    recovered = _counts(engine)
    assert recovered == {"untagged": 0, "tagged": 3000, "doubled": 0, "housing": 3000}


def test_tagging_again_runs_on_a_worker_and_its_page_shows_how_far(
    queued_app, make_survey, make_user, session
):
    survey = make_survey()
    _store_untagged(session, survey, 40)
    tagging.tag_pending(session=session)
    session.commit()
    site = session.get(Site, survey.site_id)
    staff = _staff(queued_app, make_user("staff", site))
    page = staff.get(f"/sites/{site.slug}/codebook")
    token = dict(read(page.data).hidden)["csrf_token"]
    started = staff.post(f"/sites/{site.slug}/codebook-retag", data={"csrf_token": token})
    assert started.status_code == 303
    waiting = staff.get(f"/sites/{site.slug}/codebook").data.decode()
    assert "Waiting for a worker to tag the answers again." in waiting
    assert 'http-equiv="refresh"' in waiting  # the page looks again by itself

    worker = _worker(queued_app, "--burst")
    assert _finished(worker) == 0
    done = staff.get(f"/sites/{site.slug}/codebook").data.decode()
    assert "40 answers were tagged again." in done
    assert 'http-equiv="refresh"' not in done
    session.expire_all()
    job = session.exec(select(Job)).one()
    assert job.status == JobStatus.finished
    assert (job.done, job.total) == (40, 40)


def test_without_redis_a_background_thread_tags_what_residents_send(
    database_url, tmp_path, make_survey, session
):
    from survey import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test-secret",
            "REDIS_URL": None,
        }
    )
    survey = make_survey()
    # An answer a stopped server left untagged: the thread finds it when it starts.
    _store_untagged(session, survey, 1)
    assert _send(app.test_client(), survey.slug).status_code == 303
    engine = app.extensions["cv_engine"]
    deadline = time.monotonic() + 60
    while _counts(engine)["untagged"]:
        assert time.monotonic() < deadline, _counts(engine)
        time.sleep(0.05)
    assert _counts(engine) == {"untagged": 0, "tagged": 2, "doubled": 0, "housing": 2}
    assert session.exec(select(func.count(col(Response.id)))).one() == 2
