"""Shared web parts: template filters, role-aware navigation, the base form."""

from dataclasses import dataclass

from flask import current_app, has_request_context, request
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.i18n import get_translations

from app.roles import ROLE_LABELS, Role
from app.timeutil import to_local, utcnow

_NAVIGATION = "wuye.navigation"


@dataclass(frozen=True)
class NavItem:
    """One entry of the menu: shown to `roles`, placed by `order` (smaller first)."""

    order: int
    endpoint: str
    label: str
    roles: frozenset[Role]


# Where links point when neither PUBLIC_BASE_URL nor a request says (a background job).
FALLBACK_BASE_URL = "http://127.0.0.1:5000"


def public_form(view):
    """Mark a page whose form anyone may send without an account (the law-training sign-up):
    a refused token there means a stale page, never an ended login."""
    view.public_form = True
    return view


def is_public_form(endpoint: str | None) -> bool:
    """Whether `endpoint`'s view was marked with `public_form`."""
    view = current_app.view_functions.get(endpoint or "")
    return bool(getattr(view, "public_form", False))


def public_base_url() -> str:
    """The platform's public address, without a trailing slash: PUBLIC_BASE_URL when set,
    else the address this request came to (so a server on another port prints working
    links), else `FALLBACK_BASE_URL`."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return FALLBACK_BASE_URL


def public_url(path: str) -> str:
    """The absolute public URL of `path` (which starts with "/"), for QR codes and links
    that leave the browser (printed, shared, scanned)."""
    return public_base_url() + path


def add_nav_item(app, order: int, endpoint: str, label: str, roles) -> None:
    """Add an entry to `app`'s menu; each package adds its own in its `init_app`."""
    items = app.extensions.setdefault(_NAVIGATION, [])
    items.append(NavItem(order, endpoint, label, frozenset(roles)))
    items.sort(key=lambda item: item.order)


def nav_items(app) -> list[NavItem]:
    """The menu of `app`, in order."""
    return list(app.extensions.get(_NAVIGATION, []))


class ChineseMeta:
    """WTForms' own messages (required, length, …) in Simplified Chinese."""

    locales = ("zh",)

    def get_translations(self, form):
        return get_translations(self.locales)


class BaseForm(FlaskForm):
    """Every form: CSRF-protected, messages in Chinese."""

    class Meta(ChineseMeta):
        pass


def _local_datetime(value, fmt="%Y-%m-%d %H:%M") -> str:
    local = to_local(value)
    return local.strftime(fmt) if local else ""


def _date(value) -> str:
    return value.isoformat() if value else ""


def init_app(app) -> None:
    """Register filters and the navigation context."""
    app.add_template_filter(_local_datetime, "local_datetime")
    app.add_template_filter(_date, "date")
    app.add_template_filter(lambda v: ROLE_LABELS.get(Role(v), v) if v else "", "role_label")

    @app.get("/favicon.ico")
    def favicon():
        """Browsers ask for it at the root whatever the page says."""
        return current_app.send_static_file("favicon.ico")

    @app.context_processor
    def navigation():
        if not current_user.is_authenticated:
            return {"nav_items": [], "now_utc": utcnow()}
        role = Role(current_user.role)
        # The first entry matching the current endpoint is the active one.
        items = [
            (item.endpoint, item.label)
            for item in nav_items(current_app)
            if role in item.roles and item.endpoint in current_app.view_functions
        ]
        return {"nav_items": items, "now_utc": utcnow()}
