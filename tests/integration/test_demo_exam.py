"""The demo exam is set as an association sets a theory exam, not as a practice quiz."""

from datetime import timedelta
from types import SimpleNamespace

from app.demo.exams import load_demo_exam
from app.demo.questions import load_demo_questions
from app.extensions import db
from app.timeutil import utcnow
from exams import queries


def test_the_demo_exam_allows_one_attempt_and_shows_the_key_only_after_it_closes(app):
    load_demo_questions()
    exam = load_demo_exam()
    db.session.commit()
    assert exam.max_attempts == 1
    assert exam.review_while_attempts_left is False
    assert exam.review_from == exam.closes_at

    handed_in = [SimpleNamespace(status="submitted", deadline=utcnow())]
    assert not queries.answers_visible(exam, utcnow(), handed_in)
    after_close = exam.closes_at + timedelta(minutes=1)
    assert queries.answers_visible(exam, after_close, handed_in)
    assert load_demo_exam().id == exam.id  # loaded once
