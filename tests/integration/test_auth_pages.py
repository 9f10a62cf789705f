"""The login, password and logout pages, used as a person would use them."""

from urllib.parse import urlsplit

import pytest

from app.auth.models import Role, User
from app.extensions import db
from tests.factories import PASSWORD
from tests.integration.page_helpers import csrf_of, form_login, page, submit

LOCKED = "尝试次数过多"
WRONG = "用户名或密码错误"


@pytest.fixture
def admin(make):
    return make.user(Role.PROVINCE_ADMIN, username="padmin", display_name="省管理员")


def test_login_page_renders_in_chinese(client):
    response = client.get("/login")
    assert response.status_code == 200
    body = page(response)
    assert "<title>登录 · 河北物业技能平台</title>" in body
    assert "用户名" in body and "密码" in body
    assert 'name="csrf_token"' in body


def test_login_form_redirects_to_the_dashboard(client, admin):
    response = form_login(client, "padmin")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "省协会工作台" in page(client.get("/"))


def test_login_form_without_csrf_token_is_refused(client, admin):
    response = client.post("/login", data={"username": "padmin", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_wrong_password_shows_the_chinese_message(client, admin):
    response = form_login(client, "padmin", "wrong-pass-1")
    assert response.status_code == 200
    assert WRONG in page(response)
    assert client.get("/").status_code == 302


def test_unknown_username_shows_the_same_message(client, admin):
    response = form_login(client, "nobody", PASSWORD)
    assert WRONG in page(response)


def test_sixth_attempt_after_five_wrong_passwords_is_locked_even_when_right(client, admin):
    for _ in range(4):
        assert WRONG in page(form_login(client, "padmin", "wrong-pass-1"))
    assert LOCKED in page(form_login(client, "padmin", "wrong-pass-1"))
    response = form_login(client, "padmin", PASSWORD)
    assert response.status_code == 200
    assert LOCKED in page(response)
    assert "15 分钟" in page(response)
    assert client.get("/").status_code == 302


def test_anonymous_page_redirects_to_login_with_next(client, admin):
    response = client.get("/enterprises")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/enterprises")


def test_next_parameter_is_followed_after_login(client, admin):
    response = form_login(client, "padmin", next_="/enterprises?status=all")
    assert response.status_code == 302
    assert response.headers["Location"] == "/enterprises?status=all"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "evil.example"]
)
def test_external_next_is_ignored(client, admin, target):
    response = form_login(client, "padmin", next_=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_backslash_next_stays_on_this_site(client, admin):
    # Browsers read "/\\host" as "//host"; the Location must not become protocol-relative.
    response = form_login(client, "padmin", next_="/\\evil.example/")
    location = response.headers["Location"]
    assert urlsplit(location).netloc == ""
    assert not location.startswith(("//", "/\\"))


def test_password_page_requires_login(client):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_change_password_with_wrong_current_password_is_refused(client, admin, login):
    login("padmin")
    response = submit(
        client,
        "/account/password",
        {
            "current_password": "not-it-123",
            "new_password": "fresh-pass-456",
            "confirm": "fresh-pass-456",
        },
    )
    assert response.status_code == 200
    assert "当前密码不正确" in page(response)


@pytest.mark.parametrize(
    ("new", "message"), [("short1", "密码至少 8 位"), ("onlyletters", "密码须同时包含字母和数字")]
)
def test_change_password_to_a_weak_one_is_refused(client, admin, login, new, message):
    login("padmin")
    before = admin.password_hash
    response = submit(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": new, "confirm": new},
    )
    assert response.status_code == 200
    assert message in page(response)
    assert db.session.get(User, admin.id).password_hash == before


def test_change_password_with_mismatched_confirmation_is_refused(client, admin, login):
    login("padmin")
    response = submit(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": "fresh-pass-456", "confirm": "other-456"},
    )
    assert "两次输入的新密码不一致" in page(response)


def test_changed_password_replaces_the_old_one(client, admin, login):
    login("padmin")
    response = submit(
        client,
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "fresh-pass-456",
            "confirm": "fresh-pass-456",
        },
    )
    assert response.status_code == 302
    assert "密码已修改" in page(client.get("/"))  # still logged in, with the message

    other = client.application.test_client()
    assert WRONG in page(form_login(other, "padmin", PASSWORD))
    assert form_login(other, "padmin", "fresh-pass-456").status_code == 302


def test_changing_password_ends_the_accounts_other_sessions(client, admin, login):
    laptop = client.application.test_client()
    form_login(laptop, "padmin")
    login("padmin")
    submit(
        client,
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "fresh-pass-456",
            "confirm": "fresh-pass-456",
        },
    )
    assert client.get("/").status_code == 200
    assert laptop.get("/").status_code == 302


def test_logout_by_post_ends_the_session(client, admin):
    form_login(client, "padmin")
    dashboard = client.get("/")
    response = client.post("/logout", data={"csrf_token": csrf_of(dashboard)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "已退出登录" in page(client.get("/login"))
    assert client.get("/").status_code == 302


def test_logout_by_get_is_not_allowed(client, admin):
    form_login(client, "padmin")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_the_api_answers_401_to_an_unsafe_request_without_a_session(client):
    # An exam page whose session expired must say 「请重新登录」, not 「页面已过期」.
    response = client.post("/api/v1/enterprises", json={})
    assert response.status_code == 401
    assert "登录" in response.get_json()["error"]["message"]


def test_the_login_redirect_keeps_no_stray_question_mark(client):
    assert client.get("/courses/").headers["Location"].endswith("next=/courses/")
    assert "next=/courses/?page%3D2" in client.get("/courses/?page=2").headers["Location"]
