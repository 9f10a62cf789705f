"""Certificates as W3C Verifiable Credentials 2.0, secured as JWTs (VC-JOSE-COSE).

A credential is a compact JWS: header `{"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc",
"kid": <RFC 7638 thumbprint>}`, payload the credential itself (VC Data Model 2.0), signed
with the newest key of `certificates.keys`; every key is published at
`/.well-known/jwks.json`, so anyone checks a credential with an ordinary JOSE library.

What the credential says about the holder: the full name (the credential goes to the
holder and those they show it to, as the paper certificate does) and the identity number
*masked* as on the public verification page (`130102********1234`). No hash of the full
number: an identity number's unknown middle part (the birth date) is so small a space that
any hash, salted in the open, would give it away by trial; a keyed one nobody else could
check. Revocation: `credentialStatus` is a `BitstringStatusListEntry` pointing at the
certificate's bit (`Certificate.status_index`) in `certificates.status_list`.

Signing is done with `cryptography` directly (Ed25519 is fast: 10,000 credentials take
well under a second); `verify` is for tests and tools.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta, timezone

from cryptography.exceptions import InvalidSignature

from app.orgs.rules.identity import mask_id_number
from app.web import public_base_url
from certificates import keys
from certificates.rules.levels import LEVELS

TYPE = "vc+jwt"
MEDIA_TYPE = "application/vc+jwt"
CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2"
CREDENTIAL_TYPE = "SkillLevelCertificateCredential"  # 职业技能等级证书
STATUS_LIST_PATH = "/api/v1/certificates/status-list"
_CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


class CredentialError(ValueError):
    """A token that is not a valid credential of ours (malformed, unknown key, bad signature)."""


def base_url() -> str:
    """The public address of the platform (PUBLIC_BASE_URL), without a trailing slash."""
    return public_base_url()


def verification_url(number: str) -> str:
    """The public verification page of a certificate (its QR code's target)."""
    return f"{base_url()}/verify/{number}"


def status_list_url() -> str:
    """Where the revocation status list credential is published."""
    return base_url() + STATUS_LIST_PATH


def issuer(name: str) -> dict:
    """The credential's issuer: the platform's address, with the issuing body's name."""
    return {"id": base_url(), "name": name}


def _date_time(day) -> str:
    """Midnight of a date in China, as an XML Schema dateTimeStamp."""
    return datetime.combine(day, time(), _CHINA).isoformat()


def credential(certificate, id_number: str) -> dict:
    """The unsigned credential (VC Data Model 2.0) of a certificate."""
    number = certificate.number
    base = base_url()
    status_url = base + STATUS_LIST_PATH
    index = str(certificate.status_index)
    return {
        "@context": [CONTEXT_V2],
        "id": f"{base}/verify/{number}",
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "name": "职业技能等级证书",
        "issuer": {"id": base, "name": certificate.issuer},
        "validFrom": _date_time(certificate.issued_on),
        "credentialSubject": {
            "type": "Person",
            "name": certificate.holder_name,
            "identityDocumentType": certificate.id_type,
            "identityNumberMasked": mask_id_number(id_number),
            "occupation": certificate.occupation,
            "direction": certificate.direction or "--",
            "level": certificate.level,
            "levelName": LEVELS[certificate.level],
            "certificateNumber": number,
            "issuedBy": certificate.issuer,
            "issuedOn": certificate.issued_on.isoformat(),
        },
        "credentialStatus": {
            "id": f"{status_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": index,
            "statusListCredential": status_url,
        },
    }


def _segment(value: dict) -> str:
    return keys.b64url(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


_headers: dict[str, str] = {}  # the encoded protected header of each key


def sign_payload(payload: dict, key: keys.Key | None = None) -> tuple[str, str]:
    """Sign a credential as a compact JWS: answers `(kid, token)`."""
    key = key or keys.signing_key()
    head = _headers.get(key.kid)
    if head is None:
        head = _headers[key.kid] = _segment(
            {"alg": "EdDSA", "typ": TYPE, "cty": "vc", "kid": key.kid}
        )
    signing_input = f"{head}.{_segment(payload)}"
    signature = key.private.sign(signing_input.encode("ascii"))
    return key.kid, f"{signing_input}.{keys.b64url(signature)}"


def sign(certificate, id_number: str) -> tuple[str, str]:
    """The certificate's credential, signed with the newest key: `(kid, compact_jws)`.

    `certificate` needs its number, status index, holder, occupation, level, issuer and
    issue date set; `id_number` is the holder's identity number in clear (only its mask is
    written into the credential). Also adds `iat` (when it was signed) as JWT claims do.
    """
    payload = credential(certificate, id_number)
    payload["iat"] = int(datetime.now(UTC).timestamp())
    return sign_payload(payload)


def _jwks_keys(jwks: dict | None) -> dict[str, keys.Key]:
    if jwks is None:
        return {key.kid: key for key in keys.keyring().published}
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    found = {}
    for jwk in jwks.get("keys", []):
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "x" not in jwk:
            continue
        public = Ed25519PublicKey.from_public_bytes(keys.b64url_decode(jwk["x"]))
        found[jwk.get("kid") or keys.thumbprint(public)] = keys.Key(
            kid=keys.thumbprint(public), public=public
        )
    return found


def _json_segment(text: str, what: str) -> dict:
    try:
        value = json.loads(keys.b64url_decode(text))
    except (ValueError, UnicodeDecodeError) as error:
        raise CredentialError(f"malformed {what}") from error
    if not isinstance(value, dict):
        raise CredentialError(f"malformed {what}")
    return value


def header(token: str) -> dict:
    """The protected header of a compact JWS (not verified)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise CredentialError("not a compact JWS")
    return _json_segment(parts[0], "header")


def verify(token: str, jwks: dict | None = None) -> dict:
    """The payload of a credential whose signature checks out, else `CredentialError`.

    Checks the header (`alg` EdDSA, `typ` vc+jwt, a `kid` of the key set) and the Ed25519
    signature with that key; `jwks` is the key set to trust (default: our published keys).
    Revocation is not checked here: see `certificates.status_list.is_revoked`.
    """
    if not isinstance(token, str):
        raise CredentialError("not a compact JWS")
    token = token.strip()
    head = header(token)
    if head.get("alg") != "EdDSA":
        raise CredentialError("unexpected algorithm")
    if head.get("typ") != TYPE:
        raise CredentialError("unexpected type")
    key = _jwks_keys(jwks).get(head.get("kid"))
    if key is None:
        raise CredentialError("unknown key")
    protected, payload, signature = token.split(".")
    try:
        key.public.verify(keys.b64url_decode(signature), f"{protected}.{payload}".encode("ascii"))
    except (InvalidSignature, ValueError, UnicodeEncodeError) as error:
        raise CredentialError("bad signature") from error
    return _json_segment(payload, "payload")


def for_download(certificate, *, user_id: int, remote_addr: str = "") -> str:
    """The certificate's signed credential for its holder or an admin in scope.

    A certificate stored without one (issued before credentials existed) is signed now and
    keeps it. The credential carries the holder's full name, more than the public page
    shows, so every download is recorded as an export (`PiiExport`). Flushes.
    """
    from app.extensions import db
    from app.orgs.models import PiiExport
    from app.pii import vault

    if not certificate.credential:
        id_number = vault().decrypt(certificate.id_number_cipher)
        certificate.key_id, certificate.credential = sign(certificate, id_number)
    db.session.add(
        PiiExport(
            user_id=user_id,
            enterprise_id=certificate.enterprise_id,
            what=f"证书电子凭证（含姓名）：{certificate.number}"[:128],
            row_count=1,
            remote_addr=(remote_addr or "")[:64],
        )
    )
    db.session.flush()
    return certificate.credential


def re_sign(kid: str | None = None, batch_size: int = 500) -> int:
    """Sign again with the newest key the stored credentials of key `kid` (every credential
    not signed with the newest key when None); answers how many. Flushes.

    For a key that may have leaked: rotate, re-sign, then withdraw the old public key.
    """
    from sqlalchemy import select

    from app.extensions import db
    from app.pii import vault
    from certificates.models import Certificate

    current = keys.signing_key()
    query = select(Certificate).where(Certificate.key_id != current.kid).order_by(Certificate.id)
    if kid is not None:
        query = query.where(Certificate.key_id == kid)
    box, count = vault(), 0
    for certificate in db.session.scalars(query.execution_options(yield_per=batch_size)):
        id_number = box.decrypt(certificate.id_number_cipher)
        certificate.key_id, certificate.credential = sign(certificate, id_number)
        count += 1
    db.session.flush()
    return count
