"""The jobs ``survey.queue`` runs: each opens its own database sessions and commits its work.

- ``tag_pending``: tag every open answer nobody has read yet, in batches (one transaction each).
- ``retag``: tag a site's answers again after its codebook or model changed, recording progress
  in its ``Job`` row after every batch, so that the page that started it can show how far it is.
"""

from __future__ import annotations

from flask import current_app
from sqlmodel import Session

from survey import db
from survey.models import Site
from survey.queue import task
from survey.services import designer, jobs, tagging


@task
def tag_pending() -> None:
    batch = int(current_app.config["TAG_BATCH"])
    while True:
        with db.session_scope(db.engine()) as session:
            if tagging.tag_pending(session=session, limit=batch) == 0:
                return


@task
def retag(job_id: int) -> None:
    batch = int(current_app.config["TAG_BATCH"])
    with Session(db.engine(), expire_on_commit=False) as session:
        job = jobs.get(session=session, job_id=job_id)
        site = session.get(Site, job.site_id)
        try:
            if site is None:
                raise LookupError(f"site {job.site_id} is gone")
            surveys = designer.surveys_of(session=session, site=site)
            total = tagging.open_answer_count(session=session, surveys=surveys)
            jobs.started(session=session, job=job, total=total)
            session.commit()
            done = 0

            def progress(count: int) -> None:
                nonlocal done
                done += count
                jobs.progressed(session=session, job=job, done=done)
                session.commit()  # each batch is kept, and the page sees how far it is
                session.expunge_all()  # 100,000 answers need not stay in memory
                session.add_all([job, site, *surveys])

            count = tagging.retag(
                session=session, site=site, surveys=surveys, batch=batch, progress=progress
            )
            jobs.finished(session=session, job=job, result={"count": count})
            session.commit()
        except Exception as error:
            session.rollback()
            jobs.failed(session=session, job=job, error=str(error) or type(error).__name__)
            session.commit()
            raise
