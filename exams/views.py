"""Candidate pages: my exams, taking an exam, my result."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.api import API_PREFIX
from app.security import Action, get_or_404, may
from app.timeutil import utcnow
from exams import attempts as attempt_service
from exams import queries, services
from exams import review as presenters
from exams.models import IN_PROGRESS, Attempt, Exam
from exams.views_common import attempt_body, exam_summary, points

bp = Blueprint("exams", __name__, template_folder="templates", url_prefix="/exams")

SUBMIT_REASONS = {
    "manual": "考生交卷",
    "deadline": "到时自动交卷",
    "leave_limit": "离开页面次数超限自动交卷",
    "proctor": "监考结束",
}


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
    attempt_service.submit_if_overdue(
        attempt, now
    )  # opening an attempt submits it when its time is up
    own = may(current_user, Action.TAKE, attempt)
    if attempt.status == IN_PROGRESS and own:
        return redirect(url_for("exams.take", exam_id=attempt.exam_id))
    body = attempt_body(attempt, now)
    exam = attempt.exam
    attempts = queries.attempts_of(exam.id, attempt.employee_id)
    retake = own and queries.candidate_state(exam, attempts, now) == queries.AVAILABLE
    withheld = exam.review == "answers" and "review" not in body
    later = exam.review_from if exam.review_from and now < exam.review_from else None
    return render_template(
        "exams/result.html",
        attempt=attempt,
        exam=exam,
        body=body,
        own=own,
        retake=retake,
        reason=SUBMIT_REASONS.get(attempt.submit_reason or "", ""),
        review=presenters.candidate_items(body) if "review" in body else None,
        # What the server holds, so that the page can tell which saves never arrived.
        stored={
            "positions": {str(q["id"]): q["position"] for q in body["questions"]},
            "seqs": body["seqs"],
        },
        review_from=later if withheld else None,
        review_when_done=withheld and later is None,  # no attempt left, or the window closed
    )
