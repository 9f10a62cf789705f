"""Pages: a certificate's PDF, and a batch's certificates as a ZIP (with its progress).

Registered on `certificates.views.bp` (url prefix /certificates): importing this module adds
the routes. Every PDF or ZIP carries full identity numbers and its download is logged.
"""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from app.cjk_font import FontMissing
from app.extensions import db
from app.security import Action, get_or_404
from certificates import downloads, jobs, zips
from certificates.models import Certificate, CertificateJob, CertificationBatch
from certificates.views import bp


def _font_missing(error: FontMissing):
    return render_template("certificates/pdf/font_missing.html", path=error.path), 503


@bp.get("/<int:certificate_id>/pdf")
@login_required
def download_pdf(certificate_id: int):
    """证书 PDF: the holder's own, an admin's in scope; logged (full identity number)."""
    certificate = get_or_404(current_user, Certificate, certificate_id)
    try:
        data = downloads.certificate_pdf(certificate, current_user, request.remote_addr or "")
    except FontMissing as error:
        return _font_missing(error)
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=request.args.get("inline") != "1",
        download_name=downloads.pdf_filename(certificate),
        max_age=0,
    )


def _batch(batch_id: int) -> CertificationBatch:
    return get_or_404(current_user, CertificationBatch, batch_id, Action.MANAGE)


def _job(job_id: int) -> CertificateJob:
    job = db.session.get(CertificateJob, job_id)
    if job is None:
        abort(404)
    _batch(job.batch_id)
    return job


@bp.get("/batches/<int:batch_id>/zip")
@login_required
def batch_zip(batch_id: int):
    """打包下载: the batch's ZIP of PDFs, its progress, or the button that starts it."""
    batch = _batch(batch_id)
    job = jobs.latest_job(batch.id, jobs.ZIP)
    count = zips.certificate_count(batch.id)
    return render_template(
        "certificates/pdf/batch_zip.html",
        batch=batch,
        job=job,
        shown=jobs.progress(job) if job else None,
        ready=job is not None and zips.zip_path(job) is not None,
        count=count,
        inline_limit=zips.INLINE_LIMIT,
        worker_command=jobs.WORKER_COMMAND,
    )


@bp.post("/batches/<int:batch_id>/zip")
@login_required
def start_zip(batch_id: int):
    """Start building the batch's ZIP (one at a time per batch)."""
    batch = _batch(batch_id)
    if zips.certificate_count(batch.id) == 0:
        flash("该批次尚无已发放的证书，无法打包。", "warning")
    else:
        zips.start(batch, current_user)
    return redirect(url_for(".batch_zip", batch_id=batch.id))


@bp.post("/batches/<int:batch_id>/zip/now")
@login_required
def zip_now(batch_id: int):
    """Without a worker: a small batch zipped in this request (up to `zips.INLINE_LIMIT`)."""
    batch = _batch(batch_id)
    count = zips.certificate_count(batch.id)
    if count == 0 or count > zips.INLINE_LIMIT:
        flash(
            f"只有不超过 {zips.INLINE_LIMIT} 张证书的批次可以直接打包；请启动后台任务。", "warning"
        )
        return redirect(url_for(".batch_zip", batch_id=batch.id))
    try:
        data, count = zips.build_in_request(batch)
    except FontMissing as error:
        return _font_missing(error)
    downloads.log_export(
        current_user,
        f"证书批量下载 ZIP（含完整身份证号）：{batch.title}",
        count,
        remote_addr=request.remote_addr or "",
    )
    return send_file(
        io.BytesIO(data),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"证书-{batch.id:04d}.zip",
        max_age=0,
    )


@bp.get("/jobs/<int:job_id>/status")
@login_required
def zip_job_status(job_id: int):
    """The job's progress as JSON, for the page to poll."""
    job = _job(job_id)
    shown = jobs.progress(job)
    if job.kind == jobs.ZIP and zips.zip_path(job) is not None:
        shown["download_url"] = url_for(".download_zip", job_id=job.id)
    response = shown
    return response, 200, {"Cache-Control": "no-store"}


@bp.get("/jobs/<int:job_id>/zip")
@login_required
def download_zip(job_id: int):
    """The finished ZIP of a job; logged (the PDFs carry full identity numbers)."""
    job = _job(job_id)
    path = zips.zip_path(job)
    if path is None:
        abort(404)
    downloads.log_export(
        current_user,
        f"证书批量下载 ZIP（含完整身份证号）：批次 {job.batch_id}",
        job.total,
        remote_addr=request.remote_addr or "",
    )
    return send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"证书-{job.batch_id:04d}.zip",
        max_age=0,
    )
