"""Issuing a batch as a background job (Celery, see `app.jobs`), its progress on the page.

The page starts a `CertificateJob` (kind "issue"), commits it and sends the task; the task
issues the whole batch in its one transaction (all or nothing), so certificates and the
job's "done" are committed together, or neither (the job then says "failed" and why). The
progress the page polls is written apart, in short transactions of its own, as the work
goes on (PostgreSQL; SQLite allows one writer, so there it jumps from 0 to done).

Without a worker the job would wait forever: the page asks `worker_running()` and says
「后台任务未运行」 with the command that starts one; the provincial admin may then issue a
small batch (`CERTIFICATE_ISSUE_IN_REQUEST_LIMIT`) within the request.
"""

import importlib.util
import logging
import time
from datetime import timedelta

from celery import shared_task
from flask import current_app
from sqlalchemy import select, update

from app.errors import Conflict, DomainError
from app.extensions import db
from app.timeutil import local_today, utcnow
from certificates import issuing
from certificates.models import CertificateJob, CertificationBatch

log = logging.getLogger(__name__)

ISSUE_TASK = "certificates.issue_batch"
ACTIVE = ("queued", "running")
WORKER_COMMAND = "celery -A app.jobs:celery_app worker --beat --loglevel=info"
_PING_CACHE_SECONDS = 10.0
_ping_cache: dict[str, tuple[float, bool]] = {}


def worker_running() -> bool:
    """Whether a Celery worker answers (`certificates.jobs.worker_running` when the package
    has one; else a short ping, remembered for a few seconds)."""
    if importlib.util.find_spec("certificates.jobs") is not None:
        from certificates import jobs

        if hasattr(jobs, "worker_running"):
            return jobs.worker_running()
    now = time.monotonic()
    cached = _ping_cache.get("ping")
    if cached and now - cached[0] < _PING_CACHE_SECONDS:
        return cached[1]
    try:
        celery_app = current_app.extensions["celery"]
        answered = bool(celery_app.control.ping(timeout=0.5))
    except Exception:  # noqa: BLE001 (no broker is "no worker" too)
        answered = False
    _ping_cache["ping"] = (now, answered)
    return answered


def active_job(batch: CertificationBatch) -> CertificateJob | None:
    """The batch's issuing job still queued or running, if any."""
    return db.session.scalar(
        select(CertificateJob)
        .where(
            CertificateJob.batch_id == batch.id,
            CertificateJob.kind == "issue",
            CertificateJob.status.in_(ACTIVE),
        )
        .order_by(CertificateJob.id.desc())
    )


def latest_job(batch: CertificationBatch) -> CertificateJob | None:
    """The batch's latest issuing job."""
    return db.session.scalar(
        select(CertificateJob)
        .where(CertificateJob.batch_id == batch.id, CertificateJob.kind == "issue")
        .order_by(CertificateJob.id.desc())
    )


def stalled(job: CertificateJob, now=None) -> bool:
    """A job queued longer than `CERTIFICATE_JOB_STALL_SECONDS` that no worker has started."""
    limit = timedelta(seconds=current_app.config["CERTIFICATE_JOB_STALL_SECONDS"])
    return job.status == "queued" and (now or utcnow()) - job.created_at > limit


def start_issue(batch: CertificationBatch, by) -> CertificateJob:
    """Queue the issuing of `batch` (the job row only: commit, then `send`). A job already
    queued or running is answered instead of a second one."""
    if reason := issuing.why_not_issuable(batch):
        raise Conflict(reason)
    if (job := active_job(batch)) is not None:
        return job
    job = CertificateJob(
        batch_id=batch.id,
        kind="issue",
        status="queued",
        total=len(issuing.passed_candidates(batch)),
        requested_by_id=by.id,
    )
    db.session.add(job)
    db.session.flush()
    return job


def send(job: CertificateJob) -> bool:
    """Hand the committed job to the workers; False when the broker cannot be reached (the
    job stays queued and the page says that no worker runs)."""
    try:
        issue_batch_task.apply_async(args=[job.id], retry=True, retry_policy={"max_retries": 1})
    except Exception:  # noqa: BLE001 (broker down: reported on the page, not a 500)
        log.warning("could not send issuing job %s to the broker", job.id, exc_info=True)
        return False
    return True


def issue_now(batch: CertificationBatch, by) -> CertificateJob:
    """Issue `batch` within the caller's transaction (no worker; small batches only),
    recorded as a finished job."""
    limit = current_app.config["CERTIFICATE_ISSUE_IN_REQUEST_LIMIT"]
    if reason := issuing.why_not_issuable(batch):
        raise Conflict(reason)
    count = len(issuing.passed_candidates(batch))
    if count > limit:
        raise Conflict(f"本批次需颁发 {count} 本证书，超过 {limit} 本，须由后台任务颁发")
    if (job := active_job(batch)) is not None:
        job.status = "failed"
        job.error = "已改为直接颁发"
        job.finished_at = utcnow()
    now = utcnow()
    certificates = issuing.issue_batch(batch, by, local_today())
    job = CertificateJob(
        batch_id=batch.id,
        kind="issue",
        status="done",
        done=len(certificates),
        total=len(certificates),
        requested_by_id=by.id,
        created_at=now,
        started_at=now,
        finished_at=utcnow(),
    )
    db.session.add(job)
    db.session.flush()
    return job


def _write_apart(job_id: int, **values) -> None:
    """Write the job's progress in a short transaction of its own, so that the page sees it
    while the issuing transaction is still open (not on SQLite: one writer at a time)."""
    if db.engine.dialect.name == "sqlite":
        return
    table = CertificateJob.__table__
    with db.engine.begin() as connection:
        connection.execute(update(table).where(table.c.id == job_id).values(**values))


def run_issue_job(job_id: int) -> str:
    """Issue the job's batch in the current transaction; answers the job's final status.

    On failure everything issued is rolled back and the job records the reason; the caller
    commits either way."""
    job = db.session.get(CertificateJob, job_id)
    if job is None or job.status not in ACTIVE:
        return job.status if job else "missing"
    batch = db.session.get(CertificationBatch, job.batch_id)
    requested_by = _user(job.requested_by_id)
    started_at = utcnow()
    _write_apart(job_id, status="running", started_at=started_at)

    def progress(done: int, total: int) -> None:
        _write_apart(job_id, done=done, total=total)

    try:
        certificates = issuing.issue_batch(batch, requested_by, local_today(), progress=progress)
    except Exception as error:  # noqa: BLE001 (any failure: nothing issued, the job says why)
        db.session.rollback()
        log.exception("issuing job %s failed", job_id)
        job = db.session.get(CertificateJob, job_id)
        job.status = "failed"
        message = error.message if isinstance(error, DomainError) else "颁发失败，未颁发任何证书"
        job.error = message[:500]
        job.started_at = job.started_at or started_at
        job.finished_at = utcnow()
        db.session.flush()
        return job.status
    db.session.refresh(job)
    job.status = "done"
    job.done = job.total = len(certificates)
    job.started_at = job.started_at or started_at
    job.finished_at = utcnow()
    db.session.flush()
    return job.status


def _user(user_id):
    from app.auth.models import User

    return db.session.get(User, user_id) if user_id else None


@shared_task(name=ISSUE_TASK)
def issue_batch_task(job_id: int) -> str:
    """Celery: issue a batch (one transaction: committed when it returns)."""
    return run_issue_job(job_id)


def job_status(job: CertificateJob) -> dict:
    """What the page polls: the job's progress and whether a worker is there to run it."""
    running = job.status not in ACTIVE or worker_running()
    is_stalled = job.status == "queued" and (stalled(job) or not running)
    return {
        "id": job.id,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "percent": 100
        if job.status == "done"
        else (100 * job.done // job.total if job.total else 0),
        "error": job.error,
        "worker_running": running,
        "stalled": is_stalled,
        "message": _message(job, is_stalled),
    }


def _message(job: CertificateJob, is_stalled: bool) -> str:
    if job.status == "done":
        return f"已颁发 {job.done} 本证书"
    if job.status == "failed":
        return f"颁发失败：{job.error}" if job.error else "颁发失败"
    if is_stalled:
        return f"后台任务未运行：请在服务器上启动后台任务（{WORKER_COMMAND}）"
    if job.status == "running":
        return f"正在颁发：{job.done} / {job.total}"
    return "排队等待后台任务…"
