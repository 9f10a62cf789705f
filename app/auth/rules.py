"""Login lock-out and password rules (pure)."""

from datetime import datetime, timedelta


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    """Whether an account locked until `locked_until` is still locked at `now`."""
    return locked_until is not None and now < locked_until


def after_failed_login(
    failures: int, locked_until: datetime | None, now: datetime, *, limit: int, lock_for: timedelta
) -> tuple[int, datetime | None]:
    """Count a wrong password: the `limit`-th in a row locks the account for `lock_for`."""
    if locked_until is not None and not is_locked(locked_until, now):
        failures, locked_until = 0, None  # the lock has run out: a fresh series starts
    failures += 1
    if failures >= limit:
        return 0, now + lock_for
    return failures, locked_until


def minutes_left(locked_until: datetime, now: datetime) -> int:
    """Whole minutes (rounded up) until the lock ends."""
    seconds = (locked_until - now).total_seconds()
    return max(1, int(-(-seconds // 60)))


def password_problem(password: str, username: str) -> str | None:
    """Why a new password is too weak, or None."""
    if len(password) < 8:
        return "密码至少 8 位"
    if len(password) > 128:
        return "密码不能超过 128 位"
    if password.isdigit() or password.isalpha():
        return "密码须同时包含字母和数字"
    if password.lower() == username.lower():
        return "密码不能与用户名相同"
    return None
