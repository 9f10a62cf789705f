"""The figures each role's dashboard shows."""

from datetime import date

from sqlalchemy import func, select

from app.auth.models import Role, User
from app.extensions import db
from app.orgs import queries
from app.orgs.models import Employee, Enterprise, ExternalCertificate
from app.security import visible


def admin_overview(user, today: date) -> dict:
    """Enterprises, on-duty staff (by post and region) in the admin's scope."""
    employees = select(Employee).where(visible(user, Employee))
    on_duty_total = db.session.scalar(
        select(func.count()).select_from(employees.where(queries.on_duty(today)).subquery())
    )
    year_start = today.replace(month=1, day=1)
    left_this_year = db.session.scalar(
        select(func.count()).select_from(
            employees.where(Employee.left_on >= year_start, Employee.left_on <= today).subquery()
        )
    )
    return {
        "enterprises": db.session.scalar(
            select(func.count()).where(Enterprise.active, visible(user, Enterprise))
        ),
        "on_duty": on_duty_total,
        "left_this_year": left_this_year,
        "accounts": db.session.scalar(select(func.count()).where(User.active, visible(user, User))),
        "by_post": queries.post_counts(employees, today),
        "regions": queries.region_summary(user, today)
        if user.role in (Role.PROVINCE_ADMIN, Role.CITY_ADMIN)
        else [],
    }


def trainee_overview(user, today: date) -> dict:
    """The trainee's own record: employer, post, certificates held."""
    employee = db.session.get(Employee, user.employee_id) if user.employee_id else None
    certificates = []
    if employee is not None:
        certificates = db.session.scalars(
            select(ExternalCertificate)
            .where(ExternalCertificate.employee_id == employee.id)
            .order_by(ExternalCertificate.issued_on.desc())
        ).all()
    return {"employee": employee, "external_certificates": certificates, "today": today}
