"""Pages and API of certificates: lists in scope, a certificate and its revocation, the
batch's issue button with its background job and progress, promotion certificates."""

import re

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.extensions import db
from app.orgs.models import PiiExport
from app.timeutil import local_today
from certificates import issuing, jobs, tasks
from certificates.models import Certificate, CertificateJob, CertificationBatch
from tests import factories
from tests.integration.certificate_issuing_helpers import (  # noqa: F401 (a fixture)
    published_batch,
    signed_stub,
)
from tests.integration.page_helpers import csrf_of, page, submit
from tests.integration.test_certificate_issuing import TODAY


@pytest.fixture
def issued(app, signed):
    """A batch of 3 issued, with a trainee account for the first holder."""
    world = published_batch(passed=3, failed=1)
    issuing.issue_batch(world.batch, world.province, TODAY)
    db.session.commit()
    holder = world.passed[0].employee
    world.trainee = factories.user(Role.TRAINEE, employee=holder)
    world.certificates = db.session.scalars(
        select(Certificate).where(Certificate.batch_id == world.batch.id).order_by(Certificate.id)
    ).all()
    return world


RECORD_TASK = "tests.certificate_issue_sent"
SENT: list[int] = []


@pytest.fixture
def sent(app, monkeypatch):
    """Issuing jobs handed to the workers, recorded instead of run (tests run them by hand);
    a worker answers pings."""
    celery_app = app.extensions["celery"]
    celery_app.conf.task_always_eager = True
    if RECORD_TASK not in celery_app.tasks:

        @celery_app.task(name=RECORD_TASK)
        def record(job_id):
            SENT.append(job_id)

    SENT.clear()
    monkeypatch.setattr(jobs, "TASKS", {**jobs.TASKS, jobs.ISSUE: RECORD_TASK})
    monkeypatch.setattr(jobs, "worker_running", lambda timeout=0.5: True)
    yield SENT
    celery_app.conf.task_always_eager = False


# --- API --------------------------------------------------------------------------------


def test_the_api_lists_the_callers_certificates_in_the_contracts_fields(client, login, issued):
    login(issued.trainee.username)
    body = client.get("/api/v1/certificates?page=1").get_json()
    (mine,) = [c for c in issued.certificates if c.employee_id == issued.trainee.employee_id]
    assert body == {
        "items": [
            {
                "id": mine.id,
                "number": mine.number,
                "holder_name": mine.holder_name,
                "occupation": "物业管理员",
                "level": 4,
                "issued_on": TODAY.isoformat(),
                "status": "valid",
            }
        ],
        "total": 1,
        "page": 1,
    }


def test_admins_list_their_scope(client, login, issued):
    other = factories.user(Role.ENTERPRISE_ADMIN, enterprise=factories.enterprise())
    login(issued.ent_admin.username)
    assert client.get("/api/v1/certificates").get_json()["total"] == 3
    login(other.username)
    assert client.get("/api/v1/certificates").get_json()["total"] == 0
    login(issued.province.username)
    assert client.get("/api/v1/certificates").get_json()["total"] == 3


def test_the_province_revokes_through_the_api(client, login, issued):
    target = issued.certificates[1]
    token = login(issued.province.username)
    answer = client.post(
        f"/api/v1/certificates/{target.id}/revoke",
        json={"reason": "证书信息与本人不符"},
        headers={"X-CSRFToken": token},
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["status"], body["revoked_on"], body["revocation_reason"]) == (
        "revoked",
        local_today().isoformat(),
        "证书信息与本人不符",
    )
    assert db.session.get(Certificate, target.id).revoked_on is not None
    again = client.post(
        f"/api/v1/certificates/{target.id}/revoke",
        json={"reason": "再次吊销"},
        headers={"X-CSRFToken": token},
    )
    assert again.status_code == 409
    assert again.get_json()["error"]["message"] == "该证书已吊销"


def test_a_revocation_without_a_reason_is_refused(client, login, issued):
    token = login(issued.province.username)
    target = issued.certificates[0]
    for body in ({}, {"reason": ""}, {"reason": "很" * 256}):
        answer = client.post(
            f"/api/v1/certificates/{target.id}/revoke", json=body, headers={"X-CSRFToken": token}
        )
        assert answer.status_code == 422, body
    assert db.session.get(Certificate, target.id).revoked_on is None


def test_only_the_province_revokes_and_out_of_scope_is_not_found(client, login, issued):
    target = issued.certificates[0]
    token = login(issued.ent_admin.username)
    url = f"/api/v1/certificates/{target.id}/revoke"
    answer = client.post(url, json={"reason": "企业要求吊销"}, headers={"X-CSRFToken": token})
    assert answer.status_code == 403
    other = factories.user(Role.ENTERPRISE_ADMIN, enterprise=factories.enterprise())
    token = login(other.username)
    answer = client.post(url, json={"reason": "企业要求吊销"}, headers={"X-CSRFToken": token})
    assert answer.status_code == 404
    assert db.session.get(Certificate, target.id).revoked_on is None


# --- pages ------------------------------------------------------------------------------


def test_a_trainee_sees_their_certificates(client, login, issued):
    login(issued.trainee.username)
    text = page(client.get("/certificates/mine"))
    mine = next(c for c in issued.certificates if c.employee_id == issued.trainee.employee_id)
    others = [c for c in issued.certificates if c.id != mine.id]
    assert mine.number in text and "四级/中级工" in text and "有效" in text
    assert all(c.number not in text for c in others)
    assert client.get(f"/certificates/{others[0].id}").status_code == 404
    detail = page(client.get(f"/certificates/{mine.id}"))
    assert mine.id_number_masked in detail and "吊销证书" not in detail


def test_the_enterprise_lists_and_filters_its_certificates(client, login, issued):
    login(issued.ent_admin.username)
    text = page(client.get("/certificates/"))
    assert "本企业证书" in text
    assert all(c.number in text for c in issued.certificates)
    first = issued.certificates[0]
    filtered = page(client.get(f"/certificates/?q={first.number}"))
    assert first.number in filtered
    assert issued.certificates[1].number not in filtered
    assert "没有符合条件的证书" in page(client.get("/certificates/?status=revoked"))


def test_the_province_revokes_on_the_certificates_page(client, login, issued):
    login(issued.province.username)
    target = issued.certificates[2]
    url = f"/certificates/{target.id}"
    form = client.get(url)
    assert "吊销证书" in page(form)
    refused = client.post(url + "/revoke", data={"csrf_token": csrf_of(form), "reason": ""})
    assert refused.status_code == 422 and "请填写吊销原因" in page(refused)
    done = client.post(
        url + "/revoke", data={"csrf_token": csrf_of(form), "reason": "以欺骗手段取得"}
    )
    assert done.status_code == 302
    shown = page(client.get(url))
    assert "已吊销" in shown and "以欺骗手段取得" in shown
    assert "吊销证书</button>" not in shown


def test_the_batch_is_issued_by_a_background_job_with_progress(client, login, signed, sent):
    world = published_batch(passed=3, failed=1)
    login(world.province.username)
    url = f"/certificates/batches/{world.batch.id}/issue"
    shown = page(client.get(url))
    assert "合格人员：<strong>3</strong> 人" in shown
    answer = submit(client, url, {"mode": "queue"})
    assert answer.status_code == 302
    (job_id,) = sent
    status = client.get(f"/certificates/jobs/{job_id}").get_json()
    assert (status["status"], status["total"], status["worker_missing"]) == ("queued", 3, False)
    # A second press does not queue a second job.
    submit(client, url, {"mode": "queue"})
    assert db.session.scalar(select(func.count(CertificateJob.id))) == 1
    # The worker runs it: one transaction, committed when the task returns.
    assert tasks.run_issue_job(job_id).status == "done"
    db.session.commit()
    status = client.get(f"/certificates/jobs/{job_id}").get_json()
    assert (status["status"], status["done"], status["percent"]) == ("done", 3, 100)
    assert db.session.get(CertificationBatch, world.batch.id).status == "issued"
    assert "本批次已于" in page(client.get(url))


def test_a_failed_job_issues_nothing_and_says_why(client, login, sent, monkeypatch):
    world = published_batch(passed=3, failed=0)
    login(world.province.username)
    submit(client, f"/certificates/batches/{world.batch.id}/issue", {"mode": "queue"})

    def broken(certificate, id_number):
        raise RuntimeError("no key")

    monkeypatch.setattr(issuing, "signer", lambda: broken)
    with pytest.raises(tasks.IssueFailed):
        tasks.run_issue_job(sent[0])
    db.session.rollback()
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
    status = client.get(f"/certificates/jobs/{sent[0]}").get_json()
    assert status["status"] == "failed" and "未颁发任何证书" in status["message"]
    assert db.session.get(CertificationBatch, world.batch.id).status == "published"


def test_without_a_worker_the_page_says_so_and_a_small_batch_is_issued_at_once(
    client, login, signed, sent, monkeypatch
):
    monkeypatch.setattr(jobs, "worker_running", lambda timeout=0.5: False)
    world = published_batch(passed=2, failed=0)
    login(world.province.username)
    url = f"/certificates/batches/{world.batch.id}/issue"
    submit(client, url, {"mode": "queue"})
    job = db.session.scalar(select(CertificateJob))
    status = client.get(f"/certificates/jobs/{job.id}").get_json()
    assert status["worker_missing"] is True and "后台任务未运行" in status["message"]
    shown = page(client.get(url))
    assert "后台任务未运行" in shown and "celery -A app.jobs:celery_app worker" in shown
    # The page's own 直接颁发 form, as a browser sends it.
    form = re.search(r'<form method="post"[^>]*class="mt-2".*?</form>', shown, re.S).group(0)
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))
    assert form.count('name="mode"') == 1 and fields["mode"] == "now"
    assert client.post(url, data=fields).status_code == 302
    assert db.session.scalar(select(func.count(Certificate.id))) == 2
    assert db.session.get(CertificateJob, job.id).status == "failed"  # replaced by the direct one


def test_a_large_batch_is_not_issued_within_the_request(app, client, login, signed, monkeypatch):
    monkeypatch.setitem(app.config, "CERTIFICATE_ISSUE_IN_REQUEST_LIMIT", 1)
    world = published_batch(passed=2, failed=0)
    login(world.province.username)
    url = f"/certificates/batches/{world.batch.id}/issue"
    answer = submit(client, url, {"mode": "now"}, follow_redirects=True)
    assert "超过 1 本" in page(answer)
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_a_job_queued_too_long_counts_as_stalled(app, client, login, sent, monkeypatch):
    monkeypatch.setitem(app.config, "CERTIFICATE_JOB_STALE_SECONDS", 0)
    world = published_batch(passed=1, failed=0)
    login(world.province.username)
    submit(client, f"/certificates/batches/{world.batch.id}/issue", {"mode": "queue"})
    status = client.get(f"/certificates/jobs/{sent[0]}").get_json()
    assert status["worker_missing"] is True


def test_only_the_province_issues(client, login, signed, sent):
    world = published_batch(passed=1, failed=0)
    login(world.ent_admin.username)
    url = f"/certificates/batches/{world.batch.id}/issue"
    assert client.get(url).status_code == 403
    login(world.province.username)
    submit(client, url, {"mode": "queue"})
    login(world.ent_admin.username)
    assert client.get(f"/certificates/jobs/{sent[0]}").status_code == 403


def test_a_batch_not_ready_shows_why_and_has_no_button(client, login, signed):
    world = published_batch(notice_over=False)
    login(world.province.username)
    shown = page(client.get(f"/certificates/batches/{world.batch.id}/issue"))
    assert "公示期未结束" in shown and "颁发证书（后台任务）" not in shown


def test_listing_certificates_logs_no_export(client, login, issued):
    login(issued.province.username)
    client.get("/certificates/")
    client.get("/api/v1/certificates")
    assert db.session.scalar(select(func.count(PiiExport.id))) == 0


def test_the_celery_task_issues_the_batch_once_the_request_commits(app, client, login, signed):
    celery_app = app.extensions["celery"]
    celery_app.conf.task_always_eager = True  # the task runs here, after the commit
    try:
        world = published_batch(passed=2, failed=1)
        login(world.province.username)
        answer = submit(client, f"/certificates/batches/{world.batch.id}/issue", {"mode": "queue"})
    finally:
        celery_app.conf.task_always_eager = False
    assert answer.status_code == 302
    job = db.session.scalar(select(CertificateJob))
    assert (job.status, job.done, job.total) == ("done", 2, 2)
    assert db.session.scalar(select(func.count(Certificate.id))) == 2
    assert db.session.get(CertificationBatch, world.batch.id).status == "issued"


def test_a_job_no_worker_took_is_queued_afresh(app, client, login, signed, sent, monkeypatch):
    world = published_batch(passed=1, failed=0)
    login(world.province.username)
    url = f"/certificates/batches/{world.batch.id}/issue"
    submit(client, url, {"mode": "queue"})
    monkeypatch.setitem(app.config, "CERTIFICATE_JOB_STALE_SECONDS", 0)
    assert "重新排队（后台任务）" in page(client.get(url))
    submit(client, url, {"mode": "queue"})
    first, second = db.session.scalars(select(CertificateJob).order_by(CertificateJob.id)).all()
    assert (first.status, first.error) == ("failed", tasks.REQUEUED)
    assert second.status == "queued" and sent == [first.id, second.id]
    assert tasks.run_issue_job(first.id).status == "failed"  # the old message does nothing
    assert tasks.run_issue_job(second.id).status == "done"


def test_the_province_finds_batches_awaiting_their_certificates(client, login, signed):
    world = published_batch(passed=1, failed=0)
    login(world.province.username)
    shown = page(client.get("/certificates/"))
    assert "待颁证的认定批次" in shown
    assert f"/certificates/batches/{world.batch.id}/issue" in shown
    login(world.ent_admin.username)
    assert "待颁证的认定批次" not in page(client.get("/certificates/"))
