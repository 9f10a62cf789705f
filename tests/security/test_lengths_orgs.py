"""Issue 13, item 9 (orgs and law trainings): a string longer than its column is refused
with 422 and a Chinese message, never stored cut or answered with 500."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.extensions import db, limiter
from app.law_trainings.models import LawTraining, LawTrainingSignup
from app.orgs.models import Employee, Enterprise
from app.timeutil import local_today
from tests.integration.page_helpers import page, submit


@pytest.fixture
def province(make, login):
    region = make.region("甲市")
    make.user(Role.PROVINCE_ADMIN, username="province")
    return region, {"X-CSRFToken": login("province")}


@pytest.mark.parametrize(
    ("field", "limit"),
    [("address", 255), ("contact_name", 64), ("contact_phone", 32), ("name", 128)],
)
def test_enterprise_fields_longer_than_their_columns(client, make, province, field, limit):
    region, headers = province
    body = {"name": "甲市物业服务有限公司", "credit_code": make.credit_code(region.code)}
    body |= {"region_id": region.id, field: "长" * (limit + 1)}
    response = client.post("/api/v1/enterprises", json=body, headers=headers)
    assert response.status_code == 422
    [detail] = response.get_json()["error"]["details"]
    assert detail["field"] == field and str(limit) in detail["message"]
    assert db.session.scalar(select(func.count(Enterprise.id))) == 0


@pytest.mark.parametrize("field", ["name", "id_number", "phone"])
def test_employee_fields_longer_than_their_columns(client, make, province, field):
    _, headers = province
    enterprise = make.enterprise()
    body = {"name": "张三", "id_number": make.id_number(), "post": "security"}
    body |= {"hired_on": "2022-01-01", field: "1" * 100_000}
    response = client.post(
        f"/api/v1/enterprises/{enterprise.id}/employees", json=body, headers=headers
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["field"] == field
    assert db.session.scalar(select(func.count(Employee.id))) == 0


def test_a_public_signup_with_a_huge_organisation_is_refused(client, make):
    limiter.reset()
    region = make.region("甲市")
    training = LawTraining(
        region_id=region.id,
        topic="普法培训",
        held_on=local_today() + timedelta(days=3),
        place="会议中心",
        capacity=5,
        audience_types=["practitioner"],
    )
    db.session.add(training)
    db.session.commit()
    person = {
        "name": "张三",
        "phone": "13812341234",
        "id_tail": "1234",
        "audience_type": "practitioner",
    }
    response = submit(
        client, f"/law-trainings/{training.id}/signup", person | {"organisation": "单" * 129}
    )
    assert response.status_code == 200 and "单位名称不能超过 128 个字" in page(response)
    assert db.session.scalar(select(func.count(LawTrainingSignup.id))) == 0
    limiter.reset()
