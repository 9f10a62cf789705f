"""The exam clock: deadlines, remaining time, the grace for saves in flight, the exam window.

Every datetime here is naive UTC, as the database stores it; `now` is always passed in so the
server, not the candidate's device, owns the clock.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# Saves already in flight at the deadline are still accepted this long after it: a phone on a
# slow network sends its last answer a moment before time is up and it arrives a moment after.
GRACE_SECONDS = 5

# The dates an exam's settings may hold (naive UTC), and its longest window: anything else
# is a typing slip or a probe, and 9999-12-31 once broke every candidate's home page.
EARLIEST = datetime(2000, 1, 1)
LATEST = datetime(2100, 12, 31, 23, 59, 59)
MAX_WINDOW_DAYS = 366
DATE_RANGE_MESSAGE = "日期应在 2000-01-01 至 2100-12-31 之间"

_LOCAL_TZ = ZoneInfo("Asia/Shanghai")
_SECOND = timedelta(seconds=1)


def attempt_deadline(
    started_at: datetime,
    time_limit_seconds: int | None,
    extension_seconds: int,
    closes_at: datetime | None,
) -> datetime:
    """When an attempt ends: start + limit + extensions, but never after the window closes."""
    if time_limit_seconds is not None and time_limit_seconds < 0:
        raise ValueError("time_limit_seconds must not be negative")
    if extension_seconds < 0:
        raise ValueError("extension_seconds must not be negative")
    if time_limit_seconds is None:
        if closes_at is None:
            raise ValueError("an attempt needs a time limit or a closing time")
        return closes_at
    deadline = started_at + timedelta(seconds=time_limit_seconds + extension_seconds)
    return deadline if closes_at is None else min(deadline, closes_at)


def remaining_seconds(deadline: datetime, now: datetime) -> int:
    """Whole seconds left before the deadline, rounded down, never negative."""
    # timedelta // timedelta is exact integer floor division, no float rounding at the edge.
    return max(0, (deadline - now) // _SECOND)


def accepts_answers(deadline: datetime, now: datetime, grace_seconds: int = GRACE_SECONDS) -> bool:
    """Whether a save arriving `now` still counts (up to and including the end of the grace)."""
    return now <= deadline + timedelta(seconds=grace_seconds)


def oldest_deadline_accepting(now: datetime, grace_seconds: int = GRACE_SECONDS) -> datetime:
    """The earliest deadline whose attempt still accepts a save arriving `now`.

    `accepts_answers(deadline, now)` is `deadline >= oldest_deadline_accepting(now)`, put so
    that the database can compare its stored deadlines with one value.
    """
    return now - timedelta(seconds=grace_seconds)


def is_overdue(deadline: datetime, now: datetime, grace_seconds: int = GRACE_SECONDS) -> bool:
    """Whether the grace is over too, so the server must submit the attempt itself."""
    return not accepts_answers(deadline, now, grace_seconds)


def window_problem(
    opens_at: datetime | None, closes_at: datetime | None, now: datetime
) -> str | None:
    """Why an attempt cannot start now, in Chinese; None when the exam window is open."""
    if opens_at is not None and now < opens_at:
        return f"考试尚未开始（开始时间 {_local(opens_at):%Y-%m-%d %H:%M}）"
    if closes_at is not None and now >= closes_at:
        return "考试已结束"
    return None


def settings_problems(
    opens_at: datetime, closes_at: datetime, review_from: datetime | None = None
) -> list[tuple[str, str]]:
    """What is wrong with an exam's dates (naive UTC), as (field, Chinese message); [] if none."""
    dates = (("opens_at", opens_at), ("closes_at", closes_at), ("review_from", review_from))
    problems = [
        (field, DATE_RANGE_MESSAGE)
        for field, moment in dates
        if moment is not None and not EARLIEST <= moment <= LATEST
    ]
    if problems:
        return problems
    if closes_at <= opens_at:
        problems.append(("closes_at", "结束时间必须晚于开始时间"))
    elif closes_at - opens_at > timedelta(days=MAX_WINDOW_DAYS):
        problems.append(("closes_at", f"考试开放时间最长 {MAX_WINDOW_DAYS} 天"))
    return problems


def _local(moment: datetime) -> datetime:
    """A naive-UTC time in Asia/Shanghai; a far one stored earlier never overflows."""
    try:
        return moment.replace(tzinfo=UTC).astimezone(_LOCAL_TZ)
    except OverflowError:
        return datetime.max.replace(tzinfo=_LOCAL_TZ)
