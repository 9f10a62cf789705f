"""A signed-off event with hand-computed standings, for the results tests.

The event has no theory round and a rubric worth 100 points, so a total is the practical
score itself:

| no. | enterprise | A1 (max 40) | B1 (max 60, mean of 2) | total | time | rank |
|-----|------------|-------------|------------------------|-------|------|------|
| 1   | E1         | 38          | 50, 52 → 51            | 89.00 | 600  | 2    |
| 2   | E2         | 40          | 48, 50 → 49            | 89.00 | 500  | 1    |
| 3   | E1         | 30          | 55, 55 → 55            | 85.00 | 700  | 3    |
| 4   | E2         | 30          | 55, 55 → 55            | 85.00 | 700  | 3    |
| 5   | E3         | 20          | 40, 40 → 40            | 60.00 | 800  | 5    |

Nos. 1 and 2 tie on the total and the practical; the time puts no. 2 first. Nos. 3 and 4
are equal on everything and share rank 3. Awards by count: one first, one second, one
third and one excellence prize; the title 河北省技术能手 to the first two; promotion to the
first three.
"""

from dataclasses import dataclass
from datetime import timedelta

from app.auth.models import Role
from app.extensions import db
from app.timeutil import utcnow
from competitions.models import (
    SIGNED_OFF,
    Competition,
    CompetitionEvent,
    Contestant,
    JudgeAssignment,
    RubricItem,
    ScoreEntry,
)
from tests import factories

SHEET = [
    # number, enterprise index, A1, (B1 by judge 1, judge 2), time used
    (1, 0, 38, (50, 52), 600),
    (2, 1, 40, (48, 50), 500),
    (3, 0, 30, (55, 55), 700),
    (4, 1, 30, (55, 55), 700),
    (5, 2, 20, (40, 40), 800),
]
NAMES = {1: "赵一", 2: "钱二", 3: "孙三", 4: "李四", 5: "周五"}


@dataclass
class World:
    """Everyone and everything the results tests touch."""

    event: CompetitionEvent
    competition: Competition
    items: dict  # code → RubricItem
    contestants: dict  # number → Contestant
    enterprises: list
    region: object
    province: object
    chief: object
    judges: list
    city: object  # the city admin of the contestants' region
    other_city: object  # a city admin of another region
    ent_admins: list  # the admins of E1, E2, E3
    trainee: object  # no. 1's own account


def build(
    *,
    awards=None,
    titles=None,
    promote_top=3,
    team_size=2,
    notice_days=5,
    stage="final",
    names=None,
) -> World:
    """The event of the module docstring, signed off and ready to publish."""
    names = {**NAMES, **(names or {})}
    region = factories.region("石家庄市")
    other_region = factories.region("唐山市")
    enterprises = [
        factories.enterprise(region, name=f"石家庄第{i}物业服务有限公司") for i in (1, 2, 3)
    ]
    province = factories.user(Role.PROVINCE_ADMIN, display_name="省协会")
    chief = factories.user(Role.CHIEF_JUDGE, display_name="王裁判长")
    judges = [factories.user(Role.JUDGE, display_name=name) for name in ("裁判甲", "裁判乙")]
    competition = Competition(
        title="2026年全省物业服务行业职业技能竞赛",
        stage=stage,
        region_id=region.id if stage == "preliminary" else None,
        notice_days=notice_days,
        created_by_id=province.id,
    )
    event = CompetitionEvent(
        competition=competition,
        name="电工",
        occupation="电工",
        theory_weight=0,
        team_size=team_size,
        tie_break=["practical", "time", "theory"],
        awards=awards
        if awards is not None
        else {"by": "count", "first": 1, "second": 1, "third": 1, "excellence": 1},
        titles=titles if titles is not None else [{"title": "河北省技术能手", "top": 2}],
        promote_top=promote_top,
        chief_judge_id=chief.id,
        status=SIGNED_OFF,
        draw_seed=42,
        drawn_at=utcnow() - timedelta(hours=3),
        signed_off_at=utcnow() - timedelta(minutes=5),
        signed_off_by_id=chief.id,
    )
    db.session.add_all([competition, event])
    db.session.flush()
    a1 = RubricItem(
        event_id=event.id,
        position=1,
        code="A1",
        title="线路接线",
        kind="measurement",
        max_points=4000,
        aggregation="single",
        station="1号赛位",
    )
    b1 = RubricItem(
        event_id=event.id,
        position=2,
        code="B1",
        title="安全文明操作",
        kind="judgement",
        max_points=6000,
        aggregation="mean",
        station="2号赛位",
    )
    db.session.add_all([a1, b1])
    db.session.flush()
    db.session.add_all(
        [
            JudgeAssignment(event_id=event.id, user_id=judges[0].id, item_id=None),
            JudgeAssignment(event_id=event.id, user_id=judges[1].id, item_id=b1.id),
        ]
    )
    contestants = {}
    key = 0
    for number, which, a_points, b_points, seconds in SHEET:
        employee = factories.employee(enterprises[which], name=names[number])
        contestant = Contestant(
            event_id=event.id,
            employee_id=employee.id,
            enterprise_id=enterprises[which].id,
            region_id=region.id,
            number=number,
            time_used_seconds=seconds,
        )
        db.session.add(contestant)
        db.session.flush()
        contestants[number] = contestant
        marks = [
            (judges[0], a1, a_points),
            (judges[0], b1, b_points[0]),
            (judges[1], b1, b_points[1]),
        ]
        for judge, item, points in marks:
            key += 1
            db.session.add(
                ScoreEntry(
                    event_id=event.id,
                    contestant_id=contestant.id,
                    item_id=item.id,
                    judge_id=judge.id,
                    points=points * 100,
                    key=f"k{key}",
                )
            )
    db.session.commit()
    trainee = factories.user(Role.TRAINEE, employee=contestants[1].employee)
    return World(
        event=event,
        competition=competition,
        items={"A1": a1, "B1": b1},
        contestants=contestants,
        enterprises=enterprises,
        region=region,
        province=province,
        chief=chief,
        judges=judges,
        city=factories.user(Role.CITY_ADMIN, region=region),
        other_city=factories.user(Role.CITY_ADMIN, region=other_region),
        ent_admins=[factories.user(Role.ENTERPRISE_ADMIN, enterprise=e) for e in enterprises],
        trainee=trainee,
    )


def correct(world: World, number: int, code: str, judge_index: int, points: int, reason: str):
    """A judge's later correction of their own mark (a new entry)."""
    db.session.add(
        ScoreEntry(
            event_id=world.event.id,
            contestant_id=world.contestants[number].id,
            item_id=world.items[code].id,
            judge_id=world.judges[judge_index].id,
            points=points * 100,
            key=f"fix-{number}-{code}-{judge_index}",
            reason=reason,
            created_at=utcnow() + timedelta(seconds=1),
        )
    )
    db.session.commit()
