"""Exams: creating them, their settings and their candidates. They flush, never commit."""

from sqlalchemy import select

from app.errors import Invalid
from app.extensions import db
from exams.models import Attempt, Exam, ExamCandidate
from exams.rules import assembly, timing
from question_bank import services as bank_services

# Exams --------------------------------------------------------------------------------


def question_pool(bank: str) -> list[assembly.PoolQuestion]:
    """The active questions of `bank` as paper assembly sees them."""
    return [assembly.PoolQuestion(*row) for row in bank_services.active_question_rows(bank)]


def paper_rules(exam: Exam) -> list[assembly.PaperRule]:
    """The exam's stored rules as assembly rules."""
    return [
        assembly.PaperRule(
            type=r["type"],
            count=r["count"],
            points=r["points"],
            tags=tuple(r.get("tags") or ()),
            difficulty=r.get("difficulty"),
        )
        for r in exam.rules
    ]


def create_exam(*, bank: str, user_id: int | None, candidate_ids: list[int], **settings) -> Exam:
    """Create an exam after checking its window, its rules and that the bank can fill them."""
    dates = timing.settings_problems(
        settings["opens_at"], settings["closes_at"], settings.get("review_from")
    )
    if dates:
        raise Invalid(dates[0][1], details=[{"field": f, "message": m} for f, m in dates])
    if settings["time_limit_seconds"] < 60:
        raise Invalid("考试时长至少 1 分钟")
    exam = Exam(bank=bank, created_by_id=user_id, **settings)
    if exam.fixed_questions:
        _check_fixed_paper(exam)
    else:
        rules = paper_rules(exam)
        problems = assembly.rule_problems(rules) if rules else ["请至少设置一条组卷规则"]
        if problems:
            raise Invalid(problems[0], details=[{"message": p} for p in problems])
        missing = assembly.shortfalls(rules, question_pool(bank))
        if missing:
            raise Invalid(
                "题库中的试题不足以按规则组卷",
                code="rules_unfillable",
                details=[
                    {
                        "rule": s.rule,
                        "needed": s.needed,
                        "available": s.available,
                        "message": s.message,
                    }
                    for s in missing
                ],
            )
    full = (
        sum(f["points"] for f in exam.fixed_questions)
        if exam.fixed_questions
        else sum(r["count"] * r["points"] for r in exam.rules)
    )
    if exam.pass_score > full:
        raise Invalid(f"及格分不能高于满分（{full / 100:g} 分）")
    bank_services.ensure_bank(bank)
    db.session.add(exam)
    db.session.flush()
    add_candidates(exam, candidate_ids)
    return exam


def _check_fixed_paper(exam: Exam) -> None:
    ids = [item["question_id"] for item in exam.fixed_questions]
    found = bank_services.active_question_ids(exam.bank, ids)
    unknown = [i for i in ids if i not in found]
    if unknown or len(set(ids)) != len(ids):
        raise Invalid(
            f"固定试卷中有题库里不存在、已停用或重复的试题：{unknown or '重复'}",
        )


def add_candidates(exam: Exam, employee_ids: list[int]) -> int:
    """Admit employees (already checked to be in the caller's scope); answers how many were new."""
    known = set(
        db.session.scalars(
            select(ExamCandidate.employee_id).where(ExamCandidate.exam_id == exam.id)
        )
    )
    new = [i for i in dict.fromkeys(employee_ids) if i not in known]
    db.session.add_all(ExamCandidate(exam_id=exam.id, employee_id=i) for i in new)
    db.session.flush()
    return len(new)


def admit(exam_id: int, employee_id: int) -> None:
    """Admit one employee to an exam (a course's final test, on demand); twice is once."""
    exam = db.session.get(Exam, exam_id)
    if exam is not None:
        add_candidates(exam, [employee_id])


# What `withdraw_admission` did.
ADMISSION_WITHDRAWN, ADMISSION_KEPT_ATTEMPTED, NOT_ADMITTED = "withdrawn", "attempted", "none"


def withdraw_admission(exam_id: int, employee_id: int) -> str:
    """Take one employee off an exam's candidates (a certification registration withdrawn
    or cancelled), unless they have an attempt: then the admission and the attempt stay.

    Answers `ADMISSION_WITHDRAWN`, `ADMISSION_KEPT_ATTEMPTED` or `NOT_ADMITTED`. The
    admission row is held first, as starting an attempt holds it (`is_candidate(lock=True)`):
    an attempt started at the same moment is either seen here or refused there.
    """
    admission = db.session.scalar(
        select(ExamCandidate)
        .where(ExamCandidate.exam_id == exam_id, ExamCandidate.employee_id == employee_id)
        .with_for_update()
    )
    if admission is None:
        return NOT_ADMITTED
    attempted = db.session.scalar(
        select(Attempt.id)
        .where(Attempt.exam_id == exam_id, Attempt.employee_id == employee_id)
        .limit(1)
    )
    if attempted is not None:
        return ADMISSION_KEPT_ATTEMPTED
    db.session.delete(admission)
    db.session.flush()
    return ADMISSION_WITHDRAWN


def max_score(exam: Exam) -> int:
    """The exam's full marks in centipoints."""
    if exam.fixed_questions:
        return sum(item["points"] for item in exam.fixed_questions)
    return sum(r["count"] * r["points"] for r in exam.rules)


def is_candidate(exam: Exam, employee_id: int | None, *, lock: bool = False) -> bool:
    """Whether the employee is admitted to the exam.

    `lock` holds the admission row until the transaction ends: a double tap on 开始考试 (or
    two devices starting at once) then starts one attempt, not two colliding ones.
    """
    if employee_id is None:
        return False
    stmt = select(ExamCandidate.id).where(
        ExamCandidate.exam_id == exam.id, ExamCandidate.employee_id == employee_id
    )
    return db.session.scalar(stmt.with_for_update() if lock else stmt) is not None
