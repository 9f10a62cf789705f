"""Background jobs on a certification batch: queued after the commit, progress, failure,
and what the page says when no worker runs (`certificates.jobs`)."""

from datetime import timedelta

import pytest
from celery import Celery
from sqlalchemy import func, select

from app.extensions import db
from app.timeutil import utcnow
from certificates import jobs
from certificates.models import CertificateJob, CertificateSerial

TEST_TASK = "tests.certificate_job"


@pytest.fixture
def celery_app(app):
    """The app's Celery, running tasks in the test's process (eagerly)."""
    celery_app = app.extensions["celery"]
    celery_app.conf.task_always_eager = True
    yield celery_app
    celery_app.conf.task_always_eager = False


SEEN: list[int] = []  # the jobs the test task ran


def _work(job, tick):
    for n in range(1, 4):
        tick(n, 3)
    return f"zips/{job.id}.zip"


@pytest.fixture
def ran(celery_app, monkeypatch):
    """Every kind's task replaced by one that records the jobs it ran (and ticks 3 of 3)."""
    if TEST_TASK not in celery_app.tasks:

        @celery_app.task(name=TEST_TASK)
        def run(job_id):
            SEEN.append(job_id)
            jobs.run_job(job_id, _work)

    SEEN.clear()
    monkeypatch.setattr(jobs, "TASKS", {kind: TEST_TASK for kind in jobs.TASKS})
    monkeypatch.setattr(jobs, "worker_running", lambda timeout=0.5: True)
    return SEEN


def job_row(job_id):
    db.session.expire_all()
    return db.session.get(CertificateJob, job_id)


def test_the_task_is_sent_only_when_the_transaction_commits(make, ran):
    batch = make.certification_batch()
    job = jobs.start_job(batch, jobs.ZIP, total=3)
    assert (job.status, ran) == ("queued", [])
    db.session.commit()
    assert ran == [job.id]
    done = job_row(job.id)
    assert (done.status, done.done, done.total, done.path) == ("done", 3, 3, f"zips/{job.id}.zip")
    assert done.started_at is not None and done.finished_at >= done.started_at


def test_a_rolled_back_request_queues_nothing(make, ran):
    batch = make.certification_batch()
    jobs.start_job(batch, jobs.ZIP)
    db.session.rollback()
    db.session.commit()
    assert ran == []
    assert db.session.scalar(select(func.count()).select_from(CertificateJob)) == 0


def test_pressing_twice_starts_one_job(make, monkeypatch):
    monkeypatch.setattr(jobs, "_send_pending", lambda session: None)  # nobody runs it
    batch = make.certification_batch()
    first = jobs.start_job(batch, jobs.ISSUE)
    db.session.commit()
    assert jobs.start_job(batch, jobs.ISSUE).id == first.id
    assert jobs.start_job(batch, jobs.ZIP).id != first.id  # another kind is another job


def test_an_unknown_kind_is_refused(make):
    with pytest.raises(ValueError):
        jobs.start_job(make.certification_batch(), "print")


def test_a_failing_job_keeps_nothing_of_its_work_and_says_why(make, monkeypatch):
    monkeypatch.setattr(jobs, "_send_pending", lambda session: None)
    batch = make.certification_batch()
    job = jobs.start_job(batch, jobs.ISSUE, total=2)
    db.session.commit()

    def work(job, tick):
        db.session.add(CertificateSerial(prefix="half-written", last_serial=1))
        db.session.flush()
        tick(1)
        raise RuntimeError("签名失败")

    with pytest.raises(RuntimeError):
        jobs.run_job(job.id, work)
    db.session.commit()
    failed = job_row(job.id)
    assert (failed.status, failed.error) == ("failed", "签名失败")
    assert db.session.get(CertificateSerial, "half-written") is None
    shown = jobs.progress(failed)
    assert (shown["finished"], shown["error"], shown["worker_missing"]) == (True, "签名失败", False)


def test_progress_is_visible_while_the_work_runs(make, monkeypatch, app):
    monkeypatch.setattr(jobs, "_send_pending", lambda session: None)
    monkeypatch.setattr(jobs, "TICK_SECONDS", 0)
    batch = make.certification_batch()
    job = jobs.start_job(batch, jobs.ZIP, total=4)
    db.session.commit()
    seen = []

    def work(job, tick):
        db.session.scalar(select(func.count()).select_from(CertificateJob))  # autoflushes
        tick(1)
        with db.engine.connect() as other:  # what the polling page reads meanwhile
            seen.append(
                other.execute(
                    select(CertificateJob.status, CertificateJob.done).where(
                        CertificateJob.id == job.id
                    )
                ).one()
            )
        return None

    jobs.run_job(job.id, work)
    db.session.commit()
    assert seen == [("running", 1)]
    assert jobs.progress(job_row(job.id))["percent"] == 100


def test_progress_counts_percent(make):
    job = CertificateJob(batch_id=1, kind="zip", status="running", done=25, total=200)
    job.created_at = utcnow()
    shown = jobs.progress(job)
    assert (shown["percent"], shown["status_label"], shown["finished"]) == (12, "进行中", False)


def test_a_job_queued_too_long_says_no_worker_runs(app, monkeypatch):
    monkeypatch.setattr(jobs, "worker_running", lambda timeout=0.5: True)
    job = CertificateJob(batch_id=1, kind="issue", status="queued", done=0, total=10)
    job.created_at = utcnow() - timedelta(seconds=5)
    assert jobs.progress(job)["worker_missing"] is False
    job.created_at = utcnow() - timedelta(seconds=31)
    shown = jobs.progress(job)
    assert shown["worker_missing"] is True
    assert "后台任务未运行" in shown["message"] and jobs.WORKER_COMMAND in shown["message"]


def test_a_queued_job_without_a_worker_answering_says_so_at_once(app, monkeypatch):
    monkeypatch.setattr(jobs, "worker_running", lambda timeout=0.5: False)
    job = CertificateJob(batch_id=1, kind="zip", status="queued", done=0, total=10)
    job.created_at = utcnow()
    assert jobs.progress(job)["worker_missing"] is True
    job.status = "running"  # a job a worker took is not waiting for one
    assert jobs.progress(job)["worker_missing"] is False


def test_no_worker_runs_when_the_broker_is_unreachable(app, monkeypatch):
    nowhere = Celery("nowhere", broker="redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.extensions, "celery", nowhere)
    jobs.forget_worker_answer()
    try:
        assert jobs.worker_running(timeout=0.2) is False
    finally:
        jobs.forget_worker_answer()
        nowhere.close()


def test_the_ping_answer_is_kept_for_a_while(app, monkeypatch):
    pings = []
    monkeypatch.setattr(jobs, "_ping", lambda timeout: pings.append(timeout) or True)
    jobs.forget_worker_answer()
    try:
        assert jobs.worker_running() and jobs.worker_running()
        assert len(pings) == 1
    finally:
        jobs.forget_worker_answer()


def test_a_job_nobody_took_is_given_up_when_started_again(make, monkeypatch):
    monkeypatch.setattr(jobs, "_send_pending", lambda session: None)
    batch = make.certification_batch()
    old = jobs.start_job(batch, jobs.ZIP)
    old.created_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    new = jobs.start_job(batch, jobs.ZIP)
    db.session.commit()
    assert new.id != old.id
    assert (job_row(old.id).status, job_row(old.id).error) == ("failed", jobs.ABANDONED)

    def work(job, tick):
        raise AssertionError("a job given up is not run")

    assert jobs.run_job(old.id, work).status == "failed"  # its message arrives late: skipped
