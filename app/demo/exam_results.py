"""A finished demo exam with results: a quarter's 岗位理论考试 sat by the staff of the two
demo enterprises and the security staff of the other 石家庄 enterprises, a month ago.

Papers are drawn, answered and graded through the exams package's own services (so each
answer sheet can be opened), with a seeded generator: the same results on every machine.
Idempotent: nothing is done when the exam exists.
"""

import random
from datetime import timedelta

from sqlalchemy import select

from app.auth.models import User
from app.demo.exams import association_exam, rule
from app.extensions import db
from app.orgs.models import Employee, Enterprise, Region
from app.orgs.rules.posts import Post
from app.timeutil import utcnow
from exams import attempts as attempt_service
from exams.grading import finalise
from exams.models import Exam
from question_bank import version_cache

RESULTS_TITLE = "2026年第三季度物业服务岗位理论考试"
ABSENT_SHARE = 0.1  # candidates who did not come


def _candidates() -> list[tuple[int, int]]:
    """(employee id, account id or 0) of the candidates, in a stable order."""
    admins = db.session.scalars(
        select(User.enterprise_id).where(User.username.in_(["ent1_admin", "ent2_admin"]))
    ).all()
    shijiazhuang = select(Enterprise.id).join(Region).where(Region.name == "石家庄")
    rows = db.session.execute(
        select(Employee.id, Employee.enterprise_id, Employee.post)
        .where(
            Employee.left_on.is_(None),
            Employee.enterprise_id.in_(list(admins)) | Employee.enterprise_id.in_(shijiazhuang),
        )
        .order_by(Employee.id)
    ).all()
    chosen = [eid for eid, ent, post in rows if ent in admins or post == Post.SECURITY.value]
    accounts = dict(
        db.session.execute(
            select(User.employee_id, User.id).where(User.employee_id.in_(chosen))
        ).all()
    )
    return [(eid, accounts.get(eid, 0)) for eid in chosen]


def load_demo_exam_results() -> Exam | None:
    """Create the finished exam and its graded attempts once."""
    if db.session.scalar(select(Exam.id).where(Exam.title == RESULTS_TITLE)) is not None:
        return None
    candidates = _candidates()
    if not candidates:
        return None
    opens_at = utcnow().replace(microsecond=0) - timedelta(days=30)
    exam = association_exam(
        title=RESULTS_TITLE,
        candidate_ids=[eid for eid, _ in candidates],
        opens_at=opens_at,
        closes_at=opens_at + timedelta(hours=4),
        minutes=60,
        partial_credit="none",
        review="score",
        review_from=None,
        leave_limit=None,
        rules=[rule("single", 20, 300), rule("true_false", 10, 400)],
    )
    # Someone has to be the account that sat: the candidate's own, else the province's.
    fallback = db.session.scalar(select(User.id).where(User.username == "admin"))
    for n, (employee_id, user_id) in enumerate(candidates):
        # Each candidate's own generators: the same absences and marks on every machine,
        # whatever paper the draw gives them (wrong options are picked by a second one).
        rng = random.Random(20260930 + employee_id)
        pick = random.Random(employee_id)
        if rng.random() < ABSENT_SHARE:
            continue
        started = opens_at + timedelta(minutes=5 + n % 30)
        attempt, _ = attempt_service.start_or_resume(
            exam, employee_id=employee_id, user_id=user_id or fallback, device=None, now=started
        )
        ability = rng.uniform(0.45, 0.98)
        versions = version_cache.get_many(row.version_id for row in attempt.fresh_paper)
        for seq, row in enumerate(attempt.fresh_paper, start=1):
            version = versions[row.version_id]
            if rng.random() < ability:
                response = version.answer
            elif version.type == "true_false":
                response = not version.answer
            else:
                response = pick.choice([k for k in version.option_keys if k != version.answer])
            attempt_service.save_answer(
                attempt,
                row.question_id,
                response,
                seq,
                device=None,
                now=started + timedelta(seconds=40 * seq),
            )
        finalise(attempt, "manual", started + timedelta(minutes=25 + n % 20))
    db.session.flush()
    return exam
