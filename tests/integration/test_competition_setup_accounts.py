"""Judge and chief-judge accounts: the province and the cities appoint them; a judge may work
for an enterprise (what the conflict rule reads), and a city's judges are of its region."""

import pytest

from app.auth.models import Role, User
from app.auth.policy import creatable_roles, may_create_account
from app.extensions import db
from tests.integration.page_helpers import form_login, page, submit

PASSWORD = "Judge-pass-2026"


@pytest.fixture
def orgs(make):
    region_a, region_b = make.region("甲市"), make.region("乙市")
    return {
        "region_a": region_a,
        "region_b": region_b,
        "ent_a": make.enterprise(region_a, "甲物业"),
        "ent_b": make.enterprise(region_b, "乙物业"),
        "province": make.user(Role.PROVINCE_ADMIN, "province"),
        "city_a": make.user(Role.CITY_ADMIN, "city_a", region=region_a),
    }


def _create(client, who, **fields):
    form_login(client, who)
    data = {
        "username": "new_judge",
        "display_name": "新裁判",
        "password": PASSWORD,
        "region_id": 0,
        "enterprise_id": 0,
    }
    return submit(client, "/accounts/new", data | fields)


def _account(username="new_judge") -> User | None:
    return db.session.scalar(db.select(User).where(User.username == username))


def test_the_province_appoints_a_judge_of_an_enterprise(client, orgs):
    response = _create(client, "province", role="judge", enterprise_id=orgs["ent_a"].id)
    assert response.status_code == 302
    judge = _account()
    assert judge.role == "judge"
    # The enterprise places the judge in its region: both conflict rules can apply.
    assert (judge.enterprise_id, judge.region_id) == (orgs["ent_a"].id, orgs["region_a"].id)
    assert judge.must_change_password


def test_the_province_appoints_a_chief_judge_of_no_enterprise(client, orgs):
    assert _create(client, "province", role="chief_judge").status_code == 302
    chief = _account()
    assert (chief.role, chief.enterprise_id, chief.region_id) == ("chief_judge", None, None)


def test_a_citys_judges_are_of_its_region(client, orgs):
    assert _create(client, "city_a", role="judge").status_code == 302
    judge = _account()
    assert (judge.region_id, judge.enterprise_id) == (orgs["region_a"].id, None)


def test_a_city_cannot_appoint_a_judge_elsewhere(client, orgs):
    response = _create(client, "city_a", role="judge", enterprise_id=orgs["ent_b"].id)
    assert response.status_code == 200
    assert "请选择您管辖范围内的地区或企业" in page(response)
    assert _account() is None


def test_who_may_create_judge_accounts(orgs, make):
    enterprise_admin = make.user(Role.ENTERPRISE_ADMIN, enterprise=orgs["ent_a"])
    for role in (Role.JUDGE, Role.CHIEF_JUDGE):
        assert role in creatable_roles(orgs["province"])
        assert role in creatable_roles(orgs["city_a"])
        assert role not in creatable_roles(enterprise_admin)
        assert may_create_account(orgs["province"], role, region=orgs["region_b"])
        assert may_create_account(orgs["city_a"], role, region=orgs["region_a"])
        assert may_create_account(orgs["city_a"], role, enterprise=orgs["ent_a"])
        assert not may_create_account(orgs["city_a"], role, region=orgs["region_b"])
        assert not may_create_account(orgs["city_a"], role)  # of no region: the province's


def test_the_account_form_offers_the_judge_roles(client, orgs):
    form_login(client, "city_a")
    text = page(client.get("/accounts/new"))
    assert "裁判/考评员" in text and "裁判长" in text


def test_the_city_manages_its_judges(client, orgs, make):
    judge = make.user(Role.JUDGE, "sjz_judge", region=orgs["region_a"])
    form_login(client, "city_a")
    assert "sjz_judge" in page(client.get("/accounts?role=judge"))
    response = submit(client, f"/accounts/{judge.id}/password", {"password": "Another-pass-9"})
    assert response.status_code == 302
