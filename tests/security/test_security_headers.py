"""Every response carries the security headers; pages allow no inline script."""

import re
from pathlib import Path

import pytest

from app.auth.models import Role

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "app" / "templates"] + sorted(ROOT.glob("*/templates"))
# An inline script (one without src, other than a JSON data block) or an inline handler.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
EMBEDDED = ("application/pdf", "image/", "video/", "audio/")
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def _directives(policy: str) -> dict[str, list[str]]:
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_security_headers(response, where: str) -> None:
    """The headers every response has; the full policy on pages."""
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") in {"strict-origin-when-cross-origin", "same-origin"}
    permissions = headers.get("Permissions-Policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in permissions, (where, permissions)
    policy = _directives(headers.get("Content-Security-Policy", ""))
    if response.mimetype.startswith(EMBEDDED):
        # Files our pages show in `<object>`/`<img>`/`<video>`: framed by the site only.
        assert headers.get("X-Frame-Options") == "SAMEORIGIN", where
        assert policy == {"frame-ancestors": ["'self'"]}, where
        return
    assert headers.get("X-Frame-Options") == "DENY", where
    assert policy.get("frame-ancestors") == ["'none'"], where
    assert policy.get("default-src") == ["'self'"], where
    assert policy.get("script-src") == ["'self'"], where  # no 'unsafe-inline', no eval
    assert "'unsafe-inline'" not in policy.get("script-src-elem", []), where
    assert "'unsafe-inline'" not in policy.get("script-src-attr", []), where
    assert policy.get("object-src") == ["'none'"], where
    assert policy.get("base-uri") == ["'self'"], where
    assert policy.get("form-action") == ["'self'"], where
    assert policy.get("img-src") == ["'self'", "data:"], where


def assert_no_inline_script(body: str, where: str) -> None:
    """A page's scripts are files: the policy would block anything inline."""
    assert not INLINE_SCRIPT.search(body), (where, INLINE_SCRIPT.search(body))
    assert not INLINE_HANDLER.search(body), (where, INLINE_HANDLER.search(body))
    assert not JAVASCRIPT_URL.search(body), where


def _pages(app) -> list[str]:
    """Every GET URL rule that takes no argument."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"
    )


def _walk(client, app) -> int:
    pages = 0
    for url in _pages(app):
        with client.get(url) as response:
            assert_security_headers(response, url)
            if response.mimetype == "text/html":
                assert_no_inline_script(response.get_data(as_text=True), url)
                pages += response.status_code == 200
    return pages


def test_every_page_has_the_headers_for_an_anonymous_visitor(app, client):
    _walk(client, app)


@pytest.mark.parametrize("role", [Role.PROVINCE_ADMIN, Role.TRAINEE])
def test_every_page_has_the_headers_when_logged_in(app, client, make, login, role):
    attached = {}
    if role == Role.TRAINEE:
        enterprise = make.enterprise()
        attached["employee"] = make.employee(enterprise)
    user = make.user(role, **attached)
    login(user.username)
    assert _walk(client, app) >= 3  # pages were shown, not only redirects


def test_errors_json_and_static_files_have_the_headers(client):
    for url in ("/no-such-page", "/api/v1/no-such-endpoint", "/api/v1/openapi.json"):
        assert_security_headers(client.get(url), url)
    with client.get("/static/app.js") as response:
        assert_security_headers(response, "/static/app.js")


def test_no_template_has_an_inline_script():
    templates = [p for d in TEMPLATE_DIRS for p in d.rglob("*.html")]
    assert len(templates) > 50
    for path in templates:
        assert_no_inline_script(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))


def test_files_pages_embed_may_be_framed_by_the_site_only(app):
    from flask import Response

    with app.test_request_context("/"):
        response = app.process_response(Response(b"%PDF-1.4", mimetype="application/pdf"))
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_page_may_widen_the_policy_for_what_it_embeds(app):
    from flask import Response, render_template_string

    with app.test_request_context("/"):
        render_template_string("{{ csp_allow_pdf_objects() }}{{ permissions_allow_camera() }}")
        response = app.process_response(Response("<p>", mimetype="text/html"))
    assert "object-src 'self'" in response.headers["Content-Security-Policy"]
    assert "camera=(self)" in response.headers["Permissions-Policy"]
    assert "microphone=()" in response.headers["Permissions-Policy"]


def test_pages_of_a_logged_in_person_are_not_kept_by_the_browser(client, make, login):
    from app.auth.models import Role

    public = client.get("/login")
    assert "no-store" not in public.headers.get("Cache-Control", "")
    login(make.user(Role.PROVINCE_ADMIN).username)
    for url in ("/", "/exams/", "/api/v1/me"):
        response = client.get(url, follow_redirects=True)
        assert response.headers.get("Cache-Control") == "no-store", url
