"""Security headers, set once on every response.

Pages get a Content-Security-Policy without inline scripts: every script is a file under a
static folder, wired with `addEventListener` and fed through `data-*` attributes. Styles
keep `'unsafe-inline'` because pages draw progress bars and indents with `style=` widths
computed on the server (and the exam board builds its rows with them).

A page that needs more than the default asks for it while it renders, with the template
functions below: `{{ csp_allow_pdf_objects() }}` where it embeds a same-origin PDF in an
`<object>`, `{{ permissions_allow_camera() }}` where it reads QR codes from the camera.
Files that pages embed (PDF, images, video) may be framed by the site's own pages only.

Pages and JSON answered to a logged-in person carry `Cache-Control: no-store`: their state is
personal and changes (an exam just submitted must not come back from the browser's cache with
「开始考试」 when the back button is pressed). A response that sets its own Cache-Control keeps it.
"""

from functools import cache

from flask import g, session

_PAGE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Embedded by our own pages (`<object>`, `<img>`, `<video>`): framed by the site only.
_EMBEDDABLE_PREFIXES = ("application/pdf", "image/", "video/", "audio/")
_PERSONAL_TYPES = ("text/html", "application/json")
_PERMISSIONS = {"camera": "()", "microphone": "()", "geolocation": "()"}

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def csp_allow_pdf_objects() -> str:
    """Let the page being rendered embed the site's own PDFs with `<object>`."""
    g.csp_object_src = "'self'"
    return ""


def permissions_allow_camera() -> str:
    """Let the page being rendered use the camera (the sign-in scanner)."""
    g.permissions_camera = "(self)"
    return ""


@cache  # a handful of values: written once, not for every response
def content_security_policy(object_src: str | None = None) -> str:
    """The pages' policy, with `object-src` widened when a page embeds PDFs."""
    policy = dict(_PAGE_POLICY)
    if object_src:
        policy["object-src"] = object_src
    return "; ".join(f"{name} {value}" for name, value in policy.items())


@cache
def permissions_policy(camera: str | None = None) -> str:
    """Powerful features off (speech synthesis is not one: read-aloud keeps working)."""
    features = dict(_PERMISSIONS)
    if camera:
        features["camera"] = camera
    return ", ".join(f"{name}={value}" for name, value in features.items())


def _set_headers(response):
    for name, value in COMMON_HEADERS.items():
        response.headers.setdefault(name, value)
    if (response.mimetype or "").startswith(_EMBEDDABLE_PREFIXES):
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'self'")
    else:
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy", content_security_policy(g.get("csp_object_src"))
        )
    response.headers.setdefault(
        "Permissions-Policy", permissions_policy(g.get("permissions_camera"))
    )
    if (
        response.mimetype in _PERSONAL_TYPES
        and "Cache-Control" not in response.headers
        and session.get("_user_id") is not None  # logged in (read without loading the user)
    ):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    """Add the headers to every response and the page functions to the templates."""
    app.after_request(_set_headers)
    app.add_template_global(csp_allow_pdf_objects)
    app.add_template_global(permissions_allow_camera)
