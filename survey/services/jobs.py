"""Records of long jobs (tagging again, retraining), so that the page that started one shows its
progress, also after a reload or when another app server answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from survey.models import Job, JobStatus, Site, utcnow
from survey.services.errors import NotFound

#: how much of an error message a job keeps
_ERROR_CHARS = 500


def create(*, session: Session, site: Site | None, kind: str, params: Mapping[str, Any]) -> Job:
    job = Job(site_id=site.id if site else None, kind=kind, params=dict(params))
    session.add(job)
    session.flush()
    return job


def get(*, session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(str(job_id))
    return job


def latest(*, session: Session, site: Site, kind: str) -> Job | None:
    """The site's newest job of ``kind``: the one its page reports on."""
    return session.exec(
        select(Job)
        .where(Job.site_id == site.id, Job.kind == kind)
        .order_by(col(Job.id).desc())
        .limit(1)
    ).first()


def is_active(job: Job | None) -> bool:
    return job is not None and job.status in (JobStatus.queued, JobStatus.running)


def started(*, session: Session, job: Job, total: int | None) -> None:
    job.status = JobStatus.running
    job.started_at = utcnow()
    job.total = total
    job.done = 0
    session.add(job)
    session.flush()


def progressed(*, session: Session, job: Job, done: int) -> None:
    job.done = done
    session.add(job)
    session.flush()


def finished(*, session: Session, job: Job, result: Mapping[str, Any]) -> None:
    job.status = JobStatus.finished
    job.result = dict(result)
    job.finished_at = utcnow()
    session.add(job)
    session.flush()


def failed(*, session: Session, job: Job, error: str) -> None:
    job.status = JobStatus.failed
    job.error = error[:_ERROR_CHARS]
    job.finished_at = utcnow()
    session.add(job)
    session.flush()
