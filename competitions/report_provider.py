"""竞赛参与情况: contestants by region and enterprise, over the competitions of a year.

Registered with `app.reports.providers`; reads the competitions package's own tables over
the contestants the user may see.
"""

from sqlalchemy import func, select

from app.extensions import db
from app.orgs.models import Enterprise, Region
from app.reports.providers import (
    Column,
    ReportProvider,
    ReportTable,
    bar_chart,
    year_bounds,
)
from app.security import visible
from competitions.models import Competition, CompetitionEvent, Contestant

COLUMNS = [
    Column("region", "地区"),
    Column("enterprise", "企业"),
    Column("contestants", "参赛人次", "count"),
    Column("people", "参赛人数", "count"),
    Column("events", "参赛项目数", "count"),
]


def participation(user, year: int) -> ReportTable:
    """Contestants of competitions created in `year`, per region and enterprise."""
    start, end = year_bounds(year)
    stmt = (
        select(
            Region.name,
            Region.sort_order,
            Enterprise.name,
            func.count(Contestant.id),
            func.count(func.distinct(Contestant.employee_id)),
            func.count(func.distinct(Contestant.event_id)),
        )
        .select_from(Contestant)
        .join(CompetitionEvent, CompetitionEvent.id == Contestant.event_id)
        .join(Competition, Competition.id == CompetitionEvent.competition_id)
        .join(Enterprise, Enterprise.id == Contestant.enterprise_id)
        .join(Region, Region.id == Contestant.region_id)
        .where(
            visible(user, Contestant),
            Competition.created_at >= start,
            Competition.created_at < end,
        )
        .group_by(Region.id, Region.name, Region.sort_order, Enterprise.id, Enterprise.name)
        .order_by(Region.sort_order, Region.id, Enterprise.name)
    )
    rows, regions, order = [], {}, {}
    for region, sort_order, enterprise, entries, people, events in db.session.execute(stmt):
        rows.append(
            {
                "region": region,
                "enterprise": enterprise,
                "contestants": entries,
                "people": people,
                "events": events,
            }
        )
        regions[region] = regions.get(region, 0) + entries
        order[region] = sort_order
    names = sorted(regions, key=lambda r: (order[r], r))
    chart = bar_chart(
        f"{year} 年竞赛参赛人次（按地区）",
        "地区",
        names,
        [("参赛人次", [regions[r] for r in names])],
        "count",
    )
    return ReportTable(
        COLUMNS,
        rows,
        chart,
        note=f"{year} 年创建的竞赛（企业技能比武、各地预赛和全省决赛）；"
        "同一人参加多个项目或晋级决赛时，每次计一人次。",
        total={
            "region": "合计",
            "enterprise": "",
            "contestants": sum(r["contestants"] for r in rows),
            "people": None,
            "events": None,
        },
    )


def register_report() -> None:
    """Add the report to the association's list of reports."""
    from app.reports.providers import register

    register(
        ReportProvider(
            key="competition-participation",
            title="竞赛参与情况",
            description="技能竞赛的参赛人次，按地区和企业统计",
            build=participation,
            order=40,
        )
    )
