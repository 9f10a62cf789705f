"""Login lock-out and password rules (pure)."""

import re
from datetime import datetime
from functools import cache
from pathlib import Path

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
_COMMON_PASSWORDS = Path(__file__).with_name("data") / "common_passwords.txt"
# What people put around a weak word: digits, punctuation and spaces at either end.
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    """Whether an account locked until `locked_until` is still locked at `now`."""
    return locked_until is not None and now < locked_until


def minutes_left(until: datetime, now: datetime) -> int:
    """Whole minutes (rounded up, at least 1) from `now` until `until`."""
    seconds = (until - now).total_seconds()
    return max(1, int(-(-seconds // 60)))


def login_refusal(tries_left: int, minutes: int) -> str:
    """The one answer to a refused login, whether the account exists, is locked or not.

    `tries_left` counts the attempts left to this address for this username (known or not),
    so it tells nothing about the account; at 0 the caller waits `minutes`.
    """
    base = "用户名或密码错误，或账户已被暂时锁定。"
    if tries_left > 0:
        return f"{base}还可尝试 {tries_left} 次。"
    return f"{base}尝试次数过多，请 {minutes} 分钟后再试。"


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords, lower-cased."""
    lines = _COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def _core(text: str) -> str:
    """`text` lower-cased without the digits and punctuation around it ("Admin2025!" → admin)."""
    return _DECORATION.sub("", text.lower())


def password_problem(password: str, username: str) -> str | None:
    """Why a new password is too weak, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少 {MIN_PASSWORD_LENGTH} 位"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"密码不能超过 {MAX_PASSWORD_LENGTH} 位"
    if password.isdigit() or password.isalpha():
        return "密码须同时包含字母和数字"
    lowered, name = password.lower(), username.strip().lower()
    if lowered == name:
        return "密码不能与用户名相同"
    name_core = _core(name)
    if len(name) >= 3 and (
        name in lowered or (len(name_core) >= 3 and name_core == _core(lowered))
    ):
        return "密码不能包含用户名，请换一个不易猜到的密码"
    common = common_passwords()
    if lowered in common or _core(lowered) in common:
        return "该密码过于常见，容易被猜到，请换一个"
    return None
