"""Account operations: log in with lock-out and rate limits, passwords, account creation."""

import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app, g, session
from flask_login import login_user, logout_user
from limits import RateLimitItem, RateLimitItemPerMinute, parse_many
from sqlalchemy import case, func, or_, select, update

from app.auth import rules
from app.auth.hashing import hash_password, needs_rehash, verify_password
from app.auth.models import Role, User, parse_session_id
from app.errors import Conflict
from app.extensions import counters, db
from app.form_errors import field_error
from app.orgs.models import Employee, Enterprise, Region
from app.sorting import natural
from app.timeutil import utcnow

# Set in the session at login when an admin chose the password: until it is changed the
# account may only change it, read /me or log out (checked per request without a query).
PASSWORD_CHANGE_REQUIRED = "password_change_required"


def claimed_identity() -> tuple[int, int] | None:
    """(user id, session version) the signed session cookie names, not yet checked.

    For a request that checks the account itself in the statement that does its work (the
    answer save); everything else uses Flask-Login's `current_user`, which loads the account.
    """
    session_id = session.get("_user_id")
    return parse_session_id(session_id) if isinstance(session_id, str) else None


class LoginOutcome(StrEnum):
    OK = "ok"
    # A wrong password, an unknown or deactivated username and a locked account all answer
    # this one way, so that an answer tells nothing about the account.
    REFUSED = "refused"
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None
    message: str = ""


RATE_LIMITED_MESSAGE = "登录尝试过于频繁，请稍后再试"
_dummy_hashes: dict[tuple, str] = {}


def _spend_hash_time(password: str) -> None:
    # Unknown usernames and locked accounts cost the time of a real check, so that timing
    # tells nothing about them either.
    config = current_app.config
    key = tuple(
        config[name]
        for name in (
            "PASSWORD_HASH_METHOD",
            "ARGON2_TIME_COST",
            "ARGON2_MEMORY_KIB",
            "ARGON2_PARALLELISM",
        )
    )
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hash_password("not-a-real-password-0")
    verify_password(_dummy_hashes[key], password)


def find_user(username: str) -> User | None:
    """The account with this username (case-insensitive)."""
    username = (username or "").strip()
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


@dataclass(frozen=True)
class _Limits:
    """The limiter's counters a login consults (Redis when configured; memory while it is down)."""

    per_address: list[tuple[RateLimitItem, tuple[str, ...]]]
    per_account: list[tuple[RateLimitItem, tuple[str, ...]]]
    tries: tuple[RateLimitItem, tuple[str, ...]]

    @classmethod
    def of(cls, address: str, name: str) -> "_Limits":
        config = current_app.config
        return cls(
            per_address=[
                (item, ("login-address", address))
                for item in parse_many(config["LOGIN_LIMITS_PER_ADDRESS"])
            ],
            per_account=[
                (item, ("login-account", name))
                for item in parse_many(config["LOGIN_LIMITS_PER_ACCOUNT"])
            ],
            # The tries this address has left for this username, known or not: the warning.
            tries=(
                RateLimitItemPerMinute(config["LOGIN_MAX_FAILURES"], config["LOGIN_LOCK_MINUTES"]),
                ("login-tries", address, name),
            ),
        )

    def exceeded(self) -> bool:
        return not all(
            counters.test(item, *keys) for item, keys in self.per_address + self.per_account
        )

    def clear_per_account(self) -> None:
        for item, keys in self.per_account:
            counters.clear(item, *keys)

    def count_failure(self) -> None:
        for item, keys in [*self.per_address, *self.per_account, self.tries]:
            counters.hit(item, *keys)

    def refusal(self) -> LoginResult:
        item, keys = self.tries
        stats = counters.get_window_stats(item, *keys)
        minutes = max(1, math.ceil((stats.reset_time - time.time()) / 60))
        message = rules.login_refusal(stats.remaining, minutes)
        return LoginResult(LoginOutcome.REFUSED, message=message)


def _reserve_attempt(name: str, now: datetime) -> tuple[int, str] | None:
    """Count one attempt at the password of `name` before checking it: (id, hash), or None.

    None when there is no such active account or it is locked. Checking the lock and counting
    the attempt is one UPDATE, so parallel guesses are counted one after the other and no
    more than LOGIN_MAX_FAILURES of them are ever checked before the lock; the attempt that
    reaches the limit locks the account, and a right password then lifts the lock again.
    It commits on its own connection: the count must survive the refusal (the request rolls
    back), and no transaction stays open while the password is hashed.
    """
    config = current_app.config
    users = User.__table__
    # Where the lock below lets a row through, a lock still set has run out: start afresh.
    failures = case((users.c.locked_until.is_not(None), 1), else_=users.c.failed_logins + 1)
    locked_until = now + timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
    stmt = (
        update(users)
        .where(
            func.lower(users.c.username) == name,
            users.c.active.is_(True),
            or_(users.c.locked_until.is_(None), users.c.locked_until <= now),
        )
        .values(
            failed_logins=failures,
            locked_until=case((failures >= config["LOGIN_MAX_FAILURES"], locked_until), else_=None),
        )
        .returning(users.c.id, users.c.password_hash)
    )
    with db.engine.begin() as connection:
        row = connection.execute(stmt).first()
    return (row.id, row.password_hash) if row else None


def authenticate(username: str, password: str, *, address: str) -> LoginResult:
    """Check credentials from `address`, with lock-out and rate limits; one answer to refusals.

    The password is checked outside any database transaction (argon2id takes tens of
    milliseconds); an old or weaker hash is replaced after a successful check.
    """
    now = utcnow()
    name = (username or "").strip().lower()
    password = password or ""
    limits = _Limits.of(address or "-", name)
    if limits.exceeded():
        return LoginResult(LoginOutcome.RATE_LIMITED, message=RATE_LIMITED_MESSAGE)
    account = _reserve_attempt(name, now) if name else None
    if account is None:
        _spend_hash_time(password)
        right = False
    else:
        right = verify_password(account[1], password)
    if not right:
        limits.count_failure()
        return limits.refusal()
    user_id, old_hash = account
    new_hash = hash_password(password) if needs_rehash(old_hash) else None
    user = db.session.get(User, user_id)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    if new_hash and user.password_hash == old_hash:
        user.password_hash = new_hash
    db.session.flush()
    return LoginResult(LoginOutcome.OK, user)


def _reset_session() -> None:
    # A new session at every login: nothing from before it (its CSRF token above all) lasts.
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def begin_session(user: User) -> None:
    """Log `user` in with a fresh session (and CSRF token), noting a required password change."""
    _reset_session()
    login_user(user)
    if user.must_change_password:
        session[PASSWORD_CHANGE_REQUIRED] = True


def end_session(user: User) -> None:
    """Log out, ending the session on the server: a copy of the cookie no longer works.

    The session id carries the account's session version, which the user loader and the
    answer save both check; bumping it ends this session and the account's other ones.
    """
    user.session_version += 1
    db.session.flush()
    logout_user()
    _reset_session()


def set_password(user: User, new_password: str, *, by_admin: bool = False) -> None:
    """Replace the password (checked against the rules) and end the account's sessions.

    A password an admin sets `by_admin` must be changed by the holder at the next login.
    """
    problem = rules.password_problem(new_password, user.username)
    if problem:
        raise field_error("new_password", problem)
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    user.failed_logins, user.locked_until = 0, None
    user.must_change_password = by_admin
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str) -> None:
    """The account holder's own change: the current password must be right."""
    if not verify_password(user.password_hash, current_password or ""):
        raise field_error("current_password", "当前密码不正确")
    if current_password == new_password:
        raise field_error("new_password", "新密码不能与当前密码相同")
    set_password(user, new_password)
    session.pop(PASSWORD_CHANGE_REQUIRED, None)
    login_user(user)  # the session id carries the new session version


def create_account(
    *,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    region: Region | None = None,
    enterprise: Enterprise | None = None,
    employee: Employee | None = None,
    temporary_password: bool = False,
) -> User:
    """Create an account attached to its region, enterprise or employee as its role needs.

    An admin creating an account for someone else passes `temporary_password`: its holder
    must change the password at the first login (the demo data and tests choose their own).
    """
    username = username.strip()
    taken = select(User.id).where(func.lower(User.username) == username.lower())
    if db.session.scalar(taken) is not None:
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
    if role in (Role.JUDGE, Role.CHIEF_JUDGE) and enterprise is not None:
        region = enterprise.region  # a judge of an enterprise is of its region
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
    if temporary_password:
        user.must_change_password = True  # else the column's server default (false)
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
    """Lift a lock-out before it runs out, and the rate limit of failed logins on the account."""
    user.failed_logins, user.locked_until = 0, None
    db.session.flush()
    _Limits.of("-", user.username.lower()).clear_per_account()


def accounts_of_role(role: Role) -> list[User]:
    """The active accounts of `role`, by username (e.g. the judges an organiser chooses from)."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == role.value, User.active)
            .order_by(natural(User.username))
        )
    )


def get_user(user_id: int) -> User | None:
    """The account with this id."""
    return db.session.get(User, user_id)
