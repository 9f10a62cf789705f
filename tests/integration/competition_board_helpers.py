"""Data for the live-board tests: an event with a rubric, drawn contestants, a judge and
the chief judge, and scores written as the scoring service writes them (an entry, the
`standings_changed` signal, one commit).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from app.auth.models import Role
from app.extensions import db
from competitions.models import (
    DRAWN,
    Competition,
    CompetitionEvent,
    Contestant,
    JudgeAssignment,
    RubricItem,
    ScoreEntry,
)
from competitions.signals import standings_changed
from tests import factories

T0 = datetime(2026, 11, 20, 1, 0, 0)  # 09:00 in Shanghai, stored as UTC


@dataclass
class World:
    event_id: int
    items: list[int]
    contestants: dict[int, int]  # number -> contestant id
    judge_id: int
    chief_id: int


def make_event(*, contestants: int = 3, items: int = 2, stage: str = "final") -> World:
    """A drawn event (theory weight 0, no theory exam) with `items` items of 50 points."""
    region = factories.region("石家庄市")
    enterprise = factories.enterprise(region)
    judge = factories.user(Role.JUDGE)
    chief = factories.user(Role.CHIEF_JUDGE)
    competition = Competition(title="2026年全省物业服务行业职业技能竞赛", stage=stage)
    if stage == "preliminary":
        competition.region_id = region.id
    db.session.add(competition)
    db.session.flush()
    event = CompetitionEvent(
        competition_id=competition.id,
        name="电工",
        occupation="电工",
        theory_weight=0,
        status=DRAWN,
        chief_judge_id=chief.id,
        drawn_at=T0,
        draw_seed=7,
    )
    db.session.add(event)
    db.session.flush()
    item_ids = []
    for n in range(items):
        item = RubricItem(
            event_id=event.id,
            position=n + 1,
            code=f"A{n + 1}",
            title=f"评分项{n + 1}",
            kind="measurement",
            max_points=100 * 100 // items,
            aggregation="single",
        )
        db.session.add(item)
        db.session.flush()
        item_ids.append(item.id)
    numbers = {}
    names = ["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨磊"]
    db.session.add(JudgeAssignment(event_id=event.id, user_id=judge.id))
    for n in range(contestants):
        employee = factories.employee(enterprise, name=names[n % len(names)])
        contestant = Contestant(
            event_id=event.id,
            employee_id=employee.id,
            enterprise_id=enterprise.id,
            region_id=region.id,
            number=n + 1,
        )
        db.session.add(contestant)
        db.session.flush()
        numbers[n + 1] = contestant.id
    db.session.commit()
    return World(event.id, item_ids, numbers, judge.id, chief.id)


def add_score(world: World, number: int, item: int, points: str, *, at: datetime, key=None):
    """A judge's mark as the scoring service records it: the entry, then the signal."""
    entry = ScoreEntry(
        event_id=world.event_id,
        contestant_id=world.contestants[number],
        item_id=world.items[item],
        judge_id=world.judge_id,
        points=int(Decimal(points) * 100),
        key=key or f"k-{number}-{item}-{points}-{at.timestamp()}",
        created_at=at,
    )
    db.session.add(entry)
    db.session.flush()
    standings_changed.send(None, event_id=world.event_id)
    return entry


def score(world: World, number: int, item: int, points: str, *, at: datetime | None = None):
    """A committed mark."""
    add_score(world, number, item, points, at=at or T0 + timedelta(minutes=number + item))
    db.session.commit()


def rows_by_number(body: dict) -> dict[int, dict]:
    """The board's rows keyed by contestant number."""
    return {row["number"]: row for row in body["rows"]}
