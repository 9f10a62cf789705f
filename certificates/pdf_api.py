"""API: a certificate's PDF (`GET /api/v1/certificates/{id}/pdf`, CONTRACT.md)."""

from io import BytesIO

from flask import request, send_file
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from app.api import API_PREFIX, ApiError
from app.cjk_font import FontMissing
from app.security import get_or_404
from certificates import downloads
from certificates.models import Certificate

blp = Blueprint("certificate_pdf_api", __name__, url_prefix=API_PREFIX, description="证书 PDF")


@blp.get("/certificates/<int:certificate_id>/pdf")
@blp.response(200, content_type="application/pdf", description="证书 PDF（A4，一页）")
@login_required
def certificate_pdf(certificate_id):
    """The certificate as a one-page A4 PDF, the same file every time; in the caller's scope.
    It prints the full identity number: the download is logged (个人信息导出记录)."""
    certificate = get_or_404(current_user, Certificate, certificate_id)
    try:
        data = downloads.certificate_pdf(certificate, current_user, request.remote_addr or "")
    except FontMissing as error:
        raise ApiError(503, f"服务器缺少中文字体文件：{error.path}", code="font_missing") from error
    return send_file(
        BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=downloads.pdf_filename(certificate),
        max_age=0,
    )
