"""Public verification of a certificate by its number (证书查验): what anyone may see.

The answer holds the status (valid, or revoked with the date and reason), the holder's name
partly masked, the identity number masked, the occupation, level, issuer and issue date,
and nothing more. A malformed number and an unknown one get the same "not found".
"""

import re

from sqlalchemy import select

from app.errors import NotFound
from app.extensions import db
from certificates.models import Certificate
from certificates.rules.levels import LEVELS
from certificates.rules.masking import mask_name

NOT_FOUND = "未找到该证书，请核对证书编号后重试"
# A number is one letter then 21 digits (CONTRACT.md); anything else is not looked up.
_NUMBER = re.compile(r"[A-Z][0-9]{21}")
MAX_NUMBER_LENGTH = 64  # what a request may carry; longer is refused unread


def normalise(number: str) -> str:
    """The number as stored: spaces removed, the letter upper-cased."""
    return re.sub(r"\s+", "", number or "")[:MAX_NUMBER_LENGTH].upper()


def find(number: str) -> Certificate:
    """The certificate with this number, or `NotFound` (the same for a malformed number)."""
    number = normalise(number)
    certificate = None
    if _NUMBER.fullmatch(number):
        certificate = db.session.scalar(select(Certificate).where(Certificate.number == number))
    if certificate is None:
        raise NotFound(NOT_FOUND, code="certificate_not_found")
    return certificate


def public_record(certificate: Certificate) -> dict:
    """What the public verification shows of a certificate (CONTRACT.md, fields exactly)."""
    revoked = certificate.revoked_on is not None
    return {
        "number": certificate.number,
        "status": "revoked" if revoked else "valid",
        "revoked_on": certificate.revoked_on.isoformat() if revoked else None,
        "revocation_reason": certificate.revocation_reason if revoked else None,
        "holder_name_masked": mask_name(certificate.holder_name),
        "id_number_masked": certificate.id_number_masked,
        "occupation": certificate.occupation,
        "level": LEVELS[certificate.level],
        "issuer": certificate.issuer,
        "issued_on": certificate.issued_on.isoformat(),
    }
