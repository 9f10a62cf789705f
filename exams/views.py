"""Candidate pages: my exams, taking an exam, my result."""

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app.api import API_PREFIX
from app.extensions import db
from app.security import Action, get_or_404, may, visible
from app.timeutil import utcnow
from exams import attempts as attempt_service
from exams import services
from exams.models import Attempt, Exam, ExamCandidate
from exams.views_common import attempt_body, exam_summary, points

bp = Blueprint("exams", __name__, template_folder="templates", url_prefix="/exams")

SUBMIT_REASONS = {
    "manual": "考生交卷",
    "deadline": "到时自动交卷",
    "leave_limit": "离开页面次数超限自动交卷",
    "proctor": "监考结束",
}
TYPE_LABELS = {"single": "单选题", "multiple": "多选题", "true_false": "判断题", "fill": "填空题"}


@bp.app_template_filter("exam_points")
def _exam_points(centipoints):
    """Centipoints as the number people read (2, 2.5)."""
    return points(centipoints)


# States of an exam for its candidate, in the order "my exams" lists them.
IN_PROGRESS, AVAILABLE, UPCOMING, FINISHED = "in_progress", "available", "upcoming", "finished"


@dataclass
class ExamCard:
    """One exam as its candidate sees it on "my exams" and on the dashboard."""

    exam: Exam
    state: str
    attempts: list[Attempt]
    counted: Attempt | None  # the submitted attempt that counts (best or last)
    current: Attempt | None  # the attempt in progress

    @property
    def attempts_left(self) -> int:
        return max(0, self.exam.max_attempts - len(self.attempts))

    @property
    def is_open(self) -> bool:
        return self.state in (IN_PROGRESS, AVAILABLE)


def question_count(exam: Exam) -> int:
    """How many questions a paper of the exam holds."""
    if exam.fixed_questions:
        return len(exam.fixed_questions)
    return sum(r["count"] for r in exam.rules)


def _state(exam: Exam, attempts: list[Attempt], now: datetime) -> str:
    if any(a.status == IN_PROGRESS for a in attempts):
        return IN_PROGRESS
    if now < exam.opens_at:
        return UPCOMING
    if now < exam.closes_at and len(attempts) < exam.max_attempts:
        return AVAILABLE
    return FINISHED


def candidate_exams(user, now: datetime) -> list[ExamCard]:
    """The exams `user`'s employee is a candidate of, overdue attempts submitted on the way
    (the caller commits)."""
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
        attempts = attempt_service.attempts_of(exam.id, user.employee_id)
        for attempt in attempts:
            attempt_service.refresh(attempt, now)
        cards.append(
            ExamCard(
                exam=exam,
                state=_state(exam, attempts, now),
                attempts=attempts,
                counted=attempt_service.counted_attempt(attempts, exam.scoring),
                current=next((a for a in attempts if a.status == IN_PROGRESS), None),
            )
        )
    order = {IN_PROGRESS: 0, AVAILABLE: 1, UPCOMING: 2, FINISHED: 3}
    cards.sort(key=lambda c: (order[c.state], c.exam.closes_at))
    finished = [c for c in cards if c.state == FINISHED]
    finished.reverse()  # the most recently closed first
    return [c for c in cards if c.state != FINISHED] + finished


@bp.get("/")
@login_required
def my_exams():
    """我的考试: open, upcoming and finished exams of the logged-in candidate."""
    cards = candidate_exams(current_user, utcnow())
    db.session.commit()  # attempts found overdue were submitted
    groups = [
        ("进行中 / 可参加", [c for c in cards if c.is_open]),
        ("未开始", [c for c in cards if c.state == UPCOMING]),
        ("已结束", [c for c in cards if c.state == FINISHED]),
    ]
    return render_template(
        "exams/my_exams.html",
        groups=groups,
        total=len(cards),
        has_employee=bool(current_user.employee_id),
        reasons=SUBMIT_REASONS,
    )


@bp.get("/<int:exam_id>/take")
@login_required
def take(exam_id):
    """The exam page: the server renders the shell, exam.js starts or resumes the attempt."""
    exam = get_or_404(current_user, Exam, exam_id)
    if not services.is_candidate(exam, current_user.employee_id):
        abort(403)
    now = utcnow()
    attempts = attempt_service.attempts_of(exam.id, current_user.employee_id)
    for attempt in attempts:
        attempt_service.refresh(attempt, now)
    db.session.commit()
    state = _state(exam, attempts, now)
    counted = attempt_service.counted_attempt(attempts, exam.scoring)
    return render_template(
        "exams/take.html",
        exam=exam,
        summary=exam_summary(exam),
        state=state,
        attempts=attempts,
        counted=counted,
        questions=question_count(exam),
        api_prefix=API_PREFIX,
    )


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id):
    """An attempt's result; correct answers and explanations when the exam shows them."""
    attempt = get_or_404(current_user, Attempt, attempt_id)
    now = utcnow()
    attempt_service.refresh(attempt, now)
    db.session.commit()
    own = may(current_user, Action.TAKE, attempt)
    if attempt.status == IN_PROGRESS and own:
        return redirect(url_for("exams.take", exam_id=attempt.exam_id))
    body = attempt_body(attempt, now)
    exam = attempt.exam
    attempts = attempt_service.attempts_of(exam.id, attempt.employee_id)
    retake = own and _state(exam, attempts, now) == AVAILABLE
    return render_template(
        "exams/result.html",
        attempt=attempt,
        exam=exam,
        body=body,
        own=own,
        retake=retake,
        reason=SUBMIT_REASONS.get(attempt.submit_reason or "", ""),
        review=review_items(body) if "review" in body else None,
        # What the server holds, so that the page can tell which saves never arrived.
        stored={
            "positions": {str(q["id"]): q["position"] for q in body["questions"]},
            "seqs": body["seqs"],
        },
        review_from=exam.review_from
        if exam.review == "answers" and not services.answers_visible(exam, now)
        else None,
    )


# The review, shown with the labels the candidate saw -------------------------------------


def _choice_text(question: dict, keys) -> str:
    labels = {o["key"]: (chr(ord("A") + i), o["text"]) for i, o in enumerate(question["options"])}
    shown = [labels[k] for k in keys if k in labels]
    shown.sort()
    return "；".join(f"{label}. {text}" for label, text in shown)


def _response_text(question: dict, response) -> str:
    kind = question["type"]
    if response is None or response == [] or response == "":
        return ""
    if kind == "single":
        return _choice_text(question, [response])
    if kind == "multiple":
        return _choice_text(question, response)
    if kind == "true_false":
        return "对" if response else "错"
    blanks = [str(r).strip() for r in response]
    if not any(blanks):
        return ""
    return "；".join(f"第 {n} 空：{b or '（未填）'}" for n, b in enumerate(blanks, start=1))


def _correct_text(question: dict, item: dict) -> str:
    if question["type"] == "fill":
        accepted = item.get("accepted_answers") or [[a] for a in item["answer"]]
        return "；".join(
            f"第 {n} 空：{' 或 '.join(choices)}" for n, choices in enumerate(accepted, start=1)
        )
    return _response_text(question, item["answer"])


def review_items(body: dict) -> list[dict]:
    """Each question with the candidate's answer and the correct one, in the paper's order."""
    by_id = {item["id"]: item for item in body["review"]}
    items = []
    for question in body["questions"]:
        item = by_id.get(question["id"], {})
        score = item.get("score") or 0
        response = body["answers"].get(str(question["id"]))
        items.append(
            {
                "question": question,
                "type_label": TYPE_LABELS.get(question["type"], question["type"]),
                "options": [
                    {"label": chr(ord("A") + i), "text": o["text"]}
                    for i, o in enumerate(question["options"])
                ],
                "response": _response_text(question, response),
                "correct": _correct_text(question, item) if item else "",
                "explanation": item.get("explanation") or "",
                "score": score,
                "outcome": "right"
                if score and score >= question["points"]
                else ("partial" if score else "wrong"),
            }
        )
    return items
