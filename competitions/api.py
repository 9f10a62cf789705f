"""API: setting competitions up (create, enter contestants, judges, the draw) and reading them.

Judges read events they judge, never a contestant's name or enterprise: numbers only.
"""

from decimal import Decimal

from flask import request
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from app.api import API_PREFIX, ApiError
from app.errors import Invalid, NotFound
from app.input import Id, IdList
from app.orgs.rules.posts import Post
from app.roles import Role
from app.security import Action, get_or_404, in_scope
from competitions import services
from competitions.models import (
    AGGREGATIONS,
    KINDS,
    STAGES,
    Competition,
    CompetitionEvent,
    Contestant,
)
from competitions.policy import JUDGE_ROLES, shows_names
from competitions.rules import ranking

blp = Blueprint(
    "competitions_api", __name__, url_prefix=API_PREFIX, description="技能竞赛：赛事设置"
)

# A competition with 20 events of 100 items each is far below this; anything larger is refused
# before it is read or parsed.
BODY_LIMIT = 512 * 1024


@blp.before_request
def _cap_body():
    """Refuse an oversized body before reading it."""
    request.max_content_length = BODY_LIMIT
    if (request.content_length or 0) > BODY_LIMIT:
        raise ApiError(
            413, f"请求内容过长（不能超过 {BODY_LIMIT // 1024} KB）", code="payload_too_large"
        )


class BoundedList(fields.List):
    """A list refused when longer than `max_length`, before any of its items is read."""

    def __init__(self, inner, max_length: int, what: str, **kwargs):
        super().__init__(inner, **kwargs)
        self.max_length, self.what = max_length, what
        self.metadata.setdefault("maxItems", max_length)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list | tuple) and len(value) > self.max_length:
            raise ValidationError(f"{self.what}最多 {self.max_length} 个")
        return super()._deserialize(value, attr, data, **kwargs)


def _text(low: int, high: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(low, high), **kwargs)


class RubricItemInput(Schema):
    code = _text(1, 16, required=True)
    title = _text(1, 128, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    max_points = fields.Decimal(
        required=True,
        validate=validate.Range(
            min=Decimal("0.01"), max=Decimal(1000), error="分值应在 0.01 至 1000 之间"
        ),
    )
    aggregation = fields.String(load_default="single", validate=validate.OneOf(AGGREGATIONS))
    station = _text(0, 32, load_default="")


class EventAwardsInput(Schema):
    by = fields.String(required=True, validate=validate.OneOf(["count", "share"]))
    first = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 1000))
    second = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 1000))
    third = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 1000))
    excellence = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(0, 1000)
    )


class EventTitleInput(Schema):
    title = _text(1, 64, required=True)
    top = fields.Integer(required=True, validate=validate.Range(1, 1000))


class CompetitionEventInput(Schema):
    name = _text(1, 64, required=True)
    occupation = _text(0, 64, load_default="")
    posts = BoundedList(
        fields.String(validate=validate.OneOf([p.value for p in Post])),
        len(Post),
        "岗位",
        load_default=list,
    )
    theory_weight = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(0, 100)
    )
    theory_weight_over_cap = fields.Boolean(
        load_default=False,
        metadata={"description": "竞赛规程明确允许理论权重超过默认上限 30%"},
    )
    theory_exam_id = Id(load_default=None, allow_none=True)
    disagreement_threshold = fields.Integer(load_default=20, validate=validate.Range(0, 100))
    team_size = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(2, 10))
    tie_break = BoundedList(
        fields.String(validate=validate.OneOf(list(ranking.TIE_BREAKS))),
        3,
        "比较项",
        load_default=None,
    )
    awards = fields.Nested(EventAwardsInput, load_default=None, allow_none=True)
    titles = BoundedList(fields.Nested(EventTitleInput), 5, "荣誉称号", load_default=list)
    promote_top = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(1, 1000)
    )
    rubric = BoundedList(
        fields.Nested(RubricItemInput), services.MAX_ITEMS, "评分项", load_default=list
    )


class CompetitionInput(Schema):
    title = _text(2, 128, required=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    region_id = Id(load_default=None, allow_none=True)
    final_id = Id(load_default=None, allow_none=True)
    quota = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 1000))
    notice_days = fields.Integer(load_default=5, validate=validate.Range(1, 30))
    events = BoundedList(
        fields.Nested(CompetitionEventInput), services.MAX_EVENTS, "竞赛项目", load_default=list
    )


class ContestantEntryInput(Schema):
    employee_id = Id(required=True)


class JudgeAssignmentInput(Schema):
    username = _text(1, 64, required=True)
    items = IdList(max_length=services.MAX_ITEMS, load_default=list)


class ChiefJudgeInput(Schema):
    username = _text(1, 64, required=True)


class CompetitionDrawInput(Schema):
    pass


class ContestantTimeInput(Schema):
    seconds = fields.Integer(required=True, validate=validate.Range(1, services.MAX_SECONDS))


class CompetitionSendOnInput(Schema):
    final_event_id = Id(load_default=None, allow_none=True)
    contestant_ids = IdList(max_length=1000, load_default=list)


# Bodies --------------------------------------------------------------------------------------


def _event_summary(event: CompetitionEvent) -> dict:
    return {
        "id": event.id,
        "name": event.name,
        "occupation": event.occupation,
        "status": event.status,
    }


def _competition_body(competition: Competition) -> dict:
    return {
        "id": competition.id,
        "title": competition.title,
        "stage": competition.stage,
        "region_id": competition.region_id,
        "enterprise_id": competition.enterprise_id,
        "final_id": competition.final_id,
        "quota": competition.quota,
        "notice_days": competition.notice_days,
        "events": [_event_summary(e) for e in competition.events],
    }


def _item_body(item) -> dict:
    return {
        "id": item.id,
        "code": item.code,
        "title": item.title,
        "kind": item.kind,
        "max_points": services.points_text(item.max_points),
        "aggregation": item.aggregation,
        "station": item.station,
    }


def _contestant_body(contestant: Contestant, named: bool) -> dict:
    body = {
        "id": contestant.id,
        "number": contestant.number,
        "checked_in": contestant.checked_in_at is not None,
        "time_used_seconds": contestant.time_used_seconds,
    }
    if named:
        body |= {
            "employee_id": contestant.employee_id,
            "name": contestant.employee.name,
            "enterprise": contestant.enterprise.name,
            "enterprise_id": contestant.enterprise_id,
        }
    return body


def _event_body(event: CompetitionEvent) -> dict:
    named = shows_names(current_user, event)
    body = _event_summary(event) | {
        "competition_id": event.competition_id,
        "posts": list(event.posts or []),
        "theory_weight": event.theory_weight,
        "theory_exam_id": event.theory_exam_id,
        "disagreement_threshold": event.disagreement_threshold,
        "team_size": event.team_size,
        "tie_break": list(event.tie_break or []),
        "awards": dict(event.awards or {}),
        "titles": list(event.titles or []),
        "promote_top": event.promote_top,
        "chief_judge": event.chief_judge_id is not None,
        "draw_seed": str(event.draw_seed) if event.draw_seed is not None else None,
        "rubric_locked": services.rubric_locked(event),
        "rubric": [_item_body(item) for item in event.items],
        "practical_max": services.points_text(services.max_practical(event)),
        "contestants": [
            _contestant_body(c, named) for c in services.contestants(event, current_user)
        ],
    }
    if named:
        body["judges"] = [
            {
                "username": user.username,
                "name": user.display_name,
                "items": None if items is None else [i.id for i in items],
            }
            for user, items in services.judges(event)
        ]
    return body


def _event_input(data: dict) -> dict:
    """The API's event as the services read it (max points stay decimals: they check places)."""
    return data | {"rubric": list(data.get("rubric") or [])}


# Endpoints ------------------------------------------------------------------------------------


@blp.post("/competitions")
@blp.arguments(CompetitionInput)
@blp.response(201)
@login_required
def create_competition(data):
    """Create a competition with its events and rubrics (who may run which stage: see README)."""
    data = data | {"events": [_event_input(e) for e in data["events"]]}
    competition = services.create_competition(data, by=current_user)
    return {
        "id": competition.id,
        "events": [
            {"id": e.id, "rubric": [{"id": i.id, "code": i.code} for i in e.items]}
            for e in competition.events
        ],
    }


@blp.get("/competitions")
@login_required
def competitions():
    """The competitions the caller sees, newest first."""
    return {"items": [_competition_body(c) for c in services.competitions_of(current_user)]}


@blp.get("/competitions/<int:competition_id>")
@login_required
def competition(competition_id: int):
    """One competition with its events."""
    found = get_or_404(current_user, Competition, competition_id)
    body = _competition_body(found)
    if Role(current_user.role) in JUDGE_ROLES:
        # A judge sees only the events they judge of a competition.
        body["events"] = [_event_summary(e) for e in found.events if in_scope(current_user, e)]
    return body


@blp.get("/competition-events/<int:event_id>")
@login_required
def event(event_id: int):
    """An event with its rubric and the contestants the caller may see (names: admins only)."""
    return _event_body(get_or_404(current_user, CompetitionEvent, event_id))


@blp.post("/competition-events/<int:event_id>/contestants")
@blp.arguments(ContestantEntryInput)
@blp.response(201)
@login_required
def register_contestant(data, event_id: int):
    """Enter an employee; not on duty, entered twice or out of scope → 422 with the reason."""
    found = get_or_404(current_user, CompetitionEvent, event_id, lock=True)
    contestant = services.register_contestant(found, data["employee_id"], by=current_user)
    return {"id": contestant.id}


@blp.post("/competition-events/<int:event_id>/judges")
@blp.arguments(JudgeAssignmentInput)
@blp.response(201)
@login_required
def assign_judge(data, event_id: int):
    """Give a judge items of the event (empty: every item); answers the judge's conflicts."""
    found = get_or_404(current_user, CompetitionEvent, event_id, lock=True)
    judge = services.find_account(data["username"], Role.JUDGE)
    services.assign_judge(found, judge, data["items"], by=current_user)
    named = shows_names(current_user, found)
    return {
        "username": judge.username,
        "items": [i.id for i in services.assigned_items(found, judge)],
        "conflicts": [
            {"contestant_id": c.id, "number": c.number, "reason": reason}
            | ({"name": c.employee.name} if named else {})
            for user, c, reason in services.conflicts(found)
            if user.id == judge.id
        ],
    }


@blp.delete("/competition-events/<int:event_id>/judges/<string:username>")
@blp.response(204)
@login_required
def unassign_judge(event_id: int, username: str):
    """Take a judge off the event (refused once they have scored in it)."""
    found = get_or_404(current_user, CompetitionEvent, event_id, lock=True)
    judge = services.find_account(username[:64], Role.JUDGE)
    if not services.unassign_judge(found, judge, by=current_user):
        raise NotFound("该裁判未被安排到本项目")


@blp.put("/competition-events/<int:event_id>/chief-judge")
@blp.arguments(ChiefJudgeInput)
@blp.response(200)
@login_required
def set_chief_judge(data, event_id: int):
    """Make a chief-judge account the event's chief judge (the organiser)."""
    found = get_or_404(current_user, CompetitionEvent, event_id, lock=True)
    services.set_chief_judge(found, data["username"], by=current_user)
    return {"username": data["username"].strip()}


@blp.post("/competition-events/<int:event_id>/draw")
@blp.arguments(CompetitionDrawInput)
@blp.response(200)
@login_required
def draw(_data, event_id: int):
    """抽签: numbers from a recorded seed; drawing again answers the same numbers."""
    found = get_or_404(current_user, CompetitionEvent, event_id, lock=True)
    drawn = services.draw(found, by=current_user)
    return {
        "seed": str(found.draw_seed),
        "contestants": [{"id": c.id, "number": c.number} for c in drawn],
    }


@blp.post("/contestants/<int:contestant_id>/check-in")
@blp.response(200)
@login_required
def check_in(contestant_id: int):
    """检录: the contestant has arrived (the organiser or the chief judge)."""
    contestant = get_or_404(current_user, Contestant, contestant_id, Action.MANAGE, lock=True)
    services.check_in(contestant)
    return {"id": contestant.id, "checked_in": True}


@blp.put("/contestants/<int:contestant_id>/time")
@blp.arguments(ContestantTimeInput)
@blp.response(200)
@login_required
def record_time(data, contestant_id: int):
    """The time the contestant used in the practical round, in seconds."""
    contestant = get_or_404(current_user, Contestant, contestant_id, Action.MANAGE, lock=True)
    services.record_time(contestant, data["seconds"])
    return {"id": contestant.id, "time_used_seconds": contestant.time_used_seconds}


@blp.post("/competition-events/<int:event_id>/send-on")
@blp.arguments(CompetitionSendOnInput)
@blp.response(201)
@login_required
def send_on(data, event_id: int):
    """Send a preliminary event's contestants on to the final's matching event (quota)."""
    found = get_or_404(current_user, CompetitionEvent, event_id)
    if data["final_event_id"]:
        final_event = get_or_404(current_user, CompetitionEvent, data["final_event_id"], lock=True)
    else:
        final_event = services.final_event_for(found)
        if final_event is None:
            raise Invalid("决赛中没有与本项目同名的项目，请指定决赛项目")
    entered = services.send_on(
        found, final_event, by=current_user, contestant_ids=data["contestant_ids"]
    )
    return {"final_event_id": final_event.id, "contestants": [{"id": c.id} for c in entered]}
