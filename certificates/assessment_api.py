"""API of the assessment (考评) and results (成绩、公示、异议) of a certification batch.

An assessor sees candidates by ticket number only: no body an assessor receives carries a
name or an enterprise.
"""

from datetime import UTC

from flask import abort
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from app.api import API_PREFIX
from app.extensions import db
from app.input import Id
from app.roles import Role
from app.security import Action, get_or_404, in_scope, may, role_of
from app.timeutil import utcnow
from certificates import assessment, results
from certificates.models import PARTS, CertificationBatch, Objection
from competitions.rules.scoring import format_points

blp = Blueprint(
    "certification_assessment",
    __name__,
    url_prefix=API_PREFIX,
    description="职业技能等级认定：考评、成绩公示与异议",
)

TICKET = validate.Length(1, 16, error="准考证号长度应为 1 至 16 个字符")


class CertPointsField(fields.Field):
    """Points as a JSON number or a decimal string; the service checks range and decimals."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {"type": "string", "maxLength": 16, "example": "7.50"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValidationError("分数应为数字或数字文本，如 7.5")
        text = str(value).strip()
        if not text or len(text) > 16:
            raise ValidationError("分数应为数字或数字文本，如 7.5")
        return text


class CertPartArgs(Schema):
    part = fields.String(
        load_default="practical",
        validate=validate.OneOf(PARTS, error="应为 practical 或 review"),
        metadata={"description": "practical：操作技能考核；review：综合评审"},
    )


class CertMarkInput(Schema):
    ticket_number = fields.String(required=True, validate=TICKET)
    item_id = Id(required=True, strict=True)
    points = CertPointsField(required=True)
    key = fields.String(
        required=True,
        validate=validate.Length(1, 64, error="幂等键长度应为 1 至 64 个字符"),
        metadata={"description": "客户端为每条评分生成的幂等键：同一键重复提交只记一次"},
    )
    reason = fields.String(
        load_default="",
        validate=validate.Length(max=assessment.MAX_REASON, error="理由最长 200 字"),
        metadata={"description": "修改自己已提交的评分时必填"},
    )


class CertRulingInput(Schema):
    ticket_number = fields.String(required=True, validate=TICKET)
    item_id = Id(required=True, strict=True)
    kind = fields.String(
        required=True,
        validate=validate.OneOf(("decide", "rescore"), error="应为 decide 或 rescore"),
        metadata={
            "description": "decide：裁定最终分数（须填 points）；rescore：要求考评员重新评分"
        },
    )
    points = CertPointsField(load_default=None, allow_none=True)
    reason = fields.String(
        required=True,
        validate=validate.Length(1, assessment.MAX_REASON, error="理由长度应为 1 至 200 字"),
    )


class CertSignOffInput(Schema):
    part = fields.String(
        required=True, validate=validate.OneOf(PARTS, error="应为 practical 或 review")
    )


class CertObjectionInput(Schema):
    raised_by = fields.String(
        required=True, validate=validate.Length(1, results.RAISED_BY_MAX, error="异议人长度不符")
    )
    contact = fields.String(
        load_default="",
        validate=validate.Length(max=results.CONTACT_MAX, error="联系方式最长 64 字"),
    )
    ticket_number = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=16)
    )
    content = fields.String(
        required=True,
        validate=validate.Length(1, results.CONTENT_MAX, error="异议内容长度应为 1 至 2000 字"),
    )


class CertObjectionDecisionInput(Schema):
    status = fields.String(
        required=True,
        validate=validate.OneOf(results.DECISIONS, error="应为 upheld 或 dismissed"),
    )
    decision = fields.String(
        required=True,
        validate=validate.Length(1, results.DECISION_MAX, error="处理意见长度应为 1 至 2000 字"),
    )
    theory_score = CertPointsField(load_default=None, allow_none=True)
    practical_score = CertPointsField(load_default=None, allow_none=True)
    review_score = CertPointsField(load_default=None, allow_none=True)


def iso(moment) -> str | None:
    """A stored naive-UTC time as ISO 8601 with its zone."""
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z") if moment else None


def mark_body(mark, ticket_number: str) -> dict:
    """One mark as the assessor who gave it sees it."""
    return {
        "id": mark.id,
        "ticket_number": ticket_number,
        "item_id": mark.item_id,
        "points": format_points(mark.points),
        "key": mark.key,
        "reason": mark.reason,
        "created_at": iso(mark.created_at),
    }


def _score(value):
    return None if value is None else format_points(value)


@blp.get("/certification/batches/<int:batch_id>/queue")
@blp.arguments(CertPartArgs, location="query")
@login_required
def queue(args, batch_id):
    """The assessor's candidates of a part by ticket number, with how many items they marked."""
    batch = get_or_404(current_user, CertificationBatch, batch_id)
    lines = assessment.queue(batch, current_user, args["part"])
    items = [
        {
            "ticket_number": line.ticket_number,
            "marked": line.marked,
            "total": line.total,
            "rescore": line.rescore,
        }
        for line in lines
    ]
    return {"items": items, "total": len(items), "page": 1}


@blp.put("/certification/batches/<int:batch_id>/marks")
@blp.arguments(CertMarkInput())
@login_required
def mark(data, batch_id):
    """Send one mark; the same `key` again answers the stored mark and writes nothing."""
    batch = get_or_404(current_user, CertificationBatch, batch_id)
    recorded = assessment.record_mark(
        batch,
        current_user,
        ticket_number=data["ticket_number"],
        item_id=data["item_id"],
        points=data["points"],
        key=data["key"],
        reason=data["reason"],
        now=utcnow(),
    )
    body = mark_body(recorded.mark, recorded.ticket_number)
    body.update(replayed=recorded.replayed, correction=recorded.correction)
    return body


@blp.get("/certification/batches/<int:batch_id>/my-marks")
@login_required
def my_marks(batch_id):
    """The assessor's own marks in the batch, oldest first (the latest per item counts)."""
    batch = get_or_404(current_user, CertificationBatch, batch_id)
    items = [mark_body(m, ticket) for ticket, m in assessment.all_own_marks(batch, current_user)]
    return {"items": items, "total": len(items), "page": 1}


def ruling_body(ruling, ticket_number: str) -> dict:
    """A chief assessor's ruling: what, why, who and when."""
    return {
        "id": ruling.id,
        "ticket_number": ticket_number,
        "item_id": ruling.item_id,
        "kind": ruling.kind,
        "points": None if ruling.points is None else format_points(ruling.points),
        "reason": ruling.reason,
        "decided_by": ruling.decided_by.username,
        "decided_at": iso(ruling.decided_at),
    }


@blp.get("/certification/batches/<int:batch_id>/disagreements")
@blp.arguments(CertPartArgs, location="query")
@login_required
def disagreements(args, batch_id):
    """The part's chief assessor: items whose assessors' marks spread beyond the tolerance
    (`state` disagreement), re-markings awaited (awaiting), and those ruled on, by ticket."""
    batch = get_or_404(current_user, CertificationBatch, batch_id)
    rows = assessment.disagreements(batch, args["part"], current_user)
    items = [
        {
            "ticket_number": row.ticket_number,
            "item_id": row.item.id,
            "item_code": row.item.code,
            "max_points": format_points(row.item.max_points),
            "marks": [
                {"assessor": m.assessor, "points": format_points(m.points)} for m in row.marks
            ],
            "combined": None if row.combined is None else format_points(row.combined),
            "spread": format_points(row.spread),
            "state": row.state,
            "ruling": ruling_body(row.ruling, row.ticket_number) if row.ruling else None,
        }
        for row in rows
    ]
    return {
        "items": items,
        "total": len(items),
        "page": 1,
        "tolerance_percent": assessment.SPREAD_PERCENT,
    }


@blp.post("/certification/batches/<int:batch_id>/rulings")
@blp.arguments(CertRulingInput())
@blp.response(201)
@login_required
def rule(data, batch_id):
    """The chief assessor rules on a disagreement: `decide` the final mark or ask to
    `rescore`, with a reason; recorded with who and when (the latest ruling counts)."""
    batch = get_or_404(current_user, CertificationBatch, batch_id)
    ruling = assessment.rule(
        batch,
        current_user,
        ticket_number=data["ticket_number"],
        item_id=data["item_id"],
        kind=data["kind"],
        points=data["points"],
        reason=data["reason"],
        now=utcnow(),
    )
    return ruling_body(ruling, data["ticket_number"])


@blp.post("/certification/batches/<int:batch_id>/sign-off")
@blp.arguments(CertSignOffInput())
@login_required
def sign_off(data, batch_id):
    """The chief assessor signs a part off; unmarked items, undecided disagreements and
    awaited re-markings → 409 listing them (`details[].problem`)."""
    batch = get_or_404(current_user, CertificationBatch, batch_id)
    record = assessment.sign_off(batch, current_user, data["part"], utcnow())
    return {"batch_id": batch.id, "part": record.part, "signed_off_at": iso(record.signed_off_at)}


def _admin_batch(batch_id, action=Action.VIEW) -> CertificationBatch:
    batch = get_or_404(current_user, CertificationBatch, batch_id, action)
    if role_of(current_user) not in (Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN):
        abort(404)
    return batch


def _batch_body(batch) -> dict:
    return {
        "id": batch.id,
        "status": batch.status,
        "published_at": iso(batch.published_at),
        "notice_ends_at": iso(batch.notice_ends_at),
        "ready_to_issue": results.ready_to_issue(batch),
    }


@blp.get("/certification/batches/<int:batch_id>/results")
@login_required
def batch_results(batch_id):
    """The batch's results in the caller's scope: live for the province while assessing,
    fixed once published (city and enterprise admins see them only then)."""
    batch = _admin_batch(batch_id)
    rows = []
    if may(current_user, Action.MANAGE, batch) or batch.published_at is not None:
        rows = [row for row in results.results(batch) if in_scope(current_user, row.candidate)]
    items = [
        {
            "candidate_id": row.candidate.id,
            "ticket_number": row.candidate.ticket_number,
            "name": row.candidate.employee.name,
            "theory_score": _score(row.scores.theory),
            "practical_score": _score(row.scores.practical),
            "review_score": _score(row.scores.review),
            "passed": row.passed,
            "reason": row.reason,
        }
        for row in rows
    ]
    return {"batch": _batch_body(batch), "items": items, "total": len(items), "page": 1}


@blp.post("/certification/batches/<int:batch_id>/publish")
@login_required
def publish(batch_id):
    """Publish the results (公示): scores fixed, the notice period opens."""
    batch = _admin_batch(batch_id, Action.MANAGE)
    results.publish(batch, current_user, utcnow())
    return _batch_body(batch)


def _objection_body(objection: Objection) -> dict:
    return {
        "id": objection.id,
        "batch_id": objection.batch_id,
        "ticket_number": objection.candidate.ticket_number if objection.candidate else None,
        "raised_by": objection.raised_by,
        "contact": objection.contact,
        "content": objection.content,
        "status": objection.status,
        "decision": objection.decision,
        "created_at": iso(objection.created_at),
        "decided_at": iso(objection.decided_at),
    }


@blp.get("/certification/batches/<int:batch_id>/objections")
@login_required
def objections(batch_id):
    """The batch's objections, newest first (province admin)."""
    batch = _admin_batch(batch_id, Action.MANAGE)
    items = [_objection_body(o) for o in results.objections(batch)]
    return {"items": items, "total": len(items), "page": 1}


@blp.post("/certification/batches/<int:batch_id>/objections")
@blp.arguments(CertObjectionInput())
@blp.response(201)
@login_required
def record_objection(data, batch_id):
    """Record an objection received by phone or letter, during the notice period."""
    batch = _admin_batch(batch_id, Action.MANAGE)
    objection = results.record_objection(
        batch,
        current_user,
        raised_by=data["raised_by"],
        contact=data["contact"],
        content=data["content"],
        ticket_number=data["ticket_number"] or None,
        now=utcnow(),
    )
    return _objection_body(objection)


@blp.post("/certification/objections/<int:objection_id>/decision")
@blp.arguments(CertObjectionDecisionInput())
@login_required
def decide_objection(data, objection_id):
    """Decide an objection with a written decision; an upheld one may change scores."""
    objection = db.session.get(Objection, objection_id)
    if objection is None:
        abort(404)
    _admin_batch(objection.batch_id, Action.MANAGE)
    scores = {f: data[f] for f in results.SCORE_FIELDS if data.get(f) is not None}
    results.decide_objection(
        objection,
        current_user,
        status=data["status"],
        decision=data["decision"],
        scores=scores,
        now=utcnow(),
    )
    return _objection_body(objection)
