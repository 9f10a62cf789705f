"""Training plans: saving them, and the grouped queries behind the plan page and reports.

States are computed from one grouped query over the plan's courses for all targets at once
(no per-employee queries), so a plan of thousands of people stays fast.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, case, false, func, or_, select, union_all

from app.courses.models import (
    PUBLISHED,
    Course,
    CourseProgress,
    PlanEvaluation,
    StudySpan,
    TrainingPlan,
    TrainingPlanCourse,
    TrainingPlanPerson,
)
from app.courses.rules.plan_status import (
    COMPLETED,
    LATE,
    STATE_ORDER,
    due_on_problem,
    hours,
    percent,
    plan_state,
)
from app.errors import Invalid
from app.extensions import db
from app.form_errors import field_error
from app.orgs.models import Employee, Enterprise
from app.orgs.rules.posts import Post
from app.sorting import natural
from app.timeutil import to_local

# ---------------------------------------------------------------- saving

MAX_ID = 2**31 - 1  # the largest value of an integer id column


def published_courses() -> list[Course]:
    return db.session.scalars(
        select(Course).where(Course.status == PUBLISHED).order_by(Course.title)
    ).all()


def split_names(text: str) -> list[str]:
    """Names pasted one per line, or separated by commas, 、 or spaces; duplicates once."""
    names = [n.strip() for n in re.split(r"[\s,，、;；]+", text or "") if n.strip()]
    return list(dict.fromkeys(names))


def resolve_names(enterprise_id: int, names: list[str], today: date) -> list[int]:
    """Employee ids of on-duty staff named in `names`; unknown or shared names are refused."""
    if not names:
        return []
    rows = db.session.execute(
        select(Employee.name, Employee.id).where(
            Employee.enterprise_id == enterprise_id,
            Employee.name.in_(names),
            or_(Employee.left_on.is_(None), Employee.left_on > today),
        )
    ).all()
    by_name: dict[str, list[int]] = {}
    for name, ident in rows:
        by_name.setdefault(name, []).append(ident)
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise field_error("people", f"花名册中没有这些在岗人员：{'、'.join(unknown[:10])}")
    shared = [n for n in names if len(by_name[n]) > 1]
    if shared:
        raise field_error(
            "people", f"有重名人员，无法按姓名指定：{'、'.join(shared[:10])}；请改按岗位指定"
        )
    return [by_name[n][0] for n in names]


def save_plan(
    plan: TrainingPlan,
    *,
    title: str,
    due_on: date,
    posts: list[str],
    names: list[str],
    course_ids: list[int],
    note: str,
    today: date,
    creating: bool,
) -> TrainingPlan:
    """Validate and write a plan with its courses and people; nothing is written on error.

    Every problem found is reported at once (`Invalid`, one detail per problem under its
    field).
    """
    errors: list[dict] = []

    def problem(field_name: str, message: str) -> None:
        errors.append({"field": field_name, "message": message})

    title = (title or "").strip()
    if not title:
        problem("title", "请填写计划名称")
    due_problem = due_on_problem(due_on, today, creating=creating)
    if due_problem:
        problem("due_on", due_problem)
    posts = [p for p in dict.fromkeys(posts) if p in {x.value for x in Post}]
    try:
        people = resolve_names(plan.enterprise_id, names, today)
    except Invalid as error:
        errors.extend(error.details)
        people = None
    if not posts and people == []:
        problem("posts", "请至少选择一个岗位或指定人员")
    course_ids = list(dict.fromkeys(course_ids))
    # An id out of the column's range names no course (and must not reach the database).
    known_ids = [i for i in course_ids if 0 < i <= MAX_ID]
    if not course_ids:
        problem("courses", "请至少选择一门课程")
    valid = set(
        db.session.scalars(
            select(Course.id).where(Course.id.in_(known_ids), Course.status == PUBLISHED)
        )
    )
    # Courses already in the plan stay allowed even if archived since.
    valid |= {c.course_id for c in plan.courses if c.course_id in course_ids}
    if set(course_ids) - valid:
        problem("courses", "只能选择已发布的课程")
    if errors:
        raise Invalid(errors[0]["message"], details=errors)
    plan.title, plan.due_on, plan.posts, plan.note = title, due_on, posts, (note or "").strip()
    if plan.id is None:
        db.session.add(plan)
    db.session.flush()
    _sync_links(
        {c.course_id: c for c in plan.courses},
        course_ids,
        lambda cid: TrainingPlanCourse(plan_id=plan.id, course_id=cid),
    )
    _sync_links(
        {p.employee_id: p for p in plan.people},
        people,
        lambda eid: TrainingPlanPerson(plan_id=plan.id, employee_id=eid),
    )
    db.session.flush()
    db.session.expire(plan, ["courses", "people"])
    return plan


def _sync_links(existing: dict, wanted, make) -> None:
    """Delete the link rows (by key) no longer wanted, add those newly wanted."""
    for key, link in existing.items():
        if key not in wanted:
            db.session.delete(link)
    for key in wanted:
        if key not in existing:
            db.session.add(make(key))


def add_evaluation(plan: TrainingPlan, period: str, body: str, author_id: int) -> PlanEvaluation:
    period, body = (period or "").strip(), (body or "").strip()
    if not period:
        raise field_error("period", "请填写评价期间")
    if not body:
        raise field_error("body", "请填写评价内容")
    evaluation = PlanEvaluation(plan_id=plan.id, period=period, body=body, author_id=author_id)
    db.session.add(evaluation)
    db.session.flush()
    return evaluation


# ---------------------------------------------------------------- reading


def on_duty_clause(today: date):
    return or_(Employee.left_on.is_(None), Employee.left_on > today)


def target_clause(plan: TrainingPlan, today: date):
    """SQL condition for the plan's targets: on-duty staff of its posts or named people."""
    named = select(TrainingPlanPerson.employee_id).where(TrainingPlanPerson.plan_id == plan.id)
    who = Employee.id.in_(named)
    if plan.posts:
        who = or_(Employee.post.in_(list(plan.posts)), who)
    return and_(Employee.enterprise_id == plan.enterprise_id, on_duty_clause(today), who)


def plan_course_ids(plan: TrainingPlan) -> list[int]:
    return list(
        db.session.scalars(
            select(TrainingPlanCourse.course_id).where(TrainingPlanCourse.plan_id == plan.id)
        )
    )


@dataclass
class Row:
    id: int
    name: str
    post: str
    id_number_masked: str
    completed: int
    started: int
    seconds: int
    state: str
    late_completion: bool
    courses: dict = field(default_factory=dict)  # course id → (state label, hours)

    @property
    def hours(self) -> float:
        return hours(self.seconds)


def plan_rows(plan: TrainingPlan, today: date) -> list[Row]:
    """Every target of the plan with their state: two queries, whatever the size."""
    course_ids = plan_course_ids(plan)
    progress = (
        select(
            CourseProgress.employee_id.label("eid"),
            func.count(CourseProgress.completed_at).label("done"),
            func.count(CourseProgress.id).label("started"),
            func.sum(CourseProgress.seconds).label("seconds"),
            func.max(CourseProgress.completed_at).label("last"),
        )
        .where(CourseProgress.course_id.in_(course_ids or [-1]))
        .group_by(CourseProgress.employee_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Employee.id,
            Employee.name,
            Employee.post,
            Employee.id_number_masked,
            progress.c.done,
            progress.c.started,
            progress.c.seconds,
            progress.c.last,
        )
        .outerjoin(progress, progress.c.eid == Employee.id)
        .where(target_clause(plan, today))
        .order_by(Employee.post, natural(Employee.name), Employee.id)
    ).all()
    result = []
    n = len(course_ids)
    for eid, name, post, masked, done, started, seconds, last in rows:
        # The day of the last completion only matters once everything is completed.
        last_on = _local_day(last) if n and (done or 0) >= n else None
        state = plan_state(
            course_count=n,
            completed=done or 0,
            started=started or 0,
            last_completed_on=last_on,
            due_on=plan.due_on,
            today=today,
        )
        result.append(
            Row(
                eid,
                name,
                post,
                masked,
                done or 0,
                started or 0,
                int(seconds or 0),
                state.state,
                state.late_completion,
            )
        )
    return result


def _local_day(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite max() of a datetime column answers text
        value = datetime.fromisoformat(value)
    return to_local(value).date()


def fill_course_states(plan: TrainingPlan, rows: list[Row]) -> list[Course]:
    """Per-course state and hours for `rows` (one page of the table): one query."""
    courses = db.session.scalars(
        select(Course)
        .join(TrainingPlanCourse, TrainingPlanCourse.course_id == Course.id)
        .where(TrainingPlanCourse.plan_id == plan.id)
        .order_by(TrainingPlanCourse.id)
    ).all()
    by_id = {r.id: r for r in rows}
    for r in rows:
        r.courses = {c.id: ("未开始", 0.0) for c in courses}
    if rows and courses:
        for eid, cid, seconds, completed_at in db.session.execute(
            select(
                CourseProgress.employee_id,
                CourseProgress.course_id,
                CourseProgress.seconds,
                CourseProgress.completed_at,
            ).where(
                CourseProgress.employee_id.in_(list(by_id)),
                CourseProgress.course_id.in_([c.id for c in courses]),
            )
        ):
            by_id[eid].courses[cid] = ("已完成" if completed_at else "学习中", hours(seconds))
    return courses


def summarise(rows: list[Row]) -> dict:
    counts = {s: 0 for s in STATE_ORDER}
    late_done = 0
    for r in rows:
        counts[r.state] += 1
        late_done += r.late_completion
    total = len(rows)
    return {
        "targets": total,
        "counts": counts,
        "late_completion": late_done,
        "percent": percent(counts[COMPLETED], total),
        "hours": hours(sum(r.seconds for r in rows)),
    }


def by_post(rows: list[Row]) -> list[dict]:
    groups: dict[str, list[Row]] = {}
    for r in rows:
        groups.setdefault(r.post, []).append(r)
    return [
        {"post": post, **summarise(members)}
        for post, members in sorted(groups.items(), key=lambda kv: list(Post).index(Post(kv[0])))
    ]


def filter_rows(rows: list[Row], state: str = "", post: str = "") -> list[Row]:
    return [
        r
        for r in rows
        if (not state or r.state == state or (state == "late_completion" and r.late_completion))
        and (not post or r.post == post)
    ]


# ---------------------------------------------------------------- report


def completion_report(plans: list[TrainingPlan], today: date, post: str = "") -> dict:
    """Completion of active plans' targets by enterprise and by post (assignments counted
    per plan and person), with the study hours of those targets."""
    by_ent: dict[int, dict] = {}
    by_post_: dict[str, dict] = {}
    total = {"assigned": 0, "completed": 0, "late": 0, "seconds": 0}
    for plan in plans:
        for r in plan_rows(plan, today):
            if post and r.post != post:
                continue
            for bucket in (
                by_ent.setdefault(
                    plan.enterprise_id,
                    {
                        "name": plan.enterprise.name,
                        "assigned": 0,
                        "completed": 0,
                        "late": 0,
                        "seconds": 0,
                    },
                ),
                by_post_.setdefault(
                    r.post, {"post": r.post, "assigned": 0, "completed": 0, "late": 0, "seconds": 0}
                ),
                total,
            ):
                bucket["assigned"] += 1
                bucket["completed"] += r.state == COMPLETED
                bucket["late"] += r.state == LATE
                bucket["seconds"] += r.seconds
    for bucket in [*by_ent.values(), *by_post_.values(), total]:
        bucket["percent"] = percent(bucket["completed"], bucket["assigned"])
        bucket["hours"] = hours(bucket["seconds"])
    return {
        "enterprises": sorted(by_ent.values(), key=lambda b: (-b["percent"], b["name"])),
        "posts": sorted(by_post_.values(), key=lambda b: list(Post).index(Post(b["post"]))),
        "total": total,
    }


def hours_query(enterprise_ids, today: date, year_start: datetime, post: str = ""):
    """On-duty employees of `enterprise_ids` with their study hours and courses completed
    since `year_start` (UTC), most hours first."""
    spans = (
        select(StudySpan.employee_id.label("eid"), func.sum(StudySpan.seconds).label("seconds"))
        .where(StudySpan.ended_at >= year_start)
        .group_by(StudySpan.employee_id)
        .subquery()
    )
    done = (
        select(CourseProgress.employee_id.label("eid"), func.count().label("done"))
        .where(CourseProgress.completed_at >= year_start)
        .group_by(CourseProgress.employee_id)
        .subquery()
    )
    seconds = func.coalesce(spans.c.seconds, 0)
    stmt = (
        select(
            Employee.id,
            Employee.name,
            Enterprise.name.label("enterprise"),
            Employee.post,
            seconds.label("seconds"),
            func.coalesce(done.c.done, 0).label("done"),
        )
        .join(Enterprise, Enterprise.id == Employee.enterprise_id)
        .outerjoin(spans, spans.c.eid == Employee.id)
        .outerjoin(done, done.c.eid == Employee.id)
        .where(Employee.enterprise_id.in_(enterprise_ids), on_duty_clause(today))
        .order_by(
            seconds.desc(),
            case((done.c.done.is_(None), 0), else_=done.c.done).desc(),
            Employee.name,
            Employee.id,
        )
    )
    if post:
        stmt = stmt.where(Employee.post == post)
    return stmt


def completion_totals(plans: list[TrainingPlan], today: date) -> dict:
    """Targets, completed and late of `plans` together (each plan and person counted once),
    in one statement: a grouped count per plan, the plans' counts joined by UNION ALL."""
    totals = {"plans": len(plans), "assigned": 0, "completed": 0, "late": 0}
    if not plans:
        return totals
    links = db.session.execute(
        select(TrainingPlanCourse.plan_id, TrainingPlanCourse.course_id).where(
            TrainingPlanCourse.plan_id.in_([p.id for p in plans])
        )
    ).all()
    courses: dict[int, list[int]] = {}
    for plan_id, course_id in links:
        courses.setdefault(plan_id, []).append(course_id)
    parts = []
    for plan in plans:
        ids = courses.get(plan.id, [])
        done = (
            select(
                CourseProgress.employee_id.label("eid"),
                func.count(CourseProgress.completed_at).label("done"),
            )
            .where(CourseProgress.course_id.in_(ids or [-1]))
            .group_by(CourseProgress.employee_id)
            .subquery()
        )
        finished = func.coalesce(done.c.done, 0) >= len(ids) if ids else false()
        overdue = today > plan.due_on
        parts.append(
            select(
                func.count(Employee.id).label("assigned"),
                func.coalesce(func.sum(case((finished, 1), else_=0)), 0).label("completed"),
                func.coalesce(func.sum(case((finished, 0), else_=1 if overdue else 0)), 0).label(
                    "late"
                ),
            )
            .outerjoin(done, done.c.eid == Employee.id)
            .where(target_clause(plan, today))
        )
    for assigned, completed, late in db.session.execute(union_all(*parts)):
        totals["assigned"] += int(assigned or 0)
        totals["completed"] += int(completed or 0)
        totals["late"] += int(late or 0)
    return totals
