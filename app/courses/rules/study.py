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


def how_hours_count(daily_cap: int = DAILY_CAP_SECONDS) -> str:
    """The crediting rule in the learner's words, from the rule's own values."""
    return (
        "学时按实际学习时间累计：课时页面打开并在前台显示时计时（切到其他页面或锁屏不计），"
        f"每 60 分钟计 1 学时，每天最多计 {hours(daily_cap)} 学时。"
    )


def time_left(seconds: int) -> str:
    """A stretch of study in the learner's words: 「20 秒」 when short, else whole minutes
    rounded up (「45 分钟」), so that a learner who waits that long is never refused."""
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} 秒"
    return f"{(seconds + 59) // 60} 分钟"


NEXT_LESSON, MORE_TIME, TAKE_EXAM, DONE = "next_lesson", "more_time", "take_exam", "done"


def next_step(
    *,
    lessons_total: int,
    lessons_done: int,
    seconds: int,
    required: int,
    has_exam: bool,
    exam_passed: bool,
    completed: bool,
) -> str:
    """What the learner does next: study the next lesson, study on for the hours, take the
    final test, or nothing more (download the proof)."""
    if completed or is_complete(
        lessons_total, lessons_done, seconds, required, has_exam, exam_passed
    ):
        return DONE
    if lessons_done < lessons_total:
        return NEXT_LESSON
    if seconds < required:
        return MORE_TIME
    return TAKE_EXAM
