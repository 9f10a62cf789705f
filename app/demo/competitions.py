"""The demo competition: the provincial final and its 石家庄 preliminary, set up as the
organisers would through the competitions package's services.

Judges `judge1` … `judge5` and `chief_judge`; `judge1` works for ent1_admin's enterprise,
so the conflict rule keeps them from ent1's contestants (and, in the final, from everyone
of 石家庄). Contestants from several enterprises are entered, numbers drawn from fixed
seeds, judges and the chief judge assigned. Scores are the scoring part's.

Idempotent: competitions are found by title, events by name, accounts by username, and the
services themselves answer the same when asked twice (entries, assignments, the draw).
"""

from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.services import create_account
from app.demo.exams import DEMO_TITLE as DEMO_EXAM_TITLE
from app.demo.organisations import DEMO_PASSWORD
from app.extensions import db
from app.orgs.models import Employee, Enterprise, Region
from app.orgs.rules.posts import Post
from app.timeutil import local_today
from competitions import services
from competitions.models import REGISTRATION, Competition, CompetitionEvent
from exams.models import Exam

FINAL_TITLE = "2026年全省物业服务行业职业技能竞赛"
PRELIMINARY_TITLE = "2026年全省物业服务行业职业技能竞赛石家庄市预赛"
QUOTA = 2  # per event, from the 石家庄 preliminary to the final

JUDGES = [
    ("judge1", "刘志强"),
    ("judge2", "王建华"),
    ("judge3", "张秀兰"),
    ("judge4", "李明德"),
    ("judge5", "赵文博"),
]
CHIEF_JUDGE = ("chief_judge", "陈国华")

ELECTRICIAN = "电工"
CUSTOMER_SERVICE = "客户服务"
# 电工: measured items (full marks or deductions), one judge's mark; workmanship is judged.
ELECTRICIAN_RUBRIC = [
    ("E1", "安全防护与工具使用", "measurement", "10", "single", "1号工位"),
    ("E2", "照明电路安装接线", "measurement", "30", "single", "1号工位"),
    ("E3", "通电测试与参数测量", "measurement", "20", "single", "2号工位"),
    ("E4", "线路故障排查与排除", "measurement", "25", "single", "2号工位"),
    ("E5", "操作规范与文明生产", "judgement", "15", "mean", ""),
]
# 客户服务: judged by five judges, highest and lowest dropped.
SERVICE_RUBRIC = [
    ("K1", "仪容仪表与服务礼仪", "judgement", "20", "trimmed_mean", ""),
    ("K2", "业主投诉处理情景模拟", "judgement", "40", "trimmed_mean", ""),
    ("K3", "沟通表达与应变", "judgement", "20", "trimmed_mean", ""),
    ("K4", "服务规范应答", "measurement", "20", "single", ""),
]
SEEDS = {  # fixed draw seeds: the same numbers on every machine
    (PRELIMINARY_TITLE, ELECTRICIAN): 2026031501,
    (PRELIMINARY_TITLE, CUSTOMER_SERVICE): 2026031502,
    (FINAL_TITLE, ELECTRICIAN): 2026052001,
    (FINAL_TITLE, CUSTOMER_SERVICE): 2026052002,
}


def _rubric(rows) -> list[dict]:
    return [
        {
            "code": code,
            "title": title,
            "kind": kind,
            "max_points": points,
            "aggregation": aggregation,
            "station": station,
        }
        for code, title, kind, points, aggregation, station in rows
    ]


def _events(theory_exam_id: int | None, *, final: bool) -> list[dict]:
    weight = 30 if theory_exam_id else 0
    awards = {"by": "count", "first": 1, "second": 2, "third": 3, "excellence": 2}
    common = {
        "theory_exam_id": theory_exam_id,
        "theory_weight": weight,
        "awards": awards if final else {},
        "titles": [{"title": "河北省技术能手", "top": 3}] if final else [],
        "promote_top": 3 if final else None,
    }
    return [
        common
        | {
            "name": ELECTRICIAN,
            "occupation": "电工",
            "posts": [Post.MAINTENANCE.value],
            "team_size": 2,
            "rubric": _rubric(ELECTRICIAN_RUBRIC),
        },
        common
        | {
            "name": CUSTOMER_SERVICE,
            "occupation": "物业管理员",
            "posts": [Post.CUSTOMER_SERVICE.value],
            "disagreement_threshold": 15,
            "rubric": _rubric(SERVICE_RUBRIC),
        },
    ]


def _account(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _ensure_judges() -> None:
    ent1 = _account("ent1_admin").enterprise
    for username, name in JUDGES:
        if _account(username) is None:
            create_account(
                username=username,
                display_name=name,
                password=DEMO_PASSWORD,
                role=Role.JUDGE,
                enterprise=ent1 if username == "judge1" else None,
            )
    if _account(CHIEF_JUDGE[0]) is None:
        create_account(
            username=CHIEF_JUDGE[0],
            display_name=CHIEF_JUDGE[1],
            password=DEMO_PASSWORD,
            role=Role.CHIEF_JUDGE,
        )


def _competition(title: str, data: dict, by: User) -> Competition:
    found = db.session.scalar(select(Competition).where(Competition.title == title))
    return found or services.create_competition(data | {"title": title}, by=by)


def _staff(enterprise_ids: list[int], post: Post, per_enterprise: int) -> list[Employee]:
    """The first on-duty employees of `post` of each enterprise, in a fixed order."""
    today = local_today()
    chosen = []
    for enterprise_id in enterprise_ids:
        staff = db.session.scalars(
            select(Employee)
            .where(Employee.enterprise_id == enterprise_id, Employee.post == post.value)
            .order_by(Employee.id)
        )
        chosen += [e for e in staff if e.on_duty_at(today)][:per_enterprise]
    return chosen


def _enter(event, employees: list[Employee], by: User) -> None:
    if event.status != REGISTRATION:
        return
    for employee in employees:
        if services.eligibility_problem(event, employee, by=by) is None:
            services.register_contestant(event, employee.id, by=by)


def _judge(event, by: User, usernames: list[str], *, chief: User) -> None:
    for username in usernames:
        services.assign_judge(event, _account(username), [], by=by)
    if event.chief_judge_id is None:
        services.set_chief_judge(event, chief.username, by=by)


def _region_enterprises(name: str) -> list[int]:
    region = db.session.scalar(select(Region).where(Region.name == name))
    return list(
        db.session.scalars(
            select(Enterprise.id).where(Enterprise.region_id == region.id).order_by(Enterprise.id)
        )
    )


def load_demo_competitions() -> list[CompetitionEvent]:
    """Create whatever is missing of the demo competition; answer its events (both stages)."""
    _ensure_judges()
    province, city = _account("admin"), _account("sjz_admin")
    chief = _account(CHIEF_JUDGE[0])
    exam_id = db.session.scalar(select(Exam.id).where(Exam.title == DEMO_EXAM_TITLE))
    final = _competition(
        FINAL_TITLE, {"stage": "final", "events": _events(exam_id, final=True)}, province
    )
    # The city association cannot use the province's exam bank: its round is practical only.
    preliminary = _competition(
        PRELIMINARY_TITLE,
        {
            "stage": "preliminary",
            "region_id": city.region_id,
            "final_id": final.id,
            "quota": QUOTA,
            "events": _events(None, final=False),
        },
        city,
    )
    sjz = _region_enterprises("石家庄")
    others = _region_enterprises("唐山")[:2] + _region_enterprises("保定")[:1]
    posts = {ELECTRICIAN: Post.MAINTENANCE, CUSTOMER_SERVICE: Post.CUSTOMER_SERVICE}
    judges = {
        ELECTRICIAN: ["judge1", "judge2", "judge3"],
        CUSTOMER_SERVICE: [name for name, _ in JUDGES],
    }
    finals = {event.name: event for event in final.events}
    for event in preliminary.events:
        _enter(event, _staff(sjz, posts[event.name], 2), city)
        _judge(event, city, judges[event.name], chief=chief)
        services.draw(event, by=city, seed=SEEDS[(PRELIMINARY_TITLE, event.name)])
        # Before its results are fixed the city association picks whom it sends on.
        final_event = finals[event.name]
        if final_event.status == REGISTRATION and not services.sent_on(event, final_event):
            entered = sorted(services.contestants(event, city), key=lambda c: c.number)
            picks = entered[:QUOTA]
            ent1 = [c for c in entered if c.enterprise_id == sjz[0]]
            if ent1 and ent1[0] not in picks:
                picks[-1] = ent1[0]  # so that ent1_admin has someone of theirs in the final
            services.send_on(event, final_event, by=city, contestant_ids=[c.id for c in picks])
    for event in final.events:
        _enter(event, _staff(others, posts[event.name], 2), province)
        _judge(event, province, judges[event.name], chief=chief)
        services.draw(event, by=province, seed=SEEDS[(FINAL_TITLE, event.name)])
    db.session.flush()
    return [*preliminary.events, *final.events]
