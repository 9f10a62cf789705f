"""API: a certificate's signed credential, the revocation status list, public verification."""

from flask import Response, current_app, request
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.api import API_PREFIX, public
from app.extensions import limiter
from app.security import get_or_404
from certificates import credentials, status_list, verification
from certificates.models import Certificate

blp = Blueprint(
    "certificate_credentials_api",
    __name__,
    url_prefix=API_PREFIX,
    description="证书电子凭证、吊销状态列表与公开查验",
)


def verify_limits() -> str:
    """Public look-ups allowed per client address (config `VERIFY_LIMITS`)."""
    return current_app.config.get("VERIFY_LIMITS") or "30 per minute;300 per hour"


# The page (`certificates.verify_views`) and the API count together per address: scraping
# the register through either is the same.
verify_limit = limiter.shared_limit(verify_limits, scope="certificate-verify")


class VerificationSchema(Schema):
    number = fields.String()
    status = fields.String(metadata={"enum": ["valid", "revoked"]})
    revoked_on = fields.String(allow_none=True, metadata={"format": "date"})
    revocation_reason = fields.String(allow_none=True)
    holder_name_masked = fields.String()
    id_number_masked = fields.String()
    occupation = fields.String()
    level = fields.String(metadata={"description": "等级，如 四级/中级工"})
    issuer = fields.String()
    issued_on = fields.String(metadata={"format": "date"})


@blp.get(f"/verify/<string(maxlength={verification.MAX_NUMBER_LENGTH}):number>")
@blp.response(200, VerificationSchema)
@blp.alt_response(404, description="未找到该证书（编号格式有误或不存在，回答相同）")
@blp.alt_response(429, description="查询过于频繁")
@verify_limit
@public
def verify(number: str):
    """Public verification of a certificate by its number (no login)."""
    return verification.public_record(verification.find(number))


@blp.get("/certificates/status-list")
@blp.response(
    200,
    content_type=credentials.MEDIA_TYPE,
    description="吊销状态列表（Bitstring Status List 凭证，EdDSA 签名的 vc+jwt）",
)
@public
def status_list_credential():
    """The revocation status list credential (public); reflects a revocation at once."""
    response = Response(status_list.signed(), mimetype=credentials.MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers fetch it from anywhere
    return response


@blp.get("/certificates/<int:certificate_id>/credential")
@blp.response(
    200,
    content_type=credentials.MEDIA_TYPE,
    description="证书的可验证凭证（W3C VC 2.0，EdDSA 签名的 vc+jwt）；公钥：/.well-known/jwks.json",
)
@login_required
def certificate_credential(certificate_id: int):
    """A certificate's signed credential (the holder, admins in scope); the download is logged."""
    certificate = get_or_404(current_user, Certificate, certificate_id)
    token = credentials.for_download(
        certificate, user_id=current_user.id, remote_addr=request.remote_addr or ""
    )
    response = Response(token, mimetype=credentials.MEDIA_TYPE)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="certificate-{certificate.number}.jwt"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
