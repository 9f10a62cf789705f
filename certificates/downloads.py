"""Downloading certificates: one PDF, or a batch's PDFs as a ZIP built by a background job.

The PDF prints the holder's full identity number (as the official certificate does), so
every download is recorded as a `PiiExport` (who, when, from where, how many), whoever
downloads it — the holder included, so that the log is the whole story.
"""

from __future__ import annotations

from app.extensions import db
from app.orgs.models import PiiExport
from certificates import pdf


def log_export(user, what: str, rows: int, *, enterprise_id=None, remote_addr: str = "") -> None:
    """Record that `user` took `rows` certificates with full identity numbers out."""
    db.session.add(
        PiiExport(
            user_id=user.id,
            enterprise_id=enterprise_id,
            what=what[:128],
            row_count=rows,
            remote_addr=(remote_addr or "")[:64],
        )
    )
    db.session.flush()


def certificate_pdf(certificate, user, remote_addr: str = "") -> bytes:
    """The certificate's PDF for `user` (in scope: the caller checked), its download logged."""
    data = pdf.render(certificate)
    log_export(
        user,
        f"职业技能等级证书 PDF（含完整身份证号）：{certificate.number}",
        1,
        enterprise_id=certificate.enterprise_id,
        remote_addr=remote_addr,
    )
    return data


def pdf_filename(certificate) -> str:
    """The file name a certificate downloads as, e.g. S1234…-张三.pdf."""
    return f"{certificate.number}-{certificate.holder_name}.pdf"
