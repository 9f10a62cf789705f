"""Judges' pages (评分, on a phone) and the chief judge's (裁判长: rulings, sign-off).

The scoring page is one page per event: the queue and every number's sheet are drawn by
judge.js from what this page hands it, so that a judge on bad Wi-Fi can go on from number
to number; marks wait on the phone and are sent through the JSON API
(`competitions.scoring_api`), each with its idempotency key. Contestants are numbers here.
"""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from app.api import API_PREFIX
from app.errors import DomainError
from app.extensions import db
from app.security import get_or_404
from app.timeutil import to_local, utcnow
from app.web import BaseForm
from competitions import scoring
from competitions.models import DRAWN, REGISTRATION, CompetitionEvent

bp = Blueprint(
    "judging",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
    url_prefix="/competitions/judge",
)

KIND_LABELS = {"measurement": "测量项", "judgement": "评价项"}
RULING_LABELS = {"rescore": "要求复评", "decide": "裁定分数", "appeal": "申诉改判"}


class DecisionForm(BaseForm):
    """A chief judge's ruling on one number's item."""

    number = IntegerField("参赛号", validators=[InputRequired(), NumberRange(1, 100_000)])
    item_id = IntegerField("评分项", validators=[InputRequired(), NumberRange(1, 2**31 - 1)])
    kind = HiddenField(
        "裁决方式", validators=[DataRequired(), Length(max=16), AnyOf(scoring.DECISION_KINDS)]
    )
    points = StringField("裁定分数", validators=[Optional(), Length(max=16)])
    reason = StringField(
        "理由",
        validators=[DataRequired(message="请填写理由"), Length(max=scoring.MAX_REASON)],
    )


class SignOffForm(BaseForm):
    """The sign-off button: the form carries only its CSRF token."""


@bp.get("/")
@login_required
def index():
    """我的评分: the events the user judges or chief-judges."""
    cards = []
    for event in scoring.judged_events(current_user):
        queue = scoring.judge_queue(event, current_user)
        cards.append(
            {
                "event": event,
                "status": scoring.STATUS_LABELS.get(event.status, event.status),
                "judge": bool(scoring.assigned_items(event, current_user)),
                "chief": scoring.is_chief(event, current_user),
                "scored": sum(q.scored for q in queue),
                "total": len(queue),
                "rescore": sum(q.rescore for q in queue),
            }
        )
    return render_template("competitions/judge_index.html", cards=cards)


def _sheet(event, judge) -> dict:
    """What judge.js needs to draw the queue and the sheets: numbers, never names."""
    items = scoring.assigned_items(event, judge)
    mine = {}
    for mark in scoring.own_marks(event, judge):
        mine[f"{mark.number}:{mark.item_id}"] = {
            "points": scoring.format_points(mark.latest.points),
            "history": [
                {
                    "points": scoring.format_points(e.points),
                    "reason": e.reason,
                    "at": e.created_at,
                    "key": e.key,
                }
                for e in mark.history
            ],
        }
    return {
        "items": [
            {
                "id": item.id,
                "code": item.code,
                "title": item.title,
                "kind": item.kind,
                "station": item.station,
                "max": scoring.format_points(item.max_points),
                "grades": [
                    {
                        "grade": g,
                        "points": scoring.format_points(scoring.grade_points(item.max_points, g)),
                    }
                    for g in scoring.GRADES
                ]
                if item.kind == "judgement"
                else [],
            }
            for item in items
        ],
        "queue": [
            {"number": q.number, "item_id": q.item_id, "scored": q.scored, "rescore": q.rescore}
            for q in scoring.judge_queue(event, judge)
        ],
        "mine": mine,
    }


@bp.get("/events/<int:event_id>")
@login_required
def event(event_id):
    """The judge's scoring page of an event: the queue of numbers and each number's sheet."""
    target = get_or_404(current_user, CompetitionEvent, event_id)
    sheet = _sheet(target, current_user)
    if not sheet["items"]:
        if scoring.is_chief(target, current_user):
            return redirect(url_for("judging.chief", event_id=target.id))
        abort(403)  # in scope (an organiser), but no judge of it
    for mark in sheet["mine"].values():
        for entry in mark["history"]:
            entry["at"] = _local(entry["at"])
    return render_template(
        "competitions/judge_event.html",
        event=target,
        sheet=sheet,
        open=target.status == DRAWN,
        status=scoring.STATUS_LABELS.get(target.status, target.status),
        api_prefix=API_PREFIX,
        chief=scoring.is_chief(target, current_user),
    )


def _local(moment) -> str:
    return to_local(moment).strftime("%m-%d %H:%M") if moment else ""


@bp.get("/events/<int:event_id>/chief")
@login_required
def chief(event_id):
    """裁判长工作台: disagreements with each judge's mark, missing marks, re-scores, sign-off."""
    target = get_or_404(current_user, CompetitionEvent, event_id)
    review = scoring.review(target, current_user)
    return render_template(
        "competitions/judge_chief.html",
        event=target,
        review=review,
        open=target.status == DRAWN,
        drawn=target.status != REGISTRATION,
        status=scoring.STATUS_LABELS.get(target.status, target.status),
        form=DecisionForm(),
        sign_off_form=SignOffForm(),
        points=scoring.format_points,
        judge=bool(scoring.assigned_items(target, current_user)),
    )


@bp.post("/events/<int:event_id>/decisions")
@login_required
def decide(event_id):
    """Record the chief judge's ruling (re-score, or a decided mark) with its reason."""
    target = get_or_404(current_user, CompetitionEvent, event_id)
    form = DecisionForm()
    back = redirect(url_for("judging.chief", event_id=target.id))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return back
    try:
        scoring.decide(
            target,
            current_user,
            number=form.number.data,
            item_id=form.item_id.data,
            kind=form.kind.data,
            # One form, two buttons: points typed before choosing 要求复评 mean nothing.
            points=(form.points.data or None) if form.kind.data == "decide" else None,
            reason=form.reason.data,
            now=utcnow(),
        )
    except DomainError as refused:
        db.session.rollback()
        flash(_described(refused), "danger")
        return back
    label = RULING_LABELS.get(form.kind.data, form.kind.data)
    flash(f"已记录：{form.number.data} 号{label}。", "success")
    return back


@bp.post("/events/<int:event_id>/sign-off")
@login_required
def sign_off(event_id):
    """Sign the event's scores off; what still stops it is listed."""
    target = get_or_404(current_user, CompetitionEvent, event_id)
    form = SignOffForm()
    back = redirect(url_for("judging.chief", event_id=target.id))
    if not form.validate_on_submit():
        flash("页面已过期，请刷新后重试。", "danger")
        return back
    try:
        scoring.sign_off(target, current_user, utcnow())
    except DomainError as refused:
        db.session.rollback()
        flash(_described(refused), "danger")
        return back
    flash("已签字确认，本项目评分已锁定。", "success")
    return back


def _described(error: DomainError) -> str:
    """The error's message, with what it lists (at most ten lines)."""
    lines = [d.get("message", "") for d in error.details[:10] if isinstance(d, dict)]
    more = len(error.details) - 10
    text = error.message
    if lines:
        text += "：" + "；".join(filter(None, lines))
    if more > 0:
        text += f"；另有 {more} 项"
    return text
