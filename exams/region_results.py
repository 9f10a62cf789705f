"""成绩查询: the results of the exams a city's people sat, read-only, identity numbers masked.

Scope comes from `exams.policy.results_scope`; a candidate counts as passed (合格) by the
attempt that counts (best or last, as the exam says), as on the exam's own results page.
"""

from datetime import datetime

from sqlalchemy import and_, func, select

from app.extensions import db
from app.orgs.models import Employee, Enterprise
from app.paging import Page
from app.sorting import natural
from exams import reports
from exams.models import SUBMITTED, Attempt, Exam, ExamCandidate
from exams.policy import results_scope


def exam_list(user, page: int, per_page: int = 20) -> Page:
    """Exams with candidates in scope, newest first: candidates, sat and passed in scope."""
    sat = (
        select(
            Attempt.exam_id.label("exam_id"),
            Attempt.employee_id.label("employee_id"),
        )
        .where(Attempt.status == SUBMITTED, results_scope(user, Attempt.employee_id))
        .group_by(Attempt.exam_id, Attempt.employee_id)
        .subquery()
    )
    stmt = (
        select(
            Exam,
            func.count(ExamCandidate.id).label("candidates"),
            func.count(sat.c.employee_id).label("sat"),
        )
        .join(ExamCandidate, ExamCandidate.exam_id == Exam.id)
        .outerjoin(
            sat,
            and_(
                sat.c.exam_id == ExamCandidate.exam_id,
                sat.c.employee_id == ExamCandidate.employee_id,
            ),
        )
        .where(results_scope(user, ExamCandidate.employee_id))
        .group_by(Exam.id)
        .order_by(Exam.opens_at.desc(), Exam.id.desc())
    )
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    passed = _passed_counts(user, [exam.id for exam, _, _ in rows])
    items = [
        {"exam": exam, "candidates": n, "sat": s, "passed": passed.get(exam.id, 0)}
        for exam, n, s in rows
    ]
    return Page(items, page, per_page, total)


def _passed_counts(user, exam_ids: list[int]) -> dict[int, int]:
    """Exam id → candidates in scope whose counted attempt passed (one grouped query)."""
    if not exam_ids:
        return {}
    counted = {}
    stmt = (
        select(Attempt.exam_id, Attempt.employee_id, Attempt.number, Attempt.score, Attempt.passed)
        .where(
            Attempt.exam_id.in_(exam_ids),
            Attempt.status == SUBMITTED,
            results_scope(user, Attempt.employee_id),
        )
        .order_by(Attempt.exam_id, Attempt.employee_id, Attempt.number)
    )
    scoring = dict(
        db.session.execute(select(Exam.id, Exam.scoring).where(Exam.id.in_(exam_ids))).all()
    )
    for exam_id, employee_id, _number, score, passed in db.session.execute(stmt):
        key = (exam_id, employee_id)
        best = counted.get(key)
        if best is None or scoring[exam_id] == "last" or (score or 0) > (best[0] or 0):
            counted[key] = (score, passed)
    out: dict[int, int] = {}
    for (exam_id, _), (_, passed) in counted.items():
        out[exam_id] = out.get(exam_id, 0) + bool(passed)
    return out


def exam_in_scope(user, exam_id: int) -> Exam | None:
    """The exam, when someone in `user`'s results scope is its candidate; else None."""
    return db.session.scalar(
        select(Exam)
        .join(ExamCandidate, ExamCandidate.exam_id == Exam.id)
        .where(Exam.id == exam_id, results_scope(user, ExamCandidate.employee_id))
        .limit(1)
    )


def exam_rows(user, exam: Exam, now: datetime, enterprise_id: int | None = None) -> list[dict]:
    """Each candidate in scope (of one enterprise, if given) with their counted result."""
    candidates = select(ExamCandidate.employee_id).where(
        ExamCandidate.exam_id == exam.id, results_scope(user, ExamCandidate.employee_id)
    )
    if enterprise_id:
        candidates = candidates.where(
            ExamCandidate.employee_id.in_(
                select(Employee.id).where(Employee.enterprise_id == enterprise_id)
            )
        )
    return reports.results(exam, now, candidates)


def enterprises_of(user, exam: Exam) -> list[tuple[int, str]]:
    """(id, name) of the enterprises whose people in scope are the exam's candidates."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(Enterprise.id, Enterprise.name)
            .join(Employee, Employee.enterprise_id == Enterprise.id)
            .join(ExamCandidate, ExamCandidate.employee_id == Employee.id)
            .where(ExamCandidate.exam_id == exam.id, results_scope(user, Employee.id))
            .group_by(Enterprise.id, Enterprise.name)
            .order_by(natural(Enterprise.name))
        )
    ]
