"""Shared web parts: template filters, role-aware navigation, the base form."""

from flask import current_app
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.i18n import get_translations

from app.auth.models import ROLE_LABELS, Role
from app.orgs.rules.posts import Post
from app.timeutil import to_local, utcnow

# (endpoint, label, roles that see it); the first match of the current endpoint is active.
NAVIGATION = [
    ("reports.dashboard", "首页", set(Role)),
    ("orgs.regions", "地区", {Role.PROVINCE_ADMIN, Role.CITY_ADMIN}),
    ("orgs.enterprises", "企业", {Role.PROVINCE_ADMIN, Role.CITY_ADMIN}),
    ("orgs.my_roster", "花名册", {Role.ENTERPRISE_ADMIN}),
    ("courses.index", "学习", {Role.TRAINEE}),
    ("exams.my_exams", "我的考试", {Role.TRAINEE}),
    ("course_admin.index", "课程", {Role.PROVINCE_ADMIN}),
    ("plans.index", "培训计划", {Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN}),
    ("law_trainings.index", "普法培训", {Role.PROVINCE_ADMIN, Role.CITY_ADMIN}),
    ("question_bank.index", "题库", {Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN}),
    ("exam_admin.index", "考试", {Role.PROVINCE_ADMIN, Role.ENTERPRISE_ADMIN}),
    ("auth.accounts", "账号", {Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN}),
    ("orgs.pii_exports", "导出记录", {Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN}),
]


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
    app.add_template_filter(lambda v: Post(v).label if v else "", "post_label")
    app.add_template_filter(lambda v: ROLE_LABELS.get(Role(v), v) if v else "", "role_label")

    @app.context_processor
    def navigation():
        if not current_user.is_authenticated:
            return {"nav_items": [], "now_utc": utcnow()}
        role = Role(current_user.role)
        items = [
            (endpoint, label)
            for endpoint, label, roles in NAVIGATION
            if role in roles and endpoint in current_app.view_functions
        ]
        return {"nav_items": items, "now_utc": utcnow()}
