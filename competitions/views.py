"""Pages that set competitions up: the list, creating one, events and rubrics, contestants,
judges and the chief judge, the draw, time used and sending contestants on to the final."""

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from app.errors import Conflict, DomainError, Invalid
from app.extensions import db
from app.form_errors import show_on_form
from app.orgs.models import Region
from app.orgs.rules.posts import POST_LABELS
from app.roles import Role
from app.security import Action, get_or_404, in_scope, visible
from app.timeutil import local_today
from competitions import services
from competitions.forms import (
    AGGREGATION_LABELS,
    KIND_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
    ChiefJudgeForm,
    CompetitionForm,
    EventForm,
    ItemForm,
    JudgeForm,
    SendOnForm,
)
from competitions.models import Competition, CompetitionEvent, Contestant, RubricItem
from competitions.policy import leads, organises, shows_names
from exams.models import Exam

bp = Blueprint("competitions", __name__, template_folder="templates", url_prefix="/competitions")

SEARCH_LIMIT = 30
CREATABLE_STAGES = {
    Role.PROVINCE_ADMIN: ["final", "preliminary"],
    Role.CITY_ADMIN: ["preliminary"],
    Role.ENTERPRISE_ADMIN: ["in_house"],
}


@bp.context_processor
def _labels() -> dict:
    return {
        "stage_labels": STAGE_LABELS,
        "status_labels": STATUS_LABELS,
        "kind_labels": KIND_LABELS,
        "aggregation_labels": AGGREGATION_LABELS,
        "post_labels": {p.value: label for p, label in POST_LABELS.items()},
        "points": services.points_text,
    }


def _role() -> Role:
    return Role(current_user.role)


def _flash_error(error: DomainError) -> None:
    flash(error.message, "danger")


# The list and a competition --------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    """The competitions in the caller's scope (judges: the events they judge or lead)."""
    if _role() is Role.TRAINEE:
        abort(403)
    found = services.competitions_of(current_user)
    counts = services.contestant_counts([e.id for c in found for e in c.events])
    return render_template(
        "competitions/manage_list.html",
        competitions=found,
        counts=counts,
        can_create=_role() in CREATABLE_STAGES,
        visible_event=lambda event: in_scope(current_user, event),
    )


def _competition_form() -> CompetitionForm:
    form = CompetitionForm()
    form.stage.choices = [
        SelectChoice(s, STAGE_LABELS[s]) for s in CREATABLE_STAGES.get(_role(), [])
    ]
    regions = db.session.scalars(select(Region).order_by(Region.sort_order)).all()
    if _role() is Role.CITY_ADMIN:
        regions = [r for r in regions if r.id == current_user.region_id]
    form.region_id.choices = [SelectChoice(0, "—")] + [SelectChoice(r.id, r.name) for r in regions]
    finals = db.session.scalars(
        select(Competition)
        .where(Competition.stage == "final", visible(current_user, Competition))
        .order_by(Competition.created_at.desc())
    ).all()
    form.final_id.choices = [SelectChoice(0, "—")] + [SelectChoice(c.id, c.title) for c in finals]
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Create a competition (its events are added on its page)."""
    if _role() not in CREATABLE_STAGES:
        abort(403)
    form = _competition_form()
    if form.validate_on_submit():
        data = {
            "title": form.title.data,
            "stage": form.stage.data,
            "region_id": form.region_id.data or None,
            "final_id": form.final_id.data or None,
            "quota": form.quota.data,
            "notice_days": form.notice_days.data,
            "events": [],
        }
        try:
            competition = services.create_competition(data, by=current_user)
        except Invalid as error:
            show_on_form(form, error)
        else:
            flash("竞赛已创建，请添加竞赛项目。", "success")
            return redirect(url_for("competitions.show", competition_id=competition.id))
    return render_template("competitions/manage_new.html", form=form, competition=None)


@bp.route("/<int:competition_id>/edit", methods=["GET", "POST"])
@login_required
def edit(competition_id: int):
    """Change a competition's title, notice period, final and quota."""
    competition = get_or_404(current_user, Competition, competition_id, Action.MANAGE)
    form = _competition_form()
    del form.stage, form.region_id
    if competition.stage != "preliminary":
        del form.final_id, form.quota
    if request.method == "GET":
        form.title.data, form.notice_days.data = competition.title, competition.notice_days
        if "final_id" in form:
            form.final_id.data, form.quota.data = competition.final_id or 0, competition.quota
    if form.validate_on_submit():
        data = {"title": form.title.data, "notice_days": form.notice_days.data}
        if "final_id" in form:
            data |= {"final_id": form.final_id.data or None, "quota": form.quota.data}
        try:
            services.update_competition(competition, data, by=current_user)
        except Invalid as error:
            show_on_form(form, error)
        else:
            flash("竞赛设置已保存。", "success")
            return redirect(url_for("competitions.show", competition_id=competition.id))
    return render_template("competitions/manage_new.html", form=form, competition=competition)


@bp.get("/<int:competition_id>")
@login_required
def show(competition_id: int):
    """A competition and its events."""
    competition = get_or_404(current_user, Competition, competition_id)
    events = [e for e in competition.events if in_scope(current_user, e)]
    return render_template(
        "competitions/manage_competition.html",
        competition=competition,
        events=events,
        counts=services.contestant_counts([e.id for e in events]),
        organiser=organises(current_user, competition),
    )


# Events ----------------------------------------------------------------------------------------


def _event_form(event: CompetitionEvent | None = None) -> EventForm:
    form = EventForm()
    exams = db.session.scalars(
        select(Exam).where(visible(current_user, Exam)).order_by(Exam.opens_at.desc())
    ).all()
    form.theory_exam_id.choices = [SelectChoice(0, "不设理论考试")] + [
        SelectChoice(e.id, e.title) for e in exams
    ]
    if event is not None and request.method == "GET":
        form.fill(event)
    return form


@bp.route("/<int:competition_id>/events/new", methods=["GET", "POST"])
@login_required
def new_event(competition_id: int):
    """Add an event to a competition."""
    competition = get_or_404(current_user, Competition, competition_id, Action.MANAGE)
    form = _event_form()
    if form.validate_on_submit():
        try:
            event = services.add_event(competition, form.values(), by=current_user)
        except Invalid as error:
            show_on_form(form, error)
        else:
            flash(f"项目 {event.name} 已添加，请设置评分细则。", "success")
            return redirect(url_for("competitions.event", event_id=event.id))
    return render_template(
        "competitions/manage_event_form.html", form=form, competition=competition, event=None
    )


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit_event(event_id: int):
    """Change an event's settings (until scoring begins)."""
    event = get_or_404(current_user, CompetitionEvent, event_id, Action.MANAGE)
    form = _event_form(event)
    if form.validate_on_submit():
        try:
            services.update_event(event, form.values(), by=current_user)
        except Invalid as error:
            show_on_form(form, error)
        except Conflict as error:
            _flash_error(error)
        else:
            flash("项目设置已保存。", "success")
            return redirect(url_for("competitions.event", event_id=event.id))
    return render_template(
        "competitions/manage_event_form.html",
        form=form,
        competition=event.competition,
        event=event,
    )


def _judge_form(event: CompetitionEvent) -> JudgeForm:
    form = JudgeForm(prefix="judge")
    form.username.choices = [
        SelectChoice(u.username, f"{u.display_name}（{u.username}）")
        for u in services.judge_accounts(Role.JUDGE)
    ]
    form.items.choices = [SelectChoice(i.id, f"{i.code} {i.title}") for i in event.items]
    return form


def _chief_form() -> ChiefJudgeForm:
    form = ChiefJudgeForm(prefix="chief")
    form.username.choices = [
        SelectChoice(u.username, f"{u.display_name}（{u.username}）")
        for u in services.judge_accounts(Role.CHIEF_JUDGE)
    ]
    return form


def _send_on_form(event: CompetitionEvent, entered: list[Contestant]) -> SendOnForm:
    form = SendOnForm(prefix="send")
    form.contestant_ids.choices = [
        SelectChoice(c.id, f"{c.number or '—'}号 {c.employee.name}（{c.enterprise.name}）")
        for c in entered
    ]
    return form


def _search(event: CompetitionEvent, q: str) -> list[tuple]:
    """(employee, enterprise name, why not) of the caller's roster matching `q`."""
    if not q:
        return []
    today = local_today()
    return [
        (
            employee,
            enterprise,
            services.eligibility_problem(event, employee, by=current_user, today=today),
        )
        for employee, enterprise in services.roster_search(current_user, q, SEARCH_LIMIT)
    ]


@bp.get("/events/<int:event_id>")
@login_required
def event(event_id: int):
    """An event: rubric, contestants, judges, the draw, sending on (what the caller may do)."""
    found = get_or_404(current_user, CompetitionEvent, event_id)
    return _render_event(found)


def _render_event(found: CompetitionEvent, **forms):
    competition = found.competition
    organiser = organises(current_user, competition)
    chief = leads(current_user, found)
    entered = services.contestants(found, current_user)
    q = request.args.get("q", "").strip()[:32]
    final_event = services.final_event_for(found) if competition.stage == "preliminary" else None
    return render_template(
        "competitions/manage_event.html",
        event=found,
        competition=competition,
        organiser=organiser,
        chief=chief,
        enters=may_enter(found),
        named=shows_names(current_user, found),
        contestants=entered,
        judges=services.judges(found),
        conflicts=services.conflicts(found) if organiser or chief else [],
        locked=services.rubric_locked(found),
        practical_max=services.max_practical(found),
        item_form=forms.get("item_form") or ItemForm(prefix="item"),
        judge_form=forms.get("judge_form") or _judge_form(found),
        chief_form=forms.get("chief_form") or _chief_form(),
        send_form=_send_on_form(found, entered) if final_event else None,
        final_event=final_event,
        sent=services.sent_on(found, final_event) if final_event else [],
        q=q,
        found=_search(found, q) if may_enter(found) else [],
        chief_name=found.chief_judge_id and services.account_name(found.chief_judge_id),
    )


def may_enter(event: CompetitionEvent) -> bool:
    """Whether the caller may enter contestants in the event now."""
    from app.security import may

    return may(current_user, Action.MANAGE_ROSTER, event)


# Rubric -----------------------------------------------------------------------------------------


@bp.post("/events/<int:event_id>/items")
@login_required
def add_item(event_id: int):
    """Add a rubric item."""
    found = get_or_404(current_user, CompetitionEvent, event_id, Action.MANAGE, lock=True)
    form = ItemForm(prefix="item")
    if form.validate_on_submit():
        try:
            item = services.add_rubric_item(found, form.values(), by=current_user)
        except Invalid as error:
            show_on_form(form, error)
        except Conflict as error:
            _flash_error(error)
        else:
            flash(f"评分项 {item.code} 已添加。", "success")
            return redirect(url_for("competitions.event", event_id=found.id) + "#rubric")
    return _render_event(found, item_form=form), 422


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(item_id: int):
    """Change a rubric item (until scoring begins)."""
    item = db.session.get(RubricItem, item_id)
    if item is None:
        abort(404)
    found = get_or_404(current_user, CompetitionEvent, item.event_id, Action.MANAGE)
    form = ItemForm(obj=None if request.method == "POST" else item)
    if request.method == "GET":
        form.max_points.data = (Decimal(item.max_points) / 100).quantize(Decimal("0.01"))
    if form.validate_on_submit():
        try:
            services.update_rubric_item(item, form.values(), by=current_user)
        except Invalid as error:
            show_on_form(form, error)
        except Conflict as error:
            _flash_error(error)
        else:
            flash(f"评分项 {item.code} 已保存。", "success")
            return redirect(url_for("competitions.event", event_id=found.id) + "#rubric")
    return render_template("competitions/manage_item_form.html", form=form, event=found, item=item)


# Contestants ------------------------------------------------------------------------------------


@bp.post("/events/<int:event_id>/contestants")
@login_required
def register(event_id: int):
    """Enter an employee found in the roster search."""
    found = get_or_404(current_user, CompetitionEvent, event_id, lock=True)
    employee_id = request.form.get("employee_id", type=int)
    if not employee_id:
        flash("请选择要报名的人员。", "danger")
    else:
        try:
            contestant = services.register_contestant(found, employee_id, by=current_user)
        except (Invalid, Conflict) as error:
            _flash_error(error)
        else:
            flash(f"{contestant.employee.name} 已报名。", "success")
    q = request.form.get("q", "")[:32]
    return redirect(url_for("competitions.event", event_id=found.id, q=q or None) + "#register")


@bp.post("/contestants/<int:contestant_id>/check-in")
@login_required
def check_in(contestant_id: int):
    """检录."""
    contestant = get_or_404(current_user, Contestant, contestant_id, Action.MANAGE, lock=True)
    try:
        services.check_in(contestant)
    except Conflict as error:
        _flash_error(error)
    else:
        flash(f"{contestant.number or ''}号选手已检录。", "success")
    return redirect(url_for("competitions.event", event_id=contestant.event_id) + "#contestants")


@bp.post("/contestants/<int:contestant_id>/time")
@login_required
def record_time(contestant_id: int):
    """The time a contestant used in the practical round."""
    contestant = get_or_404(current_user, Contestant, contestant_id, Action.MANAGE, lock=True)
    minutes = request.form.get("minutes", type=int)
    seconds = request.form.get("seconds", 0, type=int)
    if minutes is None or not 0 <= minutes <= 24 * 60 or not 0 <= seconds <= 59:
        flash("用时应为分钟（0–1440）和秒（0–59）。", "danger")
    else:
        try:
            services.record_time(contestant, minutes * 60 + seconds)
        except (Invalid, Conflict) as error:
            _flash_error(error)
        else:
            flash(f"{contestant.number}号选手的用时已登记。", "success")
    return redirect(url_for("competitions.event", event_id=contestant.event_id) + "#contestants")


# Judges and the draw ----------------------------------------------------------------------------


@bp.post("/events/<int:event_id>/judges")
@login_required
def assign_judge(event_id: int):
    """Give a judge items of the event."""
    found = get_or_404(current_user, CompetitionEvent, event_id, lock=True)
    form = _judge_form(found)
    if form.validate_on_submit():
        try:
            judge = services.find_account(form.username.data, Role.JUDGE)
            services.assign_judge(found, judge, form.items.data or [], by=current_user)
        except (Invalid, Conflict) as error:
            _flash_error(error)
        else:
            flash(f"已安排裁判 {judge.display_name}。", "success")
    else:
        flash("请选择裁判。", "danger")
    return redirect(url_for("competitions.event", event_id=found.id) + "#judges")


@bp.post("/events/<int:event_id>/judges/<int:user_id>/remove")
@login_required
def unassign_judge(event_id: int, user_id: int):
    """Take a judge off the event."""
    found = get_or_404(current_user, CompetitionEvent, event_id, lock=True)
    judge = next((user for user, _ in services.judges(found) if user.id == user_id), None)
    if judge is None:
        abort(404)
    try:
        services.unassign_judge(found, judge, by=current_user)
    except Conflict as error:
        _flash_error(error)
    else:
        flash(f"已撤销裁判 {judge.display_name} 的安排。", "success")
    return redirect(url_for("competitions.event", event_id=found.id) + "#judges")


@bp.post("/events/<int:event_id>/chief-judge")
@login_required
def set_chief_judge(event_id: int):
    """Choose the event's chief judge."""
    found = get_or_404(current_user, CompetitionEvent, event_id, Action.MANAGE, lock=True)
    form = _chief_form()
    if form.validate_on_submit():
        try:
            services.set_chief_judge(found, form.username.data, by=current_user)
        except (Invalid, Conflict) as error:
            _flash_error(error)
        else:
            flash("裁判长已设置。", "success")
    else:
        flash("请选择裁判长。", "danger")
    return redirect(url_for("competitions.event", event_id=found.id) + "#judges")


@bp.post("/events/<int:event_id>/draw")
@login_required
def draw(event_id: int):
    """抽签 (after a confirmation in the page)."""
    found = get_or_404(current_user, CompetitionEvent, event_id, lock=True)
    try:
        drawn = services.draw(found, by=current_user)
    except Conflict as error:
        _flash_error(error)
    else:
        flash(f"抽签完成：{len(drawn)} 名选手，随机种子 {found.draw_seed}。", "success")
    return redirect(url_for("competitions.event", event_id=found.id) + "#draw")


@bp.post("/events/<int:event_id>/send-on")
@login_required
def send_on(event_id: int):
    """Send contestants on to the final's matching event."""
    found = get_or_404(current_user, CompetitionEvent, event_id, Action.MANAGE)
    final_event = services.final_event_for(found)
    if final_event is None:
        abort(404)
    form = _send_on_form(found, services.contestants(found, current_user))
    if not form.validate_on_submit():
        flash("请选择要推荐的选手。", "danger")
    else:
        try:
            entered = services.send_on(
                found, final_event, by=current_user, contestant_ids=form.contestant_ids.data
            )
        except (Invalid, Conflict) as error:
            _flash_error(error)
        else:
            flash(f"已推荐 {len(entered)} 名选手参加决赛。", "success")
    return redirect(url_for("competitions.event", event_id=found.id) + "#send-on")
