"""Public verification of certificates: the API, the pages, the status list and rate limits."""

import json
from datetime import date

import jwt
import pytest

from app.extensions import db
from certificates import credentials, keys, status_list
from certificates.rules import status_bits
from tests import factories

ID_NUMBER = "130102199001011018"
CONTRACT_FIELDS = {
    "number",
    "status",
    "revoked_on",
    "revocation_reason",
    "holder_name_masked",
    "id_number_masked",
    "occupation",
    "level",
    "issuer",
    "issued_on",
}


@pytest.fixture(autouse=True)
def key_folder(app, tmp_path, monkeypatch):
    folder = tmp_path / "certificate-keys"
    monkeypatch.setitem(app.config, "CERTIFICATE_KEYS_DIR", str(folder))
    monkeypatch.setitem(app.config, "CERTIFICATE_SIGNING_KEY", "")
    return folder


def _issued(name="王小明", index=None, **fields):
    """A certificate with a real signed credential (signed through our own `sign`)."""
    holder = factories.employee(name=name, id_number_=ID_NUMBER)
    if index is not None:
        fields["status_index"] = index
    certificate = factories.certificate(holder, issued_on=date(2026, 11, 20), **fields)
    with_request = not _has_request()
    if with_request:
        from flask import current_app

        ctx = current_app.test_request_context()
        ctx.push()
    certificate.key_id, certificate.credential = credentials.sign(certificate, ID_NUMBER)
    db.session.commit()
    if with_request:
        ctx.pop()
    return certificate


def _has_request():
    from flask import has_request_context

    return has_request_context()


def _revoke(certificate, on=date(2026, 12, 1), reason="以欺骗手段取得证书"):
    certificate.revoked_on = on
    certificate.revocation_reason = reason
    db.session.commit()


def test_a_valid_certificate_answers_exactly_the_contract_fields(client):
    certificate = _issued()
    response = client.get(f"/api/v1/verify/{certificate.number}")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == CONTRACT_FIELDS
    assert body == {
        "number": certificate.number,
        "status": "valid",
        "revoked_on": None,
        "revocation_reason": None,
        "holder_name_masked": "王*明",
        "id_number_masked": "130102********1018",
        "occupation": "物业管理员",
        "level": "四级/中级工",
        "issuer": "河北省物业管理行业协会",
        "issued_on": "2026-11-20",
    }


def test_a_revoked_certificate_answers_revoked_with_date_and_reason_at_once(client):
    certificate = _issued(name="张三")
    _revoke(certificate)
    body = client.get(f"/api/v1/verify/{certificate.number}").get_json()
    assert body["status"] == "revoked"
    assert body["revoked_on"] == "2026-12-01"
    assert body["revocation_reason"] == "以欺骗手段取得证书"
    assert body["holder_name_masked"] == "张*"


@pytest.mark.parametrize(
    "number",
    [
        "S999999999999999999999",  # well formed, unknown
        "S99999999999999999999",  # one digit short
        "1234",
        "not-a-number",
        "S12345678901234567890１",  # a full-width digit
        "x" * 64,
    ],
)
def test_unknown_and_malformed_numbers_get_the_same_not_found(client, number):
    _issued()
    response = client.get(f"/api/v1/verify/{number}")
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "certificate_not_found"
    assert error["message"] == "未找到该证书，请核对证书编号后重试"
    for typed in (number, number * 3):  # the page takes any length
        page = client.get(f"/verify/{typed}")
        assert page.status_code == 404
        assert "未找到该证书" in page.get_data(as_text=True)


def test_a_similar_number_reveals_nothing(client):
    certificate = _issued()
    near = certificate.number[:-1] + ("0" if certificate.number[-1] != "0" else "1")
    body = client.get(f"/api/v1/verify/{near}").get_json()
    assert body["error"]["message"] == "未找到该证书，请核对证书编号后重试"
    assert certificate.number not in json.dumps(body, ensure_ascii=False)


def test_a_lower_case_letter_and_spaces_still_find_the_certificate(client):
    certificate = _issued()
    typed = certificate.number.lower()
    assert client.get(f"/api/v1/verify/{typed}").get_json()["number"] == certificate.number
    response = client.get("/verify", query_string={"number": f" {typed} "})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{certificate.number}")


def test_the_page_shows_status_and_masked_data_and_nothing_more(client):
    certificate = _issued(name="欧阳娜娜", direction="综合管理")
    page = client.get(f"/verify/{certificate.number}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for shown in [
        "有效",
        "欧**娜",
        "130102********1018",
        "物业管理员",
        "四级/中级工",
        "河北省物业管理行业协会",
        "2026-11-20",
        certificate.number,
    ]:
        assert shown in html
    for hidden in ["欧阳娜娜", ID_NUMBER, "综合管理", "测试物业服务有限公司"]:
        assert hidden not in html
    _revoke(certificate, reason="证书信息与本人不符")
    html = client.get(f"/verify/{certificate.number}").get_data(as_text=True)
    assert "已吊销" in html and "2026-12-01" in html and "证书信息与本人不符" in html


def test_the_form_asks_for_a_number(client):
    page = client.get("/verify")
    assert page.status_code == 200
    assert "证书编号" in page.get_data(as_text=True)
    empty = client.get("/verify", query_string={"number": ""})
    assert empty.status_code == 200 and "请输入证书编号" in empty.get_data(as_text=True)


def test_verification_is_rate_limited_per_address_across_page_and_api(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_LIMITS", "4 per minute")
    certificate = _issued()
    for _ in range(2):
        assert client.get(f"/api/v1/verify/{certificate.number}").status_code == 200
        assert client.get(f"/verify/S{'1' * 21}").status_code == 404
    refused = client.get(f"/api/v1/verify/{certificate.number}")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert client.get(f"/verify/{certificate.number}").status_code == 429
    other = client.get(
        f"/api/v1/verify/{certificate.number}", environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert other.status_code == 200


def _status_list(client):
    response = client.get("/api/v1/certificates/status-list")
    assert response.status_code == 200
    assert response.mimetype == "application/vc+jwt"
    return response.get_data(as_text=True)


def test_the_status_list_sets_exactly_the_revoked_bits_at_once(app, client):
    first, second, third = _issued(index=7), _issued(index=8), _issued(index=200_000)
    token = _status_list(client)
    jwks = client.get("/.well-known/jwks.json").get_json()
    claims = credentials.verify(token, jwks)
    subject = claims["credentialSubject"]
    assert claims["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    bits = status_bits.decode(subject["encodedList"])
    assert len(bits) * 8 == 2 * status_bits.MIN_BITS  # index 200,000 needs a second block
    assert not any(bits)

    _revoke(second)
    _revoke(third)
    token = _status_list(client)
    bits = status_bits.decode(credentials.verify(token, jwks)["credentialSubject"]["encodedList"])
    set_bits = [i for i in range(len(bits) * 8) if status_bits.is_set(bits, i)]
    assert set_bits == [8, 200_000]
    # What a third party does: follow the credential's credentialStatus to the list.
    with app.test_request_context():
        entry = credentials.verify(second.credential)["credentialStatus"]
        assert status_list.is_revoked(token, int(entry["statusListIndex"]), jwks)
        entry = credentials.verify(first.credential)["credentialStatus"]
        assert not status_list.is_revoked(token, int(entry["statusListIndex"]), jwks)
    assert entry["statusListCredential"].endswith("/api/v1/certificates/status-list")


def test_the_status_list_is_public_and_at_least_16_kib(client):
    token = _status_list(client)
    with client.application.test_request_context():
        subject = credentials.verify(token)["credentialSubject"]
    assert len(status_bits.decode(subject["encodedList"])) == 16 * 1024


def test_key_rotation_keeps_old_credentials_verifiable(app, client, runner, key_folder):
    old = _issued(name="李四")
    result = runner.invoke(args=["certificates", "rotate-key"])
    assert result.exit_code == 0, result.output
    new = _issued(name="赵六")
    assert old.key_id != new.key_id
    # The old private key is gone; its public half stays, and both kids are published.
    assert len([p for p in key_folder.iterdir() if not p.name.endswith(".pub.pem")]) == 1
    jwks = client.get("/.well-known/jwks.json").get_json()
    published = {k["kid"]: k for k in jwks["keys"]}
    assert {old.key_id, new.key_id} <= set(published)
    for certificate in (old, new):
        key = jwt.PyJWK(published[certificate.key_id]).key
        claims = jwt.decode(certificate.credential, key, algorithms=["EdDSA"])
        assert claims["credentialSubject"]["certificateNumber"] == certificate.number
        with app.test_request_context():
            assert credentials.verify(certificate.credential)["id"].endswith(certificate.number)
    # The status list is signed with the new key.
    assert credentials.header(_status_list(client))["kid"] == new.key_id
    listing = runner.invoke(args=["certificates", "keys"])
    assert new.key_id in listing.output and old.key_id in listing.output


def test_a_credential_from_an_unknown_key_is_not_ours(app, client):
    certificate = _issued()
    jwks = client.get("/.well-known/jwks.json").get_json()
    stranger = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": keys.b64url(b"\x01" * 32)}]}
    with pytest.raises(credentials.CredentialError):
        credentials.verify(certificate.credential, stranger)
    assert credentials.verify(certificate.credential, jwks)


def test_after_a_leak_credentials_are_signed_again_with_the_new_key(app, client, runner):
    old = _issued(name="李四")
    runner.invoke(args=["certificates", "rotate-key"])
    result = runner.invoke(args=["certificates", "re-sign", "--kid", old.key_id])
    assert result.exit_code == 0, result.output
    db.session.refresh(old)
    with app.test_request_context():
        new_kid = keys.signing_key().kid
        assert old.key_id == new_kid
        assert credentials.header(old.credential)["kid"] == new_kid
        assert credentials.verify(old.credential)["credentialSubject"]["name"] == "李四"
