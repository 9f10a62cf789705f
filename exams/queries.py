"""What pages, reports and other packages read about exams and attempts: never writes.

An attempt whose time is over but that nobody has submitted yet (the sweep or the attempt's
own next request will) is shown as what it is: ended, its time up, waiting to be submitted.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from app.security import visible
from exams.models import (
    IN_PROGRESS,
    SUBMITTED,
    Attempt,
    AttemptEvent,
    AttemptQuestion,
    Exam,
    ExamCandidate,
)
from exams.rules import timing
from question_bank import version_cache


def candidate_ids(exam_id: int):
    """A SELECT of the employee ids admitted to the exam (to use inside another query)."""
    return select(ExamCandidate.employee_id).where(ExamCandidate.exam_id == exam_id)


def attempts_of(exam_id: int, employee_id: int) -> list[Attempt]:
    """The employee's attempts at the exam, oldest first."""
    return list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.exam_id == exam_id, Attempt.employee_id == employee_id)
            .order_by(Attempt.number)
        )
    )


def is_overdue(attempt: Attempt, now: datetime) -> bool:
    """In progress though its time (and grace) is over: 已超时，待提交."""
    return attempt.status == IN_PROGRESS and timing.is_overdue(attempt.deadline, now)


def is_answering(attempt: Attempt, now: datetime) -> bool:
    """Whether the candidate may still be answering: in progress and not overdue."""
    return attempt.status == IN_PROGRESS and not timing.is_overdue(attempt.deadline, now)


def counted_attempt(attempts: list[Attempt], scoring: str) -> Attempt | None:
    """The submitted attempt that counts: the best, or the last."""
    done = [a for a in attempts if a.status == SUBMITTED]
    if not done:
        return None
    if scoring == "last":
        return done[-1]
    return max(done, key=lambda a: (a.score or 0, -a.number))


def counted_percentages(exam_id: int) -> dict[int, Fraction]:
    """{employee id: the counted attempt's score in percent of its paper, exact}: the best or
    the last submitted attempt, as the exam's `scoring` says; what other packages (a
    competition's theory round) read as an employee's result of the exam."""
    exam = db.session.get(Exam, exam_id)
    if exam is None:
        return {}
    # The columns `counted_attempt` reads, not whole attempts with every question's mark.
    attempts = db.session.execute(
        select(
            Attempt.employee_id, Attempt.number, Attempt.status, Attempt.score, Attempt.max_score
        )
        .where(Attempt.exam_id == exam_id, Attempt.status == SUBMITTED)
        .order_by(Attempt.employee_id, Attempt.number)
    )
    by_employee: dict[int, list] = {}
    for attempt in attempts:
        by_employee.setdefault(attempt.employee_id, []).append(attempt)
    percentages = {}
    for employee_id, theirs in by_employee.items():
        counted = counted_attempt(theirs, exam.scoring)
        if counted is not None and counted.max_score > 0:
            percentages[employee_id] = Fraction((counted.score or 0) * 100, counted.max_score)
    return percentages


def answers_visible(exam: Exam, now: datetime, attempts: list[Attempt]) -> bool:
    """Whether the candidate of `attempts` may see correct answers and explanations.

    Only once they have no attempt left and are answering none, or the window has closed:
    answers read after a first attempt would be the next attempt's crib. An exam may say
    otherwise (`review_while_attempts_left`: a practice exam). Never before `review_from`.
    """
    if exam.review != "answers" or (exam.review_from is not None and now < exam.review_from):
        return False
    if exam.review_while_attempts_left or now >= exam.closes_at:
        return True
    return len(attempts) >= exam.max_attempts and not any(is_answering(a, now) for a in attempts)


def question_count(exam: Exam) -> int:
    """How many questions a paper of the exam holds."""
    if exam.fixed_questions:
        return len(exam.fixed_questions)
    return sum(r["count"] for r in exam.rules)


# States of an exam for its candidate, in the order "my exams" lists them.
ANSWERING, AVAILABLE, UPCOMING, FINISHED = "in_progress", "available", "upcoming", "finished"


@dataclass
class ExamCard:
    """One exam as its candidate sees it on "my exams" and on the dashboard."""

    exam: Exam
    state: str
    attempts: list[Attempt]
    counted: Attempt | None  # the submitted attempt that counts (best or last)
    current: Attempt | None  # the attempt being answered
    overdue: Attempt | None = None  # an attempt whose time is up, not yet submitted
    window_closed: bool = False  # the exam's window has closed

    @property
    def attempts_left(self) -> int:
        return max(0, self.exam.max_attempts - len(self.attempts))

    @property
    def is_open(self) -> bool:
        return self.state in (ANSWERING, AVAILABLE)

    @property
    def status(self) -> str:
        """What the card's badge says: the attempt's real state, not only the window's.

        作答中, 可参加 (no attempt yet), 已交卷 (attempts left), 已超时，待提交, 未开始,
        无剩余次数 (every attempt used, window still open), 已截止 (the window closed).
        """
        if self.state == ANSWERING:
            return "作答中"
        if self.overdue is not None:
            return "已超时，待提交"
        if self.state == AVAILABLE:
            return "已交卷" if self.attempts else "可参加"
        if self.state == UPCOMING:
            return "未开始"
        return "无剩余次数" if self.attempts_left == 0 and not self.window_closed else "已截止"


def candidate_state(exam: Exam, attempts: list[Attempt], now: datetime) -> str:
    """The exam's state for its candidate; an overdue attempt counts as ended."""
    if any(is_answering(a, now) for a in attempts):
        return ANSWERING
    if now < exam.opens_at:
        return UPCOMING
    if now < exam.closes_at and len(attempts) < exam.max_attempts:
        return AVAILABLE
    return FINISHED


def candidate_exams(user, now: datetime) -> list[ExamCard]:
    """The exams `user`'s employee is a candidate of, as cards (open first, then upcoming,
    then finished, the most recently closed first)."""
    if not user.employee_id:
        return []
    exams = db.session.scalars(
        select(Exam)
        .join(ExamCandidate, ExamCandidate.exam_id == Exam.id)
        .where(ExamCandidate.employee_id == user.employee_id, visible(user, Exam))
        .order_by(Exam.opens_at)
    )
    cards = []
    for exam in exams:
        attempts = attempts_of(exam.id, user.employee_id)
        cards.append(
            ExamCard(
                exam=exam,
                state=candidate_state(exam, attempts, now),
                attempts=attempts,
                counted=counted_attempt(attempts, exam.scoring),
                current=next((a for a in attempts if is_answering(a, now)), None),
                overdue=next((a for a in attempts if is_overdue(a, now)), None),
                window_closed=now >= exam.closes_at,
            )
        )
    order = {ANSWERING: 0, AVAILABLE: 1, UPCOMING: 2, FINISHED: 3}
    cards.sort(key=lambda c: (order[c.state], c.exam.closes_at))
    finished = [c for c in cards if c.state == FINISHED]
    finished.reverse()  # the most recently closed first
    return [c for c in cards if c.state != FINISHED] + finished


# How long an exam the candidate sat stays on their home page after its window closed.
RECENT_ON_HOME = timedelta(days=14)


def home_cards(cards: list[ExamCard], now: datetime, limit: int = 5) -> list[ExamCard]:
    """The cards of the trainee's home page: open exams, then those they sat whose window is
    open or closed lately (so a used attempt shows its state and score, not 开始考试)."""

    def shown(card: ExamCard) -> bool:
        if card.is_open:
            return True
        recent = now - card.exam.closes_at < RECENT_ON_HOME
        return card.state == FINISHED and bool(card.attempts) and recent

    return [card for card in cards if shown(card)][:limit]


def exam_counts(now: datetime, exam_ids: list[int]) -> dict[str, dict[int, int]]:
    """Per exam: candidates, people who have ended (submitted, or time up) and who answer."""

    def per_exam(stmt):
        return dict(db.session.execute(stmt).all()) if exam_ids else {}

    people = func.count(func.distinct(Attempt.employee_id))
    answering = (Attempt.status == IN_PROGRESS) & (
        Attempt.deadline >= timing.oldest_deadline_accepting(now)
    )
    return {
        "candidates": per_exam(
            select(ExamCandidate.exam_id, func.count())
            .where(ExamCandidate.exam_id.in_(exam_ids))
            .group_by(ExamCandidate.exam_id)
        ),
        "submitted": per_exam(
            select(Attempt.exam_id, people)
            .where(Attempt.exam_id.in_(exam_ids), ~answering)
            .group_by(Attempt.exam_id)
        ),
        "in_progress": per_exam(
            select(Attempt.exam_id, people)
            .where(Attempt.exam_id.in_(exam_ids), answering)
            .group_by(Attempt.exam_id)
        ),
    }


def attempt_events(attempt_id: int) -> list[AttemptEvent]:
    """What the proctor should know of an attempt, oldest first."""
    return list(
        db.session.scalars(
            select(AttemptEvent)
            .where(AttemptEvent.attempt_id == attempt_id)
            .order_by(AttemptEvent.created_at, AttemptEvent.id)
        )
    )


def display_names(user_ids) -> dict[int, str]:
    """{user id: the name shown} of the accounts (proctors) named in events."""
    user_ids = list(user_ids)
    if not user_ids:
        return {}
    return {
        u.id: u.display_name or u.username
        for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))
    }


def versions_given(exam_id: int) -> dict[int, version_cache.Version]:
    """{question id: the version its candidates were given} (the latest, if it changed)."""
    version_ids = (
        select(func.max(AttemptQuestion.version_id))
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.exam_id == exam_id)
        .group_by(AttemptQuestion.question_id)
    )
    given = version_cache.get_many(db.session.scalars(version_ids))
    return {v.question_id: v for v in given.values()}
