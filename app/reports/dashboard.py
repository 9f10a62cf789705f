"""The figures each role's dashboard shows."""

from datetime import date

from sqlalchemy import func, select

from app.auth.models import Role, User
from app.extensions import db
from app.orgs import queries
from app.orgs.learning_record import record_section
from app.orgs.models import Employee, Enterprise, ExternalCertificate
from app.orgs.rules.posts import Post
from app.security import visible
from app.timeutil import utcnow


def admin_overview(user, today: date) -> dict:
    """Enterprises, on-duty staff (by post and region) in the admin's scope."""
    breakdown = queries.on_duty_breakdown(user, today)
    by_post: dict[str, int] = {}
    for _, _, post, count in breakdown:
        by_post[post] = by_post.get(post, 0) + count
    year_start = today.replace(month=1, day=1)
    left_this_year = db.session.scalar(
        select(func.count(Employee.id)).where(
            visible(user, Employee), Employee.left_on >= year_start, Employee.left_on <= today
        )
    )
    return {
        "enterprises": db.session.scalar(
            select(func.count()).where(Enterprise.active, visible(user, Enterprise))
        ),
        "on_duty": sum(by_post.values()),
        "left_this_year": left_this_year,
        "accounts": db.session.scalar(select(func.count()).where(User.active, visible(user, User))),
        "by_post": [{"post": post, "count": by_post.get(post.value, 0)} for post in Post],
        "regions": queries.region_summary(user, today, breakdown)
        if user.role in (Role.PROVINCE_ADMIN, Role.CITY_ADMIN)
        else [],
    }


def trainee_overview(user, today: date) -> dict:
    """The trainee's own record: employer, post, certificates held, exams open now."""
    employee = db.session.get(Employee, user.employee_id) if user.employee_id else None
    certificates = []
    if employee is not None:
        certificates = db.session.scalars(
            select(ExternalCertificate)
            .where(ExternalCertificate.employee_id == employee.id)
            .order_by(ExternalCertificate.issued_on.desc())
        ).all()
    from exams.queries import candidate_exams, home_cards  # exams build on the app's core

    now = utcnow()
    exams = home_cards(candidate_exams(user, now), now)
    from app.courses import progress  # the courses package builds on the app's core

    courses, year_seconds = [], 0
    if employee is not None:
        cards = progress.course_cards(employee)
        courses = [c for c in cards if not c.completed and (c.due_on or c.progress)][:5]
        year_seconds = progress.hours_this_year(employee.id, today)
    issued = record_section(employee, today, "certificates") if employee else None
    return {
        "employee": employee,
        "external_certificates": certificates,
        "issued_certificates": issued.rows if issued else [],
        "today": today,
        "exams": exams,
        "courses": courses,
        "year_seconds": year_seconds,
    }


def rate_overview(user, today: date) -> dict | None:
    """持证上岗率 for the admin's scope today (the 12-month trend loads after the page, from
    the trend chart's JSON: at provincial scale it takes a second or two to compute)."""
    from app.reports import chart_data

    try:
        rates = chart_data.rates()
    except ModuleNotFoundError as missing:  # the rate service is not installed
        if missing.name != "app.reports.rates":
            raise
        return None
    table = rates.rate_table(user, today, "post")
    return {
        "total": table.total,
        "definition": chart_data.definition(),
    }
