"""学习 on the admins' dashboards: study hours this year and training-plan completion.

Registered with `app.reports.providers` (the dashboard knows only the registry); each
figure is one grouped query over the employees the admin may see.
"""

from datetime import date

from flask import url_for
from sqlalchemy import func, select

from app.courses import plans
from app.courses.models import StudySpan, TrainingPlan
from app.courses.rules import study
from app.extensions import db
from app.orgs.models import Employee
from app.reports.providers import Figure, FigureProvider, percent_label, rate, year_bounds
from app.roles import Role
from app.security import role_of, visible


def _hours_href(user) -> str:
    if role_of(user) in (Role.PROVINCE_ADMIN, Role.CITY_ADMIN):
        return url_for("plans.report")
    return url_for("report_charts.report", key="training-coverage")


def study_figures(user, today: date) -> list[Figure]:
    """学时 of this year (China's calendar year) and training-plan completion, in scope."""
    start, end = year_bounds(today.year)
    people, seconds = db.session.execute(
        select(func.count(func.distinct(StudySpan.employee_id)), func.sum(StudySpan.seconds))
        .join(Employee, Employee.id == StudySpan.employee_id)
        .where(visible(user, Employee), StudySpan.ended_at >= start, StudySpan.ended_at < end)
    ).one()
    seconds = int(seconds or 0)
    average = study.hours(seconds // people) if people else "0.0"
    active = db.session.scalars(
        select(TrainingPlan).where(visible(user, TrainingPlan), TrainingPlan.active.is_(True))
    ).all()
    totals = plans.completion_totals(list(active), today)
    if totals["plans"]:
        plan_detail = (
            f"{totals['plans']} 项计划，完成 {totals['completed']}/{totals['assigned']} 人次，"
            f"逾期 {totals['late']}"
        )
    else:
        plan_detail = "还没有进行中的培训计划"
    return [
        Figure(
            "study_hours",
            "学时合计",
            study.hours(seconds),
            f"参学 {people} 人，人均 {average} 学时",
            _hours_href(user),
        ),
        Figure(
            "plan_completion",
            "培训计划完成率",
            percent_label(rate(totals["completed"], totals["assigned"])),
            plan_detail,
            url_for("plans.index"),
        ),
    ]


def register_figures() -> None:
    """Add the study figures to the admins' dashboards."""
    from app.reports.providers import register_figures as register

    register(FigureProvider(key="study", build=study_figures, order=10))
