"""Issuing a batch as a background job (Celery, see `app.jobs` and `certificates.jobs`).

The page starts a `CertificateJob` (kind "issue") through `certificates.jobs.start_job`,
which sends the task once the request commits; the task issues the whole batch in its one
transaction (all or nothing), so certificates and the job's "done" are committed together,
or neither (the job then says "failed" and why). The progress the page polls is written
apart as the work goes on (`certificates.jobs.run_job`'s tick).

Without a worker the job would wait forever: the page asks `certificates.jobs` and says
「后台任务未运行」 with the command that starts one; the provincial admin may then issue a
small batch (`CERTIFICATE_ISSUE_IN_REQUEST_LIMIT`) within the request.
"""

import logging

from celery import shared_task
from flask import current_app

from app.errors import Conflict, DomainError
from app.extensions import db
from app.timeutil import local_today, utcnow
from certificates import issuing, jobs
from certificates.models import CertificateJob, CertificationBatch

log = logging.getLogger(__name__)

ISSUE_TASK = jobs.TASKS[jobs.ISSUE]
REQUEUED = "未被后台任务执行，已重新排队"
FAILED_MESSAGE = "内部错误，未颁发任何证书，请稍后重试或联系管理员"


class IssueFailed(RuntimeError):
    """Issuing failed for a reason not the user's (its cause is logged); nothing was kept."""


def latest_job(batch: CertificationBatch) -> CertificateJob | None:
    """The batch's latest issuing job."""
    return jobs.latest_job(batch.id, jobs.ISSUE)


def start_issue(batch: CertificationBatch, by) -> CertificateJob:
    """Queue the issuing of `batch`; the task is sent when the transaction commits. A job
    already queued or running is answered instead of a second one, unless it waits for a
    worker that is not there: it is then closed and queued afresh."""
    if reason := issuing.why_not_issuable(batch):
        raise Conflict(reason)
    waiting = jobs.active_job(batch.id, jobs.ISSUE)
    if waiting is not None and jobs.waiting_for_worker(waiting):
        # Its message may be lost (sent while the broker was down, or to another broker):
        # queue afresh. Should a worker still take the old one, it finds it closed.
        waiting.status, waiting.error, waiting.finished_at = jobs.FAILED, REQUEUED, utcnow()
        db.session.flush()
    return jobs.start_job(batch, jobs.ISSUE, by, total=len(issuing.passed_candidates(batch)))


def issue_now(batch: CertificationBatch, by) -> CertificateJob:
    """Issue `batch` within the caller's transaction (no worker; small batches only),
    recorded as a finished job."""
    limit = current_app.config["CERTIFICATE_ISSUE_IN_REQUEST_LIMIT"]
    if reason := issuing.why_not_issuable(batch):
        raise Conflict(reason)
    count = len(issuing.passed_candidates(batch))
    if count > limit:
        raise Conflict(f"本批次需颁发 {count} 本证书，超过 {limit} 本，须由后台任务颁发")
    now = utcnow()
    if (waiting := jobs.active_job(batch.id, jobs.ISSUE)) is not None:
        waiting.status, waiting.error, waiting.finished_at = jobs.FAILED, "已改为直接颁发", now
    count = issuing.issue_batch(batch, by, local_today())
    job = CertificateJob(
        batch_id=batch.id,
        kind=jobs.ISSUE,
        status=jobs.DONE,
        done=count,
        total=count,
        requested_by_id=by.id,
        created_at=now,
        started_at=now,
        finished_at=utcnow(),
    )
    db.session.add(job)
    db.session.flush()
    return job


def _work(job: CertificateJob, tick) -> None:
    batch = db.session.get(CertificationBatch, job.batch_id)
    requested_by = _user(job.requested_by_id)
    try:
        issuing.issue_batch(batch, requested_by, local_today(), progress=tick)
    except DomainError as error:
        raise IssueFailed(error.message) from error
    except Exception as error:
        log.exception("issuing job %s failed", job.id)
        raise IssueFailed(FAILED_MESSAGE) from error


def run_issue_job(job_id: int) -> CertificateJob | None:
    """Issue the job's batch in the current transaction (the caller commits). On failure
    nothing is kept, the job says why, and `IssueFailed` is raised."""
    job = db.session.get(CertificateJob, job_id)
    if job is None or job.status not in jobs.ACTIVE:
        return job  # done, failed or replaced by a direct issue meanwhile
    return jobs.run_job(job_id, _work)


def _user(user_id):
    from app.auth.models import User

    return db.session.get(User, user_id) if user_id else None


@shared_task(name=ISSUE_TASK)
def issue_batch_task(job_id: int) -> str:
    """Celery: issue a batch (one transaction: committed when it returns)."""
    job = run_issue_job(job_id)
    return job.status if job else "missing"


def job_status(job: CertificateJob) -> dict:
    """What the page polls: `certificates.jobs.progress` with a message for every state."""
    state = jobs.progress(job)
    state["message"] = state["message"] or _message(job)
    return state


def _message(job: CertificateJob) -> str:
    if job.status == jobs.DONE:
        return f"已颁发 {job.done} 本证书"
    if job.status == jobs.FAILED:
        return f"颁发失败：{job.error}" if job.error else "颁发失败"
    if job.status == jobs.RUNNING:
        return f"正在颁发：{job.done} / {job.total}"
    return "排队等待后台任务…"
