"""Study time counts a learner's wall-clock time once, and concurrent beats lose nothing.

Issue 13, item 6: heartbeats on 21 lessons open at once credited 1,310 s in 63 s, and
concurrent beats lost updates to `course_progress.seconds`, which then differed from the
study spans.
"""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.courses import progress
from app.courses.models import CourseProgress, Lesson, LessonProgress, StudySpan
from app.courses.rules.study import HEARTBEAT_MAX_CREDIT
from app.extensions import db
from app.timeutil import utcnow
from tests.integration.study_helpers import course, lesson_ids


class Clock:
    """The study service's clock, moved by the test (requests read it through `utcnow`)."""

    def __init__(self):
        self.now = utcnow().replace(microsecond=0)

    def __call__(self):
        return self.now

    def advance(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    value = Clock()
    monkeypatch.setattr(progress, "utcnow", value)
    return value


@pytest.fixture
def learner(make):
    ent = make.enterprise()
    emp = make.employee(ent, name="李学员")
    make.user(Role.TRAINEE, username="stu1", employee=emp)
    return emp


def beat(client, token, lesson_id, mode="beat"):
    response = client.post(
        f"/api/v1/lessons/{lesson_id}/heartbeat",
        json={"position": 0, "visible": True, "mode": mode},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["credited"]


def assert_totals_equal_the_spans(employee_id: int) -> int:
    """Each lesson's and each course's total is the sum of its spans; answers the sum."""
    spans_by_lesson = dict(
        db.session.execute(
            select(StudySpan.lesson_id, func.sum(StudySpan.seconds))
            .where(StudySpan.employee_id == employee_id)
            .group_by(StudySpan.lesson_id)
        ).all()
    )
    lessons = db.session.scalars(
        select(LessonProgress).where(LessonProgress.employee_id == employee_id)
    ).all()
    assert {lp.lesson_id: lp.seconds for lp in lessons if lp.seconds} == spans_by_lesson
    course_of = dict(db.session.execute(select(Lesson.id, Lesson.course_id)).all())
    by_course: dict[int, int] = {}
    for lesson_id, seconds in spans_by_lesson.items():
        by_course[course_of[lesson_id]] = by_course.get(course_of[lesson_id], 0) + seconds
    courses = db.session.scalars(
        select(CourseProgress).where(CourseProgress.employee_id == employee_id)
    ).all()
    assert {cp.course_id: cp.seconds for cp in courses if cp.seconds} == by_course
    return sum(spans_by_lesson.values())


def test_lessons_open_side_by_side_credit_wall_clock_time_once(client, login, learner, clock):
    token = login("stu1")
    lessons = lesson_ids(course("物业服务基础", lessons=11)) + lesson_ids(
        course("消防安全", lessons=10)
    )
    for lesson_id in lessons:  # 21 tabs opened at once
        beat(client, token, lesson_id, mode="start")
    credited = 0
    for _round in range(4):  # one minute of wall-clock time
        clock.advance(15)
        credited += sum(beat(client, token, lesson_id) for lesson_id in lessons)
    assert credited == 60
    assert assert_totals_equal_the_spans(learner.id) == 60
    # The spans of one learner never overlap: each second is counted once.
    spans = db.session.scalars(
        select(StudySpan).where(StudySpan.employee_id == learner.id).order_by(StudySpan.started_at)
    ).all()
    for before, after in zip(spans, spans[1:], strict=False):
        assert before.ended_at <= after.started_at


def test_a_second_lesson_opened_later_shares_the_clock(client, login, learner, clock):
    token = login("stu1")
    first, second = lesson_ids(course(lessons=2))
    beat(client, token, first, mode="start")
    clock.advance(5)
    beat(client, token, second, mode="start")
    clock.advance(10)
    assert beat(client, token, first) == 15
    clock.advance(5)
    assert beat(client, token, second) == 5  # only what the first lesson did not count
    clock.advance(10)
    assert beat(client, token, first) == 10
    assert assert_totals_equal_the_spans(learner.id) == 30


def all_at_once(calls):
    """Run the calls in threads released together; answer their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert None not in results
    return results


@pytest.mark.usefixtures("learner")
def test_concurrent_beats_on_many_lessons_lose_nothing(app, client, login, clock):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks are PostgreSQL's; SQLite serialises every write anyway")
    token = login("stu1")
    lessons = lesson_ids(course(lessons=6))
    cookie = client.get_cookie("session")
    clients = []
    for _lesson in lessons:
        other = app.test_client()
        other.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
        clients.append(other)

    def beats(mode="beat"):
        return [
            lambda c=c, lesson_id=lesson_id: beat(c, token, lesson_id, mode)
            for c, lesson_id in zip(clients, lessons, strict=True)
        ]

    # The first beats of all tabs at once: the learner's rows are created exactly once.
    assert all_at_once(beats("start")) == [0] * len(lessons)
    credited = []
    for _round in range(5):
        clock.advance(15)
        credited.append(sum(all_at_once(beats())))
    assert credited == [15] * 5
    learner_id = db.session.scalar(select(LessonProgress.employee_id).limit(1))
    assert assert_totals_equal_the_spans(learner_id) == 75


def test_a_long_gap_still_credits_only_the_cap(client, login, learner, clock):
    token = login("stu1")
    (lesson_id,) = lesson_ids(course(lessons=1))
    beat(client, token, lesson_id, mode="start")
    clock.advance(3600)
    assert beat(client, token, lesson_id) == HEARTBEAT_MAX_CREDIT
    assert assert_totals_equal_the_spans(learner.id) == HEARTBEAT_MAX_CREDIT
