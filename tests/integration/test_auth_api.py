"""Login, lock-out, CSRF and the error format of the JSON API."""

from datetime import timedelta

import time_machine

from app.auth.models import Role
from app.timeutil import utcnow
from tests.factories import PASSWORD


def _login(client, username, password):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_login_answers_a_csrf_token_and_me_describes_the_account(client, make):
    enterprise = make.enterprise()
    make.user(Role.ENTERPRISE_ADMIN, username="hr", enterprise=enterprise)

    response = _login(client, "hr", PASSWORD)

    assert response.status_code == 200
    assert response.get_json()["csrf_token"]
    me = client.get("/api/v1/me").get_json()
    assert me["username"] == "hr"
    assert me["role"] == "enterprise_admin"
    assert me["enterprise_id"] == enterprise.id
    assert me["region_id"] == enterprise.region_id
    assert me["employee_id"] is None


def test_wrong_credentials_answer_401_in_the_error_format(client, make):
    make.user(Role.PROVINCE_ADMIN, username="boss")

    for username in ("boss", "nobody"):
        response = _login(client, username, "wrong-pass-1")
        assert response.status_code == 401
        error = response.get_json()["error"]
        assert error["code"] == "invalid_credentials"
        assert error["message"] == "用户名或密码错误，或账户已被暂时锁定。还可尝试 4 次。"
        assert error["details"] == []


def test_missing_fields_answer_422_with_chinese_details(client):
    response = client.post("/api/v1/auth/login", json={"username": "x"})
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert {"field": "password", "message": "必填项"} in details


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(client, make):
    make.user(Role.PROVINCE_ADMIN, username="boss")
    with time_machine.travel(utcnow(), tick=False) as clock:
        for _ in range(4):
            assert _login(client, "boss", "wrong-pass-1").status_code == 401
        locked = _login(client, "boss", "wrong-pass-1")
        assert locked.status_code == 401
        assert "请 15 分钟后再试" in locked.get_json()["error"]["message"]

        assert _login(client, "boss", PASSWORD).status_code == 401  # even the right one
        clock.shift(timedelta(minutes=14, seconds=59))
        assert _login(client, "boss", PASSWORD).status_code == 401
        clock.shift(timedelta(seconds=2))
        assert _login(client, "boss", PASSWORD).status_code == 200


def test_a_success_resets_the_count_of_wrong_passwords(client, make):
    make.user(Role.PROVINCE_ADMIN, username="boss")
    for _ in range(4):
        _login(client, "boss", "wrong-pass-1")
    assert _login(client, "boss", PASSWORD).status_code == 200
    for _ in range(4):
        assert _login(client, "boss", "wrong-pass-1").status_code == 401


def test_unsafe_requests_need_the_csrf_token(client, make, login):
    region = make.region()
    make.user(Role.PROVINCE_ADMIN, username="boss")
    token = login("boss")
    body = {
        "name": "石家庄测试物业服务有限公司",
        "credit_code": make.credit_code(),
        "region_id": region.id,
    }

    refused = client.post("/api/v1/enterprises", json=body)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"

    accepted = client.post("/api/v1/enterprises", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_logout_ends_the_session(client, make, login):
    make.user(Role.PROVINCE_ADMIN, username="boss")
    token = login("boss")
    assert client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token}).status_code == 204
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "请先登录"


def test_a_deactivated_account_cannot_log_in(client, make):
    from app.auth.services import set_active
    from app.extensions import db

    user = make.user(Role.PROVINCE_ADMIN, username="boss")
    set_active(user, False)
    db.session.commit()
    assert _login(client, "boss", PASSWORD).status_code == 401


def test_openapi_document_lists_the_contract_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for path in (
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/employees",
        "/api/v1/employees/{employee_id}",
        "/api/v1/enterprises/{enterprise_id}/employees/import-template",
        "/api/v1/enterprises/{enterprise_id}/employees/import",
    ):
        assert path in paths, path


def test_unknown_api_paths_answer_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
