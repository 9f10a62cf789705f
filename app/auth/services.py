"""Account operations: log in with lock-out, passwords, account creation."""

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from flask import current_app, session
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth import rules
from app.auth.models import Role, User, parse_session_id
from app.errors import Conflict
from app.extensions import db
from app.form_errors import field_error
from app.orgs.models import Employee, Enterprise, Region
from app.timeutil import utcnow


def claimed_identity() -> tuple[int, int] | None:
    """(user id, session version) the signed session cookie names, not yet checked.

    For a request that checks the account itself in the statement that does its work (the
    answer save); everything else uses Flask-Login's `current_user`, which loads the account.
    """
    session_id = session.get("_user_id")
    return parse_session_id(session_id) if isinstance(session_id, str) else None


class LoginOutcome(StrEnum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None
    minutes_left: int = 0

    @property
    def message(self) -> str:
        if self.outcome is LoginOutcome.LOCKED:
            return f"连续输错密码次数过多，账户已锁定，请 {self.minutes_left} 分钟后再试"
        if self.outcome is LoginOutcome.BAD_CREDENTIALS:
            return "用户名或密码错误"
        return ""


_DUMMY_HASH = None


def hash_password(password: str) -> str:
    """Hash with the configured KDF (scrypt by default)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _spend_hash_time(password: str) -> None:
    # Unknown usernames cost the same time as known ones, so timing does not reveal them.
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not-a-real-password-0")
    check_password_hash(_DUMMY_HASH, password)


def find_user(username: str) -> User | None:
    """The account with this username (case-insensitive)."""
    username = (username or "").strip()
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def authenticate(username: str, password: str) -> LoginResult:
    """Check credentials, counting failures and locking after too many in a row."""
    now = utcnow()
    user = find_user(username)
    if user is None or not user.active:
        _spend_hash_time(password or "")
        return LoginResult(LoginOutcome.BAD_CREDENTIALS)
    if rules.is_locked(user.locked_until, now):
        return LoginResult(LoginOutcome.LOCKED, user, rules.minutes_left(user.locked_until, now))
    if not check_password_hash(user.password_hash, password or ""):
        config = current_app.config
        user.failed_logins, user.locked_until = rules.after_failed_login(
            user.failed_logins,
            user.locked_until,
            now,
            limit=config["LOGIN_MAX_FAILURES"],
            lock_for=timedelta(minutes=config["LOGIN_LOCK_MINUTES"]),
        )
        db.session.flush()
        if rules.is_locked(user.locked_until, now):
            return LoginResult(
                LoginOutcome.LOCKED, user, rules.minutes_left(user.locked_until, now)
            )
        return LoginResult(LoginOutcome.BAD_CREDENTIALS, user)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    db.session.flush()
    return LoginResult(LoginOutcome.OK, user)


def set_password(user: User, new_password: str) -> None:
    """Replace the password (checked against the rules) and end other sessions."""
    problem = rules.password_problem(new_password, user.username)
    if problem:
        raise field_error("new_password", problem)
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    user.failed_logins, user.locked_until = 0, None
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str) -> None:
    """The account holder's own change: the current password must be right."""
    if not check_password_hash(user.password_hash, current_password or ""):
        raise field_error("current_password", "当前密码不正确")
    if current_password == new_password:
        raise field_error("new_password", "新密码不能与当前密码相同")
    set_password(user, new_password)


def create_account(
    *,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    region: Region | None = None,
    enterprise: Enterprise | None = None,
    employee: Employee | None = None,
) -> User:
    """Create an account attached to its region, enterprise or employee as its role needs."""
    username = username.strip()
    if find_user(username) is not None:
        raise field_error("username", "该用户名已被使用", Conflict)
    if role is Role.TRAINEE:
        if employee is None:
            raise field_error("employee", "学员账号必须关联一名从业人员")
        if db.session.scalar(select(User.id).where(User.employee_id == employee.id)):
            raise field_error("employee", "该从业人员已有账号", Conflict)
        enterprise = employee.enterprise
    if role in (Role.ENTERPRISE_ADMIN, Role.TRAINEE):
        if enterprise is None:
            raise field_error("enterprise", "请选择所属企业")
        region = enterprise.region
    if role is Role.CITY_ADMIN and region is None:
        raise field_error("region", "请选择所属地区")
    problem = rules.password_problem(password, username)
    if problem:
        raise field_error("password", problem)
    user = User(
        username=username,
        display_name=display_name.strip() or (employee.name if employee else username),
        password_hash=hash_password(password),
        role=role.value,
        region_id=region.id if region and role is not Role.PROVINCE_ADMIN else None,
        enterprise_id=enterprise.id if enterprise else None,
        employee_id=employee.id if employee else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def set_active(user: User, active: bool) -> None:
    """Deactivate (ending every session) or reactivate an account."""
    user.active = active
    if not active:
        user.session_version += 1
    db.session.flush()


def unlock(user: User) -> None:
    """Lift a lock-out before it runs out."""
    user.failed_logins, user.locked_until = 0, None
    db.session.flush()
