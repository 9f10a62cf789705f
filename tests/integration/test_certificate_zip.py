"""A batch's certificates as a ZIP of PDFs: built by a Celery job with progress, served
when done, logged on download, and zipped in the request for a small batch without a worker."""

import io
import zipfile

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.extensions import db
from app.orgs.models import PiiExport
from certificates import jobs, zips
from certificates.models import Certificate, CertificateJob
from tests.integration.page_helpers import csrf_of, page


@pytest.fixture
def eager(app):
    """Celery tasks run in the test's process when sent."""
    celery_app = app.extensions["celery"]
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def batch(make):
    """A batch with three certificates (one of another batch), and the province admin."""
    batch = make.certification_batch()
    other = make.certification_batch(title="另一批次")
    ent = make.enterprise()
    for n, name in enumerate(("赵一", "钱二", "孙三"), start=1):
        make.certificate(make.employee(ent, name=name), batch_id=batch.id, number=f"S{n:021d}")
    make.certificate(make.employee(ent, name="李四"), batch_id=other.id)
    make.user(Role.PROVINCE_ADMIN, username="province")
    make.user(Role.ENTERPRISE_ADMIN, username="boss", enterprise=ent)
    return batch


@pytest.fixture
def no_worker(monkeypatch):
    """Nobody answers, and the task is never sent (no message left in a shared Redis)."""
    monkeypatch.setattr(jobs, "worker_running", lambda timeout=0.5: False)
    monkeypatch.setattr(jobs, "_send_pending", lambda session: None)


def start(client, batch_id):
    form = client.get(f"/certificates/batches/{batch_id}/zip")
    assert form.status_code == 200
    return client.post(f"/certificates/batches/{batch_id}/zip", data={"csrf_token": csrf_of(form)})


def test_the_job_zips_the_batch_and_the_page_offers_the_file(client, login, batch, eager, app):
    login("province")
    assert start(client, batch.id).status_code == 302
    job = db.session.scalar(select(CertificateJob))
    assert (job.kind, job.status, job.done, job.total) == ("zip", "done", 3, 3)
    status = client.get(f"/certificates/jobs/{job.id}/status").get_json()
    assert status["percent"] == 100 and status["download_url"].endswith(f"/jobs/{job.id}/zip")
    assert "下载 ZIP" in page(client.get(f"/certificates/batches/{batch.id}/zip"))

    response = client.get(status["download_url"])
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    response.close()  # the file is streamed
    names = archive.namelist()
    assert names == [f"S{n:021d}-{name}.pdf" for n, name in enumerate(("赵一", "钱二", "孙三"), 1)]
    assert all(archive.read(name).startswith(b"%PDF") for name in names)
    logged = db.session.scalars(select(PiiExport)).all()
    assert [(e.user.username, e.row_count) for e in logged] == [("province", 3)]


def test_the_zip_file_is_private_to_the_app(client, login, batch, eager, app):
    login("province")
    start(client, batch.id)
    job = db.session.scalar(select(CertificateJob))
    with app.test_request_context():
        path = zips.zip_path(job)
        assert path.parent.name == "certificate-zips"
        assert path.stat().st_mode & 0o077 == 0 and path.parent.stat().st_mode & 0o077 == 0
        assert list(path.parent.glob("*.part")) == []


def test_a_new_zip_replaces_the_older_file(client, login, batch, eager, app):
    login("province")
    start(client, batch.id)
    start(client, batch.id)
    first, second = db.session.scalars(select(CertificateJob).order_by(CertificateJob.id)).all()
    with app.test_request_context():
        assert zips.zip_path(first) is None and zips.zip_path(second) is not None
    assert client.get(f"/certificates/jobs/{first.id}/zip").status_code == 404


def test_without_a_worker_the_page_says_so(client, login, batch, no_worker):
    login("province")
    start(client, batch.id)  # queued, and nobody runs it
    job = db.session.scalar(select(CertificateJob))
    assert job.status == "queued"
    status = client.get(f"/certificates/jobs/{job.id}/status").get_json()
    assert status["worker_missing"] is True and "后台任务未运行" in status["message"]
    text = page(client.get(f"/certificates/batches/{batch.id}/zip"))
    assert "后台任务未运行" in text and jobs.WORKER_COMMAND in text
    assert "直接打包下载" in text


def test_a_small_batch_is_zipped_in_the_request(client, login, batch):
    login("province")
    form = client.get(f"/certificates/batches/{batch.id}/zip")
    response = client.post(
        f"/certificates/batches/{batch.id}/zip/now", data={"csrf_token": csrf_of(form)}
    )
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(response.get_data())).namelist()) == 3
    assert db.session.scalar(select(PiiExport.row_count)) == 3


def test_a_large_batch_is_not_zipped_in_the_request(client, login, batch, monkeypatch):
    monkeypatch.setattr(zips, "INLINE_LIMIT", 2)
    login("province")
    form = client.get(f"/certificates/batches/{batch.id}/zip")
    assert "直接打包下载" not in page(form)
    response = client.post(
        f"/certificates/batches/{batch.id}/zip/now", data={"csrf_token": csrf_of(form)}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(PiiExport.id)) is None


def test_a_batch_without_certificates_has_nothing_to_zip(client, login, make):
    empty = make.certification_batch()
    make.user(Role.PROVINCE_ADMIN, username="province")
    login("province")
    assert "尚无已发放的证书" in page(client.get(f"/certificates/batches/{empty.id}/zip"))
    assert db.session.scalar(select(CertificateJob.id)) is None


def test_only_the_province_zips_a_batch(client, login, batch, eager):
    login("province")
    start(client, batch.id)
    job = db.session.scalar(select(CertificateJob))
    login("boss")
    assert client.get(f"/certificates/batches/{batch.id}/zip").status_code == 403
    assert client.get(f"/certificates/jobs/{job.id}/status").status_code == 403
    assert client.get(f"/certificates/jobs/{job.id}/zip").status_code == 403
    assert client.get("/certificates/jobs/999/status").status_code == 404


def test_the_progress_is_written_while_the_zip_is_built(make, batch, monkeypatch, app):
    """With more certificates than one read brings (an open read on SQLite would keep the
    progress from being written until the end)."""
    template = db.session.scalar(select(Certificate).where(Certificate.batch_id == batch.id))
    columns = {c.key: getattr(template, c.key) for c in Certificate.__table__.columns}
    db.session.add_all(
        Certificate(**{**columns, "id": None, "number": f"S9{n:020d}", "status_index": 5000 + n})
        for n in range(1, 148)
    )
    db.session.commit()
    monkeypatch.setattr(jobs, "TICK_SECONDS", 0)
    monkeypatch.setattr(jobs, "_send_pending", lambda session: None)
    job = zips.start(batch, None)
    db.session.commit()
    seen = []

    def watching(certificate):
        with db.engine.connect() as other:  # what the polling page reads meanwhile
            seen.append(
                other.scalar(select(CertificateJob.done).where(CertificateJob.id == job.id))
            )
        return b"%PDF-1.4 stub"

    monkeypatch.setattr(zips.pdf, "render", watching)
    with app.test_request_context():
        jobs.run_job(job.id, zips._build)
    db.session.commit()
    assert seen == list(range(150))
