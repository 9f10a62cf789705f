"""Catalogue rules: study hours, link checks, what a course needs before it is published."""

import re
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


def content_problem(lesson_seconds: list[int], required_seconds: int) -> str | None:
    """Why the lessons cannot add up to the course's hours, or None when they can.

    Study time is credited only while a lesson is open, and each lesson asks for its
    study time (a video's length, a reading time) before it counts as done: when these
    times together fall short of the required hours, a learner who finishes every lesson
    is left short of hours with nothing more to study.
    """
    if required_seconds <= 0 or not lesson_seconds:
        return None
    content = sum(max(0, s) for s in lesson_seconds)
    if content >= required_seconds:
        return None
    return (
        f"各课时的学习时长合计 {seconds_to_hours(content)} 学时，"
        f"少于要求的 {seconds_to_hours(required_seconds)} 学时（1 学时 = 60 分钟）："
        f"请补充课时或延长课时的学习时长，或调低要求学时"
    )


def publish_problems(
    lesson_count: int, required_seconds: int, lesson_seconds: list[int] | None = None
) -> list[str]:
    """Why a course may not be published yet; empty when it may."""
    problems = []
    if lesson_count == 0:
        problems.append("课程还没有任何课时，请先添加章节和课时")
    if required_seconds <= 0:
        problems.append("要求学时为 0，请先填写要求学时")
    short = content_problem(lesson_seconds or [], required_seconds)
    if short:
        problems.append(short)
    return problems


def swap_position(ids: list[int], ident: int, direction: str) -> list[int]:
    """The order `ids` with `ident` moved one place up or down (unchanged at an end)."""
    order = list(ids)
    i = order.index(ident)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    return order


_NUMBERED_CHAPTER = re.compile(r"^\s*第\s*[0-9０-９一二三四五六七八九十百千零〇两]+\s*章")


def chapter_heading(title: str, number: int) -> str:
    """「第 2 章　服务管理」, or the title alone when it is already numbered (「第二章 …」)."""
    title = (title or "").strip()
    if _NUMBERED_CHAPTER.match(title):
        return title
    return f"第 {number} 章　{title}"
