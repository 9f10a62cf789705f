"""Study rules: crediting heartbeats, the caps, spans, completion and hours as text."""

from datetime import datetime, timedelta

import pytest

from app.courses.rules import study

T0 = datetime(2026, 3, 1, 8, 0, 0)


def beat(prev, gap, visible=True, earned=0, **kw):
    return study.credit_for_beat(
        prev, (prev or T0) + timedelta(seconds=gap), visible=visible, earned_today=earned, **kw
    )


def test_first_beat_credits_nothing():
    assert study.credit_for_beat(None, T0, visible=True, earned_today=0).seconds == 0


def test_beat_credits_the_time_since_the_previous_one():
    credit = beat(T0, 15)
    assert credit.seconds == 15
    assert credit.contiguous


def test_long_gap_credits_only_the_cap_and_breaks_the_span():
    credit = beat(T0, 3600)
    assert credit.seconds == study.HEARTBEAT_MAX_CREDIT == 30
    assert not credit.contiguous


def test_gap_equal_to_the_cap_is_still_contiguous():
    assert beat(T0, 30) == study.Credit(30, True)


def test_invisible_beat_credits_nothing():
    assert beat(T0, 15, visible=False).seconds == 0


def test_daily_cap_limits_the_credit():
    assert beat(T0, 15, earned=study.DAILY_CAP_SECONDS - 5).seconds == 5
    assert beat(T0, 15, earned=study.DAILY_CAP_SECONDS).seconds == 0
    assert beat(T0, 15, earned=study.DAILY_CAP_SECONDS + 100).seconds == 0


def test_custom_caps():
    assert beat(T0, 100, max_credit=60).seconds == 60
    assert beat(T0, 20, daily_cap=10).seconds == 10


def test_clock_going_backwards_credits_nothing():
    assert beat(T0, -5).seconds == 0


def test_span_contiguity():
    assert study.span_is_contiguous(T0, T0)
    assert study.span_is_contiguous(T0, T0 + timedelta(seconds=1))
    assert not study.span_is_contiguous(T0, T0 + timedelta(seconds=40))
    assert not study.span_is_contiguous(None, T0)


@pytest.mark.parametrize(
    ("total", "done", "seconds", "required", "has_exam", "passed", "expected"),
    [
        (3, 3, 3600, 3600, False, False, True),
        (3, 2, 3600, 3600, False, False, False),
        (3, 3, 3599, 3600, False, False, False),
        (3, 3, 3600, 3600, True, False, False),
        (3, 3, 3600, 3600, True, True, True),
        (0, 0, 0, 0, False, False, True),
        (2, 2, 100, 3600, True, True, False),
    ],
)
def test_completion(total, done, seconds, required, has_exam, passed, expected):
    assert study.is_complete(total, done, seconds, required, has_exam, passed) is expected


def test_exam_opens_after_lessons_and_hours():
    assert study.may_take_exam(2, 2, 7200, 7200)
    assert not study.may_take_exam(2, 1, 7200, 7200)
    assert not study.may_take_exam(2, 2, 7199, 7200)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0.0"), (45000, "12.5"), (180, "0.1"), (179, "0.0"), (3600, "1.0"), (5220, "1.5")],
)
def test_hours_one_decimal_half_up(seconds, text):
    assert study.hours(seconds) == text


def test_hours_label():
    assert study.hours_label(45000) == "12.5 学时"


def test_marking_rules():
    assert study.lesson_can_be_marked("text", 60, 60)
    assert not study.lesson_can_be_marked("text", 59, 60)
    assert not study.lesson_can_be_marked("video", 600, 60)
    assert study.video_watched(95, 100, 100, 90)
    assert not study.video_watched(90, 100, 100, 90)
    assert not study.video_watched(99, 100, 10, 90)


def test_status():
    assert study.status(False, 0, False) == "未开始"
    assert study.status(True, 0, False) == "学习中"
    assert study.status(True, 10, True) == "已完成"


def test_only_time_after_the_learners_last_credit_counts():
    # Another lesson already credited up to T0+10: this beat earns only the 5 s after it.
    credit = study.credit_for_beat(
        T0,
        T0 + timedelta(seconds=15),
        visible=True,
        earned_today=0,
        credited_until=T0 + timedelta(seconds=10),
    )
    assert credit == study.Credit(5, True)


def test_a_beat_already_covered_by_another_lesson_credits_nothing():
    now = T0 + timedelta(seconds=15)
    assert (
        study.credit_for_beat(T0, now, visible=True, earned_today=0, credited_until=now).seconds
        == 0
    )


def test_an_older_credit_elsewhere_changes_nothing():
    credit = study.credit_for_beat(
        T0,
        T0 + timedelta(seconds=15),
        visible=True,
        earned_today=0,
        credited_until=T0 - timedelta(seconds=100),
    )
    assert credit == study.Credit(15, True)


# --- what the learner is told ------------------------------------------------------


def test_the_hours_rule_uses_the_rule_values():
    text = study.how_hours_count()
    assert "每 60 分钟计 1 学时" in text and "每天最多计 8.0 学时" in text
    assert "每天最多计 2.0 学时" in study.how_hours_count(2 * 3600)


@pytest.mark.parametrize(
    "seconds,shown", [(20, "20 秒"), (119, "119 秒"), (120, "2 分钟"), (2701, "46 分钟")]
)
def test_a_wait_reads_in_seconds_or_minutes(seconds, shown):
    assert study.time_left(seconds) == shown


def step(done=0, seconds=0, exam=True, passed=False, completed=False):
    return study.next_step(
        lessons_total=4,
        lessons_done=done,
        seconds=seconds,
        required=4 * 3600,
        has_exam=exam,
        exam_passed=passed,
        completed=completed,
    )


def test_next_step_is_the_next_lesson_until_all_are_done():
    assert step() == study.NEXT_LESSON
    assert step(done=3, seconds=5 * 3600) == study.NEXT_LESSON


def test_next_step_is_more_time_when_lessons_are_done_but_hours_short():
    assert step(done=4, seconds=3 * 3600) == study.MORE_TIME


def test_next_step_is_the_final_test_once_lessons_and_hours_are_done():
    assert step(done=4, seconds=4 * 3600) == study.TAKE_EXAM


def test_next_step_is_done_after_the_test_or_without_one():
    assert step(done=4, seconds=4 * 3600, passed=True) == study.DONE
    assert step(done=4, seconds=4 * 3600, exam=False) == study.DONE
    assert step(completed=True) == study.DONE
