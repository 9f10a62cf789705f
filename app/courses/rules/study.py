"""Study-time rules: how much a heartbeat credits, the caps, completion, hours as text.

Plain functions with no Flask or database import so that they are unit-tested alone.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

HEARTBEAT_MAX_CREDIT = 30  # seconds one beat can credit at most
DAILY_CAP_SECONDS = 8 * 3600  # seconds one learner can earn per local day


@dataclass(frozen=True)
class Credit:
    """What one heartbeat earns: `seconds` credited, and whether it extends the open span."""

    seconds: int
    contiguous: bool


def credit_for_beat(
    previous_beat: datetime | None,
    now: datetime,
    *,
    visible: bool,
    earned_today: int,
    credited_until: datetime | None = None,
    max_credit: int = HEARTBEAT_MAX_CREDIT,
    daily_cap: int = DAILY_CAP_SECONDS,
) -> Credit:
    """Seconds credited by a beat at `now` after `previous_beat` of the same lesson.

    The first beat of a sitting credits nothing (it only marks the start). A hidden page
    credits nothing. A gap longer than `max_credit` credits only the cap and starts a new
    span; a learner never earns beyond `daily_cap` on one day.

    `credited_until` is the learner's last credited moment across all their lessons: a
    beat credits only the time after it, so a learner's wall-clock time counts once
    however many lessons they keep open.
    """
    if previous_beat is None or not visible:
        return Credit(0, False)
    since = previous_beat if credited_until is None else max(previous_beat, credited_until)
    gap = round((now - since).total_seconds())
    if gap <= 0:
        return Credit(0, True)
    contiguous = gap <= max_credit
    seconds = min(gap, max_credit)
    seconds = max(0, min(seconds, daily_cap - earned_today))
    return Credit(seconds, contiguous)


def span_is_contiguous(span_end: datetime | None, beat_start: datetime) -> bool:
    """Whether credited time starting at `beat_start` continues a span ending at `span_end`."""
    return span_end is not None and abs((beat_start - span_end).total_seconds()) <= 1


def lesson_can_be_marked(kind: str, seconds: int, min_seconds: int) -> bool:
    """Text, PDF and link lessons are marked done by hand once their time is reached."""
    return kind in ("text", "pdf", "link") and seconds >= min_seconds


def video_watched(position: int, duration: int | None, seconds: int, min_seconds: int) -> bool:
    """A video is done at ~95 % watched (by position) and once its time is reached."""
    if seconds < min_seconds:
        return False
    if not duration or duration <= 0:
        return min_seconds > 0 and position >= int(min_seconds * 0.95)
    return position >= duration * 0.95


def is_complete(
    lessons_total: int,
    lessons_done: int,
    seconds: int,
    required_seconds: int,
    has_exam: bool,
    exam_passed: bool,
) -> bool:
    """A course is complete: every lesson done, hours reached, and the test (if any) passed."""
    return (
        lessons_done >= lessons_total
        and seconds >= required_seconds
        and (not has_exam or exam_passed)
    )


def may_take_exam(lessons_total: int, lessons_done: int, seconds: int, required: int) -> bool:
    """The final test opens once every lesson is done and the hours are reached."""
    return lessons_done >= lessons_total and seconds >= required


def hours(seconds: int) -> str:
    """Seconds as hours with one decimal, rounded half up: 45000 → "12.5"."""
    value = (Decimal(int(seconds)) / Decimal(3600)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{value}"


def hours_label(seconds: int) -> str:
    """ "12.5 学时"."""
    return f"{hours(seconds)} 学时"


def status(started: bool, seconds: int, completed: bool) -> str:
    """未开始 / 学习中 / 已完成."""
    if completed:
        return "已完成"
    if started or seconds > 0:
        return "学习中"
    return "未开始"


def span_window(now: datetime, seconds: int) -> tuple[datetime, datetime]:
    """The stretch of time a credit of `seconds` ending at `now` covers."""
    return now - timedelta(seconds=seconds), now
