"""Issue 13, item 4: logins are rate-limited per address and per account (429)."""

from app.auth.models import Role
from tests.factories import PASSWORD

LOGIN = "/api/v1/auth/login"


def login_from(client, address, username, password):
    return client.post(
        LOGIN,
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_failed_logins_from_one_address_are_limited(client, make):
    make.user(Role.PROVINCE_ADMIN, username="boss")
    for n in range(30):  # a password spray: one guess for each of many usernames
        assert login_from(client, "10.1.0.1", f"user{n}", "wrong-pass-1").status_code == 401
    refused = login_from(client, "10.1.0.1", "boss", PASSWORD)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert login_from(client, "10.1.0.2", "boss", PASSWORD).status_code == 200


def test_failed_logins_on_one_username_are_limited_from_every_address(client):
    for n in range(10):
        assert login_from(client, f"10.2.0.{n}", "nobody", "wrong-pass-1").status_code == 401
    assert login_from(client, "10.2.1.1", "nobody", "wrong-pass-1").status_code == 429
    assert login_from(client, "10.2.1.1", "somebody", "wrong-pass-1").status_code == 401


def test_successful_logins_are_not_counted(client, make):
    make.user(Role.PROVINCE_ADMIN, username="boss")
    for _ in range(40):  # an exam hall behind one address
        assert login_from(client, "10.3.0.1", "boss", PASSWORD).status_code == 200


def test_the_login_page_is_limited_too(client):
    from tests.integration.page_helpers import form_login

    for n in range(30):
        form_login(client, f"user{n}", "wrong-pass-1")
    response = form_login(client, "user99", "wrong-pass-1")
    assert response.status_code == 429
    assert "登录尝试过于频繁" in response.get_data(as_text=True)
