"""Exams, their candidates, and attempts with the paper drawn for each."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, one_of
from app.timeutil import utcnow
from exams.rules.grading import PartialCredit

# The values the database allows (CHECK constraints); the labels users see are the views'.
IN_PROGRESS, SUBMITTED = "in_progress", "submitted"  # an attempt's status
SUBMIT_REASONS = ("manual", "deadline", "leave_limit", "proctor")  # why it was submitted
SCORINGS = ("best", "last")  # which attempt counts
REVIEWS = ("score", "answers")  # what candidates see afterwards


class Exam(db.Model):
    """A timed online exam: a paper rule or a fixed paper, a window and its settings.

    Scores are integer centipoints (points × 100).
    """

    __tablename__ = "exams"
    __table_args__ = (
        one_of("scoring", SCORINGS),
        one_of("partial_credit", PartialCredit),
        one_of("review", REVIEWS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(128))
    # the question bank papers are drawn from
    bank: Mapped[str] = mapped_column(
        String(32), ForeignKey("question_banks.key", ondelete="RESTRICT")
    )
    # [{"type", "count", "points" (centipoints), "tags": [...], "difficulty"}]
    rules: Mapped[list] = mapped_column(JSON, default=list)
    # A fixed paper instead of rules: [{"question_id", "points"}]
    fixed_questions: Mapped[list] = mapped_column(JSON, default=list)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    time_limit_seconds: Mapped[int]
    pass_score: Mapped[int]  # centipoints
    max_attempts: Mapped[int] = mapped_column(default=1)
    scoring: Mapped[str] = mapped_column(String(8), default="best")  # best | last
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    partial_credit: Mapped[str] = mapped_column(String(16), default="none")
    partial_percent: Mapped[int] = mapped_column(default=50)
    review: Mapped[str] = mapped_column(String(16), default="score")  # score | answers
    review_from: Mapped[datetime | None]  # answers shown from then (None: at once)
    # Answers shown after each attempt even while attempts remain (a practice exam). Off,
    # answers wait until the candidate has no attempt left or the window has closed.
    review_while_attempts_left: Mapped[bool] = mapped_column(default=False)
    leave_limit: Mapped[int | None]  # submit after this many page leaves (None: no limit)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    candidates = relationship("ExamCandidate", back_populates="exam")


class ExamCandidate(db.Model):
    """An employee admitted to an exam."""

    __tablename__ = "exam_candidates"
    # The unique (exam, employee) index also serves lookups by exam: no index of its own.
    __table_args__ = (UniqueConstraint("exam_id", "employee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)

    exam = relationship("Exam", back_populates="candidates")
    employee = relationship("Employee")


class Attempt(db.Model):
    """One sitting of an exam by one candidate; the server owns its clock."""

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("exam_id", "employee_id", "number"),
        Index("ix_attempts_exam_status", "exam_id", "status"),
        one_of("status", (IN_PROGRESS, SUBMITTED)),
        one_of("submit_reason", SUBMIT_REASONS),
        CheckConstraint(
            f"(status = '{SUBMITTED}' AND submitted_at IS NOT NULL)"
            f" OR (status <> '{SUBMITTED}' AND submitted_at IS NULL)",
            name="submitted_at_when_submitted",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    seed: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline: Mapped[datetime]
    extension_seconds: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime | None]
    # manual | deadline | leave_limit | proctor
    submit_reason: Mapped[str | None] = mapped_column(String(16))
    score: Mapped[int | None]
    # Each question's mark in centipoints, in the paper's order, once graded: one row
    # written per attempt, where a mark on every answer made grading an exam of 2,000
    # candidates rewrite 100,000 answer rows.
    question_scores: Mapped[list | None] = mapped_column(JSON)
    max_score: Mapped[int] = mapped_column(default=0)
    passed: Mapped[bool | None]
    device: Mapped[str | None] = mapped_column(String(64))  # the device that holds the attempt
    takeovers: Mapped[int] = mapped_column(default=0)
    leave_count: Mapped[int] = mapped_column(default=0)
    last_seen_at: Mapped[datetime | None]

    exam = relationship("Exam")
    employee = relationship("Employee")
    questions = relationship(
        "AttemptQuestion", order_by="AttemptQuestion.position", back_populates="attempt"
    )
    answers = relationship("AttemptAnswer", back_populates="attempt")

    # Not a column: the paper rows `exams.attempts` has just written for a new attempt
    # (`PaperRow`s), so that the start shows the paper without reading fifty rows back as
    # ORM objects. None on an attempt loaded from the database (a paper never changes).
    fresh_paper = None

    def question_score(self, position: int) -> int | None:
        """The mark of the paper's `position`-th question (from 1); None until graded."""
        return self.question_scores[position - 1] if self.question_scores else None


class AttemptQuestion(db.Model):
    """A question of an attempt's paper: the version given, its place and option order."""

    __tablename__ = "attempt_questions"
    # The unique (attempt, question) index serves lookups by attempt: each index more is
    # another write on every answer saved and every paper drawn.
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    position: Mapped[int]
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    points: Mapped[int]  # centipoints
    option_order: Mapped[list] = mapped_column(JSON, default=list)  # option keys as shown

    attempt = relationship("Attempt", back_populates="questions")
    version = relationship("QuestionVersion")


class AttemptAnswer(db.Model):
    """The latest response to one question; `seq` orders the client's saves."""

    __tablename__ = "attempt_answers"
    # The unique (attempt, question) index serves lookups by attempt: each index more is
    # another write on every answer saved and every paper drawn.
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    # A cleared answer is SQL NULL (not JSON null), so "answered" is simply IS NOT NULL.
    response: Mapped[object] = mapped_column(JSON(none_as_null=True), nullable=True)
    # The client's counter: any integer up to 2**53 - 1 (a millisecond clock will do).
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    flagged: Mapped[bool] = mapped_column(default=False)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    attempt = relationship("Attempt", back_populates="answers")


class AttemptEvent(db.Model):
    """Something the proctor should know: page leaves, takeovers, extensions, closing."""

    __tablename__ = "attempt_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    type: Mapped[str] = mapped_column(String(24))
    detail: Mapped[str] = mapped_column(Text, default="")
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
