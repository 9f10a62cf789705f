"""Background jobs on a batch (issuing it 发证, building its ZIP 打包下载) and their progress.

Shared by the issuing (kind "issue") and the ZIP (kind "zip") jobs:

- `start_job(batch, kind, by, total)` records a `CertificateJob` (queued) and sends its
  Celery task only once the request's transaction commits (SQLAlchemy `after_commit`), so
  that the worker always finds the job; a rolled-back request sends nothing. A job of the
  same batch and kind still queued or running is answered instead of a second one.
- `run_job(job_id, work)` is what a task body calls: it marks the job running, calls
  `work(job, tick)` and marks it done in the task's own transaction (one transaction, as
  every task: the work and "done" commit together). `tick(done, total=None)` writes the
  progress in a short transaction of its own so that the page sees it while the work runs;
  the work must not change `job` itself (pass the total to `tick`), or its own transaction
  would hold the row the ticks write. When the work raises, everything it wrote is rolled
  back and the job is marked failed.
- `progress(job)` is the small JSON the page polls.
- `worker_running()` answers whether a Celery worker answers a ping; with none, the page
  says 「后台任务未运行」 and how to start one (`NO_WORKER_MESSAGE`, `WORKER_COMMAND`).
  A job still queued after `CERTIFICATE_JOB_STALE_SECONDS` (30) counts as no worker too.

Tests stub `certificates.jobs.worker_running` (call it through the module) and run a job's
task eagerly (`celery_app.conf.task_always_eager = True`) or call `run_job` directly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.timeutil import utcnow
from certificates.models import JOB_KINDS, CertificateJob

log = logging.getLogger(__name__)

ISSUE, ZIP = "issue", "zip"
# The Celery task of each kind; it takes one argument, the job's id.
TASKS = {ISSUE: "certificates.issue_batch", ZIP: "certificates.build_zip"}
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
ACTIVE = (QUEUED, RUNNING)

WORKER_COMMAND = "celery -A app.jobs:celery_app worker --beat --loglevel=info"
NO_WORKER_MESSAGE = (
    "后台任务未运行：任务已排队，但没有后台进程处理。请管理员在服务器上启动：" + WORKER_COMMAND
)
ABANDONED = "等待后台进程超时，已放弃；请重新开始"
STATUS_LABELS = {QUEUED: "排队中", RUNNING: "进行中", DONE: "已完成", FAILED: "失败"}

_PENDING = "certificates.jobs.pending"  # session.info: jobs to send once committed
TICK_SECONDS = 0.5  # progress is written at most this often (and at the end)
PING_TIMEOUT = 0.5
_PING_CACHE_SECONDS = 10.0
_ping_lock = threading.Lock()
_ping_answer: tuple[float, bool] | None = None  # (monotonic time, answer)


# Whether a worker runs ---------------------------------------------------------------------


def worker_running(timeout: float = PING_TIMEOUT) -> bool:
    """Whether a Celery worker answers a ping within `timeout` seconds (False when the broker
    is unreachable). The answer is kept for 10 s per process: a polling page costs no ping."""
    global _ping_answer
    now = time.monotonic()
    with _ping_lock:
        if _ping_answer is not None and now - _ping_answer[0] < _PING_CACHE_SECONDS:
            return _ping_answer[1]
    answer = _ping(timeout)
    with _ping_lock:
        _ping_answer = (time.monotonic(), answer)
    return answer


def forget_worker_answer() -> None:
    """Forget the cached ping answer (tests, or after starting a worker)."""
    global _ping_answer
    with _ping_lock:
        _ping_answer = None


def _ping(timeout: float) -> bool:
    celery = current_app.extensions["celery"]
    try:
        with celery.connection_for_write() as connection:
            connection.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=timeout
            )
            return bool(celery.control.ping(timeout=timeout, connection=connection))
    except Exception:  # the broker is down or refuses: nobody can run a job either
        log.info("no Celery worker answered (broker unreachable)", exc_info=True)
        return False


# Starting a job ----------------------------------------------------------------------------


def active_job(batch_id: int, kind: str) -> CertificateJob | None:
    """The batch's job of this kind still queued or running, if any."""
    return db.session.scalar(
        select(CertificateJob)
        .where(
            CertificateJob.batch_id == batch_id,
            CertificateJob.kind == kind,
            CertificateJob.status.in_(ACTIVE),
        )
        .order_by(CertificateJob.id.desc())
        .limit(1)
    )


def latest_job(batch_id: int, kind: str) -> CertificateJob | None:
    """The batch's most recent job of this kind, whatever its status."""
    return db.session.scalar(
        select(CertificateJob)
        .where(CertificateJob.batch_id == batch_id, CertificateJob.kind == kind)
        .order_by(CertificateJob.id.desc())
        .limit(1)
    )


def start_job(batch, kind: str, by=None, total: int = 0) -> CertificateJob:
    """Queue a job of `kind` on `batch`; its task is sent once the transaction commits.

    A job of the same batch and kind still queued or running is answered instead (pressing
    the button twice starts one job), unless it has waited for a worker longer than
    `stale_seconds()`: that one is given up (failed) and a new one queued."""
    if kind not in JOB_KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    running = active_job(batch.id, kind)
    if running is not None and not _abandoned(running):
        return running
    if running is not None:  # queued long ago, never taken: given up, a new one replaces it
        running.status, running.error = FAILED, ABANDONED
        running.finished_at = utcnow()
    job = CertificateJob(
        batch_id=batch.id,
        kind=kind,
        status=QUEUED,
        total=total,
        requested_by_id=getattr(by, "id", None),
        created_at=utcnow(),
    )
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault(_PENDING, []).append((kind, job.id))
    _listen()
    return job


def _listen() -> None:
    if not sa_event.contains(db.session, "after_commit", _send_pending):
        sa_event.listen(db.session, "after_commit", _send_pending)
        sa_event.listen(db.session, "after_soft_rollback", _drop_pending)


def _send_pending(session) -> None:
    """After the commit: send the task of every job queued in the transaction."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    celery = current_app.extensions["celery"]
    for kind, job_id in pending:
        try:
            # `apply_async` (not `send_task`) so that `task_always_eager` runs it in tests.
            celery.tasks[TASKS[kind]].apply_async(args=[job_id])
        except Exception:  # the broker is down: the job stays queued and the page says so
            log.warning("could not send certificate job %s (%s)", job_id, kind, exc_info=True)


def _drop_pending(session, previous_transaction) -> None:
    """A rolled-back transaction queued nothing."""
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


# Running a job -----------------------------------------------------------------------------

Tick = Callable[..., None]


def run_job(job_id: int, work: Callable[[CertificateJob, Tick], str | None]) -> CertificateJob:
    """Run `work(job, tick)` as the job `job_id`: running → done (with the path the work
    answers), or failed with nothing of the work kept (the exception is raised again)."""
    job = db.session.get(CertificateJob, job_id)
    if job is None:
        raise LookupError(f"certificate job {job_id} does not exist")
    if job.status != QUEUED:  # given up meanwhile (or sent twice): nothing to do
        log.info("certificate job %s is %s, not run", job_id, job.status)
        return job
    _write(job_id, status=RUNNING, started_at=utcnow())
    # Read back, never set here: a change of the job pending in this session would be
    # flushed by the work's first query and hold the row (PostgreSQL) or the database
    # (SQLite) until the end, and no progress could be written meanwhile.
    db.session.refresh(job)
    last = [time.monotonic()]

    def tick(done: int, total: int | None = None) -> None:
        now = time.monotonic()
        if now - last[0] < TICK_SECONDS and (total or job.total) != done:
            return
        last[0] = now
        values = {"done": done} if total is None else {"done": done, "total": total}
        _write(job_id, **values)

    try:
        path = work(job, tick)
    except Exception as exc:
        db.session.rollback()
        _write(job_id, status=FAILED, error=_error_text(exc), finished_at=utcnow())
        raise
    job = db.session.get(CertificateJob, job_id)
    job.status = DONE
    job.done = job.total = max(job.total, job.done)
    if path is not None:
        job.path = path
    job.finished_at = utcnow()
    db.session.flush()
    return job


def _error_text(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text[:500]


def _write(job_id: int, **values) -> None:
    """Write a job's progress in its own short transaction, visible at once to the page.

    While the work's transaction holds the job's row (it changed the job: don't) or, on
    SQLite, the database's write lock (issuing writes), the write is skipped rather than
    waited for: the page then sees the progress at the end."""
    try:
        with db.engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                connection.exec_driver_sql("PRAGMA busy_timeout = 0")
            elif connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL lock_timeout = '1s'")
            try:
                connection.execute(
                    update(CertificateJob).where(CertificateJob.id == job_id).values(**values)
                )
                connection.commit()
            finally:
                if sqlite:
                    connection.rollback()
                    connection.exec_driver_sql("PRAGMA busy_timeout = 5000")
    except OperationalError:
        log.debug("job %s progress not written (database busy)", job_id, exc_info=True)


# What the page shows -------------------------------------------------------------------------


def stale_seconds() -> int:
    """A job queued longer than this without starting means no worker takes jobs."""
    return int(current_app.config.get("CERTIFICATE_JOB_STALE_SECONDS", 30))


def _abandoned(job: CertificateJob, now=None) -> bool:
    """Whether a queued job has waited for a worker longer than `stale_seconds()`."""
    now = now or utcnow()
    return job.status == QUEUED and now - job.created_at > timedelta(seconds=stale_seconds())


def waiting_for_worker(job: CertificateJob, now=None) -> bool:
    """Whether the job waits for a worker that is not there (queued too long, or no answer)."""
    if job.status != QUEUED:
        return False
    return _abandoned(job, now) or not worker_running()


def progress(job: CertificateJob, now=None) -> dict:
    """The job as the page polls it: status, counts, percent, and whether no worker runs."""
    percent = 100 if job.status == DONE else (100 * job.done // job.total if job.total else 0)
    no_worker = waiting_for_worker(job, now)
    return {
        "id": job.id,
        "batch_id": job.batch_id,
        "kind": job.kind,
        "status": job.status,
        "status_label": STATUS_LABELS.get(job.status, job.status),
        "done": job.done,
        "total": job.total,
        "percent": min(100, max(0, percent)),
        "finished": job.status in (DONE, FAILED),
        "error": job.error if job.status == FAILED else "",
        "worker_missing": no_worker,
        "message": NO_WORKER_MESSAGE if no_worker else "",
    }
