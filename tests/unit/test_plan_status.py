"""The state of a person in a training plan."""

from datetime import date

import pytest

from app.courses.rules.plan_status import (
    COMPLETED,
    IN_PROGRESS,
    LATE,
    NOT_STARTED,
    hours,
    on_duty,
    percent,
    plan_state,
)

DUE = date(2025, 6, 30)


def state(completed=0, started=0, last=None, today=date(2025, 6, 1), courses=3):
    return plan_state(
        course_count=courses,
        completed=completed,
        started=started,
        last_completed_on=last,
        due_on=DUE,
        today=today,
    )


def test_nothing_started_before_the_due_date_is_not_started():
    assert state().state == NOT_STARTED
    assert state().label == "未开始"


def test_some_progress_is_in_progress():
    assert state(started=1).state == IN_PROGRESS
    assert state(completed=2, started=2).state == IN_PROGRESS


def test_all_courses_completed_in_time():
    result = state(completed=3, started=3, last=date(2025, 6, 30))
    assert (result.state, result.late_completion) == (COMPLETED, False)


@pytest.mark.parametrize("completed,started", [(0, 0), (1, 1), (2, 3)])
def test_after_the_due_date_anything_unfinished_is_late(completed, started):
    result = state(completed, started, today=date(2025, 7, 1))
    assert result.state == LATE
    assert result.label == "已逾期"


def test_the_due_date_itself_is_not_late():
    assert state(today=DUE).state == NOT_STARTED


def test_completing_after_the_due_date_is_completed_but_flagged():
    result = state(3, 3, last=date(2025, 7, 2), today=date(2025, 8, 1))
    assert (result.state, result.late_completion) == (COMPLETED, True)
    assert result.label == "已完成"


def test_a_plan_without_courses_is_never_completed():
    assert state(courses=0).state == NOT_STARTED


def test_only_staff_on_duty_count():
    today = date(2025, 6, 1)
    assert on_duty(None, today)
    assert on_duty(date(2025, 6, 2), today)
    assert not on_duty(today, today)  # the leave date is the first day off
    assert not on_duty(date(2025, 1, 1), today)


def test_percent_and_hours():
    assert percent(1, 3) == 33.3
    assert percent(0, 0) == 0.0
    assert hours(5400) == 1.5
    assert hours(None) == 0.0
    assert hours(900) == 0.3  # half up, not to even
    assert percent(1, 8) == 12.5


def test_a_due_date_is_bounded_to_a_sane_range():
    from app.courses.rules.plan_status import due_on_problem, latest_due_on

    today = date(2025, 6, 1)
    assert due_on_problem(date(2025, 6, 1), today, creating=True) is None
    assert due_on_problem(date(2035, 6, 1), today, creating=True) is None
    assert "不能晚于 2035-06-01" in due_on_problem(date(2035, 6, 2), today, creating=True)
    assert "不能晚于" in due_on_problem(date(9999, 12, 31), today, creating=False)
    assert due_on_problem(date(2025, 5, 31), today, creating=True) == "截止日期不能早于今天"
    assert due_on_problem(date(2025, 5, 31), today, creating=False) is None  # kept on edit
    assert "不能早于 2000-01-01" in due_on_problem(date(1, 1, 1), today, creating=False)
    assert latest_due_on(date(2024, 2, 29)) == date(2034, 2, 28)


# --- a plan's one status, a learner's deadline --------------------------------------

from app.courses.rules.plan_status import (  # noqa: E402
    PLAN_ACTIVE,
    PLAN_LABELS,
    PLAN_OVERDUE,
    PLAN_STOPPED,
    course_deadline,
    plan_status,
)


def test_a_plan_is_active_up_to_its_due_date_and_overdue_after():
    assert plan_status(active=True, due_on=DUE, today=DUE) == PLAN_ACTIVE
    assert plan_status(active=True, due_on=DUE, today=date(2025, 7, 1)) == PLAN_OVERDUE
    assert PLAN_LABELS[PLAN_OVERDUE] == "已过期"


def test_a_stopped_plan_is_stopped_whatever_its_date():
    assert plan_status(active=False, due_on=DUE, today=date(2025, 7, 1)) == PLAN_STOPPED
    assert plan_status(active=False, due_on=DUE, today=date(2025, 1, 1)) == PLAN_STOPPED


def test_a_course_past_its_due_date_says_overdue():
    shown = course_deadline(DUE, date(2025, 7, 1), completed=False)
    assert (shown.state, shown.text) == ("overdue", f"已逾期（截止 {DUE.isoformat()}）")


def test_a_course_close_to_its_due_date_says_how_long_is_left():
    assert course_deadline(DUE, DUE, completed=False).text.endswith("（今天截止）")
    soon = course_deadline(DUE, date(2025, 6, 27), completed=False)
    assert (soon.state, soon.text) == ("soon", f"{DUE.isoformat()} 前完成（还剩 3 天）")
    far = course_deadline(DUE, date(2025, 5, 1), completed=False)
    assert (far.state, far.text) == ("due", f"{DUE.isoformat()} 前完成")


def test_a_completed_course_is_never_overdue():
    assert course_deadline(DUE, date(2026, 1, 1), completed=True).state == "done"
