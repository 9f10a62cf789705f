"""Read-only queries of organisations and rosters, scoped by the policy."""

from datetime import date

from sqlalchemy import func, or_, select

from app.auth.models import Role
from app.extensions import db
from app.orgs.models import Employee, Enterprise, Region
from app.orgs.rules.posts import Post
from app.security import visible
from app.sorting import natural


def on_duty(today: date):
    """SQL condition: the employee's current period covers `today`."""
    return (Employee.hired_on <= today) & (Employee.left_on.is_(None) | (Employee.left_on > today))


def on_duty_breakdown(user, today: date) -> list[tuple[int, int, str, int]]:
    """On-duty employees of active enterprises in scope: (enterprise, region, post, count).

    One grouped pass over the covering index (enterprise_id, post, hired_on, left_on);
    dashboards add it up in Python rather than scanning the employees once per figure.
    """
    enterprises = dict(
        db.session.execute(
            select(Enterprise.id, Enterprise.region_id).where(
                Enterprise.active, visible(user, Enterprise)
            )
        ).all()
    )
    if not enterprises:
        return []
    scope = select(Enterprise.id).where(Enterprise.active, visible(user, Enterprise))
    rows = db.session.execute(
        select(Employee.enterprise_id, Employee.post, func.count())
        .where(Employee.enterprise_id.in_(scope), on_duty(today))
        .group_by(Employee.enterprise_id, Employee.post)
    ).all()
    return [(eid, enterprises[eid], post, count) for eid, post, count in rows]


def region_summary(user, today: date, breakdown=None) -> list[dict]:
    """Per visible region: active enterprises and their on-duty employees."""
    regions = db.session.scalars(select(Region).order_by(Region.sort_order)).all()
    if user.role == Role.CITY_ADMIN:
        regions = [r for r in regions if r.id == user.region_id]
    enterprises = dict(
        db.session.execute(
            select(Enterprise.region_id, func.count())
            .where(Enterprise.active, visible(user, Enterprise))
            .group_by(Enterprise.region_id)
        ).all()
    )
    if breakdown is None:
        breakdown = on_duty_breakdown(user, today)
    employees: dict[int, int] = {}
    for _, region_id, _, count in breakdown:
        employees[region_id] = employees.get(region_id, 0) + count
    return [
        {
            "region": region,
            "enterprises": enterprises.get(region.id, 0),
            "employees": employees.get(region.id, 0),
        }
        for region in regions
    ]


def enterprise_list(user, *, region_id: int | None, q: str, status: str):
    """Statement of the enterprises `user` sees, filtered."""
    stmt = select(Enterprise).where(visible(user, Enterprise)).order_by(natural(Enterprise.name))
    if region_id:
        stmt = stmt.where(Enterprise.region_id == region_id)
    if q:
        stmt = stmt.where(or_(Enterprise.name.contains(q), Enterprise.credit_code == q.upper()))
    if status == "active":
        stmt = stmt.where(Enterprise.active)
    elif status == "inactive":
        stmt = stmt.where(~Enterprise.active)
    return stmt


def on_duty_counts(enterprise_ids: list[int], today: date) -> dict[int, int]:
    """On-duty employees of each of `enterprise_ids`."""
    if not enterprise_ids:
        return {}
    return dict(
        db.session.execute(
            select(Employee.enterprise_id, func.count())
            .where(Employee.enterprise_id.in_(enterprise_ids), on_duty(today))
            .group_by(Employee.enterprise_id)
        ).all()
    )


def post_counts(employees_stmt, today: date) -> list[dict]:
    """On-duty employees per post among those `employees_stmt` selects, every post listed."""
    sub = employees_stmt.where(on_duty(today)).subquery()
    counts = dict(db.session.execute(select(sub.c.post, func.count()).group_by(sub.c.post)).all())
    return [{"post": post, "count": counts.get(post.value, 0)} for post in Post]


def roster(enterprise_id: int, *, q: str, post: str, status: str, today: date):
    """Statement of an enterprise's roster, filtered."""
    stmt = select(Employee).where(Employee.enterprise_id == enterprise_id)
    if q:
        stmt = stmt.where(Employee.name.contains(q) | (Employee.phone == q))
    if post in {p.value for p in Post}:
        stmt = stmt.where(Employee.post == post)
    if status == "on_duty":
        stmt = stmt.where(on_duty(today))
    elif status == "left":
        stmt = stmt.where(~on_duty(today))
    return stmt.order_by(natural(Employee.name), Employee.id)


# For other packages (exams' candidate lists): employees reached through the policy's scope.


def visible_employee_ids(user, ids) -> set[int]:
    """Those of `ids` that are employees `user` may see."""
    ids = list(ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(select(Employee.id).where(Employee.id.in_(ids), visible(user, Employee)))
    )


def present_employee_ids(user, enterprise_ids, posts=()) -> list[int]:
    """Employees of `enterprise_ids` (of `posts`, if any) who have not left, in `user`'s scope."""
    stmt = select(Employee.id).where(
        Employee.enterprise_id.in_(list(enterprise_ids)),
        Employee.left_on.is_(None),
        visible(user, Employee),
    )
    if posts:
        stmt = stmt.where(Employee.post.in_(list(posts)))
    return list(db.session.scalars(stmt))


def employees_by_key(user, key: str, values) -> list[tuple[object, int, bool]]:
    """(value, employee id, not left) of the visible employees whose `key` is one of `values`.

    `key` is "id" or "id_number_index" (the identity number's blind index). Looked up in
    chunks, so that a list of twenty thousand rows stays within the databases' parameters.
    """
    column = {"id": Employee.id, "id_number_index": Employee.id_number_index}[key]
    values = sorted(set(values))
    found = []
    for start in range(0, len(values), 900):
        chunk = values[start : start + 900]
        found += db.session.execute(
            select(column, Employee.id, Employee.left_on.is_(None)).where(
                column.in_(chunk), visible(user, Employee)
            )
        ).all()
    return [(value, employee_id, bool(present)) for value, employee_id, present in found]


def active_enterprises_by_region(user) -> dict[str, list[tuple[int, str]]]:
    """{region name: [(enterprise id, name)]} of the active enterprises in `user`'s scope."""
    rows = db.session.execute(
        select(Enterprise.id, Enterprise.name, Region.name)
        .join(Region, Region.id == Enterprise.region_id)
        .where(visible(user, Enterprise), Enterprise.active.is_(True))
        .order_by(Region.sort_order, natural(Enterprise.name))
    ).all()
    grouped: dict[str, list[tuple[int, str]]] = {}
    for enterprise_id, name, region in rows:
        grouped.setdefault(region, []).append((enterprise_id, name))
    return grouped


def employees_per_enterprise(employee_ids) -> list[tuple[str, int]]:
    """(enterprise name, how many) of the employees `employee_ids` selects, most first."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(Enterprise.name, func.count())
            .join(Employee, Employee.enterprise_id == Enterprise.id)
            .where(Employee.id.in_(employee_ids))
            .group_by(Enterprise.name)
            .order_by(func.count().desc(), natural(Enterprise.name))
        )
    ]


def employees_with_enterprise(employee_ids) -> list[tuple[Employee, str]]:
    """(employee, enterprise name) of those `employee_ids` selects, by enterprise and name."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(Employee, Enterprise.name)
            .join(Enterprise, Enterprise.id == Employee.enterprise_id)
            .where(Employee.id.in_(employee_ids))
            .order_by(natural(Enterprise.name), natural(Employee.name))
        )
    ]
