"""The demo certification: a finished batch (物业管理员 四级) whose certificates include those
of `trainee1` … `trainee5`, one of them revoked with a reason, and a batch (物业管理员 三级)
open for registration.

The finished batch's candidates are written with their published results (the scoring is
the assessment pages' business) and issued through `certificates.issuing`, as the province
would. Idempotent: batches are found by title, candidates by (batch, employee), and an issued
batch is left as it is.
"""

from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.orgs.models import Employee
from app.timeutil import local_today
from certificates import issuing
from certificates.models import (
    PUBLISHED,
    REGISTRATION,
    Certificate,
    CertificationBatch,
    CertificationCandidate,
)

FINISHED_TITLE = "2026年第一批物业管理员（四级/中级工）职业技能等级认定"
OPEN_TITLE = "2026年第二批物业管理员（三级/高级工）职业技能等级认定"
PLACE = "石家庄市裕华区槐安东路 105 号 河北省物业管理行业协会实训基地"
# trainee1 … trainee5 pass; two more of ent1's staff pass, one fails the practical part.
TRAINEES = [f"trainee{n}" for n in range(1, 6)]
EXTRA_PASSED, EXTRA_FAILED = 2, 1
# (theory, practical) in centipoints, by position: varied, every passed one ≥ 60 分.
SCORES = [(8600, 7800), (7200, 8150), (9100, 8800), (6650, 7000), (7800, 6900), (8100, 7650),
          (6900, 7300), (7400, 5200)]  # fmt: skip
REVOKED = ("trainee5", "经复核，报名时提交的工作年限证明材料不实，依规吊销该证书")


def _province() -> User:
    return db.session.scalar(select(User).where(User.username == "admin"))


def _batch(title: str, **fields) -> CertificationBatch:
    batch = db.session.scalar(select(CertificationBatch).where(CertificationBatch.title == title))
    if batch is None:
        batch = CertificationBatch(title=title, **fields)
        db.session.add(batch)
        db.session.flush()
    return batch


def _candidates_of_finished(batch: CertificationBatch) -> list[Employee]:
    """trainee1 … trainee5's employees, then a few more of the first's enterprise."""
    trainees = db.session.scalars(select(User).where(User.username.in_(TRAINEES))).all()
    by_name = {u.username: u.employee_id for u in trainees}
    ids = [by_name[name] for name in TRAINEES if by_name.get(name)]
    employees = [db.session.get(Employee, i) for i in ids]
    extra = db.session.scalars(
        select(Employee)
        .where(
            Employee.enterprise_id == employees[0].enterprise_id,
            Employee.left_on.is_(None),
            Employee.id.not_in(ids),
        )
        .order_by(Employee.id.desc())
        .limit(EXTRA_PASSED + EXTRA_FAILED)
    ).all()
    return employees + list(extra)


def _finished_batch(today, province: User) -> None:
    published_on = today - timedelta(days=30)
    batch = _batch(
        FINISHED_TITLE,
        occupation="物业管理员",
        occupation_code="4-07-05-01",
        direction="",
        level=4,
        status=REGISTRATION,
        registration_opens_on=today - timedelta(days=120),
        registration_closes_on=today - timedelta(days=75),
        years_in_post=2,
        fee_note="鉴定费 300 元/人，由所在企业统一缴纳",
        assessment_starts_at=datetime.combine(today - timedelta(days=50), time(1, 30)),
        assessment_place=PLACE,
        notice_days=7,
        created_by_id=province.id,
    )
    if batch.status == "issued":
        return
    for seq, employee in enumerate(_candidates_of_finished(batch), start=1):
        candidate = db.session.scalar(
            select(CertificationCandidate).where(
                CertificationCandidate.batch_id == batch.id,
                CertificationCandidate.employee_id == employee.id,
            )
        )
        if candidate is None:
            candidate = CertificationCandidate(
                batch_id=batch.id,
                employee_id=employee.id,
                enterprise_id=employee.enterprise_id,
                region_id=employee.enterprise.region_id,
                registered_by_id=province.id,
            )
            db.session.add(candidate)
        theory, practical = SCORES[(seq - 1) % len(SCORES)]
        candidate.ticket_number = f"{batch.id:04d}{seq:04d}"
        candidate.theory_score, candidate.practical_score = theory, practical
        candidate.passed = theory >= batch.theory_pass and practical >= batch.practical_pass
    batch.status = PUBLISHED
    batch.published_at = datetime.combine(published_on, time(2, 0))
    batch.notice_ends_at = batch.published_at + timedelta(days=batch.notice_days)
    db.session.flush()
    issuing.issue_batch(batch, province, today - timedelta(days=20))
    holder = db.session.scalar(select(User.employee_id).where(User.username == REVOKED[0]))
    revoked = db.session.scalar(
        select(Certificate).where(
            Certificate.batch_id == batch.id, Certificate.employee_id == holder
        )
    )
    if revoked is not None:
        issuing.revoke(revoked, REVOKED[1], province, today - timedelta(days=5))


def _open_batch(today, province: User) -> None:
    _batch(
        OPEN_TITLE,
        occupation="物业管理员",
        occupation_code="4-07-05-01",
        direction="",
        level=3,
        status=REGISTRATION,
        registration_opens_on=today - timedelta(days=10),
        registration_closes_on=today + timedelta(days=40),
        years_at_lower_level=2,
        years_in_post=5,
        fee_note="鉴定费 400 元/人",
        assessment_starts_at=datetime.combine(today + timedelta(days=60), time(1, 30)),
        assessment_place=PLACE,
        notice_days=7,
        created_by_id=province.id,
    )


def load_demo_certificates() -> None:
    """Create whatever is missing of the demo batches and certificates."""
    province = _province()
    today = local_today()
    _finished_batch(today, province)
    _open_batch(today, province)
    db.session.flush()
