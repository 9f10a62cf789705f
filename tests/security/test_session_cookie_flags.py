"""The session cookie is HttpOnly and SameSite=Lax, and Secure when the site is on HTTPS."""

import pytest

from app.config import load_config


def _set_cookie(response, name: str = "session") -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "=")]
    assert cookies, response.headers
    return cookies[-1]


def test_the_login_cookie_is_http_only_and_same_site_lax(client, make, app):
    from app.auth.models import Role

    user = make.user(Role.PROVINCE_ADMIN)
    response = client.post(
        "/api/v1/auth/login", json={"username": user.username, "password": make.PASSWORD}
    )
    assert response.status_code == 200
    cookie = _set_cookie(response)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # served over http:// here


@pytest.mark.parametrize(
    ("base_url", "flag", "secure"),
    [
        ("http://127.0.0.1:5000", None, False),
        ("https://wuye.example.cn", None, True),
        ("http://127.0.0.1:5000", "1", True),
    ],
)
def test_cookies_are_secure_on_https(monkeypatch, tmp_path, base_url, flag, secure):
    monkeypatch.setenv("PUBLIC_BASE_URL", base_url)
    if flag is None:
        monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    else:
        monkeypatch.setenv("SESSION_COOKIE_SECURE", flag)
    config = load_config(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is secure
    assert config["REMEMBER_COOKIE_SECURE"] is secure
    for prefix in ("SESSION", "REMEMBER"):
        assert config[f"{prefix}_COOKIE_HTTPONLY"] is True
        assert config[f"{prefix}_COOKIE_SAMESITE"] == "Lax"
