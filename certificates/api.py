"""API: the certificates in the caller's scope, and revocation (CONTRACT.md, "Certificates")."""

from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.api import API_PREFIX, PageArgs, paginate
from app.extensions import db
from app.security import Action, get_or_404, visible
from app.timeutil import local_today
from certificates import issuing
from certificates.models import Certificate

blp = Blueprint("certificates_api", __name__, url_prefix=API_PREFIX, description="证书")


class CertificateItem(Schema):
    id = fields.Integer()
    number = fields.String()
    holder_name = fields.String()
    occupation = fields.String()
    level = fields.Integer(metadata={"description": "5 = 五级/初级工 … 1 = 一级/高级技师"})
    issued_on = fields.Date()
    status = fields.String(metadata={"description": "valid | revoked"})


class CertificateRevoked(CertificateItem):
    revoked_on = fields.Date(allow_none=True)
    revocation_reason = fields.String()


class CertificatePage(Schema):
    items = fields.List(fields.Nested(CertificateItem))
    total = fields.Integer()
    page = fields.Integer()


class CertificateRevokeInput(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(
            min=issuing.REASON_LENGTH[0],
            max=issuing.REASON_LENGTH[1],
            error="吊销原因应为 2–255 个字",
        ),
    )


@blp.get("/certificates")
@blp.arguments(PageArgs, location="query")
@blp.response(200, CertificatePage)
@login_required
def certificates(args):
    """The certificates in the caller's scope (a trainee: their own), newest first."""
    stmt = (
        select(Certificate)
        .where(visible(current_user, Certificate))
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
    )
    return paginate(stmt, args["page"], args["per_page"], lambda certificate: certificate)


@blp.post("/certificates/<int:certificate_id>/revoke")
@blp.arguments(CertificateRevokeInput)
@blp.response(200, CertificateRevoked)
@login_required
def revoke(data, certificate_id):
    """Revoke a certificate with a reason (provincial admin); verification says so at once."""
    certificate = get_or_404(current_user, Certificate, certificate_id, Action.MANAGE)
    revoked = issuing.revoke(certificate, data["reason"], current_user, local_today())
    db.session.flush()
    return revoked
