"""Enterprises and employees through the API."""

import pytest

from app.auth.models import Role


@pytest.fixture
def province(make, login):
    make.user(Role.PROVINCE_ADMIN, username="boss")
    return {"X-CSRFToken": login("boss")}


def test_an_enterprise_with_a_bad_credit_code_is_refused_in_chinese(client, make, province):
    region = make.region()
    code = make.credit_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = client.post(
        "/api/v1/enterprises",
        json={"name": "测试物业服务有限公司", "credit_code": wrong, "region_id": region.id},
        headers=province,
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["details"][0]["field"] == "credit_code"
    assert "校验" in error["message"]


def test_a_credit_code_is_normalised_and_unique(client, make, province):
    region = make.region()
    code = make.credit_code()
    body = {
        "name": "测试物业服务有限公司",
        "credit_code": f" {code.lower()} ",
        "region_id": region.id,
    }
    created = client.post("/api/v1/enterprises", json=body, headers=province)
    assert created.status_code == 201
    assert created.get_json()["credit_code"] == code
    again = client.post("/api/v1/enterprises", json=body, headers=province)
    assert again.status_code == 422


def test_a_city_admin_registers_only_in_their_region(client, make, login):
    own, other = make.region(), make.region()
    make.user(Role.CITY_ADMIN, username="city", region=own)
    headers = {"X-CSRFToken": login("city")}
    body = {"name": "测试物业服务有限公司", "credit_code": make.credit_code()}
    assert (
        client.post(
            "/api/v1/enterprises", json=body | {"region_id": other.id}, headers=headers
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/enterprises", json=body | {"region_id": own.id}, headers=headers
        ).status_code
        == 201
    )


def test_enterprise_list_is_paginated_and_filtered(client, make, province):
    region = make.region()
    for index in range(3):
        make.enterprise(region, name=f"甲{index}物业服务有限公司")
    make.enterprise(name="乙物业服务有限公司")
    body = client.get(f"/api/v1/enterprises?region_id={region.id}&per_page=2&page=2").get_json()
    assert body["total"] == 3
    assert body["page"] == 2
    assert len(body["items"]) == 1
    assert client.get("/api/v1/enterprises?q=乙").get_json()["total"] == 1


def test_employee_detail_has_the_contract_shape_with_a_masked_number(client, make, province):
    employee = make.employee(id_number_="11010519491231002X")
    body = client.get(f"/api/v1/employees/{employee.id}").get_json()
    assert {"id", "name", "id_number_masked", "post", "enterprise_id", "on_duty"} <= body.keys()
    assert body["id_number_masked"] == "110105********002X"
    assert body["on_duty"] is True
    assert "11010519491231002X" not in str(body)


def test_employees_are_filtered_by_enterprise_and_duty(client, make, province):
    from datetime import date

    from app.extensions import db
    from app.orgs.services import mark_left

    enterprise = make.enterprise()
    staying = make.employee(enterprise)
    leaving = make.employee(enterprise, name="李四")
    make.employee(name="王五")
    mark_left(leaving, date(2024, 6, 30))
    db.session.commit()

    body = client.get(f"/api/v1/employees?enterprise_id={enterprise.id}").get_json()
    assert {item["id"] for item in body["items"]} == {staying.id, leaving.id}
    on_duty = client.get(f"/api/v1/employees?enterprise_id={enterprise.id}&on_duty=true").get_json()
    assert [item["id"] for item in on_duty["items"]] == [staying.id]


def test_an_employee_is_added_with_validation(client, make, login):
    enterprise = make.enterprise()
    make.user(Role.ENTERPRISE_ADMIN, username="hr", enterprise=enterprise)
    headers = {"X-CSRFToken": login("hr")}
    url = f"/api/v1/enterprises/{enterprise.id}/employees"
    body = {
        "name": "张三",
        "id_number": make.id_number(),
        "post": "security",
        "hired_on": "2022-01-01",
    }

    assert client.post(url, json=body, headers=headers).status_code == 201
    duplicate = client.post(url, json=body, headers=headers)
    assert duplicate.status_code == 422
    assert duplicate.get_json()["error"]["details"][0]["field"] == "id_number"
    bad_post = client.post(url, json=body | {"post": "chef"}, headers=headers)
    assert bad_post.status_code == 422
