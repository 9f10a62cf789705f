"""Pages of the assessment (考评, on a phone) and of the results (成绩、公示、异议).

Registered on the certification blueprint (`certificates.batch_views.bp`, /certification).
Assessors see candidates by ticket number only; each item of a candidate is one small form
whose hidden idempotency key was made when the page was drawn, so that sending it twice
(a double tap, a reload after a timeout) records one mark.
"""

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from app.errors import DomainError
from app.extensions import db
from app.form_once import OnceForm
from app.roles import Role
from app.security import Action, get_or_404, in_scope, may, role_of
from app.timeutil import utcnow
from app.web import BaseForm
from certificates import assessment, results
from certificates.batch_views import bp
from certificates.models import PARTS, CertificationBatch, CertificationCandidate, Objection
from certificates.rules.levels import label as level_label
from competitions.rules.scoring import format_points

BATCH_STATUS_LABELS = {
    "registration": "报名中",
    "assessing": "考核中",
    "published": "成绩公示中",
    "issued": "证书已发放",
    "cancelled": "已取消",
}


class MarkForm(BaseForm):
    """One assessor's mark for one candidate's item."""

    item_id = IntegerField("评分项", validators=[InputRequired(), NumberRange(1, 2**31 - 1)])
    points = StringField("得分", validators=[DataRequired(message="请填写得分"), Length(max=16)])
    reason = StringField("修改理由", validators=[Optional(), Length(max=assessment.MAX_REASON)])
    key = HiddenField("幂等键", validators=[DataRequired(), Length(max=64)])


class RulingForm(OnceForm):
    """The chief assessor's ruling on one candidate's disagreeing item."""

    ticket_number = HiddenField("准考证号", validators=[DataRequired(), Length(max=16)])
    item_id = IntegerField("评分项", validators=[InputRequired(), NumberRange(1, 2**31 - 1)])
    kind = RadioField(
        "裁决",
        choices=[SelectChoice("decide", "裁定分数"), SelectChoice("rescore", "要求重新评分")],
        validators=[InputRequired("请选择裁决方式"), AnyOf(("decide", "rescore"))],
    )
    points = StringField("裁定分数", validators=[Optional(), Length(max=16)])
    reason = StringField(
        "理由", validators=[DataRequired("请填写裁决理由"), Length(max=assessment.MAX_REASON)]
    )


class SignOffForm(BaseForm):
    """The sign-off button: the form carries only its CSRF token."""


class PublishForm(BaseForm):
    """The publish button: the form carries only its CSRF token."""


class ObjectionForm(BaseForm):
    """An objection recorded by the province admin (from a call or a letter)."""

    raised_by = StringField(
        "异议人", validators=[DataRequired("请填写异议人"), Length(max=results.RAISED_BY_MAX)]
    )
    contact = StringField("联系方式", validators=[Optional(), Length(max=results.CONTACT_MAX)])
    ticket_number = StringField(
        "涉及考生准考证号",
        validators=[Optional(), Length(max=16)],
        description="针对整份名单时留空",
    )
    content = TextAreaField(
        "异议内容", validators=[DataRequired("请填写异议内容"), Length(max=results.CONTENT_MAX)]
    )


class DecisionForm(BaseForm):
    """The written decision on an objection, and the scores it changes."""

    status = RadioField(
        "处理结果",
        choices=[SelectChoice("upheld", "异议成立"), SelectChoice("dismissed", "异议不成立")],
        validators=[InputRequired("请选择处理结果"), AnyOf(results.DECISIONS)],
    )
    decision = TextAreaField(
        "处理意见", validators=[DataRequired("请填写处理意见"), Length(max=results.DECISION_MAX)]
    )
    theory_score = StringField("理论成绩改为", validators=[Optional(), Length(max=16)])
    practical_score = StringField("操作技能成绩改为", validators=[Optional(), Length(max=16)])
    review_score = StringField("综合评审成绩改为", validators=[Optional(), Length(max=16)])


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(message, "danger")


def _described(error: DomainError) -> str:
    """The error's message, with what it lists (at most ten lines)."""
    lines = [d.get("message", "") for d in error.details[:10] if isinstance(d, dict)]
    text = error.message
    if lines and lines != [text]:
        text += "：" + "；".join(filter(None, lines))
    if len(error.details) > 10:
        text += f"；另有 {len(error.details) - 10} 项"
    return text


def _part(batch, part: str) -> str:
    """`part` of `batch` (404 for a part the batch does not assess)."""
    if part not in PARTS or part not in assessment.assessed_parts(batch):
        abort(404)
    return part


def _appointed(batch_id: int, part: str):
    """The batch and the caller's appointment to `part` (404 unless appointed)."""
    batch = get_or_404(current_user, CertificationBatch, batch_id)
    _part(batch, part)
    appointed = assessment.appointment(batch, current_user, part)
    if appointed is None:
        abort(404)
    return batch, appointed


# -- Assessors -----------------------------------------------------------------------------


@bp.get("/assess")
@login_required
def assess_index():
    """我的考评: the batches and parts the user assesses."""
    cards = []
    for batch, appointments in assessment.assessed_batches(current_user):
        for appointed in appointments:
            if appointed.part not in assessment.assessed_parts(batch):
                continue
            lines = assessment.queue(batch, current_user, appointed.part)
            cards.append(
                {
                    "batch": batch,
                    "part": appointed.part,
                    "chief": appointed.is_chief,
                    "done": sum(line.marked == line.total for line in lines if line.total),
                    "total": len(lines),
                    "signed": assessment.signed_off(batch, appointed.part) is not None,
                }
            )
    return render_template(
        "certificates/assessment/index.html",
        cards=cards,
        parts=assessment.PART_LABELS,
        statuses=BATCH_STATUS_LABELS,
        level_label=level_label,
    )


@bp.get("/batches/<int:batch_id>/assess/<part>")
@login_required
def assess_part(batch_id: int, part: str):
    """The assessor's list of candidates of a part, by ticket number only."""
    batch, appointed = _appointed(batch_id, part)
    return render_template(
        "certificates/assessment/part.html",
        batch=batch,
        part=part,
        part_label=assessment.PART_LABELS[part],
        lines=assessment.queue(batch, current_user, part),
        chief=appointed.is_chief,
        signed=assessment.signed_off(batch, part),
        statuses=BATCH_STATUS_LABELS,
    )


@bp.get("/batches/<int:batch_id>/assess/<part>/tickets/<ticket>")
@login_required
def assess_candidate(batch_id: int, part: str, ticket: str):
    """The scoring sheet of one candidate (by ticket number): one form per item."""
    batch, _ = _appointed(batch_id, part)
    candidate = _ticketed(batch, ticket)
    marks = assessment.own_marks(batch, current_user, candidate)
    lines = assessment.queue(batch, current_user, part)
    tickets = [line.ticket_number for line in lines]
    at = tickets.index(ticket)
    return render_template(
        "certificates/assessment/candidate.html",
        batch=batch,
        part=part,
        part_label=assessment.PART_LABELS[part],
        ticket=ticket,
        items=assessment.part_items(batch, part),
        marks=marks,
        rescores=assessment.own_rescores(batch, part, candidate, marks),
        key=lambda item: f"m-{uuid.uuid4().hex}",
        open=batch.status == "assessing" and assessment.signed_off(batch, part) is None,
        points=format_points,
        previous=tickets[at - 1] if at > 0 else None,
        next=tickets[at + 1] if at + 1 < len(tickets) else None,
    )


def _ticketed(batch, ticket: str):
    """The candidate `ticket` whom the caller may assess (404 otherwise: a conflict hides
    the candidate as if absent)."""
    if len(ticket) > 16:
        abort(404)
    try:
        candidate = assessment.candidate_by_ticket(batch, ticket)
    except DomainError:
        abort(404)
    if assessment.conflict_with(current_user, candidate) is not None:
        abort(404)
    return candidate


@bp.post("/batches/<int:batch_id>/assess/<part>/tickets/<ticket>")
@login_required
def assess_mark(batch_id: int, part: str, ticket: str):
    """Record one item's mark from the sheet; back to the sheet with the outcome."""
    batch, _ = _appointed(batch_id, part)
    form = MarkForm()
    back = url_for(
        "certification.assess_candidate", batch_id=batch.id, part=part, ticket=ticket[:16]
    )
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(back)
    try:
        recorded = assessment.record_mark(
            batch,
            current_user,
            ticket_number=ticket,
            item_id=form.item_id.data,
            points=form.points.data.strip(),
            key=form.key.data,
            reason=form.reason.data,
            now=utcnow(),
        )
    except DomainError as refused:
        db.session.rollback()
        flash(_described(refused), "danger")
        return redirect(back)
    shown = format_points(recorded.mark.points)
    what = "已修改" if recorded.correction else "已记录"
    repeat = "（重复提交，未重复记录）" if recorded.replayed else ""
    flash(f"{what}：{ticket} 得分 {shown}{repeat}", "success")
    return redirect(f"{back}#item-{recorded.mark.item_id}")


@bp.get("/batches/<int:batch_id>/assess/<part>/chief")
@login_required
def assess_chief(batch_id: int, part: str):
    """主考工作台: every candidate's combined marks, disagreements, missing marks, sign-off."""
    batch, appointed = _appointed(batch_id, part)
    if not appointed.is_chief:
        abort(403)
    sheets = assessment.part_sheets(batch, part)
    return render_template(
        "certificates/assessment/chief.html",
        batch=batch,
        part=part,
        part_label=assessment.PART_LABELS[part],
        items=assessment.part_items(batch, part),
        sheets=sheets,
        problems=assessment.sign_off_problems(batch, part),
        signed=assessment.signed_off(batch, part),
        form=SignOffForm(),
        points=format_points,
        spread_percent=assessment.SPREAD_PERCENT,
        disagreements=assessment.disagreements(batch, part, current_user),
        history=assessment.ruling_history(batch, part),
        ruling_form=RulingForm,
        ruling_labels=assessment.RULING_LABELS,
        may_rule=batch.status == "assessing" and assessment.signed_off(batch, part) is None,
    )


@bp.post("/batches/<int:batch_id>/assess/<part>/rulings")
@login_required
def assess_rule(batch_id: int, part: str):
    """The chief assessor decides a disagreement or asks for re-marking."""
    batch, _ = _appointed(batch_id, part)
    back = url_for("certification.assess_chief", batch_id=batch.id, part=part) + "#disagreements"
    form = RulingForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(back)
    try:
        ruling = assessment.rule(
            batch,
            current_user,
            ticket_number=form.ticket_number.data,
            item_id=form.item_id.data,
            kind=form.kind.data,
            points=(form.points.data or "").strip() or None,
            reason=form.reason.data,
            now=utcnow(),
        )
    except DomainError as refused:
        db.session.rollback()
        flash(_described(refused), "danger")
        return redirect(back)
    what = assessment.RULING_LABELS[ruling.kind]
    shown = f" {format_points(ruling.points)} 分" if ruling.points is not None else ""
    flash(f"已裁决：{form.ticket_number.data} {what}{shown}", "success")
    return redirect(back)


@bp.post("/batches/<int:batch_id>/assess/<part>/sign-off")
@login_required
def assess_sign_off(batch_id: int, part: str):
    """The chief assessor signs the part off."""
    batch, _ = _appointed(batch_id, part)
    back = redirect(url_for("certification.assess_chief", batch_id=batch.id, part=part))
    if not SignOffForm().validate_on_submit():
        flash("页面已过期，请刷新后重试。", "danger")
        return back
    try:
        assessment.sign_off(batch, current_user, part, utcnow())
    except DomainError as refused:
        db.session.rollback()
        flash(_described(refused), "danger")
        return back
    flash(f"{assessment.PART_LABELS[part]}已签字确认，评分已锁定。", "success")
    return back


# -- Results -------------------------------------------------------------------------------

ADMINS = (Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN)


def _results_batch(batch_id: int, action: Action = Action.VIEW):
    batch = get_or_404(current_user, CertificationBatch, batch_id, action)
    if role_of(current_user) not in ADMINS:
        abort(404)
    return batch


@bp.get("/batches/<int:batch_id>/results", endpoint="results")
@login_required
def results_page(batch_id: int):
    """成绩: the province sees live scores while assessing and publishes; city and enterprise
    admins see their candidates' once published; objections during the notice period."""
    batch = _results_batch(batch_id)
    manages = may(current_user, Action.MANAGE, batch)
    rows = []
    if manages or batch.published_at is not None:
        rows = [row for row in results.results(batch) if in_scope(current_user, row.candidate)]
    return render_template(
        "certificates/results/batch.html",
        batch=batch,
        rows=rows,
        manages=manages,
        live=batch.status == "assessing",
        problems=results.publish_problems(batch) if batch.status == "assessing" else [],
        in_notice=results.in_notice(batch),
        ready=results.ready_to_issue(batch),
        objections=results.objections(batch) if manages else [],
        tickets=_tickets(batch) if manages else {},
        objection_statuses=results.STATUS_LABELS,
        publish_form=PublishForm(),
        objection_form=ObjectionForm(),
        score=results.format_score,
        statuses=BATCH_STATUS_LABELS,
        level_label=level_label,
    )


def _tickets(batch) -> dict[int, str]:
    stmt = select(CertificationCandidate.id, CertificationCandidate.ticket_number).where(
        CertificationCandidate.batch_id == batch.id
    )
    return {cid: ticket or "—" for cid, ticket in db.session.execute(stmt)}


@bp.post("/batches/<int:batch_id>/results/publish")
@login_required
def publish(batch_id: int):
    """Publish the results (公示)."""
    batch = _results_batch(batch_id, Action.MANAGE)
    back = redirect(url_for("certification.results", batch_id=batch.id))
    if not PublishForm().validate_on_submit():
        flash("页面已过期，请刷新后重试。", "danger")
        return back
    try:
        results.publish(batch, current_user, utcnow())
    except DomainError as refused:
        db.session.rollback()
        flash(_described(refused), "danger")
        return back
    flash(f"成绩已公示，公示期 {batch.notice_days} 天。", "success")
    return back


@bp.post("/batches/<int:batch_id>/objections")
@login_required
def record_objection(batch_id: int):
    """Record an objection received by phone or letter."""
    batch = _results_batch(batch_id, Action.MANAGE)
    back = redirect(url_for("certification.results", batch_id=batch.id) + "#objections")
    form = ObjectionForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return back
    try:
        results.record_objection(
            batch,
            current_user,
            raised_by=form.raised_by.data,
            contact=form.contact.data or "",
            content=form.content.data,
            ticket_number=(form.ticket_number.data or "").strip() or None,
            now=utcnow(),
        )
    except DomainError as refused:
        db.session.rollback()
        flash(_described(refused), "danger")
        return back
    flash("异议已登记，待处理。", "success")
    return back


def _objection(objection_id: int) -> tuple[Objection, CertificationBatch]:
    objection = db.session.get(Objection, objection_id)
    if objection is None:
        abort(404)
    batch = _results_batch(objection.batch_id, Action.MANAGE)
    return objection, batch


@bp.route("/objections/<int:objection_id>", methods=["GET", "POST"])
@login_required
def objection(objection_id: int):
    """One objection and its decision (a written decision; may change scores)."""
    found, batch = _objection(objection_id)
    form = DecisionForm()
    if form.validate_on_submit():
        scores = {
            field: getattr(form, field).data
            for field in results.SCORE_FIELDS
            if (getattr(form, field).data or "").strip()
        }
        try:
            results.decide_objection(
                found,
                current_user,
                status=form.status.data,
                decision=form.decision.data,
                scores=scores,
                now=utcnow(),
            )
        except DomainError as refused:
            db.session.rollback()
            flash(_described(refused), "danger")
        else:
            flash("异议已处理。", "success")
            return redirect(url_for("certification.results", batch_id=batch.id) + "#objections")
    elif form.is_submitted():
        _flash_errors(form)
    return render_template(
        "certificates/results/objection.html",
        batch=batch,
        objection=found,
        form=form,
        row=results.candidate_scores(found.candidate) if found.candidate else None,
        statuses=results.STATUS_LABELS,
        score=results.format_score,
    )


# -- Public list and the candidate's own results -------------------------------------------


@bp.get("/public")
def public_index():
    """成绩公示: the batches whose results are in their notice period (no login)."""
    return render_template(
        "certificates/results/public_index.html",
        batches=results.public_batches(),
        level_label=level_label,
    )


@bp.get("/public/<int:batch_id>")
def public_results(batch_id: int):
    """The published list of a batch during its notice period (no login): masked names,
    ticket numbers, pass or fail; 404 outside the notice period."""
    batch = db.session.get(CertificationBatch, batch_id)
    if batch is None:
        abort(404)
    try:
        rows = results.public_list(batch)
    except DomainError:
        abort(404)
    return render_template(
        "certificates/results/public.html", batch=batch, rows=rows, level_label=level_label
    )


@bp.get("/my-results")
@login_required
def my_results():
    """我的认定成绩: the trainee's part scores of each batch, once published."""
    if current_user.employee_id is None:
        abort(404)
    stmt = (
        select(CertificationCandidate)
        .where(
            CertificationCandidate.employee_id == current_user.employee_id,
            CertificationCandidate.status != "withdrawn",
        )
        .order_by(CertificationCandidate.id.desc())
    )
    entries = [(c, results.candidate_scores(c)) for c in db.session.scalars(stmt)]
    return render_template(
        "certificates/results/mine.html",
        entries=entries,
        score=results.format_score,
        statuses=BATCH_STATUS_LABELS,
        level_label=level_label,
    )
