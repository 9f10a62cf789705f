"""A demo exam open to trainee1 … trainee20, drawn from the demo question bank.

Set as an association sets a theory exam: one attempt, 60 minutes, the score shown at once,
correct answers and explanations only once the window has closed (a candidate who has
handed in must not pass the key to one who has not), at most 10 times away from the page.
"""

from datetime import timedelta

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.timeutil import utcnow
from exams.models import Exam
from exams.services import create_exam
from question_bank.models import PROVINCIAL_BANK

DEMO_TITLE = "物业管理员（四级）理论知识模拟考试"
COURSE_TEST_TITLE = "项目经理岗位培训结业测试"


def rule(kind: str, count: int, points: int) -> dict:
    """A paper rule over the whole provincial bank: `count` questions of `kind` at `points`
    centipoints each."""
    return {"type": kind, "count": count, "points": points, "tags": [], "difficulty": None}


def association_exam(*, title, candidate_ids, opens_at, closes_at, minutes, rules, **settings):
    """An exam on the provincial bank as the association sets one: pass at 60, shuffled
    questions and options, the best attempt counts; `settings` overrides the rest."""
    values = {
        "max_attempts": 1,
        "partial_credit": "fixed",
        "partial_percent": 50,
        "review": "answers",
        "review_from": closes_at,  # answers and explanations once the window has closed
        "review_while_attempts_left": False,
        "leave_limit": 10,
    } | settings
    return create_exam(
        bank=PROVINCIAL_BANK,
        user_id=None,
        candidate_ids=candidate_ids,
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        time_limit_seconds=minutes * 60,
        pass_score=60 * 100,
        scoring="best",
        shuffle_questions=True,
        shuffle_options=True,
        rules=rules,
        fixed_questions=[],
        **values,
    )


def load_demo_exam() -> Exam:
    """Create the demo exam once; it stays open for 90 days from its creation."""
    # Found by title: a database loaded before keeps the settings it was given then.
    exam = db.session.scalar(select(Exam).where(Exam.title == DEMO_TITLE))
    if exam is not None:
        return exam
    now = utcnow()
    candidates = list(
        db.session.scalars(
            select(User.employee_id).where(
                User.username.in_([f"trainee{n}" for n in range(1, 21)]),
                User.employee_id.is_not(None),
            )
        )
    )
    return association_exam(
        title=DEMO_TITLE,
        candidate_ids=candidates,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=90),
        minutes=60,
        rules=[
            rule("single", 20, 200),
            rule("multiple", 10, 300),
            rule("true_false", 10, 200),
            rule("fill", 5, 200),
        ],
    )


def load_course_test() -> Exam:
    """The project-manager course's final test (结业测试), found by title like the exam above.

    A training test, not a certification exam: learners are admitted when they reach it from
    the course, may try three times within the year, and see the key once the window closes.
    """
    exam = db.session.scalar(select(Exam).where(Exam.title == COURSE_TEST_TITLE))
    if exam is not None:
        return exam
    now = utcnow()
    return association_exam(
        title=COURSE_TEST_TITLE,
        candidate_ids=[],
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=365),
        minutes=30,
        max_attempts=3,
        rules=[rule("single", 10, 500), rule("multiple", 5, 600), rule("true_false", 5, 400)],
    )
