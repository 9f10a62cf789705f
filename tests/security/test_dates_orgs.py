"""Issue 13, item 8: every date that organisations and law trainings accept lies in a sane
range (birth and hire dates 1900 … today, expiry dates until 2100, events within a few
years), refused in Chinese with 422 (API) or in the form (pages)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.extensions import db
from app.law_trainings.models import LawTraining
from app.law_trainings.rules import check_held_on, held_on_range
from app.orgs.models import Employee, ExternalCertificate
from app.timeutil import local_today
from tests.integration.page_helpers import page, submit

TODAY = local_today()


@pytest.fixture
def world(make):
    region = make.region("甲市")
    enterprise = make.enterprise(region)
    return {
        "region": region,
        "enterprise": enterprise,
        "employee": make.employee(enterprise, hired_on=date(2020, 1, 1)),
        "hr": make.user(Role.ENTERPRISE_ADMIN, username="hr", enterprise=enterprise),
        "city": make.user(Role.CITY_ADMIN, username="city", region=region),
    }


@pytest.mark.parametrize(
    ("hired_on", "message"),
    [
        ("9999-12-31", "入职日期不能晚于今天"),
        ("1800-01-01", "入职日期不能早于 1900-01-01"),
        ("0001-01-01", "入职日期不能早于 1900-01-01"),
    ],
)
def test_the_api_refuses_hire_dates_out_of_range(client, login, make, world, hired_on, message):
    token = login("hr")
    body = {"name": "张三", "id_number": make.id_number(), "post": "security", "hired_on": hired_on}
    response = client.post(
        f"/api/v1/enterprises/{world['enterprise'].id}/employees",
        json=body,
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == [{"field": "hired_on", "message": message}]
    assert db.session.scalar(select(func.count(Employee.id))) == 1


@pytest.mark.parametrize(
    ("issued_on", "expires_on", "message"),
    [
        ("2020-01-01", "9999-12-31", "有效期至不能晚于2100-12-31"),
        ("1800-01-01", "", "发证日期不能早于 1900-01-01"),
    ],
)
def test_certificate_dates_out_of_range_are_refused_in_the_form(
    client, login, world, issued_on, expires_on, message
):
    login("hr")
    response = submit(
        client,
        f"/employees/{world['employee'].id}/certificates/new",
        {
            "name": "电工作业操作证",
            "issuer": "应急管理局",
            "post": "",
            "issued_on": issued_on,
            "expires_on": expires_on,
        },
    )
    assert response.status_code == 200
    assert message in page(response)
    assert db.session.scalar(select(func.count(ExternalCertificate.id))) == 0


def _training_form(held_on: str) -> dict:
    return {
        "region_id": "",
        "topic": "《民法典》物业服务合同",
        "held_on": held_on,
        "starts_at": "09:00",
        "place": "甲市会议中心",
        "speakers": "",
        "capacity": "50",
        "audience_types": ["owner"],
        "description": "",
    }


@pytest.mark.parametrize("held_on", ["9999-12-31", "1900-01-01", "2099-06-01"])
def test_a_law_training_far_from_today_is_refused(client, login, world, held_on):
    login("city")
    data = _training_form(held_on)
    data["region_id"] = str(world["region"].id)
    response = submit(client, "/law-trainings/new", data)
    assert response.status_code == 200
    first, last = held_on_range(TODAY)
    assert f"培训日期应在 {first.isoformat()} 至 {last.isoformat()} 之间" in page(response)
    assert db.session.scalar(select(func.count(LawTraining.id))) == 0
    assert client.get("/law-trainings/public").status_code == 200


def test_a_law_training_next_month_is_accepted(client, login, world):
    login("city")
    data = _training_form((TODAY + timedelta(days=30)).isoformat())
    data["region_id"] = str(world["region"].id)
    assert submit(client, "/law-trainings/new", data).status_code == 302


def test_the_event_date_rule():
    today = date(2026, 5, 1)
    assert check_held_on(date(2021, 1, 1), today) == date(2021, 1, 1)
    assert check_held_on(date(2028, 12, 31), today) == date(2028, 12, 31)
    for wrong in (date(2020, 12, 31), date(2029, 1, 1), date(9999, 12, 31)):
        with pytest.raises(Exception, match="培训日期应在"):
            check_held_on(wrong, today)
