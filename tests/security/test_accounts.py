"""Issue 13, Low items about accounts: logout, forced password change, CSRF rotation, redirects."""

from sqlalchemy import select

from app.auth.models import Role, User
from app.extensions import db
from tests.factories import PASSWORD
from tests.integration.page_helpers import csrf_of, form_login, page, submit


def copy_session(source, target) -> None:
    cookie = source.get_cookie("session")
    target.set_cookie("session", cookie.value)


def test_logout_ends_a_copied_session_cookie(app, client, make, login):
    make.user(Role.PROVINCE_ADMIN, username="boss")
    token = login("boss")
    thief = app.test_client()
    copy_session(client, thief)
    assert thief.get("/api/v1/me").status_code == 200

    assert client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token}).status_code == 204

    assert thief.get("/api/v1/me").status_code == 401
    assert thief.get("/").status_code == 302


def test_logout_from_the_page_ends_a_copied_cookie_too(app, client, make):
    make.user(Role.PROVINCE_ADMIN, username="boss")
    form_login(client, "boss")
    thief = app.test_client()
    copy_session(client, thief)
    home = client.get("/")
    assert client.post("/logout", data={"csrf_token": csrf_of(home)}).status_code == 302
    assert thief.get("/api/v1/me").status_code == 401


def test_an_admin_set_password_must_be_changed_first(client, make, login):
    enterprise = make.enterprise()
    make.user(Role.ENTERPRISE_ADMIN, username="hr", enterprise=enterprise, temporary_password=True)
    token = login("hr")

    refused = client.get("/api/v1/employees")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "password_change_required"
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/").headers["Location"] == "/account/password"

    changed = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "own-pass-2026"},
        headers={"X-CSRFToken": token},
    )
    assert changed.status_code == 200
    assert client.get("/api/v1/employees").status_code == 200
    assert client.get("/").status_code == 200
    db.session.expire_all()
    hr = db.session.scalar(select(User).where(User.username == "hr"))
    assert hr.must_change_password is False


def test_an_account_created_or_reset_from_the_admin_pages_is_temporary(client, make, login):
    region = make.region()
    make.user(Role.PROVINCE_ADMIN, username="boss")
    login("boss")
    created = submit(
        client,
        "/accounts/new",
        {
            "username": "city1",
            "display_name": "市管理员",
            "password": "start-pass-1",
            "role": "city_admin",
            "region_id": region.id,
            "enterprise_id": 0,
        },
    )
    assert created.status_code == 302
    other = client.application.test_client()
    assert form_login(other, "city1", "start-pass-1").headers["Location"] == "/account/password"
    assert "请先修改" in page(other.get("/account/password"))


def test_logging_in_rotates_the_csrf_token(client, make):
    make.user(Role.PROVINCE_ADMIN, username="boss")
    before = csrf_of(client.get("/login"))
    form_login(client, "boss")

    stale = client.post("/api/v1/auth/logout", headers={"X-CSRFToken": before})
    assert stale.status_code == 400
    assert stale.get_json()["error"]["code"] == "csrf_failed"
    fresh = csrf_of(client.get("/account/password"))
    assert fresh != before
    assert client.post("/api/v1/auth/logout", headers={"X-CSRFToken": fresh}).status_code == 204


def test_account_actions_redirect_to_the_accounts_page_not_the_referer(client, make, login):
    enterprise = make.enterprise()
    make.user(Role.PROVINCE_ADMIN, username="boss")
    target = make.user(Role.ENTERPRISE_ADMIN, username="hr", enterprise=enterprise)
    token = login("boss")
    for action in ("unlock", "active"):
        response = client.post(
            f"/accounts/{target.id}/{action}",
            data={"csrf_token": token},
            headers={"Referer": "https://evil.example/phish"},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/accounts"
