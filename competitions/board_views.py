"""The live leaderboard: the big-screen page, its public JSON and stream, and the API.

Public (no account, numbers only until release; per-address limits):
  /competitions/events/<id>/board            the page (big screen and phones)
  /competitions/events/<id>/board.json       the public board
  /competitions/events/<id>/board/stream     the public board as server-sent events
API (login):
  GET    /api/v1/competition-events/<id>/leaderboard[?view=public|real]
  GET    /api/v1/competition-events/<id>/leaderboard/stream[?view=public|real]
  POST   /api/v1/competition-events/<id>/freeze       (chief judge, organisers)
  DELETE /api/v1/competition-events/<id>/freeze
"""

import json
import re

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema, fields, validate

from app.api import API_PREFIX, error_response
from app.errors import NotFound, Refused
from app.extensions import db, limiter
from app.security import get_or_404
from app.timeutil import utcnow
from competitions import live
from competitions.models import CompetitionEvent

bp = Blueprint(
    "competition_board", __name__, template_folder="templates", url_prefix="/competitions"
)
blp = ApiBlueprint(
    "competition_board_api", __name__, url_prefix=API_PREFIX, description="技能竞赛：实时成绩榜"
)

_TAG = re.compile(r"^[0-9a-f]{1,64}$")
_STREAM_FULL = "实时推送连接已满，请稍后重试（页面会自动改为定时刷新）"


def _public_limits() -> str:
    return current_app.config["BOARD_PUBLIC_LIMITS"]


def _stream_limits() -> str:
    return current_app.config["BOARD_STREAM_LIMITS"]


def _event(event_id: int, user=None) -> CompetitionEvent:
    """The event: within `user`'s scope (the package's policy), or any for the public board."""
    if user is not None:
        return get_or_404(user, CompetitionEvent, event_id)
    event = db.session.get(CompetitionEvent, event_id)
    if event is None:
        raise NotFound("竞赛项目不存在")
    return event


def _view_for(user, event: CompetitionEvent, asked: str | None) -> str:
    """The view the caller gets: the real board by default for those who may see it."""
    real = live.sees_real_board(user, event)
    if asked == live.REAL and not real:
        raise Refused("只有本项目的裁判长和组织方可以查看实时（未冻结）成绩榜")
    return asked or (live.REAL if real else live.PUBLIC)


def _board_response(event_id: int, view: str, *, private: bool) -> Response:
    board = live.board(event_id, view)
    if board is None:
        raise NotFound("竞赛项目不存在")
    if board.tag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(board.body, mimetype="application/json")
    response.set_etag(board.tag)
    # Viewers must ask again every time (the ETag makes an unchanged board cheap).
    response.headers["Cache-Control"] = ("private, " if private else "") + "no-cache"
    return response


def _last_tag() -> str | None:
    tag = request.headers.get("Last-Event-ID", "").strip()
    return tag if _TAG.match(tag) else None


def _stream_response(event_id: int, view: str, *, api: bool) -> Response:
    """The board as server-sent events, when this process has a stream slot left."""
    if live.board(event_id, view) is None:  # 404 now, not an empty stream
        raise NotFound("竞赛项目不存在")
    broker = live.broker()
    if not broker.open_stream():
        if api:
            response, _status = error_response(503, "streams_full", _STREAM_FULL)
        else:
            response = Response(_STREAM_FULL, mimetype="text/plain")
        response.status_code = 503
        response.headers["Retry-After"] = "10"
        return response
    app = current_app._get_current_object()
    response = Response(live.stream(app, event_id, view, _last_tag()), mimetype="text/event-stream")
    response.call_on_close(broker.close_stream)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


# The public page and its data -------------------------------------------------------------


@bp.get("/events/<int:event_id>/board")
def board_page(event_id: int):
    """The big-screen board (public): ranks and numbers, names once released."""
    event = _event(event_id)
    real = live.sees_real_board(current_user, event)
    view = live.REAL if real and request.args.get("view") == live.REAL else live.PUBLIC
    current = live.board(event.id, view)
    if view == live.REAL:
        json_url = url_for("competition_board_api.leaderboard", event_id=event.id, view=view)
        stream_url = url_for(
            "competition_board_api.leaderboard_stream", event_id=event.id, view=view
        )
    else:
        json_url = url_for(".board_json", event_id=event.id)
        stream_url = url_for(".board_stream", event_id=event.id)
    return render_template(
        "competitions/board.html",
        event=event,
        board=json.loads(current.body),
        tag=current.tag,
        view=view,
        may_control=real,
        json_url=json_url,
        stream_url=stream_url,
        poll_ms=2000,
    )


@bp.get("/events/<int:event_id>/board.json")
@limiter.limit(_public_limits)
def board_json(event_id: int):
    """The public board as JSON (what a hall screen polls)."""
    return _board_response(event_id, live.PUBLIC, private=False)


@bp.get("/events/<int:event_id>/board/stream")
@limiter.limit(_stream_limits)
def board_stream(event_id: int):
    """The public board as server-sent events."""
    return _stream_response(event_id, live.PUBLIC, api=False)


@bp.post("/events/<int:event_id>/board/freeze")
@login_required
def freeze_page(event_id: int):
    """封榜: the public board keeps the standings of this moment."""
    event = _event(event_id, current_user)
    if not live.sees_real_board(current_user, event):
        abort(403)
    live.freeze(event, by=current_user, now=utcnow())
    flash("成绩榜已冻结：公开榜停留在此刻的成绩，裁判长和组织方仍可查看实时榜。", "success")
    return redirect(url_for(".board_page", event_id=event.id, view=live.REAL))


@bp.post("/events/<int:event_id>/board/unfreeze")
@login_required
def unfreeze_page(event_id: int):
    """解除冻结: the public board shows the current standings again."""
    event = _event(event_id, current_user)
    if not live.sees_real_board(current_user, event):
        abort(403)
    live.unfreeze(event, by=current_user)
    flash("已解除冻结，公开榜恢复实时成绩。", "success")
    return redirect(url_for(".board_page", event_id=event.id, view=live.REAL))


# The API ------------------------------------------------------------------------------------


class ViewArgs(Schema):
    view = fields.String(
        load_default=None,
        validate=validate.OneOf(live.VIEWS, error="view 应为 public 或 real"),
        metadata={"description": "public：公开榜（冻结时为冻结时刻的成绩）；real：实时榜"},
    )


class RowSchema(Schema):
    rank = fields.Integer()
    number = fields.Integer()
    practical = fields.String(metadata={"description": "实操成绩（评分细则分数，两位小数）"})
    theory = fields.String(allow_none=True, metadata={"description": "理论成绩（百分制）"})
    total = fields.String(metadata={"description": "总成绩（百分制，按项目权重）"})
    name = fields.String(allow_none=True, metadata={"description": "姓名，签核发布前为 null"})


class LeaderboardSchema(Schema):
    event_id = fields.Integer()
    released = fields.Boolean()
    frozen = fields.Boolean()
    frozen_at = fields.String(allow_none=True)
    view = fields.String()
    rows = fields.List(fields.Nested(RowSchema))


class FreezeSchema(Schema):
    frozen = fields.Boolean()
    frozen_at = fields.String(allow_none=True)


@blp.get("/competition-events/<int:event_id>/leaderboard")
@blp.arguments(ViewArgs, location="query")
@blp.alt_response(200, schema=LeaderboardSchema, description="成绩榜")
@blp.alt_response(304, description="与 If-None-Match 相同，成绩榜未变化")
@login_required
def leaderboard(args, event_id: int):
    """The event's board; the chief judge and organisers get the real one while it is frozen."""
    event = _event(event_id, current_user)
    return _board_response(event.id, _view_for(current_user, event, args["view"]), private=True)


@blp.get("/competition-events/<int:event_id>/leaderboard/stream")
@blp.arguments(ViewArgs, location="query")
@blp.alt_response(
    200,
    description="text/event-stream：每次变化发送一条（data 为成绩榜 JSON），"
    "约 15 秒一次心跳注释；连接定时结束，浏览器自动重连",
)
@blp.alt_response(503, description="本进程的推送连接已满，请改为定时刷新")
@login_required
def leaderboard_stream(args, event_id: int):
    """The event's board as server-sent events, an event on every change."""
    event = _event(event_id, current_user)
    view = _view_for(current_user, event, args["view"])
    return _stream_response(event.id, view, api=True)


def _freeze_body(event: CompetitionEvent) -> dict:
    return {"frozen": live.is_frozen(event), "frozen_at": live.iso_utc(event.frozen_at)}


@blp.post("/competition-events/<int:event_id>/freeze")
@blp.response(200, FreezeSchema)
@login_required
def freeze(event_id: int):
    """Freeze the public board (the chief judge or an organiser)."""
    event = _event(event_id, current_user)
    if not live.sees_real_board(current_user, event):
        raise Refused("只有本项目的裁判长和组织方可以冻结成绩榜")
    return _freeze_body(live.freeze(event, by=current_user, now=utcnow()))


@blp.delete("/competition-events/<int:event_id>/freeze")
@blp.response(200, FreezeSchema)
@login_required
def unfreeze(event_id: int):
    """Unfreeze the public board (the chief judge or an organiser)."""
    event = _event(event_id, current_user)
    if not live.sees_real_board(current_user, event):
        raise Refused("只有本项目的裁判长和组织方可以解除冻结")
    return _freeze_body(live.unfreeze(event, by=current_user))
