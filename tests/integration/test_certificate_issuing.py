"""Issuing a batch's certificates: numbers, copies of what is printed, signing, all or
nothing; promotion certificates of competition winners; revocation."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.errors import Conflict, Invalid
from app.extensions import db
from app.orgs.models import Employee, ExternalCertificate
from app.pii import vault
from app.timeutil import utcnow
from certificates import issuing
from certificates.models import Certificate, CertificateSerial, CertificationBatch, Objection
from certificates.rules import numbering
from competitions import results as competition_results
from tests import factories
from tests.integration.certificate_issuing_helpers import (  # noqa: F401 (a fixture)
    PHOTO,
    published_batch,
    signed_stub,
)
from tests.integration.competition_results_helpers import build

TODAY = date(2026, 12, 4)


def _issued(batch):
    return db.session.scalars(
        select(Certificate).where(Certificate.batch_id == batch.id).order_by(Certificate.number)
    ).all()


def test_every_passed_candidate_gets_one_certificate_and_the_batch_is_issued(app, signed):
    world = published_batch(passed=3, failed=2)
    assert issuing.issue_batch(world.batch, world.province, TODAY) == 3
    db.session.commit()
    stored = _issued(world.batch)
    assert {c.candidate_id for c in stored} == {c.id for c in world.passed}
    batch = db.session.get(CertificationBatch, world.batch.id)
    assert (batch.status, batch.issued_on) == ("issued", TODAY)
    assert batch.issued_at is not None


def test_numbers_are_well_formed_and_consecutive_under_the_configured_prefix(app, signed):
    world = published_batch(passed=3, failed=0)
    issuing.issue_batch(world.batch, world.province, TODAY)
    db.session.commit()
    prefix = numbering.prefix(app.config["CERTIFICATE_NUMBER"], 2026, 4)
    assert prefix == "S000001" + "13" + "0001" + "26" + "4"
    assert [c.number for c in _issued(world.batch)] == [f"{prefix}00000{n}" for n in (1, 2, 3)]
    assert all(numbering.is_well_formed(c.number) for c in _issued(world.batch))
    indexes = [c.status_index for c in _issued(world.batch)]
    assert sorted(indexes) == [1, 2, 3]


def test_serials_go_on_across_batches_and_start_afresh_per_level(app, signed):
    first = published_batch(passed=2, failed=0, title="甲")
    second = published_batch(passed=2, failed=0, title="乙")
    third = published_batch(passed=1, failed=0, level=3, title="丙")
    for world in (first, second, third):
        issuing.issue_batch(world.batch, world.province, TODAY)
    db.session.commit()
    assert [c.number[-6:] for c in _issued(second.batch)] == ["000003", "000004"]
    assert [c.number[-6:] for c in _issued(third.batch)] == ["000001"]
    assert _issued(third.batch)[0].number[15] == "3"
    assert db.session.get(CertificateSerial, "status-list").last_serial == 5


def test_the_certificate_copies_what_is_printed_and_is_signed(app, signed):
    world = published_batch(passed=1, failed=0)
    world.batch.direction = "物业客服"
    db.session.commit()
    issuing.issue_batch(world.batch, world.province, TODAY)
    db.session.commit()
    (certificate,) = _issued(world.batch)
    employee = world.passed[0].employee
    id_number = vault().decrypt(employee.id_number_cipher)
    assert certificate.holder_name == employee.name
    assert certificate.id_type == "居民身份证"
    assert vault().decrypt(certificate.id_number_cipher) == id_number
    assert certificate.id_number_cipher != employee.id_number_cipher  # encrypted afresh
    assert certificate.id_number_masked == employee.id_number_masked
    assert (certificate.occupation, certificate.direction, certificate.level) == (
        "物业管理员",
        "物业客服",
        4,
    )
    assert certificate.issuer == "河北省物业管理行业协会"
    assert certificate.issued_on == TODAY
    assert certificate.photo == PHOTO
    assert (certificate.origin, certificate.enterprise_id) == ("batch", world.enterprise.id)
    assert signed.calls == [(certificate.number, id_number)]
    assert (certificate.key_id, certificate.credential) == (
        "test-kid",
        f"header.{certificate.number}.signature",
    )


def test_the_issuer_comes_from_the_configuration(app, signed, monkeypatch):
    monkeypatch.setitem(app.config, "CERTIFICATE_ISSUER", "某某评价组织")
    world = published_batch(passed=1, failed=0)
    issuing.issue_batch(world.batch, world.province, TODAY)
    (certificate,) = _issued(world.batch)
    assert certificate.issuer == "某某评价组织"


def test_a_batch_is_issued_once(app, signed):
    world = published_batch(passed=1, failed=0)
    issuing.issue_batch(world.batch, world.province, TODAY)
    db.session.commit()
    with pytest.raises(Conflict, match="已颁发"):
        issuing.issue_batch(world.batch, world.province, TODAY)


def test_not_before_the_notice_period_ends(app, signed):
    world = published_batch(notice_over=False)
    with pytest.raises(Conflict, match="公示期未结束"):
        issuing.issue_batch(world.batch, world.province, TODAY)


def test_not_while_an_objection_is_pending(app, signed):
    world = published_batch()
    db.session.add(Objection(batch_id=world.batch.id, raised_by="某考生", content="成绩有误"))
    db.session.commit()
    with pytest.raises(Conflict, match="异议"):
        issuing.issue_batch(world.batch, world.province, TODAY)


def test_not_before_results_are_published(app, signed):
    world = published_batch()
    world.batch.status = "assessing"
    db.session.commit()
    with pytest.raises(Conflict, match="成绩公示后"):
        issuing.issue_batch(world.batch, world.province, TODAY)


def test_a_failure_half_way_leaves_nothing_issued(app, monkeypatch):
    world = published_batch(passed=3, failed=0)
    signed_so_far = []

    def failing_sign(certificate, id_number):
        if len(signed_so_far) == 2:
            raise RuntimeError("signing key unavailable")
        signed_so_far.append(certificate.number)
        return "kid", "jws"

    monkeypatch.setattr(issuing, "signer", lambda: failing_sign)
    with pytest.raises(RuntimeError):
        issuing.issue_batch(world.batch, world.province, TODAY)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
    assert db.session.get(CertificationBatch, world.batch.id).status == "published"
    assert db.session.scalar(select(func.count()).select_from(CertificateSerial)) == 0


def test_the_progress_hears_of_the_start_and_the_end(app, signed, monkeypatch):
    monkeypatch.setattr(issuing, "PROGRESS_EVERY", 2)
    world = published_batch(passed=5, failed=0)
    heard = []
    issuing.issue_batch(
        world.batch, world.province, TODAY, progress=lambda d, t: heard.append((d, t))
    )
    assert heard == [(0, 5), (2, 5), (4, 5), (5, 5)]


def test_a_batch_nobody_passed_is_closed_with_no_certificate(app, signed):
    world = published_batch(passed=0, failed=2)
    assert issuing.issue_batch(world.batch, world.province, TODAY) == 0
    assert world.batch.status == "issued"


# --- revocation ------------------------------------------------------------------------


def test_revocation_records_date_reason_and_who(app, make):
    certificate = make.certificate(make.employee())
    province = make.user(Role.PROVINCE_ADMIN)
    issuing.revoke(certificate, "  以不正当手段取得证书  ", province, TODAY)
    db.session.commit()
    stored = db.session.get(Certificate, certificate.id)
    assert (stored.status, stored.revoked_on, stored.revocation_reason, stored.revoked_by_id) == (
        "revoked",
        TODAY,
        "以不正当手段取得证书",
        province.id,
    )
    with pytest.raises(Conflict, match="已吊销"):
        issuing.revoke(stored, "再次吊销", province, TODAY)


@pytest.mark.parametrize("reason", ["", " ", "无", "很" * 256])
def test_a_revocation_needs_a_reason_of_reasonable_length(app, make, reason):
    certificate = make.certificate(make.employee())
    with pytest.raises(Invalid):
        issuing.revoke(certificate, reason, make.user(Role.PROVINCE_ADMIN), TODAY)
    assert db.session.get(Certificate, certificate.id).revoked_on is None


# --- competition winners promoted one level ---------------------------------------------


def test_promoted_winners_are_certified_one_level_up(app, signed):
    world = build(promote_top=3)
    at = utcnow() - timedelta(days=10)
    competition_results.publish(world.event, world.chief, at)
    competition_results.finalise(world.event, at + timedelta(days=5), by=world.chief)
    db.session.commit()
    promoted = competition_results.promoted_contestants()
    assert len(promoted) >= 3  # the first three, and any tied with the third
    # The first holds our 电工 三级; the second another issuer's 电工四级; the rest nothing.
    first, second, *rest = promoted
    factories.certificate(db.session.get(Employee, first.employee_id), occupation="电工", level=3)
    db.session.add(
        ExternalCertificate(
            employee_id=second.employee_id,
            name="电工四级",
            issuer="某鉴定站",
            issued_on=date(2020, 1, 1),
        )
    )
    db.session.commit()
    certificates = issuing.issue_promoted(world.province, TODAY)
    db.session.commit()
    levels = {c.employee_id: c.level for c in certificates}
    assert levels == {
        first.employee_id: 2,
        second.employee_id: 3,
        **{p.employee_id: 4 for p in rest},
    }
    assert {c.contestant_id for c in certificates} == {p.contestant_id for p in promoted}
    assert all(c.origin == "competition" and c.occupation == "电工" for c in certificates)
    assert all(numbering.is_well_formed(c.number) for c in certificates)
    assert len({c.status_index for c in certificates}) == len(promoted)
    # Once certified, nobody is certified twice.
    assert issuing.pending_promotions() == []
    assert issuing.issue_promoted(world.province, TODAY) == []


def test_issued_certificates_carry_a_credential_the_platform_key_verifies(app):
    from certificates import credentials

    world = published_batch(passed=2, failed=0)
    issuing.issue_batch(world.batch, world.province, TODAY)
    db.session.commit()
    for certificate in _issued(world.batch):
        claims = credentials.verify(certificate.credential)
        subject = claims["credentialSubject"]
        assert subject["certificateNumber"] == certificate.number
        assert subject["name"] == certificate.holder_name
        assert claims["credentialStatus"]["statusListIndex"] == str(certificate.status_index)
        assert credentials.header(certificate.credential)["kid"] == certificate.key_id
