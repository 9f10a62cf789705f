"""A batch's certificates as one ZIP of PDFs (批量下载), built by a background job.

The job (`certificates.jobs`, kind "zip") renders every certificate of the batch in the
order of their numbers into `instance/certificate-zips/batch-<batch>-job-<job>.zip`
(written as `.part` and renamed when complete, so a half-built file is never served; the
folder and the files are readable by the app's user only: they carry identity numbers).
A batch keeps its latest ZIP; a new one replaces the older files when it is complete.
Without a worker, a batch of up to `INLINE_LIMIT` certificates can be zipped in the request.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

from celery import shared_task
from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from certificates import jobs, pdf
from certificates.downloads import pdf_filename
from certificates.models import Certificate, CertificateJob

BUILD_TASK = jobs.TASKS[jobs.ZIP]
INLINE_LIMIT = 200  # certificates zipped in a request when no worker runs (~5 s)
FOLDER = "certificate-zips"
_NAME = re.compile(r"^batch-(\d+)-job-(\d+)\.zip$")


def zip_folder() -> Path:
    """Where the ZIPs are kept: under the instance folder, readable by the app only."""
    folder = Path(current_app.instance_path) / FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def zip_path(job: CertificateJob) -> Path | None:
    """The finished ZIP of `job`, or None (not done, or its file is gone)."""
    if job.kind != jobs.ZIP or job.status != jobs.DONE or not _NAME.match(job.path or ""):
        return None
    path = zip_folder() / job.path
    return path if path.is_file() else None


def certificate_count(batch_id: int) -> int:
    """How many certificates the batch has (revoked ones included: they print the stamp)."""
    return db.session.scalar(
        select(func.count()).select_from(Certificate).where(Certificate.batch_id == batch_id)
    )


def _certificates(batch_id: int, chunk: int = 50):
    """The batch's certificates in number order, read 50 at a time with statements that
    end at once: no read stays open while the job writes its progress (on SQLite an open
    read would keep the progress from being written until the end)."""
    ids = db.session.scalars(
        select(Certificate.id).where(Certificate.batch_id == batch_id).order_by(Certificate.number)
    ).all()
    for start in range(0, len(ids), chunk):
        yield from db.session.scalars(
            select(Certificate)
            .where(Certificate.id.in_(ids[start : start + chunk]))
            .order_by(Certificate.number)
        ).all()


def start(batch, by) -> CertificateJob:
    """Queue the ZIP of `batch` (the batch's ZIP job already queued or running is answered)."""
    return jobs.start_job(batch, jobs.ZIP, by, total=certificate_count(batch.id))


def write_zip(batch_id: int, out, tick=None) -> int:
    """Write the batch's PDFs as a ZIP into the file object `out`; answers how many.

    Entries are stored (a PDF is already compressed) with the issue date as their time, so
    the same certificates make the same archive."""
    total = certificate_count(batch_id)
    count = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in _certificates(batch_id):
            day = certificate.issued_on
            info = zipfile.ZipInfo(
                pdf_filename(certificate), (day.year, day.month, day.day, 0, 0, 0)
            )
            info.external_attr = 0o600 << 16
            archive.writestr(info, pdf.render(certificate))
            count += 1
            if tick is not None:
                tick(count, total)
    return count


def build_in_request(batch) -> tuple[bytes, int]:
    """The batch's ZIP built at once (a small batch, when no worker runs)."""
    out = io.BytesIO()
    count = write_zip(batch.id, out)
    return out.getvalue(), count


def _build(job: CertificateJob, tick) -> str:
    folder = zip_folder()
    name = f"batch-{job.batch_id}-job-{job.id}.zip"
    part = folder / (name + ".part")
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            write_zip(job.batch_id, out, tick)
        os.replace(part, folder / name)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    for older in folder.glob(f"batch-{job.batch_id}-job-*.zip"):
        if older.name != name:
            older.unlink(missing_ok=True)
    return name


@shared_task(name=BUILD_TASK)
def build_zip(job_id: int) -> str:
    """Celery: build the ZIP of the job `job_id` (one transaction, progress as it goes)."""
    return jobs.run_job(job_id, _build).status
