"""Catalogue rules: study hours, link checks, what a course needs before it is published."""

from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit

SECONDS_PER_HOUR = 3600


def hours_to_seconds(hours: Decimal) -> int:
    """学时 with one decimal → whole seconds (1.5 → 5400)."""
    tenths = Decimal(hours).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return int(tenths * SECONDS_PER_HOUR)


def seconds_to_hours(seconds: int) -> Decimal:
    """Whole seconds → 学时 with one decimal."""
    return (Decimal(seconds) / SECONDS_PER_HOUR).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def minutes_to_seconds(minutes: Decimal | None) -> int:
    """A length or reading time in minutes (decimals allowed) → whole seconds."""
    if minutes is None:
        return 0
    return int((Decimal(minutes) * 60).to_integral_value(rounding=ROUND_HALF_UP))


def is_web_link(url: str) -> bool:
    """Whether `url` is an absolute http(s) address with a host."""
    try:
        parts = urlsplit((url or "").strip())
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. "http://[::1": an unclosed IPv6 address
        return False


def publish_problems(lesson_count: int, required_seconds: int) -> list[str]:
    """Why a course may not be published yet; empty when it may."""
    problems = []
    if lesson_count == 0:
        problems.append("课程还没有任何课时，请先添加章节和课时")
    if required_seconds <= 0:
        problems.append("要求学时为 0，请先填写要求学时")
    return problems


def swap_position(ids: list[int], ident: int, direction: str) -> list[int]:
    """The order `ids` with `ident` moved one place up or down (unchanged at an end)."""
    order = list(ids)
    i = order.index(ident)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    return order
