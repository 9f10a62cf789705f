"""Issue 13, item 11: a candidate's first start is one statement on PostgreSQL, drawn from
what the process keeps of the exam and its bank, and never from a stale copy of either."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select, update

from app.auth.models import User
from app.extensions import db
from exams.models import Attempt, AttemptQuestion, Exam
from question_bank import version_cache
from question_bank.models import Question, QuestionVersion
from question_bank.services import set_retired
from tests.security.exam_setup import create_exam, exam_world, start


@pytest.fixture
def world(make, client):
    return exam_world(make)


def _statements_of(call):
    seen = []
    listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        return call(), seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def _stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_a_first_start_on_postgresql_is_one_statement(client, login, world):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no writes inside WITH: its starts take the checked way")
    exam_id = create_exam(client, login, world, shuffle_options=True, shuffle_questions=True)
    start(client, login, exam_id, username="cand2")  # the process reads the exam and bank
    version_cache.get_many(db.session.scalars(select(QuestionVersion.id)))  # and every version
    token = login("cand1")
    (started, _), statements = _statements_of(
        lambda: start(client, login, exam_id, token=token, device="tablet-7")
    )
    assert len(statements) == 1, statements  # no account, exam or admission read first
    attempt = db.session.get(Attempt, started["id"])
    assert (attempt.number, attempt.device, attempt.employee_id) == (
        1,
        "tablet-7",
        world["first"].id,
    )
    stored = db.session.scalars(
        select(AttemptQuestion.question_id)
        .where(AttemptQuestion.attempt_id == attempt.id)
        .order_by(AttemptQuestion.position)
    ).all()
    assert stored == [q["id"] for q in started["questions"]]


def test_the_start_answers_what_reading_the_attempt_answers(client, login, world):
    exam_id = create_exam(client, login, world, shuffle_options=True, shuffle_questions=True)
    started, headers = start(client, login, exam_id)
    read = client.get(f"/api/v1/attempts/{started['id']}", headers=headers).get_json()
    for moving in ("server_time", "remaining_seconds"):
        started.pop(moving), read.pop(moving)
    assert started == read


def test_an_exam_changed_after_it_was_read_starts_with_its_new_settings(client, login, world):
    exam_id = create_exam(client, login, world)
    start(client, login, exam_id, username="cand2")  # the process keeps the exam as it was
    db.session.execute(update(Exam).where(Exam.id == exam_id).values(time_limit_seconds=600))
    db.session.commit()
    started, _ = start(client, login, exam_id)
    limit = _stamp(started["deadline"]) - _stamp(started["started_at"])
    assert limit.total_seconds() == 600
    assert started["exam"]["time_limit_seconds"] == 600


def test_a_question_retired_after_the_bank_was_read_is_never_drawn(client, login, world):
    exam_id = create_exam(client, login, world)
    start(client, login, exam_id, username="cand2")  # the process keeps the bank as it was
    singles = db.session.scalars(
        select(Question).where(Question.type == "single").order_by(Question.id)
    ).all()
    for question in singles[1:]:
        set_retired(question, True)
    db.session.commit()
    started, _ = start(client, login, exam_id)
    drawn = [q["id"] for q in started["questions"] if q["type"] == "single"]
    assert drawn == [singles[0].id]


def test_a_session_ended_on_the_server_cannot_start(client, login, world):
    exam_id = create_exam(client, login, world)
    start(client, login, exam_id, username="cand2")
    token = login("cand1")
    db.session.execute(
        update(User)
        .where(User.username == "cand1")
        .values(session_version=User.session_version + 1)
    )
    db.session.commit()
    response = client.post(
        f"/api/v1/exams/{exam_id}/attempts", headers={"X-CSRFToken": token, "X-Device-Id": "p"}
    )
    assert response.status_code == 401
    assert (
        db.session.scalar(select(Attempt.id).where(Attempt.employee_id == world["first"].id))
        is None
    )


def test_a_second_start_resumes_the_first_attempt(client, login, world):
    exam_id = create_exam(client, login, world)
    first, headers = start(client, login, exam_id)
    again = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers)
    assert again.status_code == 200
    assert again.get_json()["id"] == first["id"]
    assert again.get_json()["questions"] == first["questions"]


def test_an_exam_closed_and_reopened_after_it_was_read_follows_its_window(client, login, world):
    exam_id = create_exam(client, login, world)
    start(client, login, exam_id, username="cand2")  # the process keeps the exam as it was
    opens_at, closes_at = db.session.execute(
        select(Exam.opens_at, Exam.closes_at).where(Exam.id == exam_id)
    ).one()
    closed_at = opens_at + timedelta(seconds=1)  # a minute ago or more
    db.session.execute(update(Exam).where(Exam.id == exam_id).values(closes_at=closed_at))
    db.session.commit()
    token = login("cand1")
    headers = {"X-CSRFToken": token, "X-Device-Id": "phone-1"}
    closed = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers)
    assert closed.status_code == 409
    assert closed.get_json()["error"]["code"] == "exam_not_open"
    db.session.execute(update(Exam).where(Exam.id == exam_id).values(closes_at=closes_at))
    db.session.commit()
    reopened = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers)
    assert reopened.status_code == 201
