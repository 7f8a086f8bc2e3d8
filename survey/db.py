"""The engine, and one database session per request that the request commits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets residents submit while an analyst reads a summary; NORMAL is durable under WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def engine() -> Engine:
    return current_app.extensions["cv_engine"]  # type: ignore[no-any-return]


def session() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session  # type: ignore[no-any-return]


def after_commit(callback: Callable[[], None]) -> None:
    """Call ``callback`` once the request has committed (not if it fails): e.g. hand a job the
    answers the request stored."""
    g.setdefault("cv_after_commit", []).append(callback)


@contextmanager
def reading() -> Iterator[Connection]:
    """A connection for a read that writes nothing, outside the request's session: a resident's
    page reads one row per request, and a session's unit of work would cost more than the read."""
    with engine().connect() as connection:
        yield connection


@contextmanager
def session_scope(bind: Engine) -> Iterator[Session]:
    """A unit of work for CLI commands and tests: commit on success, roll back on error."""
    with Session(bind, expire_on_commit=False) as db:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise


def init_app(app: Flask) -> None:
    app.extensions["cv_engine"] = make_engine(app.config["DATABASE_URL"])

    @app.after_request
    def _commit(response: Response) -> Response:
        # Commit before the response leaves, so a 303 "thank you" is never sent for an answer
        # that was not stored.
        db = g.pop("db_session", None)
        callbacks = g.pop("cv_after_commit", [])
        if db is not None:
            try:
                if response.status_code < 400:
                    db.commit()
                else:
                    db.rollback()
            finally:
                db.close()
        if response.status_code < 400:
            for callback in callbacks:
                callback()
        return response

    @app.teardown_request
    def _close(_exc: BaseException | None) -> None:
        db = g.pop("db_session", None)
        if db is not None:
            db.rollback()
            db.close()
