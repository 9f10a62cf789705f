"""Pages: log in and out, change password, manage accounts."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from wtforms import SelectChoice

from app.api import api, error_response, render_error_page, wants_json
from app.auth import services
from app.auth.forms import (
    AccountForm,
    LoginForm,
    PasswordChangeForm,
    ResetPasswordForm,
    TraineeAccountForm,
)
from app.auth.models import ROLE_LABELS, Role, User
from app.auth.policy import creatable_roles, may_create_account
from app.errors import Conflict, Invalid
from app.extensions import db
from app.form_errors import show_on_form
from app.orgs.models import Employee, Enterprise, Region
from app.security import Action, get_or_404, visible
from app.sorting import natural
from app.web import is_public_form

bp = Blueprint("auth", __name__)

# What an account that must change its password may still do.
_ALLOWED_BEFORE_PASSWORD_CHANGE = {
    "auth.change_password",
    "auth.logout",
    "auth.login",
    "auth_api.change_password",
    "auth_api.logout",
    "auth_api.login",
    "auth_api.me",
    "static",
    "bootstrap.static",
}


@bp.before_app_request
def _require_password_change():
    """An account whose password an admin set changes it before doing anything else."""
    if not session.get(services.PASSWORD_CHANGE_REQUIRED):
        return None
    if request.endpoint in _ALLOWED_BEFORE_PASSWORD_CHANGE:
        return None
    if wants_json():
        return error_response(
            403,
            "password_change_required",
            "请先修改管理员设置的初始密码（POST /api/v1/auth/password）",
        )
    flash("请先修改管理员为您设置的初始密码。", "warning")
    return redirect(url_for("auth.change_password"))


@bp.app_errorhandler(CSRFError)
def _csrf_refused(error: CSRFError):
    """A form whose token was refused. Sent after its session ended (logged out elsewhere, the
    browser restarted), the token died with the session: say that the person must log in
    again, and let them at once — not 「页面已过期」, which a refresh does not cure."""
    if wants_json():
        return api.handle_http_exception(error)
    if current_user.is_authenticated or is_public_form(request.endpoint):
        return render_error_page(error.code, error)
    if request.endpoint == "auth.login":  # the login page itself, left open too long
        flash("登录页面已过期，请重新输入密码登录。", "warning")
        return render_template("auth/login.html", form=LoginForm()), error.code
    flash("登录已失效，请重新登录。登录后请重新提交刚才的内容。", "warning")
    return redirect(url_for("auth.login", next=_same_site_path(request.referrer)))


def _same_site_path(address: str | None) -> str | None:
    """The path (and query) of `address` when it is a page of this site, else None."""
    parts = urlsplit(address or "")
    if not parts.path.startswith("/") or parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _safe_next(target: str | None) -> str:
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/"):
        return target
    return url_for("reports.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login page."""
    if current_user.is_authenticated:
        return redirect(url_for("reports.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        result = services.authenticate(
            form.username.data, form.password.data, address=request.remote_addr or ""
        )
        if result.outcome is services.LoginOutcome.OK:
            services.begin_session(result.user)
            if result.user.must_change_password:
                flash("请先修改管理员为您设置的初始密码。", "warning")
                return redirect(url_for("auth.change_password"))
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(result.message)
        if result.outcome is services.LoginOutcome.RATE_LIMITED:
            return render_template("auth/login.html", form=form), 429
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """End the session (on the server too: a copy of the cookie stops working)."""
    services.end_session(current_user)
    flash("已退出登录。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """The account holder changes their own password."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except (Invalid, Conflict) as error:
            show_on_form(form, error)
        else:
            flash("密码已修改。", "success")
            return redirect(url_for("reports.dashboard"))
    return render_template("auth/password.html", form=form)


def _require_account_manager() -> None:
    if not creatable_roles(current_user):
        abort(403)


@bp.get("/accounts")
@login_required
def accounts():
    """Accounts in the caller's scope."""
    _require_account_manager()
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    stmt = (
        select(User).where(visible(current_user, User)).order_by(User.role, natural(User.username))
    )
    if q:
        stmt = stmt.where(User.username.contains(q) | User.display_name.contains(q))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == role)
    page = db.paginate(stmt, per_page=30, error_out=False)
    return render_template("auth/accounts.html", page=page, q=q, role=role, role_labels=ROLE_LABELS)


def _account_choices(form: AccountForm) -> None:
    form.role.choices = [SelectChoice(r.value, r.label) for r in creatable_roles(current_user)]
    regions = db.session.scalars(
        select(Region).where(visible(current_user, Region)).order_by(Region.sort_order)
    )
    if current_user.role == Role.CITY_ADMIN:
        regions = [r for r in regions if r.id == current_user.region_id]
    form.region_id.choices = [SelectChoice(0, "—")] + [SelectChoice(r.id, r.name) for r in regions]
    enterprises = db.session.scalars(
        select(Enterprise)
        .where(visible(current_user, Enterprise), Enterprise.active)
        .order_by(natural(Enterprise.name))
    )
    form.enterprise_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(e.id, e.name) for e in enterprises
    ]


@bp.route("/accounts/new", methods=["GET", "POST"])
@login_required
def new_account():
    """Create an admin, judge or chief-judge account (trainees: from the employee page)."""
    _require_account_manager()
    form = AccountForm()
    _account_choices(form)
    if form.validate_on_submit():
        role = Role(form.role.data)
        region = db.session.get(Region, form.region_id.data or 0)
        enterprise = db.session.get(Enterprise, form.enterprise_id.data or 0)
        judge = role in (Role.JUDGE, Role.CHIEF_JUDGE)
        if judge and current_user.role == Role.CITY_ADMIN and not (region or enterprise):
            region = current_user.region  # a city association's judges are of its region
        if role is Role.TRAINEE:
            form.role.errors.append("学员账号请在从业人员详情页中开通")
        elif not may_create_account(current_user, role, region=region, enterprise=enterprise):
            to_region = role is Role.CITY_ADMIN or (judge and enterprise is None)
            target = form.region_id if to_region else form.enterprise_id
            target.errors.append("请选择您管辖范围内的地区或企业")
        else:
            try:
                user = services.create_account(
                    username=form.username.data,
                    display_name=form.display_name.data or "",
                    password=form.password.data,
                    role=role,
                    region=region,
                    enterprise=enterprise,
                    temporary_password=True,
                )
            except (Invalid, Conflict) as error:
                show_on_form(form, error, fallback="username")
            else:
                flash(f"账号 {user.username} 已创建。", "success")
                return redirect(url_for("auth.accounts"))
    return render_template("auth/account_form.html", form=form)


@bp.route("/employees/<int:employee_id>/account", methods=["GET", "POST"])
@login_required
def new_trainee_account(employee_id: int):
    """Open a trainee account for an employee."""
    employee = get_or_404(current_user, Employee, employee_id, Action.MANAGE)
    if not may_create_account(current_user, Role.TRAINEE, enterprise=employee.enterprise):
        abort(403)
    form = TraineeAccountForm()
    if request.method == "GET" and employee.phone:
        form.username.data = employee.phone
    if form.validate_on_submit():
        try:
            services.create_account(
                username=form.username.data,
                display_name=employee.name,
                password=form.password.data,
                role=Role.TRAINEE,
                employee=employee,
                temporary_password=True,
            )
        except (Invalid, Conflict) as error:
            show_on_form(form, error, fallback="username")
        else:
            flash(f"已为 {employee.name} 开通学员账号。", "success")
            return redirect(url_for("orgs.employee", employee_id=employee.id))
    return render_template("auth/trainee_account_form.html", form=form, employee=employee)


@bp.post("/accounts/<int:user_id>/active")
@login_required
def toggle_account(user_id: int):
    """Deactivate or reactivate an account."""
    user = get_or_404(current_user, User, user_id, Action.MANAGE)
    services.set_active(user, not user.active)
    flash(f"账号 {user.username} 已{'启用' if user.active else '停用'}。", "success")
    return redirect(url_for("auth.accounts"))


@bp.post("/accounts/<int:user_id>/unlock")
@login_required
def unlock_account(user_id: int):
    """Lift a lock-out."""
    user = get_or_404(current_user, User, user_id, Action.MANAGE)
    services.unlock(user)
    flash(f"账号 {user.username} 已解锁。", "success")
    return redirect(url_for("auth.accounts"))


@bp.route("/accounts/<int:user_id>/password", methods=["GET", "POST"])
@login_required
def reset_password(user_id: int):
    """An admin sets a new password for an account in scope."""
    user = get_or_404(current_user, User, user_id, Action.MANAGE)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data, by_admin=True)
        except Invalid as error:
            show_on_form(form, error, fallback="password")
        else:
            flash(f"已重置 {user.username} 的密码。", "success")
            return redirect(url_for("auth.accounts"))
    return render_template("auth/reset_password.html", form=form, account=user)
