"""The exams part of an employee's learning record (学习档案): scores and 合格/不合格."""

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.orgs.learning_record import Badge, Section
from app.timeutil import to_local, utcnow
from exams import queries
from exams.models import Attempt, Exam, ExamCandidate
from exams.views_common import points


def exams_section(employee, today: date) -> Section:
    """Each exam the employee was admitted to, with the attempt that counts."""
    exams = db.session.scalars(
        select(Exam)
        .join(ExamCandidate, ExamCandidate.exam_id == Exam.id)
        .where(ExamCandidate.employee_id == employee.id)
        .order_by(Exam.opens_at.desc(), Exam.id.desc())
    ).all()
    attempts: dict[int, list[Attempt]] = {}
    for attempt in db.session.scalars(
        select(Attempt).where(Attempt.employee_id == employee.id).order_by(Attempt.number)
    ):
        attempts.setdefault(attempt.exam_id, []).append(attempt)
    now = utcnow()
    rows, passed = [], 0
    for exam in exams:
        mine = attempts.get(exam.id, [])
        counted = queries.counted_attempt(mine, exam.scoring)
        if counted is not None:
            result = Badge("合格", "success") if counted.passed else Badge("不合格", "danger")
            passed += bool(counted.passed)
            score = f"{points(counted.score)} / {points(counted.max_score)}"
            when = to_local(counted.submitted_at).strftime("%Y-%m-%d %H:%M")
        else:
            if any(queries.is_answering(a, now) for a in mine):
                result = Badge("考试中", "warning")
            elif exam.closes_at <= now:
                result = Badge("缺考", "secondary")
            else:
                result = Badge("未参加", "secondary")
            score, when = "—", "—"
        rows.append([exam.title, when, score, result])
    sat = sum(1 for exam in exams if queries.counted_attempt(attempts.get(exam.id, []), "best"))
    return Section(
        "exams",
        "考试成绩",
        ["考试", "交卷时间", "成绩", "结果"],
        rows,
        summary=f"参加考试 {sat} 场，合格 {passed} 场" if exams else "",
        empty="没有安排过考试",
    )


def register_section() -> None:
    """Add the exams to the employees' learning records."""
    from app.orgs.learning_record import register_section as register

    register("exams", exams_section, order=20)
