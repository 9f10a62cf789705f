"""Pages of results: the published results (公示) and the fixed ones, appeals, the chief
judge's decision, team and enterprise rankings, and the downloads (Excel, score sheets,
award certificates)."""

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from app.cjk_font import FontMissing
from app.errors import DomainError
from app.extensions import db
from app.form_once import OnceForm
from app.spreadsheet import XLSX
from app.timeutil import utcnow
from app.web import BaseForm, public_url
from competitions import exports, results, services
from competitions.models import (
    FINAL,
    PUBLISHED,
    SIGNED_OFF,
    Competition,
    CompetitionEvent,
    RubricItem,
)
from competitions.standings import item_marks

bp = Blueprint(
    "competition_results", __name__, template_folder="templates", url_prefix="/competitions"
)

SHEETS_FROM = (SIGNED_OFF, PUBLISHED, FINAL)  # score sheets exist once the chief judge signs


class AppealForm(OnceForm):
    contestant_id = SelectField("选手", coerce=int, validators=[InputRequired("请选择选手")])
    reason = TextAreaField(
        "申诉理由",
        validators=[
            InputRequired("请填写申诉理由"),
            Length(*results.APPEAL_REASON_LENGTH, message="申诉理由应为 5 至 500 个字"),
        ],
        description="写明对哪一评分项、哪一成绩有异议及理由（5–500 字）。",
    )


class DecisionForm(BaseForm):
    outcome = RadioField(
        "处理结果",
        choices=[
            SelectChoice("upheld", "申诉成立，按下表改分"),
            SelectChoice("rejected", "驳回申诉，成绩不变"),
        ],
        validators=[InputRequired("请选择处理结果")],
    )
    reason = TextAreaField(
        "处理意见",
        validators=[
            InputRequired("请填写处理意见"),
            Length(*results.DECISION_REASON_LENGTH, message="处理意见应为 2 至 200 个字"),
        ],
    )


def _viewer():
    return current_user if current_user.is_authenticated else None


def _event(event_id: int) -> CompetitionEvent:
    try:
        return results.event_for(_viewer(), event_id)
    except DomainError:
        abort(404)


def _download_name(*parts: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", "-".join(parts))


@bp.get("/results")
def index():
    """竞赛成绩: every event with published or fixed results; for the chief judge and the
    organiser, also the signed-off events waiting to be published."""
    user = _viewer()
    return render_template(
        "competitions/results_index.html",
        events=results.public_events(),
        waiting=results.awaiting_publication(user) if user is not None else [],
        now=utcnow(),
        status_labels=results.EVENT_STATUS_LABELS,
    )


@bp.get("/events/<int:event_id>/results")
def event_results(event_id: int):
    """成绩公示 / 最终成绩: public once published; before, a note for those involved."""
    event = _event(event_id)
    user = _viewer()
    rows = results.results(event) if event.status in (PUBLISHED, FINAL) else []
    rules = user is not None and results.rules_on(user, event)
    return render_template(
        "competitions/results.html",
        event=event,
        rows=rows,
        teams=results.team_ranking(event, rows),
        final=event.status == FINAL,
        rules=rules,
        involved=user is not None and results.concerns(user, event),
        pending=len(results.pending_appeals(event)) if rules else 0,
        notice_open=event.status == PUBLISHED and utcnow() < event.notice_ends_at,
        notice_over=event.status == PUBLISHED and utcnow() >= event.notice_ends_at,
        judges=_judges(event) if rules and event.status in SHEETS_FROM else {},
        stations=_stations(event),
        highlight=request.args.get("c", type=int),
        mine=_my_certificates(user, event),
        status_labels=results.EVENT_STATUS_LABELS,
    )


def _my_certificates(user, event) -> set[int]:
    """Contestants whose certificate `user` may download from the results page."""
    if user is None:
        return set()
    holders = exports.certificate_holders(event)
    return {row.contestant_id for row in holders if _may_certificate(user, event, row)}


def _may_certificate(user, event, row) -> bool:
    if results.rules_on(user, event) or user.employee_id == row.employee_id:
        return True
    return results.speaks_for(user, results.contestant_in(event, row.contestant_id))


@bp.post("/events/<int:event_id>/publish")
@login_required
def publish(event_id: int):
    """Publish a signed-off event's results (公示)."""
    event = _event(event_id)
    try:
        results.publish(event, current_user, utcnow())
        flash("成绩已公示，公示期内可以提出申诉", "success")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    return redirect(url_for(".event_results", event_id=event_id))


@bp.post("/events/<int:event_id>/finalise")
@login_required
def finalise(event_id: int):
    """Fix the results after the notice period."""
    event = _event(event_id)
    try:
        results.finalise(event, utcnow(), by=current_user)
        flash("成绩已确定，奖项与称号已生成", "success")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    return redirect(url_for(".event_results", event_id=event_id))


def _appealable(event) -> list:
    """The contestants the current user may appeal for, as choices."""
    if event.status != PUBLISHED:
        return []
    contestants = results.contestants_of(event)
    return [
        SelectChoice(c.id, f"{c.number}号 {c.employee.name}（{c.enterprise.name}）")
        for c in sorted(contestants.values(), key=lambda c: c.number or 0)
        if results.speaks_for(current_user, c)
    ]


@bp.route("/events/<int:event_id>/appeals", methods=["GET", "POST"])
@login_required
def appeals(event_id: int):
    """申诉: the appeals the user may read and, during the notice period, the form."""
    event = _event(event_id)
    if not results.concerns(current_user, event):
        abort(404)
    form = AppealForm()
    form.contestant_id.choices = _appealable(event)
    status = 200
    if form.validate_on_submit():
        try:
            contestant = results.contestant_in(event, form.contestant_id.data)
            results.file_appeal(event, contestant, form.reason.data, current_user, utcnow())
            flash("申诉已提交，等待裁判长处理", "success")
            return redirect(url_for(".appeals", event_id=event.id))
        except DomainError as error:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, error.message]
            status = 422
    elif request.method == "POST":
        status = 422
    listed = results.appeals_for(current_user, event)
    contestants = results.contestants_of(event, {a.contestant_id for a in listed})
    return render_template(
        "competitions/results_appeals.html",
        event=event,
        form=form,
        appeals=listed,
        contestants=contestants,
        can_file=bool(form.contestant_id.choices) and utcnow() < (event.notice_ends_at or utcnow()),
        labels=results.APPEAL_STATUS_LABELS,
    ), status


@bp.route("/appeals/<int:appeal_id>", methods=["GET", "POST"])
@login_required
def appeal(appeal_id: int):
    """An appeal, the marks it concerns, and the chief judge's decision form."""
    try:
        found = results.appeal_for(current_user, appeal_id)
    except DomainError:
        abort(404)
    event = db.session.get(CompetitionEvent, found.event_id)
    contestant = results.contestant_in(event, found.contestant_id)
    rules = results.rules_on(current_user, event)
    form = DecisionForm()
    typed = {item.id: request.form.get(f"item-{item.id}", "").strip() for item in event.items}
    status = 200
    if request.method == "POST":
        if not rules:
            abort(403)
        if form.validate():
            changes = [(item_id, text) for item_id, text in typed.items() if text]
            try:
                results.decide_appeal(
                    found,
                    current_user,
                    upheld=form.outcome.data == "upheld",
                    reason=form.reason.data,
                    changes=changes,
                )
                flash("申诉已处理，处理结果已记录", "success")
                return redirect(url_for(".appeal", appeal_id=found.id))
            except DomainError as error:
                db.session.rollback()
                form.form_errors.append(error.message)
        status = 422
    marks = item_marks(event) if rules else {}
    return render_template(
        "competitions/results_appeal.html",
        event=event,
        appeal=found,
        contestant=contestant,
        rules=rules,
        form=form,
        typed=typed,
        marks={item.id: marks.get((contestant.id, item.id)) for item in event.items},
        rulings=results.appeal_rulings(found),
        items={item.id: item for item in event.items},
        labels=results.APPEAL_STATUS_LABELS,
    ), status


@bp.get("/<int:competition_id>/rankings")
def rankings(competition_id: int):
    """团体与企业排名 of a competition with published results (public)."""
    competition = db.session.get(Competition, competition_id)
    if competition is None or not results.has_public_results(competition):
        abort(404)
    shown = [e for e in competition.events if e.status in (PUBLISHED, FINAL)]
    return render_template(
        "competitions/results_rankings.html",
        competition=competition,
        teams=[(event, results.team_ranking(event)) for event in shown if event.team_size],
        enterprises=results.enterprise_ranking(competition),
        counted=results.counted_events(competition),
        shown=shown,
    )


# ---------------------------------------------------------------------------------------
# Downloads


@bp.get("/events/<int:event_id>/results.xlsx")
@login_required
def results_export(event_id: int):
    """The results table as an Excel file."""
    event = _event(event_id)
    if event.status not in (PUBLISHED, FINAL):
        abort(404)
    data = exports.results_workbook(event)
    name = _download_name("成绩", event.competition.title, event.name) + ".xlsx"
    return current_app.response_class(
        data,
        mimetype=XLSX,
        headers={"Content-Disposition": _attachment(name), "Cache-Control": "no-store"},
    )


def _attachment(name: str, inline: bool = False) -> str:
    from urllib.parse import quote

    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=download; filename*=UTF-8''{quote(name)}"


def _pdf_response(data: bytes, name: str):
    return current_app.response_class(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": _attachment(name, inline=True),
            "Cache-Control": "no-store",
        },
    )


def _render_pdf(make, name: str):
    try:
        data = make()
    except FontMissing as error:
        message = (
            f"服务器缺少中文字体（{error.path}），请安装 fonts-wqy-microhei 或设置 CJK_FONT_PATH"
        )
        return render_template("errors/error.html", status=503, message=message), 503
    return _pdf_response(data, name)


def _judges(event) -> dict[int, str]:
    """{user id: name} of the event's judges."""
    return {user.id: user.display_name or user.username for user, _ in services.judges(event)}


def _stations(event) -> list[str]:
    return sorted({item.station for item in event.items if item.station})


def _sheets_event(event_id: int) -> CompetitionEvent:
    event = _event(event_id)
    if event.status not in SHEETS_FROM:
        abort(404)
    return event


@bp.get("/events/<int:event_id>/score-sheets/judges/<int:user_id>.pdf")
@login_required
def judge_sheet(event_id: int, user_id: int):
    """A judge's score sheet (评分表) to sign: the judge's own, or any for the chief judge."""
    event = _sheets_event(event_id)
    if not (results.rules_on(current_user, event) or current_user.id == user_id):
        abort(403)
    judge = next((user for user, _ in services.judges(event) if user.id == user_id), None)
    if judge is None:
        abort(404)
    name = _download_name("评分表", event.name, judge.username) + ".pdf"
    return _render_pdf(lambda: exports.judge_sheet_pdf(event, judge), name)


@bp.get("/events/<int:event_id>/score-sheets/items/<int:item_id>.pdf")
@login_required
def item_sheet(event_id: int, item_id: int):
    """The summary sheet (评分汇总表) of one rubric item, for its judges and the chief judge."""
    event = _sheets_event(event_id)
    if not results.rules_on(current_user, event):
        abort(403)
    item = db.session.get(RubricItem, item_id)
    if item is None or item.event_id != event.id:
        abort(404)
    name = _download_name("评分汇总表", event.name, item.code) + ".pdf"
    return _render_pdf(lambda: exports.item_sheet_pdf(event, [item], _judges(event)), name)


@bp.get("/events/<int:event_id>/score-sheets/stations/<int:index>.pdf")
@login_required
def station_sheet(event_id: int, index: int):
    """The summary sheet of one station (赛位): every item marked there."""
    event = _sheets_event(event_id)
    if not results.rules_on(current_user, event):
        abort(403)
    stations = _stations(event)
    if not 1 <= index <= len(stations):
        abort(404)
    station = stations[index - 1]
    chosen = [item for item in event.items if item.station == station]
    name = _download_name("评分汇总表", event.name, station) + ".pdf"
    return _render_pdf(lambda: exports.item_sheet_pdf(event, chosen, _judges(event)), name)


def _results_url(event) -> str:
    path = url_for(".event_results", event_id=event.id)
    return public_url(path)


@bp.get("/events/<int:event_id>/certificates.pdf")
@login_required
def certificates(event_id: int):
    """Every award certificate of a final event, one page each (for the organiser)."""
    event = _event(event_id)
    if not results.rules_on(current_user, event):
        abort(403)
    holders = exports.certificate_holders(event)
    if not holders:
        abort(404)
    name = _download_name("获奖证书", event.competition.title, event.name) + ".pdf"
    return _render_pdf(lambda: exports.certificates_pdf(event, holders, _results_url(event)), name)


@bp.get("/events/<int:event_id>/certificates/<int:contestant_id>.pdf")
@login_required
def certificate(event_id: int, contestant_id: int):
    """One contestant's award certificate: for the organiser, their enterprise, their city
    admin, or the contestant themself."""
    event = _event(event_id)
    row = next(
        (r for r in exports.certificate_holders(event) if r.contestant_id == contestant_id), None
    )
    if row is None:
        abort(404)
    if not _may_certificate(current_user, event, row):
        abort(403)
    name = _download_name("获奖证书", event.name, str(row.number), row.name) + ".pdf"
    return _render_pdf(lambda: exports.certificates_pdf(event, [row], _results_url(event)), name)
