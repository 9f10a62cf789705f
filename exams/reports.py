"""What managers read about an exam: sample paper, live board, results, statistics."""

import secrets
from datetime import datetime, timedelta

from openpyxl import Workbook
from sqlalchemy import func, select

from app.extensions import db
from app.orgs import queries as org_queries
from app.orgs.rules.posts import Post
from app.spreadsheet import defuse_formulas, workbook_bytes
from app.timeutil import to_local
from exams import attempts as attempt_service
from exams import queries
from exams.models import Attempt, AttemptAnswer, AttemptQuestion
from exams.rules import grading, timing
from exams.rules import statistics as stats
from exams.views_common import points
from question_bank import services as bank_services
from question_bank import version_cache

# A candidate whose page has not been heard from for this long is shown as offline.
OFFLINE_AFTER = timedelta(seconds=60)

RESULT_STATES = {
    "passed": "合格",
    "failed": "不合格",
    "in_progress": "考试中",
    "overdue": "已超时，待提交",
    "not_started": "未参加",
    "absent": "缺考",
}


def sample_paper(exam) -> list[dict]:
    """A paper drawn as a candidate would get it, with answers, for the preview."""
    paper = attempt_service.draw(exam, secrets.randbelow(2**31))
    current = bank_services.current_version_ids_of(q for q, _ in paper)
    versions = version_cache.get_many(current.values())
    shown = []
    for question_id, item_points in paper:
        version = versions[current[question_id]]
        right = grading.right_options(version.type, version.answer)
        shown.append(
            {
                "id": question_id,
                "type": version.type,
                "stem": version.stem,
                "options": [
                    {"key": key, "text": text, "right": key in right}
                    for key, text in version.options
                ],
                "answer": version.answer,
                "blanks": version.blanks,
                "points": points(item_points),
            }
        )
    return shown


def _candidates(exam, candidates=None):
    ids = queries.candidate_ids(exam.id) if candidates is None else candidates
    return org_queries.employees_with_enterprise(ids)


def _attempts_by_employee(exam, candidates=None) -> dict[int, list[Attempt]]:
    grouped: dict[int, list[Attempt]] = {}
    stmt = select(Attempt).where(Attempt.exam_id == exam.id).order_by(Attempt.number)
    if candidates is not None:
        stmt = stmt.where(Attempt.employee_id.in_(candidates))
    for attempt in db.session.scalars(stmt):
        grouped.setdefault(attempt.employee_id, []).append(attempt)
    return grouped


def board(exam, now: datetime) -> list[dict]:
    """One row per candidate: state, progress, time left, page leaves, takeovers, offline."""
    attempts = _attempts_by_employee(exam)
    answered = dict(
        db.session.execute(
            select(AttemptAnswer.attempt_id, func.count())
            .join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
            .where(Attempt.exam_id == exam.id, AttemptAnswer.response.is_not(None))
            .group_by(AttemptAnswer.attempt_id)
        ).all()
    )
    sizes = dict(
        db.session.execute(
            select(AttemptQuestion.attempt_id, func.count())
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .where(Attempt.exam_id == exam.id)
            .group_by(AttemptQuestion.attempt_id)
        ).all()
    )
    rows = []
    for employee, enterprise in _candidates(exam):
        mine = attempts.get(employee.id, [])
        current = mine[-1] if mine else None
        row = {
            "employee_id": employee.id,
            "name": employee.name,
            "enterprise": enterprise,
            "state": "not_started",
            "attempt_id": None,
        }
        if current is not None:
            in_progress = queries.is_answering(current, now)
            row.update(
                attempt_id=current.id,
                # Time up but not yet submitted (the sweep will): shown as such, not answering.
                state="overdue" if queries.is_overdue(current, now) else current.status,
                answered=answered.get(current.id, 0),
                questions=sizes.get(current.id, 0),
                remaining_seconds=timing.remaining_seconds(current.deadline, now)
                if in_progress
                else 0,
                leave_count=current.leave_count,
                takeovers=current.takeovers,
                extension_seconds=current.extension_seconds,
                offline=in_progress
                and (current.last_seen_at is None or now - current.last_seen_at > OFFLINE_AFTER),
                score=points(current.score),
                submit_reason=current.submit_reason,
            )
        rows.append(row)
    return rows


def tally(rows: list[dict]) -> dict:
    """How many of `results` rows sat the exam and how many of those passed (合格)."""
    sat = [r for r in rows if r["passed"] is not None]
    return {"sat": len(sat), "passed": sum(1 for r in sat if r["passed"])}


def results(exam, now: datetime, candidates=None) -> list[dict]:
    """Each candidate's counted attempt (best or last, as the exam says); `candidates`, a
    SELECT of employee ids, narrows the list (a city's people)."""
    attempts = _attempts_by_employee(exam, candidates)
    rows = []
    for employee, enterprise in _candidates(exam, candidates):
        mine = attempts.get(employee.id, [])
        counted = queries.counted_attempt(mine, exam.scoring)
        if counted is not None:
            state = "passed" if counted.passed else "failed"
        elif any(queries.is_answering(a, now) for a in mine):
            state = "in_progress"
        elif any(queries.is_overdue(a, now) for a in mine):
            state = "overdue"
        else:  # absent once the window has closed; until then they may still come
            state = "absent" if exam.closes_at <= now else "not_started"
        rows.append(
            {
                "employee_id": employee.id,
                "name": employee.name,
                "id_number_masked": employee.id_number_masked,
                "enterprise": enterprise,
                "post": employee.post,
                "attempts": len(mine),
                "state": state,
                "attempt_id": counted.id if counted else None,
                "score": points(counted.score) if counted else None,
                "max_score": points(counted.max_score) if counted else None,
                "passed": counted.passed if counted else None,
                "submitted_at": counted.submitted_at if counted else None,
                "submit_reason": counted.submit_reason if counted else None,
            }
        )
    return rows


def results_workbook(exam, now: datetime) -> bytes:
    """The results as an Excel sheet; names and titles that look like formulas stay text."""
    reasons = {
        "manual": "考生交卷",
        "deadline": "到时自动交卷",
        "leave_limit": "离开页面超限",
        "proctor": "监考结束",
    }
    book = Workbook()
    sheet = book.active
    sheet.title = "成绩"
    sheet.append(RESULT_HEADERS)
    for r in results(exam, now):
        sheet.append(
            [
                r["name"],
                r["id_number_masked"],
                r["enterprise"],
                Post(r["post"]).label,
                r["attempts"],
                r["score"],
                r["max_score"],
                RESULT_STATES[r["state"]],
                to_local(r["submitted_at"]).strftime("%Y-%m-%d %H:%M") if r["submitted_at"] else "",
                reasons.get(r["submit_reason"], ""),
            ]
        )
    defuse_formulas(sheet)  # a name typed as "=HYPERLINK(…)" must not run in the sheet
    return workbook_bytes(book)


RESULT_HEADERS = [
    "姓名",
    "身份证号",
    "企业",
    "岗位",
    "作答次数",
    "成绩",
    "满分",
    "是否合格",
    "交卷时间",
    "交卷方式",
]


def statistics(exam) -> dict:
    """Moodle's quiz statistics over the counted attempt of each candidate.

    When every paper holds the same questions (a fixed paper, or rules that take the whole
    pool) the full analysis runs, Cronbach's alpha included. Papers drawn at random differ,
    so then each question is analysed over the attempts that had it, against the rest of
    those attempts' marks, and alpha (which needs one common set of items) is left out.
    """
    attempts = _attempts_by_employee(exam)
    counted = [
        a for a in (queries.counted_attempt(m, exam.scoring) for m in attempts.values()) if a
    ]
    if not counted:
        return {"test": None, "questions": [], "common_paper": None}
    ids = [a.id for a in counted]
    by_attempt = {a.id: a for a in counted}
    responses = {
        (attempt_id, question_id): response
        for attempt_id, question_id, response in db.session.execute(
            select(
                AttemptAnswer.attempt_id, AttemptAnswer.question_id, AttemptAnswer.response
            ).where(AttemptAnswer.attempt_id.in_(ids))
        )
    }
    marks = {}  # (attempt id, question id) → (mark, response)
    items: dict[int, list[AttemptQuestion]] = {}
    for item in db.session.scalars(
        select(AttemptQuestion).where(AttemptQuestion.attempt_id.in_(ids))
    ):
        items.setdefault(item.question_id, []).append(item)
        key = (item.attempt_id, item.question_id)
        score = by_attempt[item.attempt_id].question_score(item.position) or 0
        marks[key] = (score, responses.get(key))
    versions = version_cache.get_many(group[0].version_id for group in items.values())
    common = all(len(group) == len(counted) for group in items.values())
    question_ids = sorted(items)

    def mark(attempt_id, question_id):
        return marks.get((attempt_id, question_id), (0, None))

    if common:
        matrix = [[mark(a.id, q)[0] for q in question_ids] for a in counted]
        maxima = [items[q][0].points for q in question_ids]
        question_results = stats.question_stats(matrix, maxima)
        test = stats.test_stats(matrix)
    else:
        question_results = []
        for q in question_ids:
            pairs = [
                [
                    mark(i.attempt_id, q)[0],
                    (by_attempt[i.attempt_id].score or 0) - mark(i.attempt_id, q)[0],
                ]
                for i in items[q]
            ]
            maximum = items[q][0].points
            rest_max = max(1, by_attempt[items[q][0].attempt_id].max_score - maximum)
            question_results.append(stats.question_stats(pairs, [maximum, rest_max])[0])
        test = stats.test_stats([[a.score or 0] for a in counted])
    questions = []
    for q, result in zip(question_ids, question_results, strict=True):
        version = versions[items[q][0].version_id]
        questions.append(
            {
                "question_id": q,
                "stem": version.stem,
                "type": version.type,
                "attempts": len(items[q]),
                "facility": result.facility,
                "discrimination": result.discrimination,
                "efficiency": result.efficiency,
                "negative": result.negative,
                "options": stats.option_frequencies([mark(i.attempt_id, q)[1] for i in items[q]]),
            }
        )
    return {
        "common_paper": common,
        "test": {
            "attempts": test.attempts,
            "mean": round(test.mean / 100, 2),
            "median": round(test.median / 100, 2),
            "sd": round(test.sd / 100, 2) if test.sd is not None else None,
            "alpha": test.alpha if common else None,
        },
        "questions": questions,
    }
