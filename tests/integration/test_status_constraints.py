"""Statuses, kinds and reasons are CHECK constraints: the database refuses anything else."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.auth.models import Role
from app.courses.models import Course
from app.extensions import db
from app.timeutil import utcnow
from exams import admin_views, forms, views
from exams.models import IN_PROGRESS, REVIEWS, SCORINGS, SUBMIT_REASONS, SUBMITTED, Attempt, Exam
from question_bank.models import PROVINCIAL_BANK, Question
from question_bank.rules.types import QuestionDraft, QuestionType
from question_bank.services import create_question


@contextmanager
def refused(constraint: str):
    """What the block adds or changes breaks `constraint`; nothing is written."""
    with pytest.raises(IntegrityError, match=constraint):
        yield
        db.session.flush()
    db.session.rollback()


@pytest.fixture
def exam(make):
    return make.exam()


def attempt_of(exam: Exam, make, **fields) -> Attempt:
    """A new attempt at `exam` by a new trainee, with `fields` set."""
    user = make.user(Role.TRAINEE, employee=make.employee())
    attempt = Attempt(
        exam_id=exam.id,
        employee_id=user.employee_id,
        user_id=user.id,
        seed=7,
        deadline=utcnow() + timedelta(minutes=10),
        **fields,
    )
    db.session.add(attempt)
    return attempt


def test_an_attempt_status_outside_the_list_is_refused(exam, make):
    with refused("ck_attempts_status"):
        attempt_of(exam, make, status="paused")


def test_a_submitted_attempt_has_its_submission_time_and_only_then(exam, make):
    with refused("ck_attempts_submitted_at_when_submitted"):
        attempt_of(exam, make, status=SUBMITTED, submit_reason="manual")
    with refused("ck_attempts_submitted_at_when_submitted"):
        attempt_of(exam, make, status=IN_PROGRESS, submitted_at=utcnow())
    attempt_of(exam, make, status=SUBMITTED, submit_reason="deadline", submitted_at=utcnow())
    attempt_of(exam, make, status=IN_PROGRESS)
    db.session.commit()


def test_an_unknown_submit_reason_is_refused(exam, make):
    with refused("ck_attempts_submit_reason"):
        attempt_of(exam, make, status=SUBMITTED, submit_reason="timeout", submitted_at=utcnow())


def test_an_exam_with_an_unknown_scoring_is_refused(exam):
    with refused("ck_exams_scoring"):
        db.session.execute(update(Exam).where(Exam.id == exam.id).values(scoring="average"))


def test_a_course_status_outside_the_list_is_refused(app):
    with refused("ck_courses_status"):
        db.session.add(Course(title="民法典", category="law", status="deleted"))


def test_a_question_status_outside_the_list_is_refused(app):
    question = create_question(
        PROVINCIAL_BANK, QuestionDraft(type=QuestionType.TRUE_FALSE, stem="判断题", answer=True)
    )
    db.session.commit()
    with refused("ck_questions_status"):
        db.session.execute(update(Question).where(Question.id == question.id).values(status="gone"))


def test_the_labels_shown_cover_exactly_the_values_allowed():
    assert set(views.SUBMIT_REASONS) == set(admin_views.SUBMIT_REASONS) == set(SUBMIT_REASONS)
    assert set(forms.SCORING_LABELS) == set(SCORINGS)
    assert set(forms.REVIEW_LABELS) == set(REVIEWS)
