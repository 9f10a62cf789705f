"""Certificates as signed W3C Verifiable Credentials: signing, checking, keys and rotation."""

import hashlib
import json
import stat

import jwt
import pytest

from app.extensions import db
from certificates import credentials, keys
from tests import factories


@pytest.fixture(autouse=True)
def key_folder(app, tmp_path, monkeypatch):
    """Every test signs with keys of its own folder (generated on first use)."""
    folder = tmp_path / "certificate-keys"
    monkeypatch.setitem(app.config, "CERTIFICATE_KEYS_DIR", str(folder))
    monkeypatch.setitem(app.config, "CERTIFICATE_SIGNING_KEY", "")
    return folder


ID_NUMBER = "130102199001011018"


def _certificate(**fields):
    holder = factories.employee(name="王小明", id_number_=factories.id_number())
    return factories.certificate(holder, **fields)


def _payload(token):
    return json.loads(keys.b64url_decode(token.split(".")[1]))


def test_a_signed_credential_is_a_vc_jwt_that_verifies(app, key_folder):
    with app.test_request_context():
        certificate = _certificate(direction="")
        kid, token = credentials.sign(certificate, ID_NUMBER)
        claims = credentials.verify(token)

    head = credentials.header(token)
    assert head == {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": kid}
    assert claims["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert "VerifiableCredential" in claims["type"]
    subject = claims["credentialSubject"]
    assert subject["name"] == "王小明"
    assert subject["identityNumberMasked"] == "130102********1018"
    assert ID_NUMBER not in token and ID_NUMBER not in json.dumps(claims)
    assert subject["certificateNumber"] == certificate.number
    assert subject["occupation"] == "物业管理员"
    assert subject["direction"] == "--"
    assert subject["level"] == 4 and subject["levelName"] == "四级/中级工"
    assert subject["issuedBy"] == "河北省物业管理行业协会"
    assert subject["issuedOn"] == certificate.issued_on.isoformat()
    assert claims["issuer"]["name"] == "河北省物业管理行业协会"
    assert claims["validFrom"].startswith(certificate.issued_on.isoformat() + "T00:00:00+08:00")
    status = claims["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    assert status["statusListIndex"] == str(certificate.status_index)
    assert status["statusListCredential"].endswith("/api/v1/certificates/status-list")


def test_the_key_is_generated_once_private_and_named_by_its_thumbprint(app, key_folder):
    with app.app_context():
        first = keys.signing_key()
        again = keys.signing_key()
    files = list(key_folder.iterdir())
    assert len(files) == 1 and first.kid == again.kid
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    # RFC 7638: SHA-256 of {"crv","kty","x"} in that order, no spaces.
    jwk = keys.public_jwk(first.public)
    canonical = '{"crv":"Ed25519","kty":"OKP","x":"' + jwk["x"] + '"}'
    assert first.kid == keys.b64url(hashlib.sha256(canonical.encode()).digest())


def test_an_ordinary_jose_library_checks_the_credential_with_the_jwks(app, client):
    with app.test_request_context():
        kid, token = credentials.sign(_certificate(), ID_NUMBER)
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    jwks = response.get_json()
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    assert set(jwk) >= {"kty", "crv", "x", "kid"} and "d" not in jwk
    public = jwt.PyJWK(jwk).key
    claims = jwt.decode(token, public, algorithms=["EdDSA"], options={"verify_aud": False})
    assert claims["credentialSubject"]["identityNumberMasked"] == "130102********1018"


def test_a_tampered_credential_is_refused(app):
    with app.test_request_context():
        _, token = credentials.sign(_certificate(), ID_NUMBER)
        head, payload, signature = token.split(".")
        claims = _payload(token)
        claims["credentialSubject"]["level"] = 1
        forged = keys.b64url(json.dumps(claims).encode())
        with pytest.raises(credentials.CredentialError):
            credentials.verify(f"{head}.{forged}.{signature}")
        flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
        with pytest.raises(credentials.CredentialError):
            credentials.verify(f"{head}.{payload}.{flipped}")
        for junk in ["", "a.b", "a.b.c", "....", token + "x"]:
            with pytest.raises(credentials.CredentialError):
                credentials.verify(junk)


def test_a_credential_signed_with_another_key_is_refused(app):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stranger = Ed25519PrivateKey.generate()
    alien = keys.Key(
        kid=keys.thumbprint(stranger.public_key()), public=stranger.public_key(), private=stranger
    )
    with app.test_request_context():
        certificate = _certificate()
        _, token = credentials.sign_payload(credentials.credential(certificate, ID_NUMBER), alien)
        with pytest.raises(credentials.CredentialError, match="unknown key"):
            credentials.verify(token)
        # Claiming one of our kids does not help: the signature is checked with our key.
        ours = keys.signing_key().kid
        head = keys.b64url(
            json.dumps({"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": ours}).encode()
        )
        body = token.split(".")[1]
        signature = keys.b64url(stranger.sign(f"{head}.{body}".encode()))
        with pytest.raises(credentials.CredentialError, match="bad signature"):
            credentials.verify(f"{head}.{body}.{signature}")


def test_other_algorithms_are_refused(app):
    with app.test_request_context():
        _, token = credentials.sign(_certificate(), ID_NUMBER)
        kid = credentials.header(token)["kid"]
        body = token.split(".")[1]
        for head in (
            {"alg": "none", "typ": "vc+jwt", "kid": kid},
            {"alg": "HS256", "typ": "vc+jwt", "kid": kid},
            {"alg": "EdDSA", "typ": "JWT", "kid": kid},
        ):
            forged = keys.b64url(json.dumps(head).encode()) + "." + body + "."
            with pytest.raises(credentials.CredentialError):
                credentials.verify(forged)


def test_signing_with_a_key_from_the_environment(app, monkeypatch):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    current, older = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    pem = (keys.private_pem(current) + keys.private_pem(older)).decode()
    monkeypatch.setitem(app.config, "CERTIFICATE_SIGNING_KEY", pem)
    with app.test_request_context():
        kid, token = credentials.sign(_certificate(), ID_NUMBER)
        ring = keys.keyring()
        assert kid == keys.thumbprint(current.public_key())
        assert [k.kid for k in ring.published] == [
            keys.thumbprint(current.public_key()),
            keys.thumbprint(older.public_key()),
        ]
        assert credentials.verify(token)["credentialSubject"]["name"] == "王小明"
        with pytest.raises(keys.SigningKeyError):
            keys.rotate()


def test_the_credential_endpoint_serves_the_holder_and_admins_in_scope(app, client, login):
    from app.auth.models import Role
    from app.orgs.models import PiiExport
    from app.pii import vault

    holder = factories.employee(name="王小明", id_number_=ID_NUMBER)
    stranger = factories.employee(name="李四")
    # Stored without a credential (as the factory writes it): signed on first download.
    certificate = factories.certificate(holder, id_number_cipher=vault().encrypt(ID_NUMBER))
    factories.user(Role.TRAINEE, username="holder", employee=holder)
    factories.user(Role.TRAINEE, username="stranger", employee=stranger)
    factories.user(Role.ENTERPRISE_ADMIN, username="other_admin", enterprise=stranger.enterprise)

    url = f"/api/v1/certificates/{certificate.id}/credential"
    assert client.get(url).status_code == 401
    login("stranger")
    assert client.get(url).status_code == 404
    login("other_admin")
    assert client.get(url).status_code == 404
    login("holder")
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/vc+jwt"
    token = response.get_data(as_text=True)
    jwks = client.get("/.well-known/jwks.json").get_json()
    claims = credentials.verify(token, jwks)
    assert claims["credentialSubject"]["certificateNumber"] == certificate.number
    assert claims["credentialSubject"]["identityNumberMasked"] == "130102********1018"
    # Kept once signed: the next download is the same credential, and each one is logged.
    assert client.get(url).get_data(as_text=True) == token
    db.session.refresh(certificate)
    assert (
        certificate.credential == token and certificate.key_id == credentials.header(token)["kid"]
    )
    exports = db.session.query(PiiExport).all()
    assert len(exports) == 2 and certificate.number in exports[0].what
