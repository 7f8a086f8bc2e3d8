"""Work that leaves the request: tagging new answers, tagging a site again, retraining.

Three ways to run a job, chosen from the configuration:

- ``REDIS_URL`` set: jobs go to an RQ queue (``JOBS_QUEUE``) in that Redis, and
  ``flask --app wsgi worker`` runs them; start as many workers, on as many machines, as the work
  needs (they share the database). A worker tags every answer still untagged when it starts.
- no ``REDIS_URL`` (``make run``): each app process runs its jobs in one background thread, which
  also tags every untagged answer when it starts. No other server is needed.
- ``JOBS_EAGER`` (the tests): a job runs at once, in the caller's thread.

A job asked for during a request is handed over only after the request has committed, so that
the job sees what the request stored. Nothing depends on a job being delivered: new answers are
found by their ``tagged_at`` (null), and long jobs keep their progress in the ``job`` table.
"""

from __future__ import annotations

import logging
import os
import queue as stdlib_queue
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from flask import Flask, current_app, has_app_context, has_request_context

from survey import db

logger = logging.getLogger(__name__)

#: seconds a job may run before RQ stops it
JOB_TIMEOUT = 3600
#: how long a "tagging is already queued" mark lives if its job is lost
_COALESCE_SECONDS = 60

Task = Callable[..., None]
TASKS: dict[str, Task] = {}


def task(function: Task) -> Task:
    """Register a job function under its name (what goes through the queue is the name)."""
    TASKS[function.__name__] = function
    return function


class Backend(Protocol):
    def enqueue(self, name: str, params: Mapping[str, Any], *, coalesce: bool) -> None: ...


def enqueue(name: str, *, coalesce: bool = False, **params: Any) -> None:
    """Run job ``name`` with ``params`` (JSON-able) soon; after the request commits, if in one.

    ``coalesce``: while a job of this name waits in the queue, another is not added (the waiting
    one will do the work of both; used for "tag whatever is untagged").
    """
    if name not in TASKS:
        raise KeyError(name)
    backend: Backend = current_app.extensions["cv_queue"]

    def hand_over() -> None:
        try:
            backend.enqueue(name, params, coalesce=coalesce)
        except Exception:  # the queue is down: the work is found again later, never lost
            logger.exception("could not queue job %s; it runs when a worker next sweeps", name)

    if has_request_context():
        db.after_commit(hand_over)
    else:
        hand_over()


def run(name: str, params: Mapping[str, Any]) -> None:
    """Run a registered job in an application context (what workers and threads call)."""
    app = current_app._get_current_object() if has_app_context() else _worker_app()  # type: ignore[attr-defined]
    with app.app_context():
        TASKS[name](**params)


_APP: list[Flask] = []


def _worker_app() -> Flask:
    """The app for a worker started without ``flask worker`` (e.g. ``rq worker``)."""
    if not _APP:
        from survey import create_app

        _APP.append(create_app())
    return _APP[0]


# -- backends -----------------------------------------------------------------------------------


class EagerBackend:
    """Runs each job at once, in the caller's thread (tests)."""

    def enqueue(self, name: str, params: Mapping[str, Any], *, coalesce: bool) -> None:
        run(name, params)


class ThreadBackend:
    """One background thread per app process; it starts by tagging what is left untagged."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._jobs: stdlib_queue.Queue[tuple[str, Mapping[str, Any]]] = stdlib_queue.Queue()
        self._waiting: set[str] = set()

    def enqueue(self, name: str, params: Mapping[str, Any], *, coalesce: bool) -> None:
        with self._lock:
            if self._pid != os.getpid():  # first use, or a forked server process
                self._start()
            if coalesce:
                if name in self._waiting:
                    return
                self._waiting.add(name)
        self._jobs.put((name, params))

    def _start(self) -> None:
        self._pid = os.getpid()
        self._jobs = stdlib_queue.Queue()
        self._waiting = {"tag_pending"}
        self._jobs.put(("tag_pending", {}))  # answers a stopped process left untagged
        threading.Thread(target=self._work, name="cv-jobs", daemon=True).start()

    def _work(self) -> None:
        from survey.services import tagging

        tagging.warm_up()
        while True:
            name, params = self._jobs.get()
            with self._lock:
                self._waiting.discard(name)
            try:
                with self.app.app_context():
                    run(name, params)
            except Exception:
                logger.exception("job %s failed", name)


class RedisBackend:
    """RQ on the Redis at ``REDIS_URL``; ``flask worker`` runs the jobs."""

    def __init__(self, url: str, queue_name: str) -> None:
        from redis import Redis
        from rq import Queue

        self.connection = Redis.from_url(url)
        self.queue = Queue(queue_name, connection=self.connection)

    def coalesce_key(self, name: str) -> str:
        return f"cv:waiting:{self.queue.name}:{name}"

    def enqueue(self, name: str, params: Mapping[str, Any], *, coalesce: bool) -> None:
        if coalesce and not self.connection.set(
            self.coalesce_key(name), "1", nx=True, ex=_COALESCE_SECONDS
        ):
            return
        self.queue.enqueue(
            run_queued,
            name,
            dict(params),
            self.coalesce_key(name) if coalesce else None,
            job_timeout=JOB_TIMEOUT,
            result_ttl=0,
            failure_ttl=7 * 24 * 3600,
        )


def run_queued(name: str, params: Mapping[str, Any], coalesce_key: str | None) -> None:
    """What an RQ worker runs: frees the coalescing mark first, so that work arriving from now on
    queues a new job, then runs the job."""
    if coalesce_key is not None:
        from rq import get_current_job

        job = get_current_job()
        if job is not None:
            job.connection.delete(coalesce_key)
    run(name, params)


def init_app(app: Flask) -> None:
    if app.config.get("JOBS_EAGER"):
        backend: Backend = EagerBackend()
    elif app.config.get("REDIS_URL"):
        backend = RedisBackend(app.config["REDIS_URL"], app.config["JOBS_QUEUE"])
    else:
        backend = ThreadBackend(app)
    app.extensions["cv_queue"] = backend


def work(app: Flask, *, burst: bool = False, workers: Any = None) -> None:
    """Run an RQ worker in this process (``flask worker``): untagged answers first, then jobs."""
    from rq import SimpleWorker

    backend = app.extensions["cv_queue"]
    if not isinstance(backend, RedisBackend):
        raise RuntimeError("REDIS_URL is not set: jobs run inside the app processes")
    from survey.services import tagging

    tagging.warm_up()
    run("tag_pending", {})
    # A simple worker runs jobs in its own process: the tagger's models, loaded once, stay warm.
    worker = (workers or SimpleWorker)([backend.queue], connection=backend.connection)
    worker.work(burst=burst, with_scheduler=False)


# The jobs themselves live with the services they drive.
from survey import jobs as _jobs  # noqa: E402,F401  (registers the jobs)
