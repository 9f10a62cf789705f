"""Candidate pages: my exams, taking an exam, my result."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.api import API_PREFIX
from app.security import Action, get_or_404, may
from app.timeutil import utcnow
from exams import attempts as attempt_service
from exams import queries, services
from exams.models import IN_PROGRESS, Attempt, Exam
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


@bp.get("/")
@login_required
def my_exams():
    """我的考试: open, upcoming and finished exams of the logged-in candidate."""
    cards = queries.candidate_exams(current_user, utcnow())
    groups = [
        ("进行中 / 可参加", [c for c in cards if c.is_open]),
        ("未开始", [c for c in cards if c.state == queries.UPCOMING]),
        ("已结束", [c for c in cards if c.state == queries.FINISHED]),
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
    # Read only: an overdue attempt counts as ended here; starting (exam.js) submits it.
    attempts = queries.attempts_of(exam.id, current_user.employee_id)
    state = queries.candidate_state(exam, attempts, now)
    counted = queries.counted_attempt(attempts, exam.scoring)
    return render_template(
        "exams/take.html",
        exam=exam,
        summary=exam_summary(exam),
        state=state,
        attempts=attempts,
        counted=counted,
        overdue=next((a for a in attempts if queries.is_overdue(a, now)), None),
        questions=queries.question_count(exam),
        api_prefix=API_PREFIX,
    )


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id):
    """An attempt's result; correct answers and explanations when the exam shows them."""
    attempt = get_or_404(current_user, Attempt, attempt_id)
    now = utcnow()
    attempt_service.refresh(attempt, now)  # opening an attempt submits it when its time is up
    own = may(current_user, Action.TAKE, attempt)
    if attempt.status == IN_PROGRESS and own:
        return redirect(url_for("exams.take", exam_id=attempt.exam_id))
    body = attempt_body(attempt, now)
    exam = attempt.exam
    attempts = queries.attempts_of(exam.id, attempt.employee_id)
    retake = own and queries.candidate_state(exam, attempts, now) == queries.AVAILABLE
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
        if exam.review == "answers" and not queries.answers_visible(exam, now)
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
