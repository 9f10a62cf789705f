"""培训覆盖率: study hours and course completion of on-duty staff, by enterprise and post.

Registered with `app.reports.providers`; reads the courses package's own progress tables.
"""

from datetime import date

from sqlalchemy import and_, func, select

from app.courses.models import CourseProgress, StudySpan
from app.courses.plans import on_duty_clause
from app.courses.rules import study
from app.extensions import db
from app.orgs.models import Employee, Enterprise
from app.orgs.rules.posts import POST_LABELS, Post
from app.reports.providers import (
    Column,
    ReportProvider,
    ReportTable,
    bar_chart,
    fraction,
    rate,
    year_bounds,
)
from app.security import visible
from app.timeutil import local_today

COLUMNS = [
    Column("enterprise", "企业"),
    Column("post", "岗位"),
    Column("on_duty", "在岗人数", "count"),
    Column("studied", "参学人数", "count"),
    Column("hours", "学时合计", "hours"),
    Column("completed", "完成课程人数", "count"),
    Column("completion", "完成率", "rate"),
]


def training_coverage(user, year: int) -> ReportTable:
    """On-duty employees in scope per enterprise and post: who studied, hours, completion."""
    start, end = year_bounds(year)
    today = min(local_today(), date(year, 12, 31))
    spans = (
        select(StudySpan.employee_id.label("eid"), func.sum(StudySpan.seconds).label("seconds"))
        .where(StudySpan.ended_at >= start, StudySpan.ended_at < end)
        .group_by(StudySpan.employee_id)
        .subquery()
    )
    done = (
        select(CourseProgress.employee_id.label("eid"))
        .where(CourseProgress.completed_at >= start, CourseProgress.completed_at < end)
        .group_by(CourseProgress.employee_id)
        .subquery()
    )
    stmt = (
        select(
            Enterprise.id,
            Enterprise.name,
            Employee.post,
            func.count(Employee.id),
            func.count(spans.c.eid),
            func.coalesce(func.sum(spans.c.seconds), 0),
            func.count(done.c.eid),
        )
        .join(Enterprise, Enterprise.id == Employee.enterprise_id)
        .outerjoin(spans, and_(spans.c.eid == Employee.id, spans.c.seconds > 0))
        .outerjoin(done, done.c.eid == Employee.id)
        .where(visible(user, Employee), on_duty_clause(today), Employee.hired_on <= today)
        .group_by(Enterprise.id, Enterprise.name, Employee.post)
        .order_by(Enterprise.name, Enterprise.id)
    )
    order = {post.value: i for i, post in enumerate(Post)}
    rows, by_post, all_seconds = [], {}, 0
    for _, name, post, on_duty, studied, seconds, completed in db.session.execute(stmt):
        all_seconds += int(seconds)
        rows.append(
            {
                "enterprise": name,
                "post": POST_LABELS.get(Post(post), post) if post in order else post,
                "post_order": order.get(post, 99),
                "on_duty": on_duty,
                "studied": studied,
                "hours": study.hours(int(seconds)),
                "completed": completed,
                "completion": rate(completed, on_duty),
            }
        )
        bucket = by_post.setdefault(post, [0, 0, 0])
        bucket[0] += on_duty
        bucket[1] += completed
        bucket[2] += studied
    rows.sort(key=lambda r: (r["enterprise"], r["post_order"]))
    posts = sorted(by_post, key=lambda p: order.get(p, 99))
    totals = [sum(b[i] for b in by_post.values()) for i in range(3)]
    chart = bar_chart(
        f"{year} 年培训覆盖（按岗位）",
        "岗位",
        [POST_LABELS.get(Post(p), p) if p in order else p for p in posts],
        [
            ("参学率", [fraction(rate(by_post[p][2], by_post[p][0])) for p in posts]),
            ("完成率", [fraction(rate(by_post[p][1], by_post[p][0])) for p in posts]),
        ],
        "rate",
    )
    total = {
        "enterprise": "合计",
        "post": "",
        "on_duty": totals[0],
        "studied": totals[2],
        "hours": study.hours(all_seconds),
        "completed": totals[1],
        "completion": rate(totals[1], totals[0]),
    }
    return ReportTable(
        COLUMNS,
        rows,
        chart,
        note=f"{year} 年内（北京时间）的学习记录；在岗人员按{today.isoformat()}计。"
        "参学：本年有计入学时的学习；完成：本年完成至少一门课程。",
        total=total,
    )


def register_report() -> None:
    """Add the report to the association's list of reports."""
    from app.reports.providers import register

    register(
        ReportProvider(
            key="training-coverage",
            title="培训覆盖率",
            description="在岗人员的学时与课程完成情况，按企业和岗位统计",
            build=training_coverage,
            order=10,
        )
    )
