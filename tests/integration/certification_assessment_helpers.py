"""A certification batch ready to assess, written directly (the batches helper's set-up pages
are tested on their own): items, assessors, ticketed candidates, a theory exam's attempts."""

from dataclasses import dataclass, field
from datetime import timedelta

from app.auth.models import Role
from app.extensions import db
from app.timeutil import utcnow
from certificates.models import AssessmentItem, Assessor
from exams.models import SUBMITTED, Attempt
from tests import factories


@dataclass
class World:
    batch: object
    items: dict  # code → AssessmentItem
    province: object
    city_a: object
    ent_a_admin: object
    chief: object  # chief assessor of the practical (and of the review for levels 2 and 1)
    assessor: object  # assessor of the practical, of enterprise A
    candidates: dict  # ticket → CertificationCandidate
    trainees: dict = field(default_factory=dict)  # ticket → trainee account
    ent_a: object = None
    ent_b: object = None


def add_items(batch, part: str, specs) -> dict:
    """Items of `part`: specs are (code, max points in centipoints, aggregation)."""
    items = {}
    for position, (code, max_points, aggregation) in enumerate(specs, start=1):
        item = AssessmentItem(
            batch_id=batch.id,
            part=part,
            position=position,
            code=code,
            title=f"评分项{code}",
            max_points=max_points,
            aggregation=aggregation,
        )
        db.session.add(item)
        items[code] = item
    db.session.commit()
    return items


def appoint(batch, user, part: str = "practical", chief: bool = False) -> Assessor:
    assessor = Assessor(batch_id=batch.id, user_id=user.id, part=part, is_chief=chief)
    db.session.add(assessor)
    db.session.commit()
    return assessor


def theory(exam, employee, user, percent: int) -> Attempt:
    """A submitted attempt of `employee` scoring `percent` of 100."""
    now = utcnow()
    attempt = Attempt(
        exam_id=exam.id,
        employee_id=employee.id,
        user_id=user.id,
        status=SUBMITTED,
        seed=1,
        deadline=now + timedelta(minutes=10),
        submitted_at=now,
        score=percent * 100,
        max_score=10000,
    )
    db.session.add(attempt)
    db.session.commit()
    return attempt


def build(level: int = 4, tickets: int = 3, **batch_fields) -> World:
    """A batch of `level` in status assessing: candidates 00010001… (A, A, B…), items P1 (40,
    mean) and P2 (60, mean) of the practical, R1 (100) of the review for levels 2 and 1."""
    region_a, region_b = factories.region("甲市"), factories.region("乙市")
    ent_a, ent_b = factories.enterprise(region_a), factories.enterprise(region_b)
    exam = factories.exam(title="物业管理员四级理论考试")
    batch = factories.certification_batch(
        level=level, status="assessing", theory_exam_id=exam.id, **batch_fields
    )
    items = add_items(batch, "practical", [("P1", 4000, "mean"), ("P2", 6000, "mean")])
    if level <= 2:
        items |= add_items(batch, "review", [("R1", 10000, "mean")])
    names = ["张三丰", "李四", "王五", "赵六", "孙七"]
    candidates, trainees = {}, {}
    for n in range(tickets):
        enterprise = ent_a if n < 2 else ent_b
        employee = factories.employee(enterprise, name=names[n % len(names)])
        ticket = f"{batch.id:04d}{n + 1:04d}"
        candidate = factories.certification_candidate(batch, employee, ticket_number=ticket)
        trainees[ticket] = factories.user(Role.TRAINEE, employee=employee)
        candidates[ticket] = candidate
    chief = factories.user(Role.CHIEF_JUDGE, display_name="主考")
    assessor = factories.user(Role.JUDGE, enterprise=ent_a, display_name="考评员甲")
    appoint(batch, chief, "practical", chief=True)
    appoint(batch, assessor, "practical")
    if level <= 2:
        appoint(batch, chief, "review", chief=True)
    return World(
        batch=batch,
        items=items,
        province=factories.user(Role.PROVINCE_ADMIN),
        city_a=factories.user(Role.CITY_ADMIN, region=region_a),
        ent_a_admin=factories.user(Role.ENTERPRISE_ADMIN, enterprise=ent_a),
        chief=chief,
        assessor=assessor,
        candidates=candidates,
        trainees=trainees,
        ent_a=ent_a,
        ent_b=ent_b,
    )


def mark_all(world: World, user, points: dict, part: str = "practical") -> None:
    """`user` marks every candidate they may on every item of `part`: {code: centipoints}
    (or {ticket: {code: centipoints}}), through the service."""
    from certificates import assessment

    for ticket, candidate in world.candidates.items():
        if assessment.conflict_with(user, candidate):
            continue
        given = points.get(ticket, points)
        for code, item in world.items.items():
            if item.part != part or code not in given:
                continue
            assessment.record_mark(
                world.batch,
                user,
                ticket_number=ticket,
                item_id=item.id,
                points=str(given[code] / 100),
                key=f"{user.id}-{ticket}-{code}-{given[code]}",
                reason="复核",
                now=utcnow(),
            )
    db.session.commit()
