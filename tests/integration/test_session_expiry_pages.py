"""A form sent after its session ended says 「请重新登录」 (not 「页面已过期」) and lets the person
log in again; a stale form within a live session still says the page expired."""

from app.auth.models import Role
from tests.factories import PASSWORD
from tests.integration.page_helpers import csrf_of, form_login, page

FORM_PAGE = "/account/password"


def _expire_session(client):
    client.delete_cookie("session")


def test_a_form_sent_after_the_session_ended_asks_to_log_in_again(client, make):
    make.user(Role.PROVINCE_ADMIN, username="padmin")
    form_login(client, "padmin")
    token = csrf_of(client.get(FORM_PAGE))
    _expire_session(client)
    response = client.post(
        FORM_PAGE,
        data={"csrf_token": token, "current_password": PASSWORD},
        headers={"Referer": f"http://localhost{FORM_PAGE}"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/account/password"
    login_page = page(client.get(response.headers["Location"]))
    assert "登录已失效，请重新登录" in login_page and "页面已过期" not in login_page

    # And they can: the login page's new form works and leads back to the page.
    again = form_login(client, "padmin", next_="/account/password")
    assert again.headers["Location"] == "/account/password"
    assert client.get(FORM_PAGE).status_code == 200


def test_a_referrer_of_another_site_is_not_where_the_login_leads(client, make):
    make.user(Role.PROVINCE_ADMIN, username="padmin")
    response = client.post(
        FORM_PAGE, data={"csrf_token": "x"}, headers={"Referer": "https://evil.example/account"}
    )
    assert response.headers["Location"] == "/login"


def test_the_login_page_left_open_too_long_shows_the_form_again(client, make):
    make.user(Role.PROVINCE_ADMIN, username="padmin")
    token = csrf_of(client.get("/login"))
    _expire_session(client)
    response = client.post(
        "/login", data={"csrf_token": token, "username": "padmin", "password": PASSWORD}
    )
    assert response.status_code == 400
    body = page(response)
    assert "登录页面已过期，请重新输入密码登录" in body
    assert 'value="padmin"' in body  # the username stays typed
    assert form_login(client, "padmin").headers["Location"] == "/"


def test_a_stale_form_in_a_live_session_still_says_the_page_expired(client, make):
    make.user(Role.PROVINCE_ADMIN, username="padmin")
    form_login(client, "padmin")
    response = client.post(FORM_PAGE, data={"csrf_token": "not-the-token"})
    assert response.status_code == 400
    assert "页面已过期" in page(response)
