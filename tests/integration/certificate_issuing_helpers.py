"""A published batch whose notice period is over, and a stub of the credential signer."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from app.auth.models import Role
from app.extensions import db
from app.timeutil import utcnow
from certificates import issuing
from tests import factories

PHOTO = b"\xff\xd8\xff\xe0 a tiny jpeg"


@dataclass
class Signed:
    """What the stub signer was asked to sign: (number, identity number)."""

    calls: list = field(default_factory=list)

    def sign(self, certificate, id_number):
        self.calls.append((certificate.number, id_number))
        return "test-kid", f"header.{certificate.number}.signature"


@pytest.fixture(name="signed")
def signed_stub(monkeypatch):
    """Certificates are signed by a stub (the credentials package signs for real)."""
    stub = Signed()
    monkeypatch.setattr(issuing, "signer", lambda: stub.sign)
    return stub


@dataclass
class Batch:
    batch: object
    enterprise: object
    passed: list  # candidates
    failed: list
    province: object
    ent_admin: object


def published_batch(passed=3, failed=1, *, level=4, enterprise=None, title=None, notice_over=True):
    """A batch of `level` published with `passed` + `failed` candidates of one enterprise."""
    from certificates.models import PUBLISHED

    enterprise = enterprise or factories.enterprise()
    now = utcnow()
    batch = factories.certification_batch(
        title=title or f"物业管理员{level}级认定",
        level=level,
        status=PUBLISHED,
        direction="",
        published_at=now - timedelta(days=8),
        notice_ends_at=now - timedelta(days=1) if notice_over else now + timedelta(days=3),
    )
    made = {True: [], False: []}
    for n in range(passed + failed):
        ok = n < passed
        employee = factories.employee(enterprise, name=f"考生{chr(0x4E00 + n)}")
        made[ok].append(
            factories.certification_candidate(
                batch,
                employee,
                ticket_number=f"{batch.id:04d}{n + 1:04d}",
                theory_score=8000 if ok else 5000,
                practical_score=7500,
                passed=ok,
                photo=PHOTO if n == 0 else None,
            )
        )
    province = factories.user(Role.PROVINCE_ADMIN)
    ent_admin = factories.user(Role.ENTERPRISE_ADMIN, enterprise=enterprise)
    db.session.commit()
    return Batch(batch, enterprise, made[True], made[False], province, ent_admin)
