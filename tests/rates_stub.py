"""A stand-in for `app.reports.rates` with its documented signatures, for the chart tests
while the rate service is being built: on duty by the employee's current period, certified
by any external certificate valid on the date. Used only when the real module is absent."""

import calendar
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, exists, func, or_, select

from app.extensions import db
from app.orgs.models import Employee, Enterprise, ExternalCertificate, Region
from app.orgs.rules.posts import POST_LABELS, Post
from app.security import visible
from app.timeutil import local_today


@dataclass
class RateRow:
    key: object
    name: str
    on_duty: int
    certified: int
    rate: str | None


@dataclass
class RateTable:
    rows: list
    total: RateRow


def _rate(certified, on_duty):
    return None if not on_duty else f"{certified / on_duty:.4f}"


def rate_table(user, as_of, group_by, region_id=None, enterprise_id=None):
    valid = exists().where(
        ExternalCertificate.employee_id == Employee.id,
        ExternalCertificate.issued_on <= as_of,
        or_(ExternalCertificate.expires_on.is_(None), ExternalCertificate.expires_on > as_of),
    )
    key, name = {
        "region": (Region.id, Region.name),
        "enterprise": (Enterprise.id, Enterprise.name),
        "post": (Employee.post, Employee.post),
    }[group_by]
    stmt = (
        select(key, name, func.count(), func.sum(case((valid, 1), else_=0)))
        .select_from(Employee)
        .join(Enterprise, Enterprise.id == Employee.enterprise_id)
        .join(Region, Region.id == Enterprise.region_id)
        .where(
            visible(user, Employee),
            Employee.post != Post.OTHER.value,
            Employee.hired_on <= as_of,
            or_(Employee.left_on.is_(None), Employee.left_on > as_of),
        )
        .group_by(key, name)
        .order_by(key)
    )
    if region_id:
        stmt = stmt.where(Enterprise.region_id == region_id)
    if enterprise_id:
        stmt = stmt.where(and_(Employee.enterprise_id == enterprise_id))
    rows = []
    for k, n, on_duty, certified in db.session.execute(stmt):
        certified = int(certified or 0)
        label = POST_LABELS[Post(n)] if group_by == "post" else n
        rows.append(RateRow(k, label, on_duty, certified, _rate(certified, on_duty)))
    on_duty = sum(r.on_duty for r in rows)
    certified = sum(r.certified for r in rows)
    return RateTable(rows, RateRow(None, "合计", on_duty, certified, _rate(certified, on_duty)))


def rate_series(user, start_month, end_month, group_by=None, region_id=None, enterprise_id=None):
    out, month, today = [], start_month.replace(day=1), local_today()
    while month <= end_month:
        last = date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
        day = today if month.year == today.year and month.month == today.month else last
        table = rate_table(user, day, group_by or "post", region_id, enterprise_id)
        out.append((day, table))
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return out


def uncertified(user, as_of, enterprise_id):
    return []
