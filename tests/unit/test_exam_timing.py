"""The exam clock: deadlines, remaining time, grace and the exam window."""

from datetime import datetime, timedelta

import pytest

from exams.rules.timing import (
    GRACE_SECONDS,
    accepts_answers,
    attempt_deadline,
    is_overdue,
    oldest_deadline_accepting,
    remaining_seconds,
    window_problem,
)

START = datetime(2025, 3, 1, 1, 0, 0)  # 09:00 in Shanghai
CLOSES = datetime(2025, 3, 1, 4, 0, 0)  # 12:00 in Shanghai


def test_the_deadline_is_the_start_plus_the_time_limit():
    assert attempt_deadline(START, 3600, 0, CLOSES) == datetime(2025, 3, 1, 2, 0, 0)


def test_extensions_move_the_deadline():
    assert attempt_deadline(START, 3600, 600, CLOSES) == datetime(2025, 3, 1, 2, 10, 0)


def test_the_deadline_never_passes_the_window_close():
    late_start = datetime(2025, 3, 1, 3, 30, 0)
    assert attempt_deadline(late_start, 3600, 0, CLOSES) == CLOSES
    assert attempt_deadline(START, 3600, 4 * 3600, CLOSES) == CLOSES


def test_without_a_window_close_only_the_limit_counts():
    assert attempt_deadline(START, 60, 30, None) == START + timedelta(seconds=90)


def test_without_a_time_limit_the_window_close_is_the_deadline():
    assert attempt_deadline(START, None, 0, CLOSES) == CLOSES
    with pytest.raises(ValueError):
        attempt_deadline(START, None, 0, None)


def test_negative_times_are_refused():
    with pytest.raises(ValueError):
        attempt_deadline(START, -1, 0, CLOSES)
    with pytest.raises(ValueError):
        attempt_deadline(START, 60, -10, CLOSES)


def test_remaining_seconds_round_down():
    deadline = START + timedelta(seconds=100)
    assert remaining_seconds(deadline, START) == 100
    assert remaining_seconds(deadline, START + timedelta(seconds=0.4)) == 99
    assert remaining_seconds(deadline, START + timedelta(seconds=99, microseconds=999_999)) == 0


def test_remaining_seconds_are_never_negative():
    assert remaining_seconds(START, START) == 0
    assert remaining_seconds(START, START + timedelta(hours=1)) == 0


def test_answers_are_accepted_until_the_end_of_the_grace():
    assert GRACE_SECONDS == 5
    deadline = START
    assert accepts_answers(deadline, deadline - timedelta(seconds=1))
    assert accepts_answers(deadline, deadline)
    assert accepts_answers(deadline, deadline + timedelta(seconds=5))
    assert not accepts_answers(deadline, deadline + timedelta(seconds=5, microseconds=1))


@pytest.mark.parametrize("offset", [-1, 0, 4.999999, 5, 5.000001, 6])
def test_the_oldest_deadline_accepting_says_what_accepts_answers_says(offset):
    now = START + timedelta(seconds=offset)
    # The one-statement save compares stored deadlines with this value.
    assert (START >= oldest_deadline_accepting(now)) == accepts_answers(START, now)


def test_the_grace_can_be_chosen():
    assert not accepts_answers(START, START + timedelta(seconds=1), grace_seconds=0)
    assert accepts_answers(START, START + timedelta(seconds=30), grace_seconds=30)


def test_an_attempt_is_overdue_once_the_grace_is_over():
    assert not is_overdue(START, START)
    assert not is_overdue(START, START + timedelta(seconds=5))
    assert is_overdue(START, START + timedelta(seconds=6))
    assert is_overdue(START, START + timedelta(seconds=1), grace_seconds=0)


def test_an_open_window_has_no_problem():
    assert window_problem(START, CLOSES, START) is None
    assert window_problem(START, CLOSES, CLOSES - timedelta(seconds=1)) is None
    assert window_problem(None, None, START) is None


def test_before_the_window_the_start_is_shown_in_shanghai_time():
    assert window_problem(START, CLOSES, START - timedelta(minutes=1)) == (
        "考试尚未开始（开始时间 2025-03-01 09:00）"
    )


def test_the_shanghai_date_can_differ_from_the_utc_date():
    opens = datetime(2025, 2, 28, 16, 30)  # 2025-03-01 00:30 in Shanghai
    assert window_problem(opens, None, opens - timedelta(days=1)) == (
        "考试尚未开始（开始时间 2025-03-01 00:30）"
    )


def test_after_the_window_the_exam_is_over():
    assert window_problem(START, CLOSES, CLOSES) == "考试已结束"
    assert window_problem(None, CLOSES, CLOSES + timedelta(days=3)) == "考试已结束"
