"""API: exams (create, candidates, results, statistics, proctoring) and attempts."""

from datetime import UTC
from decimal import Decimal

from flask import Response, request
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.api import API_PREFIX, ApiError
from app.auth.models import Role
from app.auth.services import claimed_identity
from app.errors import Conflict, Refused
from app.extensions import db
from app.orgs.rules.posts import Post
from app.security import Action, get_or_404, visible
from app.timeutil import utcnow
from exams import attempts as attempt_service
from exams import candidates, queries, reports, services
from exams.attempts import MAX_SEQ
from exams.models import Attempt, Exam
from exams.rules import timing
from exams.views_common import (
    attempt_body,
    attempt_clock,
    exam_summary,
    iso,
    new_attempt_json,
    points,
)
from question_bank.policy import owned_bank

blp = Blueprint("exams_api", __name__, url_prefix=API_PREFIX, description="在线考试")

TYPES = ["single", "multiple", "true_false", "fill"]


# Checked before any conversion to naive UTC (which overflows at the ends of the calendar).
SANE_DATE = validate.Range(
    min=timing.EARLIEST.replace(tzinfo=UTC),
    max=timing.LATEST.replace(tzinfo=UTC),
    error=timing.DATE_RANGE_MESSAGE,
)


# Bounds of what the exams API accepts, matching the columns and the forms: an id the
# database's INTEGER holds, lists a real exam needs, text its columns hold.
ID = validate.Range(min=1, max=2**31 - 1, error="编号应为 1 至 2147483647 之间的整数")
POINTS = validate.Range(min=Decimal("0.01"), max=Decimal(1000), error="分值应在 0.01 至 1000 之间")
MAX_CANDIDATES = 10_000
MAX_ENTERPRISES = 1_000


def _at_most(count: int, what: str) -> validate.Length:
    return validate.Length(max=count, error=f"{what}最多 {count} 个")


def _ids(count: int, what: str, **kwargs) -> fields.List:
    return fields.List(fields.Integer(validate=ID), validate=_at_most(count, what), **kwargs)


class RuleSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    count = fields.Integer(required=True, validate=validate.Range(min=1, max=500))
    points = fields.Decimal(required=True, places=2, validate=POINTS)
    tags = fields.List(
        fields.String(validate=validate.Length(max=200, error="知识点最长 200 字")),
        load_default=list,
        validate=_at_most(20, "知识点"),
    )
    difficulty = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(["easy", "medium", "hard"])
    )


class FixedQuestionSchema(Schema):
    question_id = fields.Integer(required=True, validate=ID)
    points = fields.Decimal(required=True, places=2, validate=POINTS)


class ExamInput(Schema):
    title = fields.String(required=True, validate=validate.Length(2, 128))
    time_limit_seconds = fields.Integer(required=True, validate=validate.Range(60, 24 * 3600))
    opens_at = fields.AwareDateTime(required=True, default_timezone=UTC, validate=SANE_DATE)
    closes_at = fields.AwareDateTime(required=True, default_timezone=UTC, validate=SANE_DATE)
    pass_score = fields.Decimal(
        required=True, places=2, validate=validate.Range(min=0, max=Decimal(500_000))
    )
    max_attempts = fields.Integer(load_default=1, validate=validate.Range(1, 20))
    scoring = fields.String(load_default="best", validate=validate.OneOf(["best", "last"]))
    shuffle_questions = fields.Boolean(load_default=True)
    shuffle_options = fields.Boolean(load_default=True)
    partial_credit = fields.String(
        load_default="none", validate=validate.OneOf(["none", "fixed", "proportional"])
    )
    partial_percent = fields.Integer(load_default=50, validate=validate.Range(1, 99))
    review = fields.String(load_default="score", validate=validate.OneOf(["score", "answers"]))
    review_while_attempts_left = fields.Boolean(load_default=False)
    review_from = fields.AwareDateTime(
        load_default=None, allow_none=True, default_timezone=UTC, validate=SANE_DATE
    )
    leave_limit = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(0, 1000)
    )
    rules = fields.List(
        fields.Nested(RuleSchema), load_default=list, validate=_at_most(50, "组卷规则")
    )
    fixed_questions = fields.List(
        fields.Nested(FixedQuestionSchema), load_default=list, validate=_at_most(500, "试题")
    )
    candidates = _ids(MAX_CANDIDATES, "考生", load_default=list)
    candidate_enterprises = _ids(MAX_ENTERPRISES, "企业", load_default=list)
    candidate_posts = fields.List(
        fields.String(validate=validate.Length(max=16)),
        load_default=list,
        validate=_at_most(len(Post), "岗位"),
    )


class CandidatesInput(Schema):
    candidates = _ids(MAX_CANDIDATES, "考生", load_default=list)
    candidate_enterprises = _ids(MAX_ENTERPRISES, "企业", load_default=list)
    candidate_posts = fields.List(
        fields.String(validate=validate.Length(max=16)),
        load_default=list,
        validate=_at_most(len(Post), "岗位"),
    )


# A save holds one response: a few texts at most (`responses.MAX_BLANK_CHARS` each). Its
# body is refused past this size before it is read or parsed.
SAVE_BODY_LIMIT = 16 * 1024


@blp.before_request
def _cap_save_body():
    """Refuse an oversized answer before reading it (after authentication, which runs first)."""
    if request.endpoint != "exams_api.save_answer":
        return
    request.max_content_length = SAVE_BODY_LIMIT  # also bounds a body sent without a length
    if (request.content_length or 0) > SAVE_BODY_LIMIT:
        raise ApiError(
            413, f"答案内容过长（不能超过 {SAVE_BODY_LIMIT // 1024} KB）", code="payload_too_large"
        )


class SaveInput(Schema):
    response = fields.Raw(required=True, allow_none=True)
    seq = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_SEQ))


class FlagInput(Schema):
    flagged = fields.Boolean(required=True)


class EventInput(Schema):
    type = fields.String(
        required=True, validate=validate.OneOf(sorted(attempt_service.EVENT_TYPES))
    )


class ExtendInput(Schema):
    seconds = fields.Integer(required=True, validate=validate.Range(1, 4 * 3600))
    reason = fields.String(required=True, validate=validate.Length(1, 200))


class CloseInput(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 200))


def _naive(moment):
    return moment.astimezone(UTC).replace(tzinfo=None) if moment else None


def _centi(value) -> int:
    return int((value * 100).to_integral_value())


def _device() -> str:
    """The device the request comes from; a client that names none is the device "none"."""
    return attempt_service.device_id(request.headers.get("X-Device-Id"))


def candidate_ids(data: dict) -> list[int]:
    """Employees named directly or by enterprise (and post); all must be in the caller's scope."""
    named = candidates.named(current_user, list(data["candidates"]))
    return named + candidates.of_enterprises(
        current_user, data["candidate_enterprises"], data["candidate_posts"]
    )


@blp.post("/exams")
@blp.arguments(ExamInput)
@blp.response(201)
@login_required
def create_exam(data):
    """Create an exam from paper rules (or a fixed paper); a rule the bank can't fill → 422."""
    bank = owned_bank(current_user)
    if bank is None or current_user.role not in (Role.PROVINCE_ADMIN, Role.ENTERPRISE_ADMIN):
        raise Refused("只有题库管理者可以创建考试")
    settings = {
        "title": data["title"].strip(),
        "time_limit_seconds": data["time_limit_seconds"],
        "opens_at": _naive(data["opens_at"]),
        "closes_at": _naive(data["closes_at"]),
        "pass_score": _centi(data["pass_score"]),
        "max_attempts": data["max_attempts"],
        "scoring": data["scoring"],
        "shuffle_questions": data["shuffle_questions"],
        "shuffle_options": data["shuffle_options"],
        "partial_credit": data["partial_credit"],
        "partial_percent": data["partial_percent"],
        "review": data["review"],
        "review_from": _naive(data["review_from"]),
        "review_while_attempts_left": data["review_while_attempts_left"],
        "leave_limit": data["leave_limit"],
        "rules": [
            {
                "type": r["type"],
                "count": r["count"],
                "points": _centi(r["points"]),
                "tags": r["tags"],
                "difficulty": r["difficulty"],
            }
            for r in data["rules"]
        ],
        "fixed_questions": [
            {"question_id": f["question_id"], "points": _centi(f["points"])}
            for f in data["fixed_questions"]
        ],
    }
    exam = services.create_exam(
        bank=bank, user_id=current_user.id, candidate_ids=candidate_ids(data), **settings
    )
    return {"id": exam.id}


@blp.get("/exams")
@login_required
def exams():
    """Exams the caller manages, or (trainees) the exams open to them with their attempts."""
    stmt = select(Exam).where(visible(current_user, Exam)).order_by(Exam.opens_at.desc())
    items = []
    now = utcnow()
    for exam in db.session.scalars(stmt):
        item = exam_summary(exam)
        if current_user.employee_id:
            attempts = queries.attempts_of(exam.id, current_user.employee_id)
            counted = queries.counted_attempt(attempts, exam.scoring)
            item["attempts"] = [
                {
                    "id": a.id,
                    "status": a.status,
                    "overdue": queries.is_overdue(a, now),  # time up, not yet submitted
                    "score": points(a.score),
                }
                for a in attempts
            ]
            item["score"] = points(counted.score) if counted else None
        items.append(item)
    return {"items": items, "total": len(items), "page": 1}


@blp.get("/exams/<int:exam_id>")
@login_required
def exam(exam_id):
    """One exam's settings."""
    return exam_summary(get_or_404(current_user, Exam, exam_id))


@blp.post("/exams/<int:exam_id>/candidates")
@blp.arguments(CandidatesInput)
@login_required
def add_candidates(data, exam_id):
    """Admit more candidates: picked employees, whole enterprises, a post."""
    exam = get_or_404(current_user, Exam, exam_id, Action.MANAGE)
    return {"added": services.add_candidates(exam, candidate_ids(data))}


@blp.get("/exams/<int:exam_id>/preview")
@login_required
def preview(exam_id):
    """A sample paper drawn by the exam's rules (nothing is stored)."""
    exam = get_or_404(current_user, Exam, exam_id, Action.MANAGE)
    return {"questions": reports.sample_paper(exam)}


@blp.post("/exams/<int:exam_id>/attempts")
def start_attempt(exam_id):
    """Start the exam (201), or resume the attempt in progress (200) on this device."""
    now = utcnow()
    # The burst of a sitting (thousands start within a minute): a first attempt is checked
    # and written by one statement, without loading the account or the exam first; anything
    # else goes the checked way.
    identity = claimed_identity()
    started = identity and attempt_service.start_at_once(
        *identity, exam_id, device=_device(), now=now
    )
    if not started:
        return _start_checked(exam_id, now)
    body = new_attempt_json(
        started.id,
        started.exam,
        started.number,
        started.started_at,
        started.deadline,
        now,
        started.paper,
    )
    return Response(body, 201, mimetype="application/json")


@login_required
def _start_checked(exam_id, now):
    # A candidate is in the exam's scope (`ExamPolicy.in_scope`): the admission, read with
    # its lock, settles both in one query; for anyone else `get_or_404` says 404 or lets the
    # refusal below through (the bank's owners, who see the exam but do not sit it).
    exam = db.session.get(Exam, exam_id)
    if exam is None or not services.is_candidate(exam, current_user.employee_id, lock=True):
        get_or_404(current_user, Exam, exam_id)
        raise Refused("您不在本场考试的考生名单中")
    try:
        attempt, created = attempt_service.start_or_resume(
            exam,
            employee_id=current_user.employee_id,
            user_id=current_user.id,
            device=_device(),
            now=now,
        )
    except Conflict:
        db.session.commit()  # an overdue attempt submitted on the way stays submitted
        raise
    if not created:
        return attempt_body(attempt, now), 200
    # A new attempt is shown from its paper as drawn (`Attempt.fresh_paper`) and without
    # answers: nothing of what was just written is read back.
    body = new_attempt_json(
        attempt.id,
        exam,
        attempt.number,
        attempt.started_at,
        attempt.deadline,
        now,
        attempt.fresh_paper,
    )
    return Response(body, 201, mimetype="application/json")


@blp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id):
    """An attempt with its paper, answers and the time that truly remains."""
    target = get_or_404(current_user, Attempt, attempt_id)
    now = utcnow()
    # Opening an attempt submits it when its time is up; it never takes the attempt over.
    attempt_service.submit_if_overdue(target, now)
    return attempt_body(target, now)


@blp.get("/attempts/<int:attempt_id>/clock")
@login_required
def clock(attempt_id):
    """The attempt's status and current deadline, without its paper (the exam page's sync)."""
    target = get_or_404(current_user, Attempt, attempt_id)
    return attempt_clock(target, utcnow())


@blp.put("/attempts/<int:attempt_id>/answers/<int:question_id>")
@blp.arguments(SaveInput())  # an instance: a class is instantiated again on every request
def save_answer(data, attempt_id, question_id):
    """Save a response; a save whose `seq` is not above the stored one changes nothing."""
    now = utcnow()
    # The hottest request of a sitting: the common case is checked and written by one
    # statement, without loading the account first; any other goes the checked way.
    identity = claimed_identity()
    saved = identity and attempt_service.save_at_once(
        *identity, attempt_id, question_id, data["response"], data["seq"], device=_device(), now=now
    )
    if not saved:
        return _save_checked(data, attempt_id, question_id, now)
    # Committed early, by the statement itself on its own autocommit connection: the hottest
    # request skips the request's transaction (no BEGIN, no COMMIT: two round trips fewer).
    return _saved_body(saved, now)


@login_required
def _save_checked(data, attempt_id, question_id, now):
    target = get_or_404(current_user, Attempt, attempt_id, Action.TAKE, lock=True)
    try:
        saved = attempt_service.save_answer(
            target, question_id, data["response"], data["seq"], device=_device(), now=now
        )
    except Conflict:
        db.session.commit()  # an overdue attempt submitted on the way stays submitted
        raise
    return _saved_body(saved, now)


def _saved_body(saved: attempt_service.SavedAnswer, now) -> dict:
    # The attempt's clock rides on every save: a proctor's extension reaches an open page.
    return {
        "saved_at": iso(saved.saved_at),
        "seq": saved.seq,
        "response": saved.response,
        "changed": saved.changed,
        "status": "in_progress",  # a save to an attempt that is over answers 409
        "deadline": iso(saved.deadline),
        "server_time": iso(now),
    }


@blp.put("/attempts/<int:attempt_id>/flags/<int:question_id>")
@blp.arguments(FlagInput)
@blp.response(204)
@login_required
def flag(data, attempt_id, question_id):
    """Flag a question for review, or clear the flag."""
    target = get_or_404(current_user, Attempt, attempt_id, Action.TAKE, lock=True)
    try:
        attempt_service.set_flag(
            target, question_id, data["flagged"], device=_device(), now=utcnow()
        )
    except Conflict:
        db.session.commit()  # an overdue attempt submitted on the way stays submitted
        raise


@blp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id):
    """Hand in; submitting twice answers the same result."""
    target = get_or_404(current_user, Attempt, attempt_id, Action.TAKE, lock=True)
    now = utcnow()
    attempt_service.submit(target, now, device=_device())
    return attempt_body(target, now)


@blp.post("/attempts/<int:attempt_id>/events")
@blp.arguments(EventInput)
@blp.response(204)
@login_required
def event(data, attempt_id):
    """Record that the candidate left or came back to the page."""
    target = get_or_404(current_user, Attempt, attempt_id, Action.TAKE, lock=True)
    attempt_service.record_event(target, data["type"], utcnow(), device=_device())


@blp.get("/exams/<int:exam_id>/board")
@login_required
def board(exam_id):
    """The proctor's live board: every candidate, progress, time left, leaves, offline."""
    exam = get_or_404(current_user, Exam, exam_id, Action.MANAGE)
    now = utcnow()
    return {"exam": exam_summary(exam), "server_time": iso(now), "rows": reports.board(exam, now)}


@blp.post("/attempts/<int:attempt_id>/extend")
@blp.arguments(ExtendInput)
@login_required
def extend(data, attempt_id):
    """Give a candidate extra time, with the reason recorded."""
    target = get_or_404(current_user, Attempt, attempt_id, Action.MANAGE, lock=True)
    attempt_service.extend(
        target, data["seconds"], data["reason"], by_user_id=current_user.id, now=utcnow()
    )
    return {"deadline": iso(target.deadline)}


@blp.post("/attempts/<int:attempt_id>/close")
@blp.arguments(CloseInput)
@login_required
def close(data, attempt_id):
    """End a candidate's attempt from the board, with the reason recorded."""
    target = get_or_404(current_user, Attempt, attempt_id, Action.MANAGE, lock=True)
    attempt_service.close_by_proctor(
        target, data["reason"], by_user_id=current_user.id, now=utcnow()
    )
    return {"status": target.status, "score": points(target.score)}


@blp.get("/exams/<int:exam_id>/results")
@login_required
def results(exam_id):
    """Every candidate's counted result."""
    exam = get_or_404(current_user, Exam, exam_id, Action.MANAGE)
    rows = reports.results(exam, utcnow())
    return {"items": rows, "total": len(rows), "page": 1}


@blp.get("/exams/<int:exam_id>/statistics")
@login_required
def statistics(exam_id):
    """Moodle-style statistics: facility, discrimination, efficiency, options, alpha."""
    exam = get_or_404(current_user, Exam, exam_id, Action.MANAGE)
    return reports.statistics(exam)
