"""Small factories of valid test data: real check characters, unique keys."""

import itertools
from datetime import date, timedelta

from app.auth.models import Role, User
from app.auth.services import create_account
from app.extensions import db
from app.orgs.models import Employee, Enterprise, Region
from app.orgs.rules.identity import credit_code_check_char, id_number_check_char
from app.orgs.rules.posts import Post
from app.orgs.services import add_employee
from app.timeutil import utcnow
from exams.models import Exam
from question_bank.models import PROVINCIAL_BANK, QuestionBank
from question_bank.services import ensure_bank

PASSWORD = "test-pass-123"
_counter = itertools.count(1)


def id_number(birth: str = "19900307", district: str = "130102") -> str:
    """A valid identity number, unique within the test session."""
    first17 = f"{district}{birth}{next(_counter) % 1000:03d}"
    return first17 + id_number_check_char(first17)


def credit_code(division: str = "130100") -> str:
    """A valid unified social credit code, unique within the test session."""
    first17 = f"91{division}{next(_counter):09d}"
    return first17 + credit_code_check_char(first17)


def region(name: str | None = None, code: str | None = None) -> Region:
    n = next(_counter)
    obj = Region(name=name or f"测试地区{n}", code=code or f"{139000 + n}", sort_order=n)
    db.session.add(obj)
    db.session.commit()
    return obj


def enterprise(region_: Region | None = None, name: str | None = None, active=True) -> Enterprise:
    region_ = region_ or region()
    obj = Enterprise(
        name=name or f"测试物业服务有限公司{next(_counter)}",
        credit_code=credit_code(region_.code),
        region_id=region_.id,
        active=active,
    )
    db.session.add(obj)
    db.session.commit()
    return obj


def employee(
    enterprise_: Enterprise | None = None,
    name: str = "张三",
    post: Post = Post.SECURITY,
    hired_on: date = date(2020, 1, 1),
    id_number_: str | None = None,
    phone: str | None = "13800138000",
) -> Employee:
    enterprise_ = enterprise_ or enterprise()
    obj = add_employee(
        enterprise_,
        name=name,
        id_number=id_number_ or id_number(),
        post=post,
        hired_on=hired_on,
        phone=phone,
        sees_full_numbers=True,  # test data: the province's view of the roster
    )
    db.session.commit()
    return obj


def user(role: Role, username: str | None = None, **attached) -> User:
    """An account of `role`; pass region=, enterprise= or employee= as the role needs."""
    obj = create_account(
        username=username or f"{role.value}{next(_counter)}",
        display_name=attached.pop("display_name", ""),
        password=PASSWORD,
        role=role,
        **attached,
    )
    db.session.commit()
    return obj


def question_bank(key: str = PROVINCIAL_BANK) -> QuestionBank:
    """The bank `key` ("province" or "e<enterprise id>"), made if new."""
    obj = ensure_bank(key)
    db.session.commit()
    return obj


def exam(bank: str = PROVINCIAL_BANK, **fields) -> Exam:
    """An exam written directly (no paper checks), open for an hour from now unless told."""
    now = utcnow()
    fields = {
        "title": "考试",
        "opens_at": now,
        "closes_at": now + timedelta(hours=1),
        "time_limit_seconds": 600,
        "pass_score": 6000,
        **fields,
    }
    ensure_bank(bank)
    obj = Exam(bank=bank, **fields)
    db.session.add(obj)
    db.session.commit()
    return obj


def certification_batch(**fields):
    """A batch (物业管理员 四级) open for registration, written directly."""
    from certificates.models import CertificationBatch

    today = date.today()
    fields = {
        "title": "物业管理员四级认定",
        "occupation": "物业管理员",
        "level": 4,
        "registration_opens_on": today - timedelta(days=7),
        "registration_closes_on": today + timedelta(days=30),
        **fields,
    }
    obj = CertificationBatch(**fields)
    db.session.add(obj)
    db.session.commit()
    return obj


def certification_candidate(batch, employee_: Employee, **fields):
    """`employee_` registered for `batch`, written directly."""
    from certificates.models import CertificationCandidate

    obj = CertificationCandidate(
        batch_id=batch.id,
        employee_id=employee_.id,
        enterprise_id=employee_.enterprise_id,
        region_id=employee_.enterprise.region_id,
        **fields,
    )
    db.session.add(obj)
    db.session.commit()
    return obj


def certificate(employee_: Employee, **fields):
    """A certificate held by `employee_`, written directly (a placeholder credential: tests of
    signing issue through `certificates` services instead)."""
    from app.pii import vault
    from certificates.models import Certificate

    n = next(_counter)
    fields = {
        "number": f"S{n:021d}",
        "status_index": 1_000_000 + n,
        "holder_name": employee_.name,
        "id_number_cipher": vault().encrypt(id_number()),
        "id_number_masked": employee_.id_number_masked,
        "occupation": "物业管理员",
        "level": 4,
        "issuer": "河北省物业管理行业协会",
        "issued_on": date.today(),
        "key_id": "test",
        "credential": "",
        **fields,
    }
    obj = Certificate(
        employee_id=employee_.id,
        enterprise_id=employee_.enterprise_id,
        region_id=employee_.enterprise.region_id,
        **fields,
    )
    db.session.add(obj)
    db.session.commit()
    return obj
