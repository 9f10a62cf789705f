"""API: publishing results (公示), appeals (申诉), fixing results, results and rankings."""

from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.api import API_PREFIX
from app.errors import NotFound
from app.extensions import db
from app.input import Id
from app.timeutil import utcnow
from competitions import results
from competitions.models import Appeal, Competition, CompetitionEvent
from competitions.results import appeal_for, event_for

blp = Blueprint(
    "competition_results_api", __name__, url_prefix=API_PREFIX, description="竞赛成绩与申诉"
)

# A drawn number never exceeds the number of contestants; this bounds what is looked up.
MAX_NUMBER = 100_000
MAX_CHANGES = 200


class AppealInput(Schema):
    number = fields.Integer(
        validate=validate.Range(1, MAX_NUMBER, error=f"参赛号应为 1 至 {MAX_NUMBER} 之间的整数")
    )
    contestant_id = Id()
    reason = fields.String(
        required=True,
        validate=validate.Length(
            max=results.APPEAL_REASON_LENGTH[1], error="申诉理由不能超过 500 字"
        ),
    )

    @validates_schema
    def _one_contestant(self, data, **kwargs):
        if ("number" in data) == ("contestant_id" in data):
            raise ValidationError(
                "请给出参赛号（number）或选手编号（contestant_id）其中之一", "number"
            )


class ChangeInput(Schema):
    item_id = Id(required=True)
    points = fields.Decimal(
        required=True,
        validate=validate.Range(0, 100_000, error="分值应在 0 至 100000 之间"),
        metadata={"description": "改后的分值（评分项分，最多两位小数）"},
    )


class AppealDecisionInput(Schema):
    upheld = fields.Boolean(required=True)
    reason = fields.String(
        required=True,
        validate=validate.Length(
            max=results.DECISION_REASON_LENGTH[1], error="处理意见不能超过 200 字"
        ),
    )
    changes = fields.List(
        fields.Nested(ChangeInput),
        load_default=list,
        validate=validate.Length(max=MAX_CHANGES, error=f"改动的评分项最多 {MAX_CHANGES} 项"),
    )


def _iso(moment):
    return moment.isoformat() + "Z" if moment else None


def _decimal(value):
    return None if value is None else f"{value:.2f}"


def _event_json(event: CompetitionEvent) -> dict:
    return {
        "id": event.id,
        "name": event.name,
        "competition_id": event.competition_id,
        "competition": event.competition.title,
        "status": event.status,
        "published_at": _iso(event.published_at),
        "notice_ends_at": _iso(event.notice_ends_at),
        "finalised_at": _iso(event.finalised_at),
    }


def _appeal_json(appeal: Appeal) -> dict:
    return {
        "id": appeal.id,
        "event_id": appeal.event_id,
        "contestant_id": appeal.contestant_id,
        "reason": appeal.reason,
        "status": appeal.status,
        "filed_at": _iso(appeal.filed_at),
        "decision_reason": appeal.decision_reason,
        "decided_at": _iso(appeal.decided_at),
        "changes": [
            {"item_id": d.item_id, "points": _decimal(d.points / 100)}
            for d in results.appeal_rulings(appeal)
        ],
    }


def row_json(row: results.ResultRow) -> dict:
    """One result line as JSON: scores as decimal strings with two places."""
    return {
        "rank": row.rank,
        "contestant_id": row.contestant_id,
        "number": row.number,
        "name": row.name,
        "enterprise": row.enterprise,
        "region": row.region,
        "practical": _decimal(row.practical),
        "theory": _decimal(row.theory),
        "total": _decimal(row.total),
        "award": row.award,
        "award_label": row.award_label,
        "title": row.title,
        "promoted": row.promoted,
    }


@blp.post("/competition-events/<int:event_id>/publish")
@blp.response(200)
@login_required
def publish(event_id):
    """公示: publish a signed-off event's results for the notice period (names revealed)."""
    event = event_for(current_user, event_id)
    return _event_json(results.publish(event, current_user, utcnow()))


@blp.post("/competition-events/<int:event_id>/appeals")
@blp.arguments(AppealInput)
@blp.response(201)
@login_required
def file_appeal(data, event_id):
    """申诉: appeal a contestant's published result (by number or contestant id)."""
    event = event_for(current_user, event_id)
    if "number" in data:
        contestant = results.contestant_by_number(event, data["number"])
    else:
        contestant = results.contestant_in(event, data["contestant_id"])
    appeal = results.file_appeal(event, contestant, data["reason"], current_user, utcnow())
    return _appeal_json(appeal)


@blp.get("/competition-events/<int:event_id>/appeals")
@blp.response(200)
@login_required
def list_appeals(event_id):
    """The event's appeals the caller may read (all for the chief judge and organiser)."""
    event = event_for(current_user, event_id)
    return {"items": [_appeal_json(a) for a in results.appeals_for(current_user, event)]}


@blp.post("/appeals/<int:appeal_id>/decision")
@blp.arguments(AppealDecisionInput)
@blp.response(200)
@login_required
def decide(data, appeal_id):
    """Decide an appeal: upheld with the changed marks, or rejected; the reason is kept."""
    appeal = appeal_for(current_user, appeal_id)
    changes = [(change["item_id"], change["points"]) for change in data["changes"]]
    appeal = results.decide_appeal(
        appeal, current_user, upheld=data["upheld"], reason=data["reason"], changes=changes
    )
    return _appeal_json(appeal)


@blp.post("/competition-events/<int:event_id>/finalise")
@blp.response(200)
@login_required
def finalise(event_id):
    """Fix the results after the notice period (no appeal pending): awards, titles, promotion."""
    event = event_for(current_user, event_id)
    rows = results.finalise(event, utcnow(), by=current_user)
    return _event_json(event) | {"results": len(rows)}


@blp.get("/competition-events/<int:event_id>/results")
@blp.response(200)
@login_required
def event_results(event_id):
    """Published (公示, provisional awards) or final results, with names and awards; the
    public sees them on the results page, the API serves signed-in callers."""
    event = event_for(current_user, event_id)
    rows = results.results(event)
    return _event_json(event) | {
        "final": event.status == results.FINAL,
        "rows": [row_json(row) for row in rows],
    }


def _team_json(team: results.TeamRow) -> dict:
    return {
        "rank": team.rank,
        "enterprise_id": team.enterprise_id,
        "enterprise": team.enterprise,
        "score": _decimal(team.score),
        "members": [
            {"number": m.number, "name": m.name, "total": _decimal(m.total)} for m in team.members
        ],
    }


@blp.get("/competitions/<int:competition_id>/rankings")
@blp.response(200)
@login_required
def rankings(competition_id):
    """Team rankings of the published events and the enterprise ranking of the fixed ones."""
    competition = db.session.get(Competition, competition_id)
    if competition is None or not results.has_public_results(competition):
        raise NotFound("竞赛不存在或尚无公布的成绩")
    return {
        "id": competition.id,
        "title": competition.title,
        "teams": [
            {
                "event_id": event.id,
                "event": event.name,
                "final": event.status == results.FINAL,
                "teams": [_team_json(t) for t in results.team_ranking(event)],
            }
            for event in competition.events
            if event.status in (results.PUBLISHED, results.FINAL) and event.team_size
        ],
        "enterprises": [
            {
                "rank": row.rank,
                "enterprise_id": row.enterprise_id,
                "enterprise": row.enterprise,
                "first": row.first,
                "second": row.second,
                "third": row.third,
                "excellence": row.excellence,
                "contestants": row.contestants,
            }
            for row in results.enterprise_ranking(competition)
        ],
        "events_counted": [event.id for event in results.counted_events(competition)],
    }
