"""考试通过率: candidates, who sat and who passed each exam, by the candidates' region.

Registered with `app.reports.providers`; reads the exams package's own tables. A candidate
counts as passed when any submitted attempt passed; the rate is passed ÷ sat.
"""

from sqlalchemy import and_, case, func, select

from app.extensions import db
from app.orgs.models import Employee, Enterprise, Region
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
from exams.models import SUBMITTED, Attempt, Exam, ExamCandidate

COLUMNS = [
    Column("exam", "考试"),
    Column("region", "地区"),
    Column("candidates", "应考人数", "count"),
    Column("sat", "实考人数", "count"),
    Column("passed", "通过人数", "count"),
    Column("pass_rate", "通过率", "rate"),
]


def exam_pass_rates(user, year: int) -> ReportTable:
    """Exams opening in `year`, per exam and region, over the candidates `user` may see."""
    start, end = year_bounds(year)
    sat = (
        select(
            Attempt.exam_id.label("exam_id"),
            Attempt.employee_id.label("employee_id"),
            func.max(case((Attempt.passed.is_(True), 1), else_=0)).label("passed"),
        )
        .where(Attempt.status == SUBMITTED)
        .group_by(Attempt.exam_id, Attempt.employee_id)
        .subquery()
    )
    stmt = (
        select(
            Exam.id,
            Exam.title,
            Region.name,
            Region.sort_order,
            func.count(ExamCandidate.id),
            func.count(sat.c.employee_id),
            func.coalesce(func.sum(sat.c.passed), 0),
        )
        .select_from(ExamCandidate)
        .join(Exam, Exam.id == ExamCandidate.exam_id)
        .join(Employee, Employee.id == ExamCandidate.employee_id)
        .join(Enterprise, Enterprise.id == Employee.enterprise_id)
        .join(Region, Region.id == Enterprise.region_id)
        .outerjoin(
            sat,
            and_(
                sat.c.exam_id == ExamCandidate.exam_id,
                sat.c.employee_id == ExamCandidate.employee_id,
            ),
        )
        .where(visible(user, Employee), Exam.opens_at >= start, Exam.opens_at < end)
        .group_by(Exam.id, Exam.title, Region.id, Region.name, Region.sort_order)
        .order_by(Exam.opens_at, Exam.id, Region.sort_order, Region.id)
    )
    rows, regions, order = [], {}, {}
    for _, title, region, sort_order, candidates, sat_count, passed in db.session.execute(stmt):
        passed = int(passed)
        rows.append(
            {
                "exam": title,
                "region": region,
                "candidates": candidates,
                "sat": sat_count,
                "passed": passed,
                "pass_rate": rate(passed, sat_count),
            }
        )
        bucket = regions.setdefault(region, [0, 0, 0])
        bucket[0] += candidates
        bucket[1] += sat_count
        bucket[2] += passed
        order[region] = sort_order
    names = sorted(regions, key=lambda r: (order[r], r))
    totals = [sum(b[i] for b in regions.values()) for i in range(3)]
    chart = bar_chart(
        f"{year} 年考试通过率（按地区）",
        "地区",
        names,
        [("通过率", [fraction(rate(regions[r][2], regions[r][1])) for r in names])],
        "rate",
    )
    return ReportTable(
        COLUMNS,
        rows,
        chart,
        note=f"{year} 年开考的考试；通过率 = 通过人数 ÷ 实考人数（有已提交答卷的考生）。",
        total={
            "exam": "合计",
            "region": "",
            "candidates": totals[0],
            "sat": totals[1],
            "passed": totals[2],
            "pass_rate": rate(totals[2], totals[1]),
        },
    )


def register_report() -> None:
    """Add the report to the association's list of reports."""
    from app.reports.providers import register

    register(
        ReportProvider(
            key="exam-pass-rates",
            title="考试通过率",
            description="各考试的应考、实考和通过人数，按考生所在地区统计",
            build=exam_pass_rates,
            order=20,
        )
    )
