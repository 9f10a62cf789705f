"""Training plans (enterprise admins) and completion reports (city and provincial admins)."""

from datetime import UTC, datetime
from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from wtforms import SelectChoice

from app.auth.models import Role
from app.courses import plans as svc
from app.courses.models import TrainingPlan
from app.courses.plan_forms import EvaluationForm, PlanForm
from app.courses.plan_spreadsheet import plan_workbook, report_workbook
from app.courses.rules.plan_status import (
    PLAN_LABELS,
    PLAN_OVERDUE,
    PLAN_STOPPED,
    STATE_LABELS,
    STATE_ORDER,
    hours,
    plan_status,
)
from app.errors import Invalid
from app.extensions import db
from app.form_errors import show_on_form
from app.orgs.models import Enterprise, Region
from app.orgs.rules.posts import Post
from app.paging import Page, slice_page
from app.security import Action, get_or_404, may, require_role, visible
from app.sorting import natural
from app.timeutil import LOCAL_TZ, local_today

bp = Blueprint("plans", __name__, url_prefix="/plans")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PER_PAGE = 50
ADMINS = (Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN)


_PLAN_BADGES = {PLAN_OVERDUE: "text-bg-danger", PLAN_STOPPED: "text-bg-secondary"}


@bp.app_template_global("plan_badge")
def _plan_badge(plan: TrainingPlan, today) -> dict:
    """The plan's one status (进行中 / 已过期 / 已停用) and its badge colour."""
    status = plan_status(active=plan.active, due_on=plan.due_on, today=today)
    return {"label": PLAN_LABELS[status], "css": _PLAN_BADGES.get(status, "text-bg-success")}


def _int_arg(name: str, default: int | None = None) -> int | None:
    """A positive query-string integer an id column can hold, else `default`."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= svc.MAX_ID else default


@bp.get("/")
@login_required
def index():
    """The plans in scope, active first; associations also get the report link."""
    require_role(current_user, *ADMINS)
    today = local_today()
    stmt = (
        select(TrainingPlan)
        .where(visible(current_user, TrainingPlan))
        .order_by(TrainingPlan.active.desc(), TrainingPlan.due_on.desc(), TrainingPlan.id.desc())
    )
    page = db.paginate(stmt, page=_int_arg("page", 1), per_page=20, error_out=False)
    summaries = {p.id: svc.summarise(svc.plan_rows(p, today)) for p in page.items}
    creating = current_user.role == Role.ENTERPRISE_ADMIN and current_user.enterprise_id
    return render_template(
        "courses/plans/index.html",
        page=page,
        summaries=summaries,
        creating=creating,
        today=today,
        is_association=current_user.role in (Role.PROVINCE_ADMIN, Role.CITY_ADMIN),
    )


def _course_choices(form: PlanForm, plan: TrainingPlan) -> None:
    courses = {c.id: c.title for c in svc.published_courses()}
    for link in plan.courses:  # keep a course archived since it was planned
        courses.setdefault(link.course_id, f"{link.course.title}（已下架）")
    form.courses.choices = [SelectChoice(i, t) for i, t in courses.items()]


def _save(form: PlanForm, plan: TrainingPlan, creating: bool):
    try:
        svc.save_plan(
            plan,
            title=form.title.data,
            due_on=form.due_on.data,
            posts=form.posts.data or [],
            names=svc.split_names(form.people.data),
            course_ids=form.courses.data or [],
            note=form.note.data,
            today=local_today(),
            creating=creating,
        )
    except Invalid as error:
        show_on_form(form, error)
        return None
    flash(f"培训计划已{'创建' if creating else '保存'}：{plan.title}", "success")
    return redirect(url_for("plans.show", plan_id=plan.id))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Create a plan for the enterprise admin's own enterprise."""
    require_role(current_user, Role.ENTERPRISE_ADMIN)
    plan = TrainingPlan(enterprise_id=current_user.enterprise_id, created_by_id=current_user.id)
    if not current_user.enterprise_id or not may(current_user, Action.MANAGE, plan):
        abort(403)
    form = PlanForm()
    _course_choices(form, plan)
    if form.validate_on_submit():
        response = _save(form, plan, creating=True)
        if response:
            return response
    return render_template("courses/plans/form.html", form=form, plan=None)


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@login_required
def edit(plan_id: int):
    """Change a plan's title, due date, targets, courses or note."""
    plan = get_or_404(current_user, TrainingPlan, plan_id, Action.MANAGE)
    form = PlanForm(obj=plan)
    _course_choices(form, plan)
    if request.method == "GET":
        form.courses.data = [c.course_id for c in plan.courses]
        form.people.data = "\n".join(p.employee.name for p in plan.people)
    if form.validate_on_submit():
        response = _save(form, plan, creating=False)
        if response:
            return response
    return render_template("courses/plans/form.html", form=form, plan=plan)


@bp.post("/<int:plan_id>/active")
@login_required
def toggle(plan_id: int):
    """Deactivate (or reactivate) a plan."""
    plan = get_or_404(current_user, TrainingPlan, plan_id, Action.MANAGE)
    plan.active = not plan.active
    flash(f"培训计划已{'启用' if plan.active else '停用'}：{plan.title}", "success")
    return redirect(url_for("plans.show", plan_id=plan.id))


def _plan_data(plan: TrainingPlan):
    rows = svc.plan_rows(plan, local_today())
    return rows, svc.summarise(rows), svc.by_post(rows)


@bp.get("/<int:plan_id>")
@login_required
def show(plan_id: int):
    """A plan: summary, per-post table, a page of the per-employee table, evaluations."""
    plan = get_or_404(current_user, TrainingPlan, plan_id)
    rows, summary, posts = _plan_data(plan)
    state = request.args.get("state", "")
    post = request.args.get("post", "")
    shown = svc.filter_rows(rows, state, post)
    page = slice_page(shown, _int_arg("page", 1), PER_PAGE)
    courses = svc.fill_course_states(plan, page.items)
    manage = may(current_user, Action.MANAGE, plan)
    return render_template(
        "courses/plans/show.html",
        plan=plan,
        summary=summary,
        posts=posts,
        page=page,
        courses=courses,
        state=state,
        post=post,
        all_posts=list(Post),
        states=[(s, STATE_LABELS[s]) for s in STATE_ORDER],
        manage=manage,
        eval_form=EvaluationForm() if manage else None,
        today=local_today(),
    )


@bp.get("/<int:plan_id>/export.xlsx")
@login_required
def export(plan_id: int):
    """The plan page as Excel: every target (masked identity numbers) and the posts."""
    plan = get_or_404(current_user, TrainingPlan, plan_id)
    rows, _summary, posts = _plan_data(plan)
    courses = svc.fill_course_states(plan, rows)
    data = plan_workbook(plan, rows, courses, posts)
    return send_file(
        BytesIO(data),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"培训计划-{plan.title}-{local_today().isoformat()}.xlsx",
    )


@bp.post("/<int:plan_id>/evaluations")
@login_required
def evaluate(plan_id: int):
    """Add a written evaluation for one period."""
    plan = get_or_404(current_user, TrainingPlan, plan_id, Action.MANAGE)
    form = EvaluationForm()
    if form.validate_on_submit():
        try:
            svc.add_evaluation(plan, form.period.data, form.body.data, current_user.id)
        except Invalid as error:
            flash(error.message, "danger")
        else:
            flash("评价已保存", "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message if isinstance(message, str) else "提交已过期，请刷新后重试", "danger")
    return redirect(url_for("plans.show", plan_id=plan.id) + "#evaluations")


# ---------------------------------------------------------------- report


def _report_scope():
    """Regions offered, and the enterprise ids the filters leave, for the current user."""
    require_role(current_user, Role.PROVINCE_ADMIN, Role.CITY_ADMIN)
    regions = db.session.scalars(select(Region).order_by(Region.sort_order)).all()
    region_id = _int_arg("region_id")
    if current_user.role == Role.CITY_ADMIN:
        regions = [r for r in regions if r.id == current_user.region_id]
        region_id = current_user.region_id
    ent_stmt = select(Enterprise).order_by(natural(Enterprise.name))
    if region_id:
        ent_stmt = ent_stmt.where(Enterprise.region_id == region_id)
    enterprises = db.session.scalars(ent_stmt).all()
    enterprise_id = _int_arg("enterprise_id")
    ids = [e.id for e in enterprises]
    if enterprise_id and enterprise_id in ids:
        ids = [enterprise_id]
    else:
        enterprise_id = None
    post = request.args.get("post", "")
    if post not in {p.value for p in Post}:
        post = ""
    return regions, region_id, enterprises, enterprise_id, ids, post


def _year_start() -> datetime:
    start = datetime(local_today().year, 1, 1, tzinfo=LOCAL_TZ)
    return start.astimezone(UTC).replace(tzinfo=None)


def _report_data(ids, post):
    today = local_today()
    plans = db.session.scalars(
        select(TrainingPlan).where(
            visible(current_user, TrainingPlan),
            TrainingPlan.active.is_(True),
            TrainingPlan.enterprise_id.in_(ids),
        )
    ).all()
    report = svc.completion_report(plans, today, post)
    hours_stmt = svc.hours_query(ids, today, _year_start(), post)
    return report, hours_stmt, len(plans)


@bp.get("/report")
@login_required
def report():
    """Completion of plans by enterprise and by post, and study hours per employee."""
    regions, region_id, enterprises, enterprise_id, ids, post = _report_scope()
    data, hours_stmt, plan_count = _report_data(ids, post)
    total = db.session.scalar(select(func.count()).select_from(hours_stmt.subquery()))
    page_no = _int_arg("page", 1)
    items = db.session.execute(hours_stmt.limit(PER_PAGE).offset((page_no - 1) * PER_PAGE)).all()
    page = Page(items, page_no, PER_PAGE, total)
    return render_template(
        "courses/plans/report.html",
        report=data,
        plan_count=plan_count,
        page=page,
        regions=regions,
        region_id=region_id,
        enterprises=enterprises,
        enterprise_id=enterprise_id,
        post=post,
        all_posts=list(Post),
        is_province=current_user.role == Role.PROVINCE_ADMIN,
        year=local_today().year,
        hours=hours,
    )


@bp.get("/report.xlsx")
@login_required
def report_export():
    """The completion report as Excel, with the same filters."""
    _regions, _region_id, _ents, _ent_id, ids, post = _report_scope()
    data, hours_stmt, _count = _report_data(ids, post)
    rows = db.session.execute(hours_stmt).all()
    return send_file(
        BytesIO(report_workbook(data, rows)),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"培训完成情况-{local_today().isoformat()}.xlsx",
    )
