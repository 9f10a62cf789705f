"""How exams and attempts are shown: shared by the JSON API and the pages."""

import json
from datetime import UTC, datetime

from exams import paper_cache, queries, services
from exams.models import IN_PROGRESS, SUBMITTED, Attempt, Exam
from exams.rules import grading, timing
from question_bank import version_cache


def points(centipoints: int | None):
    """Centipoints as the number people read (2, 2.5)."""
    if centipoints is None:
        return None
    return centipoints // 100 if centipoints % 100 == 0 else centipoints / 100


def iso(moment: datetime | None) -> str | None:
    """A stored naive-UTC time as ISO 8601 with its zone."""
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z") if moment else None


def exam_summary(exam: Exam) -> dict:
    """An exam's settings as candidates and managers see them."""
    return {
        "id": exam.id,
        "title": exam.title,
        "opens_at": iso(exam.opens_at),
        "closes_at": iso(exam.closes_at),
        "time_limit_seconds": exam.time_limit_seconds,
        "pass_score": points(exam.pass_score),
        "max_score": points(services.max_score(exam)),
        "max_attempts": exam.max_attempts,
        "scoring": exam.scoring,
        "leave_limit": exam.leave_limit,
    }


def _question(item, version: version_cache.Version) -> dict:
    by_key = dict(version.options)
    body = {
        "id": item.question_id,
        "position": item.position,
        "type": version.type,
        "stem": version.stem,
        "options": [{"key": key, "text": by_key[key]} for key in item.option_order],
        "points": points(item.points),
    }
    if version.type == "fill":
        body["blanks"] = len(version.blanks)
    if version.image:
        body["image"] = version.image
    return body


def _review(item, version: version_cache.Version, score: int | None) -> dict:
    """The key as grading sees it (`exams.rules.grading`), for the candidate's review."""
    is_fill = version.type == "fill"
    return {
        "id": item.question_id,
        "answer": grading.right_answer(version.type, version.answer, version.blanks),
        "accepted_answers": grading.accepted_blanks(version.answer, version.blanks)
        if is_fill
        else None,
        "explanation": version.explanation,
        "score": points(score or 0),
    }


def attempt_clock(attempt: Attempt, now: datetime) -> dict:
    """What an open exam page checks now and then: status and the deadline (extensions in),
    read from the attempt's row alone (no paper, no answers)."""
    answering = attempt.status == IN_PROGRESS
    return {
        "id": attempt.id,
        "status": attempt.status,
        "deadline": iso(attempt.deadline),
        "server_time": iso(now),
        "remaining_seconds": timing.remaining_seconds(attempt.deadline, now) if answering else 0,
        "grace_seconds": timing.GRACE_SECONDS,
        # Time and grace are over but nobody has submitted it yet: the page submits by
        # opening the attempt (`GET /attempts/{id}`), as at its own deadline.
        "overdue": answering and timing.is_overdue(attempt.deadline, now),
    }


def new_attempt_json(
    attempt_id: int, exam, number: int, started_at: datetime, deadline: datetime, now, paper
) -> str:
    """A new attempt as `attempt_body` shows it, as JSON text: its paper (`PaperRow`s, as
    drawn) written from each question's JSON kept by the process (`paper_cache.question_json`)
    and nothing read back. `exam` is an `Exam` or the settings a start drew from."""
    versions = version_cache.get_many(row.version_id for row in paper)
    questions = []
    for row in paper:
        parts = paper_cache.question_json(versions[row.version_id])
        options = ",".join(parts.options[key] for key in row.option_order)
        questions.append(
            f'{parts.head},"position":{row.position},"options":[{options}],'
            f'"points":{points(row.points)!r}{parts.tail}'
        )
    rest = {
        "id": attempt_id,
        "exam": exam_summary(exam),
        "number": number,
        "status": IN_PROGRESS,
        "started_at": iso(started_at),
        "deadline": iso(deadline),
        "server_time": iso(now),
        "remaining_seconds": timing.remaining_seconds(deadline, now),
        "grace_seconds": timing.GRACE_SECONDS,
        "answers": {},
        "seqs": {},
        "flagged": [],
        "leave_count": 0,
    }
    head = json.dumps(rest, ensure_ascii=False, separators=(",", ":"))
    return f'{head[:-1]},"questions":[{",".join(questions)}]}}'


def attempt_body(attempt: Attempt, now: datetime) -> dict:
    """An attempt as its candidate sees it: never the correct answers before they may."""
    exam = attempt.exam
    answers = {a.question_id: a for a in attempt.answers}
    items = attempt.questions
    versions = version_cache.get_many(item.version_id for item in items)
    body = {
        "id": attempt.id,
        "exam": exam_summary(exam),
        "number": attempt.number,
        "status": attempt.status,
        "started_at": iso(attempt.started_at),
        "deadline": iso(attempt.deadline),
        "server_time": iso(now),
        "remaining_seconds": timing.remaining_seconds(attempt.deadline, now)
        if attempt.status == IN_PROGRESS
        else 0,
        "grace_seconds": timing.GRACE_SECONDS,
        "questions": [_question(item, versions[item.version_id]) for item in items],
        "answers": {str(qid): a.response for qid, a in answers.items() if a.response is not None},
        "seqs": {str(qid): a.seq for qid, a in answers.items()},
        "flagged": [qid for qid, a in answers.items() if a.flagged],
        "leave_count": attempt.leave_count,
    }
    if attempt.status == SUBMITTED:
        body.update(
            score=points(attempt.score),
            max_score=points(attempt.max_score),
            passed=attempt.passed,
            submitted_at=iso(attempt.submitted_at),
            submit_reason=attempt.submit_reason,
        )
        if exam.review == "answers" and queries.answers_visible(
            exam, now, queries.attempts_of(exam.id, attempt.employee_id)
        ):
            body["review"] = [
                _review(item, versions[item.version_id], attempt.question_score(item.position))
                for item in items
            ]
    return body
