"""The revocation status list: a Bitstring Status List credential, signed as a vc+jwt.

Built from the database on each request (the revoked certificates' `status_index`es), so a
revocation shows at once; the signed answer is remembered per process only while the set of
revoked indexes, the list's size and the signing key stay the same.
"""

import threading
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from certificates import credentials
from certificates.models import Certificate
from certificates.rules import status_bits

_lock = threading.Lock()
_last: dict = {}


def revoked_indexes() -> list[int]:
    """The status indexes of every revoked certificate, in order."""
    return list(
        db.session.scalars(
            select(Certificate.status_index)
            .where(Certificate.revoked_on.is_not(None))
            .order_by(Certificate.status_index)
        )
    )


def payload(revoked, size: int, now: datetime) -> dict:
    """The unsigned status list credential (VC Data Model 2.0)."""
    url = credentials.status_list_url()
    return {
        "@context": [credentials.CONTEXT_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": credentials.issuer(
            current_app.config.get("CERTIFICATE_ISSUER", "") or "河北省物业管理行业协会"
        ),
        "validFrom": now.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": status_bits.encode(revoked, size),
        },
    }


def signed() -> str:
    """The current status list credential as a compact JWS."""
    from certificates import keys

    revoked = tuple(revoked_indexes())
    highest = db.session.scalar(select(func.max(Certificate.status_index)))
    size = status_bits.size_for(highest)
    key = keys.signing_key()
    state = (credentials.base_url(), revoked, size, key.kid)
    with _lock:
        if _last.get("state") == state:
            return _last["token"]
    _, token = credentials.sign_payload(payload(revoked, size, datetime.now(UTC)), key)
    with _lock:
        _last.update(state=state, token=token)
    return token


def is_revoked(status_list_token: str, index: int, jwks: dict | None = None) -> bool:
    """Whether bit `index` is set in a status list credential (its signature checked)."""
    claims = credentials.verify(status_list_token, jwks)
    bits = status_bits.decode(claims["credentialSubject"]["encodedList"])
    return status_bits.is_set(bits, index)
