"""考试 on the admins' dashboards: sittings this year and the pass rate, in scope.

Registered with `app.reports.providers`; one grouped query over the submitted attempts of
the employees the admin may see. A candidate of an exam counts once: passed when any of
their attempts this year passed (as the report 考试通过率 counts).
"""

from datetime import date

from flask import url_for
from sqlalchemy import case, func, select

from app.extensions import db
from app.orgs.models import Employee
from app.reports.providers import Figure, FigureProvider, percent_label, rate, year_bounds
from app.security import visible
from exams.models import SUBMITTED, Attempt
from exams.policy import reads_results


def exam_figures(user, today: date) -> list[Figure]:
    """Sittings (人次) this year and the pass rate of the candidates who sat."""
    start, end = year_bounds(today.year)
    per_candidate = (
        select(
            func.count(Attempt.id).label("sittings"),
            func.max(case((Attempt.passed.is_(True), 1), else_=0)).label("passed"),
        )
        .join(Employee, Employee.id == Attempt.employee_id)
        .where(
            visible(user, Employee),
            Attempt.status == SUBMITTED,
            Attempt.submitted_at >= start,
            Attempt.submitted_at < end,
        )
        .group_by(Attempt.exam_id, Attempt.employee_id)
        .subquery()
    )
    sat, sittings, passed = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(per_candidate.c.sittings), 0),
            func.coalesce(func.sum(per_candidate.c.passed), 0),
        ).select_from(per_candidate)
    ).one()
    sittings, passed = int(sittings), int(passed)
    if reads_results(user):
        href = url_for("exam_results.index")
    else:
        href = url_for("report_charts.report", key="exam-pass-rates", year=today.year)
    return [
        Figure("exam_sittings", "考试人次", str(sittings), f"实考 {sat} 人", href),
        Figure(
            "exam_pass_rate",
            "考试合格率",
            percent_label(rate(passed, sat)),
            f"合格 {passed} 人，不合格 {sat - passed} 人",
            href,
        ),
    ]


def register_figures() -> None:
    """Add the exam figures to the admins' dashboards."""
    from app.reports.providers import register_figures as register

    register(FigureProvider(key="exams", build=exam_figures, order=20))
