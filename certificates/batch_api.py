"""API: certification batches — set-up (province), registration (enterprises), my batches.

Under `/api/v1/certification/...`. Assessors (judges) read the batches they assess and its
candidates by ticket number only.
"""

from datetime import UTC
from decimal import Decimal

from flask import Response, abort, request
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api import API_PREFIX, FileUploadSchema, PageArgs, paginate
from app.input import Id, IdList
from app.roles import Role
from app.security import Action, get_or_404, role_of
from app.timeutil import to_local, utcnow
from certificates import batches
from certificates.models import (
    AGGREGATIONS,
    KINDS,
    PARTS,
    CertificationBatch,
    CertificationCandidate,
)
from certificates.rules import eligibility, levels

blp = Blueprint(
    "certification_api",
    __name__,
    url_prefix=API_PREFIX + "/certification",
    description="职业技能等级认定：批次、报名",
)

SANE = validate.Range(min=batches.EARLIEST, max=batches.LATEST, error=batches.DATE_MESSAGE)


def _text(low: int, high: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(low, high), **kwargs)


def _points(**kwargs) -> fields.Decimal:
    return fields.Decimal(
        validate=validate.Range(min=Decimal(0), max=Decimal(100), error="应在 0 至 100 之间"),
        **kwargs,
    )


class CertificationBatchInput(Schema):
    title = _text(2, 128, required=True)
    occupation = _text(1, 64, required=True)
    occupation_code = _text(0, 16, load_default="")
    direction = _text(0, 64, load_default="")
    level = fields.Integer(required=True, validate=validate.Range(1, 5))
    registration_opens_on = fields.Date(required=True, validate=SANE)
    registration_closes_on = fields.Date(required=True, validate=SANE)
    years_at_lower_level = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(1, 30)
    )
    years_in_post = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(1, 50)
    )
    fee_note = _text(0, 255, load_default="")
    theory_exam_id = Id(load_default=None, allow_none=True)
    assessment_starts_at = fields.AwareDateTime(
        load_default=None,
        allow_none=True,
        default_timezone=UTC,
        validate=validate.Range(
            min=batches.EARLIEST_MOMENT, max=batches.LATEST_MOMENT, error=batches.DATE_MESSAGE
        ),
    )
    assessment_place = _text(0, 255, load_default="")
    theory_pass = _points(load_default=Decimal(60))
    practical_pass = _points(load_default=Decimal(60))
    review_pass = _points(load_default=Decimal(60))
    notice_days = fields.Integer(load_default=7, validate=validate.Range(1, 30))


class CertificationItemInput(Schema):
    part = fields.String(load_default="practical", validate=validate.OneOf(PARTS))
    code = _text(1, 16, required=True)
    title = _text(1, 128, required=True)
    kind = fields.String(load_default="judgement", validate=validate.OneOf(KINDS))
    max_points = fields.Decimal(
        required=True,
        validate=validate.Range(
            min=Decimal("0.01"), max=Decimal(100), error="分值应在 0.01 至 100 之间"
        ),
    )
    aggregation = fields.String(load_default="mean", validate=validate.OneOf(AGGREGATIONS))


class CertificationAssessorInput(Schema):
    username = _text(1, 64, required=True)
    part = fields.String(load_default="practical", validate=validate.OneOf(PARTS))
    chief = fields.Boolean(load_default=False)


class CertificationCancelInput(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(2, batches.CANCEL_REASON_MAX, error="取消原因应为 2–255 个字"),
        metadata={"description": "取消原因（考生和企业可见）"},
    )


class CertificationRegisterInput(Schema):
    employee_ids = IdList(max_length=batches.MAX_REGISTER, required=True)


# Bodies ------------------------------------------------------------------------------------


def _moment(value) -> str | None:
    local = to_local(value)
    return local.isoformat() if local else None


def _batch_body(batch: CertificationBatch, count: int | None = None) -> dict:
    return {
        "id": batch.id,
        "title": batch.title,
        "occupation": batch.occupation,
        "occupation_code": batch.occupation_code,
        "direction": batch.direction,
        "level": batch.level,
        "level_name": levels.label(batch.level),
        "status": batch.status,
        "registration_opens_on": batch.registration_opens_on.isoformat(),
        "registration_closes_on": batch.registration_closes_on.isoformat(),
        "years_at_lower_level": batch.years_at_lower_level,
        "years_in_post": batch.years_in_post,
        "eligibility": eligibility.describe(batches.requirement(batch)),
        "fee_note": batch.fee_note,
        "theory_exam_id": batch.theory_exam_id,
        "assessment_starts_at": _moment(batch.assessment_starts_at),
        "assessment_place": batch.assessment_place,
        "theory_pass": batches.points_text(batch.theory_pass),
        "practical_pass": batches.points_text(batch.practical_pass),
        "review_pass": batches.points_text(batch.review_pass) if batch.needs_review else None,
        "notice_days": batch.notice_days,
        "candidates": count,
        "cancelled_at": _moment(batch.cancelled_at),
        "cancel_reason": batch.cancel_reason or None,
    }


def _item_body(item) -> dict:
    return {
        "id": item.id,
        "part": item.part,
        "code": item.code,
        "title": item.title,
        "kind": item.kind,
        "max_points": batches.points_text(item.max_points),
        "aggregation": item.aggregation,
    }


def _tickets_only() -> bool:
    return role_of(current_user) in (Role.JUDGE, Role.CHIEF_JUDGE)


def _candidate_body(candidate: CertificationCandidate) -> dict:
    body = {"id": candidate.id, "ticket_number": candidate.ticket_number}
    if _tickets_only():
        return body
    return body | {
        "employee_id": candidate.employee_id,
        "name": candidate.employee.name,
        "enterprise_id": candidate.enterprise_id,
        "enterprise": candidate.enterprise.name,
        "status": candidate.status,
        "has_photo": candidate.photo is not None,
    }


# Endpoints ----------------------------------------------------------------------------------


@blp.get("/batches")
@blp.arguments(PageArgs, location="query")
@login_required
def list_batches(args):
    """The batches the caller sees, newest first."""
    found = batches.batches_of(current_user)
    start = (args["page"] - 1) * args["per_page"]
    shown = found[start : start + args["per_page"]]
    counts = batches.candidate_counts(current_user, [b.id for b in shown])
    return {
        "items": [_batch_body(b, counts.get(b.id, 0)) for b in shown],
        "total": len(found),
        "page": args["page"],
    }


@blp.post("/batches")
@blp.arguments(CertificationBatchInput)
@blp.response(201)
@login_required
def create_batch(data):
    """Open a batch (provincial admin); pass marks in points of 100."""
    batch = batches.create_batch(data, by=current_user)
    return {"id": batch.id}


@blp.get("/batches/<int:batch_id>")
@login_required
def get_batch(batch_id: int):
    """A batch with its rubric (and, to admins, its assessors)."""
    batch = get_or_404(current_user, CertificationBatch, batch_id)
    counts = batches.candidate_counts(current_user, [batch.id])
    body = _batch_body(batch, counts.get(batch.id, 0)) | {
        "items": [_item_body(i) for i in batch.items],
        "rubric_warnings": batches.rubric_warnings(batch),
    }
    if not _tickets_only() and role_of(current_user) is not Role.TRAINEE:
        body["assessors"] = [
            {"username": a.user.username, "part": a.part, "chief": a.is_chief}
            for a in batches.assessors(batch)
        ]
    return body


@blp.put("/batches/<int:batch_id>")
@blp.arguments(CertificationBatchInput)
@login_required
def update_batch(data, batch_id: int):
    """Change a batch's settings (the whole set, as when creating it)."""
    batch = get_or_404(current_user, CertificationBatch, batch_id, Action.MANAGE, lock=True)
    batches.update_batch(batch, data, by=current_user)
    return _batch_body(batch)


@blp.post("/batches/<int:batch_id>/items")
@blp.arguments(CertificationItemInput)
@blp.response(201)
@login_required
def add_item(data, batch_id: int):
    """Add a rubric item to the practical part (or the review, for 二级 and 一级)."""
    batch = get_or_404(current_user, CertificationBatch, batch_id, Action.MANAGE, lock=True)
    item = batches.add_item(batch, data, by=current_user)
    return _item_body(item) | {"rubric_warnings": batches.rubric_warnings(batch)}


@blp.post("/batches/<int:batch_id>/assessors")
@blp.arguments(CertificationAssessorInput)
@blp.response(201)
@login_required
def appoint_assessor(data, batch_id: int):
    """Appoint a judge or chief judge to a part; `chief` makes them its chief assessor."""
    batch = get_or_404(current_user, CertificationBatch, batch_id, Action.MANAGE, lock=True)
    found = batches.appoint_assessor(
        batch, data["username"], data["part"], chief=data["chief"], by=current_user
    )
    return {
        "id": found.id,
        "username": found.user.username,
        "part": found.part,
        "chief": found.is_chief,
    }


@blp.get("/batches/<int:batch_id>/candidates")
@blp.arguments(PageArgs, location="query")
@login_required
def list_candidates(args, batch_id: int):
    """The batch's candidates the caller sees (assessors: ticket numbers only)."""
    batch = get_or_404(current_user, CertificationBatch, batch_id)
    stmt = batches.candidates_stmt(batch, current_user)
    return paginate(stmt, args["page"], args["per_page"], _candidate_body)


@blp.post("/batches/<int:batch_id>/candidates")
@blp.arguments(CertificationRegisterInput)
@blp.response(201)
@login_required
def register(data, batch_id: int):
    """Register employees, all or none: a refused person refuses the request (422), its
    `details` naming each refused `employee_id` with the reason."""
    batch = get_or_404(current_user, CertificationBatch, batch_id, Action.MANAGE_ROSTER, lock=True)
    entered = batches.register(batch, data["employee_ids"], by=current_user)
    return {"items": [{"id": c.id, "employee_id": c.employee_id} for c in entered]}


@blp.post("/candidates/<int:candidate_id>/withdraw")
@login_required
def withdraw(candidate_id: int):
    """退报 (before registration closes)."""
    candidate = get_or_404(
        current_user, CertificationCandidate, candidate_id, Action.MANAGE_ROSTER, lock=True
    )
    done = batches.withdraw(candidate, by=current_user)
    return {
        "id": candidate.id,
        "status": candidate.status,
        "exam_admission": done.exam_admission,
        "message": done.message,
    }


@blp.post("/batches/<int:batch_id>/cancel")
@blp.arguments(CertificationCancelInput)
@login_required
def cancel_batch(data, batch_id: int):
    """取消批次 (provincial admin) with a reason, until a certificate is issued (then 409):
    registration ends and the candidates are taken off the theory exam, except those who
    already sat it (counted in `exam_admissions.kept_with_attempt`). Again: no change."""
    batch = get_or_404(current_user, CertificationBatch, batch_id, Action.MANAGE, lock=True)
    done = batches.cancel_batch(batch, data["reason"], by=current_user, now=utcnow())
    return _batch_body(done.batch) | {
        "exam_admissions": {
            "withdrawn": done.admissions_withdrawn,
            "kept_with_attempt": done.kept_with_attempt,
        },
        "message": done.message,
    }


@blp.put("/candidates/<int:candidate_id>/photo")
@blp.arguments(FileUploadSchema, location="files")
@login_required
def upload_photo(files, candidate_id: int):
    """The candidate's photo (printed on the certificate): multipart field `file`, a JPEG or
    PNG of at most 2 MB that decodes, as on the registration page; replaces any earlier
    one, until results are published. Bad files → 422 (`details[].field` "photo")."""
    candidate = get_or_404(
        current_user, CertificationCandidate, candidate_id, Action.MANAGE_ROSTER, lock=True
    )
    data = request.files["file"].read(batches.PHOTO_MAX_BYTES + 1)
    batches.set_photo(candidate, data, by=current_user)
    return {"id": candidate.id, "has_photo": True, "content_type": batches.photo_type(data)}


@blp.get("/candidates/<int:candidate_id>/photo")
@blp.response(200, content_type="image/jpeg", description="JPEG 或 PNG（image/png）")
@login_required
def photo(candidate_id: int):
    """The candidate's photo, to those who see the candidate by name (404 without one)."""
    candidate = get_or_404(current_user, CertificationCandidate, candidate_id)
    if candidate.photo is None or _tickets_only():
        abort(404)
    response = Response(candidate.photo, mimetype=batches.photo_type(candidate.photo))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.post("/batches/<int:batch_id>/start-assessment")
@login_required
def start_assessment(batch_id: int):
    """Close registration, give ticket numbers, move the batch to assessing."""
    batch = get_or_404(current_user, CertificationBatch, batch_id, Action.MANAGE, lock=True)
    started = batches.start_assessment(batch, by=current_user)
    return {
        "status": batch.status,
        "candidates": [{"id": c.id, "ticket_number": c.ticket_number} for c in started],
    }


@blp.get("/mine")
@login_required
def mine():
    """A trainee's batches: status, exam, assessment time and place, ticket, results."""
    items = []
    for c in batches.my_candidacies(current_user):
        batch = c.batch
        published = batch.status in ("published", "issued")
        items.append(
            {
                "batch": _batch_body(batch),
                "candidate_id": c.id,
                "ticket_number": c.ticket_number,
                "theory_exam_id": batch.theory_exam_id,
                "results": {
                    "theory": batches.points_text(c.theory_score) or None,
                    "practical": batches.points_text(c.practical_score) or None,
                    "review": batches.points_text(c.review_score) or None,
                    "passed": c.passed,
                }
                if published
                else None,
            }
        )
    return {"items": items, "total": len(items), "page": 1}
