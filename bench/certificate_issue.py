"""Issuing a batch of 10,000 passed candidates, end to end: the batch locked, serials and
status indexes drawn, identity numbers decrypted and encrypted afresh, 10,000 credentials
signed (vc+jwt, Ed25519), the rows inserted and committed.

Figures:
  certificate_issue_10k       seconds for `issuing.issue_batch` + commit (target < 10 s)
  certificate_issue_10k_cpu   the CPU time of the same (less noisy on a shared machine)
"""

import random
import time
from datetime import date, timedelta

from sqlalchemy import func, insert, select

from app.extensions import db
from app.orgs.models import Employee, Enterprise, Region
from app.orgs.rules.identity import id_number_check_char
from app.pii import vault
from app.timeutil import utcnow
from bench import BenchError, dialect, fresh_app, note, report
from certificates import issuing
from certificates.models import Certificate, CertificationBatch, CertificationCandidate
from certificates.rules import numbering

COUNT = 10_000
TARGET_SECONDS = 10.0


def _world(count: int) -> tuple[CertificationBatch, object]:
    """A published batch, its notice over, with `count` passed candidates (written directly)."""
    from app.auth.models import Role
    from app.auth.services import create_account

    region = Region(name="石家庄", code="130100", sort_order=1)
    db.session.add(region)
    db.session.flush()
    enterprise = Enterprise(
        name="石家庄某物业服务有限公司", credit_code="91130100000000001X", region_id=region.id
    )
    db.session.add(enterprise)
    db.session.flush()
    box, rng = vault(), random.Random(20261204)
    rows = []
    for n in range(count):
        first17 = f"130102{1970 + n % 30}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
        id_number = first17 + id_number_check_char(first17)
        rows.append(
            {
                "enterprise_id": enterprise.id,
                "name": rng.choice("王李张刘陈杨赵黄周吴") + rng.choice("伟芳娜敏静丽强磊军洋"),
                "id_number_cipher": box.encrypt(id_number),
                "id_number_index": f"{n:064d}",
                "id_number_masked": id_number[:6] + "********" + id_number[-4:],
                "post": "project_manager",
                "hired_on": date(2015, 1, 1),
            }
        )
    db.session.execute(insert(Employee), rows)
    now = utcnow()
    batch = CertificationBatch(
        title="物业管理员四级认定（压测）",
        occupation="物业管理员",
        level=4,
        status="published",
        registration_opens_on=date(2026, 1, 1),
        registration_closes_on=date(2026, 2, 1),
        published_at=now - timedelta(days=8),
        notice_ends_at=now - timedelta(days=1),
    )
    db.session.add(batch)
    db.session.flush()
    ids = db.session.scalars(select(Employee.id).order_by(Employee.id)).all()
    db.session.execute(
        insert(CertificationCandidate),
        [
            {
                "batch_id": batch.id,
                "employee_id": employee_id,
                "enterprise_id": enterprise.id,
                "region_id": region.id,
                "ticket_number": f"{batch.id:04d}{seq:05d}",
                "status": "registered",
                "theory_score": 8000,
                "practical_score": 7500,
                "passed": True,
            }
            for seq, employee_id in enumerate(ids, start=1)
        ],
    )
    province = create_account(
        username="bench_admin", display_name="省协会", password="bench-pass-123",
        role=Role.PROVINCE_ADMIN,
    )  # fmt: skip
    db.session.commit()
    return batch, province


def main() -> None:
    with fresh_app("certificate-issue") as app, app.app_context():
        batch, province = _world(COUNT)
        issuing.signer()  # the signing key is made (or read) outside the clock
        from certificates import keys

        keys.signing_key()
        note(f"{COUNT} passed candidates on {dialect()}")
        started, cpu = time.perf_counter(), time.process_time()
        issued = issuing.issue_batch(batch, province, date(2026, 12, 4))
        db.session.commit()
        seconds = time.perf_counter() - started
        report("certificate_issue_10k", seconds, "s")
        report("certificate_issue_10k_cpu", time.process_time() - cpu, "s")
        stored = db.session.scalar(select(func.count(Certificate.id)))
        numbers = db.session.scalar(select(func.count(func.distinct(Certificate.number))))
        if not (issued == stored == numbers == COUNT):
            raise BenchError(f"issued {issued}, stored {stored}, distinct numbers {numbers}")
        sample = db.session.scalars(select(Certificate).limit(100)).all()
        if not all(numbering.is_well_formed(c.number) and c.credential for c in sample):
            raise BenchError("a certificate without a well-formed number or a credential")
        if seconds > TARGET_SECONDS:
            note(f"slower than the target of {TARGET_SECONDS:.0f} s")


if __name__ == "__main__":
    main()
