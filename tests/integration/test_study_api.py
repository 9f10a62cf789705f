"""Study API: heartbeats credit capped time into spans and totals; scope; CSRF; completion."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.courses.models import DRAFT, CourseProgress, LessonProgress, StudySpan
from app.extensions import db
from app.timeutil import utcnow
from tests import factories
from tests.integration.study_helpers import course, lesson_ids, rewind


@pytest.fixture
def learner(make, login):
    ent = make.enterprise()
    emp = make.employee(ent, name="李学员")
    make.user(Role.TRAINEE, username="stu1", employee=emp)
    token = login("stu1")
    return emp, token


def hb(client, token, lesson_id, **body):
    body.setdefault("position", 0)
    body.setdefault("visible", True)
    return client.post(
        f"/api/v1/lessons/{lesson_id}/heartbeat", json=body, headers={"X-CSRFToken": token}
    )


def totals(emp_id, lesson_id):
    lp = db.session.scalar(
        select(LessonProgress).where(
            LessonProgress.employee_id == emp_id, LessonProgress.lesson_id == lesson_id
        )
    )
    cp = db.session.scalar(select(CourseProgress).where(CourseProgress.employee_id == emp_id))
    spans = db.session.scalar(
        select(func.coalesce(func.sum(StudySpan.seconds), 0)).where(StudySpan.employee_id == emp_id)
    )
    return lp.seconds, cp.seconds, spans


def test_beats_credit_time_into_one_span_and_equal_totals(client, learner):
    emp, token = learner
    c = course()
    lid = lesson_ids(c)[0]
    r = hb(client, token, lid, mode="start")
    assert r.status_code == 200 and r.get_json()["credited"] == 0
    for _ in range(3):
        rewind(emp.id, lid, 15)
        assert hb(client, token, lid, position=120).get_json()["credited"] == 15
    assert totals(emp.id, lid) == (45, 45, 45)
    assert db.session.scalar(select(func.count(StudySpan.id))) == 1
    assert db.session.scalar(select(LessonProgress.position)) == 120


def test_a_long_gap_credits_the_cap_and_starts_a_new_span(client, learner):
    emp, token = learner
    c = course()
    lid = lesson_ids(c)[0]
    hb(client, token, lid, mode="start")
    rewind(emp.id, lid, 15)
    hb(client, token, lid)
    rewind(emp.id, lid, 8 * 3600)  # a tab left open overnight
    assert hb(client, token, lid).get_json()["credited"] == 30
    assert totals(emp.id, lid) == (45, 45, 45)
    assert db.session.scalar(select(func.count(StudySpan.id))) == 2


def test_invisible_beats_credit_nothing(client, learner):
    emp, token = learner
    c = course()
    lid = lesson_ids(c)[0]
    hb(client, token, lid, mode="start")
    rewind(emp.id, lid, 15)
    assert hb(client, token, lid, visible=False).get_json()["credited"] == 0
    # and the hidden beat closed the sitting: the next visible beat starts afresh
    assert hb(client, token, lid).get_json()["credited"] == 0
    assert totals(emp.id, lid) == (0, 0, 0)


def test_the_daily_cap_stops_crediting(client, learner, app):
    emp, token = learner
    c = course()
    lid = lesson_ids(c)[0]
    app.config["STUDY_DAILY_CAP_SECONDS"] = 20
    try:
        hb(client, token, lid, mode="start")
        rewind(emp.id, lid, 15)
        assert hb(client, token, lid).get_json()["credited"] == 15
        rewind(emp.id, lid, 15)
        assert hb(client, token, lid).get_json()["credited"] == 5
        rewind(emp.id, lid, 15)
        assert hb(client, token, lid).get_json()["credited"] == 0
    finally:
        app.config.pop("STUDY_DAILY_CAP_SECONDS")
    assert totals(emp.id, lid) == (20, 20, 20)


def test_csrf_is_required_for_beats_and_the_beacon_form_works(client, learner):
    emp, token = learner
    c = course()
    lid = lesson_ids(c)[0]
    r = client.post(f"/api/v1/lessons/{lid}/heartbeat", json={"position": 5, "visible": True})
    assert r.status_code == 400
    r = client.post(f"/api/v1/lessons/{lid}/heartbeat", data={"position": "7", "mode": "final"})
    assert r.status_code == 400
    r = client.post(
        f"/api/v1/lessons/{lid}/heartbeat",
        data={"position": "7", "mode": "final", "visible": "true", "csrf_token": token},
    )
    assert r.status_code == 200
    assert db.session.scalar(select(LessonProgress.position)) == 7
    assert db.session.scalar(select(LessonProgress.last_beat_at)) is None


def test_draft_course_and_missing_lesson_are_404(client, learner):
    emp, token = learner
    c = course(status=DRAFT)
    lid = lesson_ids(c)[0]
    assert hb(client, token, lid).status_code == 404
    assert hb(client, token, 999999).status_code == 404
    assert client.get(f"/api/v1/courses/{c.id}/progress").status_code == 404
    r = client.post(f"/api/v1/lessons/{lid}/complete", headers={"X-CSRFToken": token})
    assert r.status_code == 404


def test_accounts_without_an_employee_cannot_study(client, make, login):
    make.user(Role.PROVINCE_ADMIN, username="prov")
    token = login("prov")
    c = course()
    assert hb(client, token, lesson_ids(c)[0]).status_code == 403


def test_bad_position_is_refused_in_chinese(client, learner):
    emp, token = learner
    c = course()
    r = hb(client, token, lesson_ids(c)[0], position="abc")
    assert r.status_code == 422
    assert r.get_json()["error"]["details"][0]["field"] == "position"


def test_completion_needs_time_lessons_and_sets_completed_once(client, learner):
    emp, token = learner
    c = course(lessons=2, required=40, min_seconds=20)
    a, b = lesson_ids(c)
    url = "/api/v1/lessons/{}/complete"
    hb(client, token, a, mode="start")
    r = client.post(url.format(a), headers={"X-CSRFToken": token})
    assert r.status_code == 409 and "学习时间不足" in r.get_json()["error"]["message"]
    rewind(emp.id, a, 25)
    hb(client, token, a)
    assert client.post(url.format(a), headers={"X-CSRFToken": token}).status_code == 200
    hb(client, token, b, mode="start")
    rewind(emp.id, b, 20)
    hb(client, token, b)
    body = client.post(url.format(b), headers={"X-CSRFToken": token}).get_json()
    assert body["course"]["completed"] is True
    assert body["course"]["hours"] == "0.0"
    first = db.session.scalar(select(CourseProgress.completed_at))
    rewind(emp.id, b, 10)
    hb(client, token, b)
    assert db.session.scalar(select(CourseProgress.completed_at)) == first
    progress = client.get(f"/api/v1/courses/{c.id}/progress").get_json()
    assert progress["lessons_done"] == 2 and progress["status"] == "已完成"
    assert [x["done"] for x in progress["lessons"]] == [True, True]


def make_exam():
    now = utcnow()
    return factories.exam(
        "province",
        title="结业考试",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=1),
    )


def test_a_course_with_an_exam_completes_only_once_it_is_passed(client, learner):
    from app.auth.models import User
    from exams.models import Attempt

    emp, token = learner
    exam = make_exam()
    c = course(lessons=1, required=0, exam_id=exam.id)
    (lid,) = lesson_ids(c)
    client.post(f"/api/v1/lessons/{lid}/complete", headers={"X-CSRFToken": token})
    body = client.get(f"/api/v1/courses/{c.id}/progress").get_json()
    assert body["lessons_done"] == 1 and body["completed"] is False
    now = utcnow()
    user_id = db.session.scalar(select(User.id).where(User.username == "stu1"))
    db.session.add(
        Attempt(
            exam_id=exam.id,
            employee_id=emp.id,
            user_id=user_id,
            seed=1,
            deadline=now,
            status="submitted",
            submitted_at=now,
            score=9000,
            max_score=10000,
            passed=True,
        )
    )
    db.session.commit()
    body = client.get(f"/api/v1/courses/{c.id}/progress").get_json()
    assert body["exam_passed"] is True and body["completed"] is True
