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


def load_demo_exam() -> Exam:
    """Create the demo exam once; it stays open for 90 days from its creation."""
    # Found by title: a database loaded before keeps the settings it was given then.
    exam = db.session.scalar(select(Exam).where(Exam.title == DEMO_TITLE))
    if exam is not None:
        return exam
    now = utcnow()
    closes_at = now + timedelta(days=90)
    candidates = list(
        db.session.scalars(
            select(User.employee_id).where(
                User.username.in_([f"trainee{n}" for n in range(1, 21)]),
                User.employee_id.is_not(None),
            )
        )
    )
    return create_exam(
        bank=PROVINCIAL_BANK,
        user_id=None,
        candidate_ids=candidates,
        title=DEMO_TITLE,
        opens_at=now - timedelta(days=1),
        closes_at=closes_at,
        time_limit_seconds=60 * 60,
        pass_score=60 * 100,
        max_attempts=1,
        scoring="best",
        shuffle_questions=True,
        shuffle_options=True,
        partial_credit="fixed",
        partial_percent=50,
        review="answers",
        review_from=closes_at,  # answers and explanations once the window has closed
        review_while_attempts_left=False,
        leave_limit=10,
        rules=[
            {"type": "single", "count": 20, "points": 200, "tags": [], "difficulty": None},
            {"type": "multiple", "count": 10, "points": 300, "tags": [], "difficulty": None},
            {"type": "true_false", "count": 10, "points": 200, "tags": [], "difficulty": None},
            {"type": "fill", "count": 5, "points": 200, "tags": [], "difficulty": None},
        ],
        fixed_questions=[],
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
    closes_at = now + timedelta(days=365)
    return create_exam(
        bank=PROVINCIAL_BANK,
        user_id=None,
        candidate_ids=[],
        title=COURSE_TEST_TITLE,
        opens_at=now - timedelta(days=1),
        closes_at=closes_at,
        time_limit_seconds=30 * 60,
        pass_score=60 * 100,
        max_attempts=3,
        scoring="best",
        shuffle_questions=True,
        shuffle_options=True,
        partial_credit="fixed",
        partial_percent=50,
        review="answers",
        review_from=closes_at,
        review_while_attempts_left=False,
        leave_limit=10,
        rules=[
            {"type": "single", "count": 10, "points": 500, "tags": [], "difficulty": None},
            {"type": "multiple", "count": 5, "points": 600, "tags": [], "difficulty": None},
            {"type": "true_false", "count": 5, "points": 400, "tags": [], "difficulty": None},
        ],
        fixed_questions=[],
    )
