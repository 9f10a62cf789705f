"""The certified-on-duty rate (持证上岗率) by region, enterprise or post, as of any date.

Computed from duty periods and the certificates' issue, expiry and revocation dates every
time, never from snapshots: a past figure stays what it was when later data arrives. Each
table is one grouped SQL pass over the employees in the caller's scope
(`app.security.visible(user, Employee)`); certificates come from every registered source
(`app.reports.sources`), whoever issued them.

On duty on `day`: the latest period (mirrored on `Employee.hired_on/left_on`) covers it, or,
for someone hired again after `day`, an earlier `DutyPeriod` did. Periods never overlap, so
only people whose latest period starts after `day` need the look into their history.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    and_,
    case,
    distinct,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
)

from app.errors import NotFound, Refused
from app.extensions import db
from app.form_errors import field_error
from app.orgs.models import DutyPeriod, Employee, Enterprise, Region
from app.orgs.rules.posts import POST_LABELS, Post
from app.reports import sources
from app.reports.models import RatePostOccupation, RateTarget
from app.reports.rules import rates as rules
from app.roles import ADMIN_ROLES, Role
from app.security import in_scope, role_of, visible
from app.timeutil import local_today

GROUPS = ("region", "enterprise", "post")
GROUP_LABELS = {"region": "地区", "enterprise": "企业", "post": "岗位"}


@dataclass(frozen=True)
class RateRow:
    """One line of a rate table; `rate` is exact (four places) or None when nobody is on duty."""

    key: int | str | None
    name: str
    on_duty: int
    certified: int
    rate: Decimal | None
    target: Decimal | None = None  # the region's target (region and enterprise rows)
    region_id: int | None = None  # enterprise rows: the enterprise's region

    @property
    def rate_text(self) -> str | None:
        """`"0.2500"` or None, as the API writes it."""
        return rules.format_rate(self.rate)

    @property
    def percent(self) -> str:
        return rules.format_percent(self.rate)

    @property
    def below_target(self) -> bool:
        return rules.below_target(self.rate, self.target)


@dataclass(frozen=True)
class RateTable:
    """The rate as of one date, grouped one way, within the caller's scope and filters."""

    as_of: date
    group_by: str | None
    rows: list[RateRow]
    total: RateRow
    scope: str = ""
    definition: str = field(default=rules.DEFINITION)


@dataclass(frozen=True)
class UncertifiedEmployee:
    """An on-duty employee without a valid certificate relevant to their post."""

    employee_id: int
    name: str
    post: str
    id_number_masked: str
    hired_on: date

    @property
    def post_label(self) -> str:
        return POST_LABELS[Post(self.post)]


# Settings ------------------------------------------------------------------------


def post_occupations() -> dict[str, tuple[str, ...]]:
    """Which occupations count for which post: the settings, or the defaults while unset."""
    rows = db.session.execute(
        select(RatePostOccupation.post, RatePostOccupation.occupation).order_by(
            RatePostOccupation.id
        )
    ).all()
    if not rows:
        return {p.value: occ for p, occ in rules.DEFAULT_POST_OCCUPATIONS.items()}
    mapping: dict[str, list[str]] = {p.value: [] for p in rules.COUNTED_POSTS}
    for post, occupation in rows:
        mapping.setdefault(post, []).append(occupation)
    return {post: tuple(occupations) for post, occupations in mapping.items()}


def region_targets() -> dict[int, Decimal]:
    """Each region's target rate (regions without one are absent)."""
    return {
        region_id: rules.rate_from_basis_points(points)
        for region_id, points in db.session.execute(
            select(RateTarget.region_id, RateTarget.target_bp)
        )
    }


def save_post_occupations(user, mapping: dict[str, list[str]]) -> None:
    """Replace the occupations of the posts given (provincial admin); flushes."""
    if role_of(user) is not Role.PROVINCE_ADMIN:
        raise Refused("只有省协会管理员可以修改持证上岗率设置")
    current = post_occupations()
    current.update({post: tuple(occupations) for post, occupations in mapping.items()})
    db.session.execute(RatePostOccupation.__table__.delete())
    for post in rules.COUNTED_POSTS:
        for occupation in current.get(post.value, ()):
            db.session.add(
                RatePostOccupation(post=post.value, occupation=occupation, updated_by_id=user.id)
            )
    db.session.flush()


def save_targets(user, targets: dict[int, int | None]) -> None:
    """Set (basis points) or clear (None) regions' targets (provincial admin); flushes."""
    if role_of(user) is not Role.PROVINCE_ADMIN:
        raise Refused("只有省协会管理员可以修改持证上岗率设置")
    for region_id, points in targets.items():
        target = db.session.get(RateTarget, region_id)
        if points is None:
            if target is not None:
                db.session.delete(target)
        elif target is None:
            db.session.add(RateTarget(region_id=region_id, target_bp=points, updated_by_id=user.id))
        else:
            target.target_bp, target.updated_by_id = points, user.id
    db.session.flush()


# The SQL predicates ----------------------------------------------------------------


# "No end date" as a date after any other: `coalesce(end, NEVER) > day` is one comparison
# where `end IS NULL OR end > day` is an OR, which SQLite answers with a multi-index OR over
# ix_employees_left_on (a lookup per row) instead of scanning the covering index.
_NEVER = date(9999, 12, 31)


def _covers(start, end, day: date):
    """SQL: a span from `start` (inclusive) to `end` (exclusive; NULL: open) covers `day`."""
    return and_(start <= day, func.coalesce(end, _NEVER) > day)


def _current_period_covers(day: date):
    """SQL condition on `Employee`: the latest duty period (the mirror) covers `day`."""
    return _covers(Employee.hired_on, Employee.left_on, day)


def _earlier_period_covers(day: date):
    """SQL condition on `Employee`: the latest period starts after `day` and an earlier one
    covers it (someone who left and was hired again)."""
    return and_(
        Employee.hired_on > day,
        exists().where(
            DutyPeriod.employee_id == Employee.id,
            _covers(DutyPeriod.started_on, DutyPeriod.ended_on, day),
        ),
    )


def on_duty_on(day: date):
    """SQL condition on `Employee`: on duty on `day` (see the module's note)."""
    return or_(_current_period_covers(day), _earlier_period_covers(day))


def _valid_on(src, day: date) -> list:
    """SQL conditions on a certificate source's row: valid on `day`."""
    return [
        src.c.issued_on <= day,
        func.coalesce(src.c.expires_on, _NEVER) > day,
        func.coalesce(src.c.revoked_on, _NEVER) > day,
    ]


def _relevant_pairs(mapping: dict[str, tuple[str, ...]]) -> list[tuple[str, tuple[str, ...]]]:
    return [(post, occ) for post, occ in mapping.items() if occ and post != Post.OTHER.value]


def certified_on(day: date, mapping: dict[str, tuple[str, ...]] | None = None):
    """SQL condition on `Employee`: holds, on `day`, a valid certificate of an occupation
    that counts for their post, from any registered source."""
    mapping = post_occupations() if mapping is None else mapping
    pairs = _relevant_pairs(mapping)
    if not pairs:
        return false()
    conditions = []
    for src in sources.selectables():
        relevant = or_(
            *(and_(Employee.post == post, src.c.occupation.in_(occ)) for post, occ in pairs)
        )
        conditions.append(
            exists().where(src.c.employee_id == Employee.id, relevant, *_valid_on(src, day))
        )
    return or_(*conditions) if conditions else false()


def _counts(key, where: list, day: date) -> dict:
    """{key: (on duty, certified)} in one statement, four counts added together.

    Those whose latest period (the mirror) covers `day`: all of them, and the certified
    ones driven from the certificates valid on `day`, each joined to its holder by primary
    key (instead of probing every employee's certificates in every source: half the work on
    SQLite, and PostgreSQL hash-joins). Those hired again since, found from the earlier
    period covering `day` (`ix_duty_periods_ended_on`: a short range, empty for today): all
    of them, and those certified (`certified_on`). Periods never overlap, so nobody is in
    both, nor twice in the second. Kept apart rather than OR-ed: the OR's correlated
    sub-query makes PostgreSQL price every employee as a sub-plan and pick nested loops
    (four times slower), and SQLite give up the covering index."""
    mapping = post_occupations()
    pairs = _relevant_pairs(mapping)
    by_enterprise = key.table is Enterprise.__table__

    def grouped(*columns):
        statement = select(key.label("k"), *columns)
        if by_enterprise:
            statement = statement.join_from(
                Employee, Enterprise, Enterprise.id == Employee.enterprise_id
            )
        return statement

    current = _current_period_covers(day)
    selects = [
        grouped(func.count().label("on_duty"), literal(0).label("certified"))
        .where(*where, current)
        .group_by(key)
    ]
    occupations = sorted({o for _, occ in pairs for o in occ})
    valid = [
        select(src.c.employee_id, src.c.occupation).where(
            src.c.occupation.in_(occupations), *_valid_on(src, day)
        )
        for src in sources.selectables()
    ]
    if valid and pairs:
        held = union_all(*valid).subquery("held") if len(valid) > 1 else valid[0].subquery("held")
        relevant = or_(*(and_(Employee.post == p, held.c.occupation.in_(occ)) for p, occ in pairs))
        certified = (
            select(
                key.label("k"),
                literal(0).label("on_duty"),
                func.count(distinct(Employee.id)).label("certified"),
            )
            .select_from(held)
            .join(Employee, Employee.id == held.c.employee_id)
        )
        if by_enterprise:
            certified = certified.join(Enterprise, Enterprise.id == Employee.enterprise_id)
        selects.append(certified.where(*where, current, relevant).group_by(key))

    earlier = [
        DutyPeriod.ended_on > day,  # an earlier period has ended; the range of the index
        DutyPeriod.started_on <= day,
        Employee.hired_on > day,
    ]
    rehired = (
        select(key.label("k"))
        .select_from(DutyPeriod)
        .join(Employee, Employee.id == DutyPeriod.employee_id)
    )
    if by_enterprise:
        rehired = rehired.join(Enterprise, Enterprise.id == Employee.enterprise_id)
    rehired = rehired.where(*where, *earlier)
    selects.append(
        rehired.add_columns(func.count().label("on_duty"), literal(0).label("certified")).group_by(
            key
        )
    )
    selects.append(
        rehired.add_columns(literal(0).label("on_duty"), func.count().label("certified"))
        .where(certified_on(day, mapping))
        .group_by(key)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # The planner's cost estimate of this statement crosses the JIT threshold, and
        # compiling it takes longer (seconds) than running it (tenths): off for this
        # transaction only.
        db.session.execute(text("SET LOCAL jit = off"))
    both = union_all(*selects).subquery("counts")
    statement = select(both.c.k, func.sum(both.c.on_duty), func.sum(both.c.certified)).group_by(
        both.c.k
    )
    return {k: (int(n), int(c)) for k, n, c in db.session.execute(statement)}


def _series_counts(key, where: list, days: list[date]) -> dict[date, dict]:
    """{day: {key: (on duty, certified)}} for many days in one statement (a series).

    One pass over the employees in scope with a column pair per day, instead of a
    statement per day: each holder's certificates are first folded into one row with a
    flag per day (a valid relevant certificate that day), joined to their holder, and the
    on-duty test is made per day in a CASE (the earlier periods' EXISTS only for someone
    hired again after that day). Same predicates as `_counts`, which the tests hold it to."""
    pairs = _relevant_pairs(post_occupations())
    occupations = sorted({o for _, occ in pairs for o in occ})
    last = max(days)
    held_parts = [
        select(
            src.c.employee_id, src.c.occupation, src.c.issued_on, src.c.expires_on, src.c.revoked_on
        ).where(src.c.occupation.in_(occupations), src.c.issued_on <= last)
        for src in sources.selectables()
    ]
    flags = None
    if held_parts and pairs:
        held = (
            union_all(*held_parts).subquery("held")
            if len(held_parts) > 1
            else held_parts[0].subquery("held")
        )
        relevant = or_(*(and_(Employee.post == p, held.c.occupation.in_(occ)) for p, occ in pairs))
        flags = (
            select(
                held.c.employee_id.label("employee_id"),
                *(
                    func.max(case((and_(*_valid_on(held, day)), 1), else_=0)).label(f"c{i}")
                    for i, day in enumerate(days)
                ),
            )
            .join_from(held, Employee, Employee.id == held.c.employee_id)
            .where(*where, relevant)
            .group_by(held.c.employee_id)
            .subquery("flags")
        )
    columns = []
    for i, day in enumerate(days):
        on_duty = case((_current_period_covers(day), 1), (_earlier_period_covers(day), 1), else_=0)
        columns.append(func.sum(on_duty))
        if flags is None:
            columns.append(func.sum(literal(0)))
        else:
            columns.append(func.sum(case((flags.c[f"c{i}"] == 1, on_duty), else_=0)))
    statement = select(key, *columns).select_from(Employee)
    if key.table is Enterprise.__table__:
        statement = statement.join(Enterprise, Enterprise.id == Employee.enterprise_id)
    if flags is not None:
        statement = statement.outerjoin(flags, flags.c.employee_id == Employee.id)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))  # as in `_counts`
    result: dict[date, dict] = {day: {} for day in days}
    for k, *figures in db.session.execute(statement.where(*where).group_by(key)):
        for i, day in enumerate(days):
            result[day][k] = (int(figures[2 * i]), int(figures[2 * i + 1]))
    return result


def _enterprises_in(user, region_id: int | None, enterprise_id: int | None):
    """SELECT id, name, region_id of the enterprises in scope and in the filters."""
    enterprises = select(Enterprise.id, Enterprise.name, Enterprise.region_id).where(
        visible(user, Enterprise)
    )
    if region_id is not None:
        enterprises = enterprises.where(Enterprise.region_id == region_id)
    if enterprise_id is not None:
        enterprises = enterprises.where(Enterprise.id == enterprise_id)
    return enterprises


def _employees_in(user, region_id: int | None, enterprise_id: int | None) -> list:
    """The WHERE clause: counted posts, in scope and in the filters (on duty on `day` is
    `_counts`' part)."""
    conditions = [visible(user, Employee), Employee.post != Post.OTHER.value]
    if enterprise_id is not None:
        conditions.append(Employee.enterprise_id == enterprise_id)
    if region_id is not None:
        conditions.append(
            Employee.enterprise_id.in_(
                select(Enterprise.id).where(Enterprise.region_id == region_id)
            )
        )
    return conditions


# Checks -----------------------------------------------------------------------------


def _check_reader(user) -> None:
    if role_of(user) not in ADMIN_ROLES:
        raise Refused("只有协会和企业管理员可以查看持证上岗率")


def _check_filters(user, region_id: int | None, enterprise_id: int | None) -> None:
    """A region or enterprise outside the caller's scope does not exist for them."""
    if enterprise_id is not None:
        enterprise = db.session.get(Enterprise, enterprise_id)
        if enterprise is None or not in_scope(user, enterprise):
            raise NotFound("企业不存在")
    if region_id is not None:
        region = db.session.get(Region, region_id)
        role = role_of(user)
        allowed = region is not None and (
            role is Role.PROVINCE_ADMIN
            or (role is Role.CITY_ADMIN and region.id == user.region_id)
            or (
                role is Role.ENTERPRISE_ADMIN
                and db.session.scalar(
                    select(Enterprise.region_id).where(Enterprise.id == user.enterprise_id)
                )
                == region.id
            )
        )
        if not allowed:
            raise NotFound("地区不存在")


def check_day(day: date) -> None:
    """Refuse a date outside the range a report may ask for (Chinese message)."""
    if not rules.EARLIEST_AS_OF <= day <= rules.LATEST_AS_OF:
        first, last = rules.EARLIEST_AS_OF.isoformat(), rules.LATEST_AS_OF.isoformat()
        raise field_error("as_of", f"统计日期应在 {first} 至 {last} 之间")


def scope_text(user, region_id: int | None = None, enterprise_id: int | None = None) -> str:
    """The scope a table covers, in words (written on pages and exports)."""
    role = role_of(user)
    if role is Role.PROVINCE_ADMIN:
        words = "全省"
    elif role is Role.CITY_ADMIN:
        words = db.session.scalar(select(Region.name).where(Region.id == user.region_id)) or ""
    else:
        words = (
            db.session.scalar(select(Enterprise.name).where(Enterprise.id == user.enterprise_id))
            or ""
        )
    if region_id is not None and role is Role.PROVINCE_ADMIN:
        words = db.session.scalar(select(Region.name).where(Region.id == region_id)) or words
    if enterprise_id is not None and role is not Role.ENTERPRISE_ADMIN:
        name = db.session.scalar(select(Enterprise.name).where(Enterprise.id == enterprise_id))
        words = f"{words} · {name}"
    return words


# The tables --------------------------------------------------------------------------


def _total(rows: list[RateRow], target: Decimal | None = None) -> RateRow:
    on_duty = sum(r.on_duty for r in rows)
    certified = sum(r.certified for r in rows)
    return RateRow(None, "合计", on_duty, certified, rules.rate(certified, on_duty), target)


_GROUP_KEYS = {"post": Employee.post, "enterprise": Employee.enterprise_id}


def rate_table(
    user,
    as_of: date,
    group_by: str | None,
    region_id: int | None = None,
    enterprise_id: int | None = None,
) -> RateTable:
    """The rate as of `as_of` for the caller's scope, grouped by region, enterprise or post
    (None: the total only), narrowed to a region or an enterprise."""
    _check_reader(user)  # before the date: someone who may not read gets 403, not 422
    check_day(as_of)
    return _tables(user, [as_of], group_by, region_id, enterprise_id)[0]


def _tables(
    user, days: list[date], group_by: str | None, region_id: int | None, enterprise_id: int | None
) -> list[RateTable]:
    """The tables of `rate_table` for each of `days` (checked): one statement for a day
    (`_counts`), one for all of them in a series (`_series_counts`)."""
    _check_reader(user)
    if group_by not in (*GROUPS, None):
        raise ValueError(f"unknown grouping {group_by!r}")
    _check_filters(user, region_id, enterprise_id)
    where = _employees_in(user, region_id, enterprise_id)
    targets = region_targets()
    # Grouped by the enterprise's region in SQL: 14 groups, not 20,000 to add up here.
    key = _GROUP_KEYS.get(group_by or "post", Enterprise.region_id)
    if len(days) == 1:
        by_day = {days[0]: _counts(key, where, days[0])}
    else:
        by_day = _series_counts(key, where, days)

    listed: list[tuple] = []  # (key, name, region id) of each row, in order
    if group_by == "post" or group_by is None:
        listed = [(post.value, post.label, None) for post in rules.COUNTED_POSTS]
    elif group_by == "enterprise":
        listed = db.session.execute(
            _enterprises_in(user, region_id, enterprise_id).order_by(Enterprise.id)
        ).all()
    else:
        region_query = select(Region.id, Region.name, Region.id).order_by(
            Region.sort_order, Region.id
        )
        if role_of(user) is not Role.PROVINCE_ADMIN or region_id or enterprise_id:
            in_scope_ids = _enterprises_in(user, region_id, enterprise_id).with_only_columns(
                Enterprise.region_id
            )
            region_query = region_query.where(Region.id.in_(in_scope_ids))
        listed = db.session.execute(region_query).all()
    scope_target = None
    if region_id is not None:
        scope_target = targets.get(region_id)
    elif role_of(user) is Role.CITY_ADMIN:
        scope_target = targets.get(user.region_id)
    scope = scope_text(user, region_id, enterprise_id)

    tables = []
    for day in days:
        counted = by_day.get(day, {})
        rows = []
        for k, name, rid in listed:
            n, c = counted.get(k, (0, 0))
            target = targets.get(rid) if rid is not None else None
            rows.append(RateRow(k, name, n, c, rules.rate(c, n), target, rid))
        tables.append(
            RateTable(
                as_of=day,
                group_by=group_by,
                rows=rows if group_by is not None else [],
                total=_total(rows, scope_target),
                scope=scope,
            )
        )
    return tables


def _month(value) -> date:
    if isinstance(value, date):
        return value
    year, month = str(value).split("-")[:2]
    return date(int(year), int(month), 1)


def rate_series(
    user,
    start_month,
    end_month,
    group_by: str | None = None,
    region_id: int | None = None,
    enterprise_id: int | None = None,
    *,
    today: date | None = None,
) -> list[tuple[date, RateTable]]:
    """The rate month by month (a `date` in the month, or "YYYY-MM"): as of each month's
    last day, or today for the current month; months still to come are left out."""
    today = today or local_today()
    try:
        days = rules.series_dates(_month(start_month), _month(end_month), today)
    except ValueError as error:
        raise field_error("end_month", str(error)) from None
    if not days:
        return []
    _check_reader(user)
    for day in days:
        check_day(day)
    return list(zip(days, _tables(user, days, group_by, region_id, enterprise_id), strict=True))


def uncertified(user, as_of: date, enterprise_id: int) -> list[UncertifiedEmployee]:
    """The enterprise's on-duty employees without a valid relevant certificate on `as_of`
    (for those who may see its roster; identity numbers masked)."""
    _check_reader(user)
    check_day(as_of)
    _check_filters(user, None, enterprise_id)
    rows = db.session.execute(
        select(
            Employee.id, Employee.name, Employee.post, Employee.id_number_masked, Employee.hired_on
        )
        .where(
            *_employees_in(user, None, enterprise_id),
            on_duty_on(as_of),
            ~certified_on(as_of),
        )
        .order_by(Employee.post, Employee.name, Employee.id)
    ).all()
    return [UncertifiedEmployee(*row) for row in rows]
