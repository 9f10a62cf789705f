"""API: judges' queues and marks, the chief judge's rulings and sign-off (评分).

A judge sees contestants by number only: no body here carries a name or an enterprise.
"""

from datetime import UTC

from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from app.api import API_PREFIX
from app.input import Id
from app.security import get_or_404
from app.timeutil import utcnow
from competitions import scoring
from competitions.models import CompetitionEvent

blp = Blueprint(
    "competition_scoring", __name__, url_prefix=API_PREFIX, description="竞赛评分（裁判、裁判长）"
)

NUMBER = validate.Range(1, 100_000, error="参赛号应为 1 至 100000 之间的整数")


class PointsField(fields.Field):
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


class ScoreInput(Schema):
    number = fields.Integer(required=True, strict=True, validate=NUMBER)
    item_id = Id(required=True, strict=True)
    points = PointsField(required=True)
    key = fields.String(
        required=True,
        validate=validate.Length(1, 64, error="幂等键长度应为 1 至 64 个字符"),
        metadata={"description": "客户端为每条评分生成的幂等键：同一键重复提交只记一次"},
    )
    reason = fields.String(
        load_default="",
        validate=validate.Length(max=scoring.MAX_REASON, error="理由最长 200 字"),
        metadata={"description": "修改自己已提交的评分时必填"},
    )


class RulingInput(Schema):
    number = fields.Integer(required=True, strict=True, validate=NUMBER)
    item_id = Id(required=True, strict=True)
    kind = fields.String(
        required=True,
        validate=validate.OneOf(scoring.DECISION_KINDS, error="应为 rescore 或 decide"),
        metadata={"description": "rescore：要求复评；decide：裁定分数"},
    )
    points = PointsField(load_default=None, allow_none=True)
    reason = fields.String(
        required=True,
        validate=validate.Length(1, scoring.MAX_REASON, error="理由长度应为 1 至 200 字"),
    )


def iso(moment) -> str | None:
    """A stored naive-UTC time as ISO 8601 with its zone."""
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z") if moment else None


def entry_body(entry, number: int) -> dict:
    """One mark as the judge who gave it sees it."""
    return {
        "id": entry.id,
        "number": number,
        "item_id": entry.item_id,
        "points": scoring.format_points(entry.points),
        "key": entry.key,
        "reason": entry.reason,
        "created_at": iso(entry.created_at),
    }


@blp.get("/competition-events/<int:event_id>/queue")
@login_required
def queue(event_id):
    """The judge's queue: numbers × their items with `scored`, never a name or an enterprise."""
    event = get_or_404(current_user, CompetitionEvent, event_id)
    items = [
        {"number": q.number, "item_id": q.item_id, "scored": q.scored, "rescore": q.rescore}
        for q in scoring.judge_queue(event, current_user)
    ]
    return {"items": items, "total": len(items), "page": 1}


@blp.put("/competition-events/<int:event_id>/scores")
@blp.arguments(ScoreInput())
@login_required
def score(data, event_id):
    """Send one mark; the same `key` again answers the stored entry and writes nothing."""
    event = get_or_404(current_user, CompetitionEvent, event_id)
    recorded = scoring.record_score(
        event,
        current_user,
        number=data["number"],
        item_id=data["item_id"],
        points=data["points"],
        key=data["key"],
        reason=data["reason"],
        now=utcnow(),
    )
    body = entry_body(recorded.entry, recorded.number)
    body.update(replayed=recorded.replayed, correction=recorded.correction)
    return body


@blp.get("/competition-events/<int:event_id>/my-scores")
@login_required
def my_scores(event_id):
    """The judge's own marks in the event, each with its corrections (oldest first)."""
    event = get_or_404(current_user, CompetitionEvent, event_id)
    items = []
    for mark in scoring.own_marks(event, current_user):
        body = entry_body(mark.latest, mark.number)
        body["history"] = [entry_body(entry, mark.number) for entry in mark.history]
        items.append(body)
    return {"items": items, "total": len(items), "page": 1}


@blp.post("/competition-events/<int:event_id>/decisions")
@blp.arguments(RulingInput())
@blp.response(201)
@login_required
def decision(data, event_id):
    """The chief judge rules on one item: `rescore` (ask again) or `decide` (with points)."""
    event = get_or_404(current_user, CompetitionEvent, event_id)
    ruling = scoring.decide(
        event,
        current_user,
        number=data["number"],
        item_id=data["item_id"],
        kind=data["kind"],
        points=data["points"],
        reason=data["reason"],
        now=utcnow(),
    )
    return {
        "id": ruling.id,
        "number": data["number"],
        "item_id": ruling.item_id,
        "kind": ruling.kind,
        "points": scoring.format_points(ruling.points),
        "reason": ruling.reason,
        "decided_at": iso(ruling.decided_at),
    }


@blp.get("/competition-events/<int:event_id>/disagreements")
@login_required
def disagreements(event_id):
    """The chief judge's list: open disagreements with each judge's mark, by number."""
    event = get_or_404(current_user, CompetitionEvent, event_id)
    rows = scoring.review(event, current_user).disagreements
    items = [
        {
            "number": row.number,
            "item_id": row.item_id,
            "item_code": row.item_code,
            "max_points": scoring.format_points(row.max_points),
            "marks": [
                {"judge": mark.judge, "points": scoring.format_points(mark.points)}
                for mark in row.marks
            ],
            "spread": scoring.format_points(row.spread),
        }
        for row in rows
    ]
    return {"items": items, "total": len(items), "page": 1}


@blp.post("/competition-events/<int:event_id>/sign-off")
@login_required
def sign_off(event_id):
    """The chief judge signs off; missing marks or open disagreements → 409 listing them."""
    event = get_or_404(current_user, CompetitionEvent, event_id)
    scoring.sign_off(event, current_user, utcnow())
    return {
        "id": event.id,
        "status": event.status,
        "signed_off_at": iso(event.signed_off_at),
    }
