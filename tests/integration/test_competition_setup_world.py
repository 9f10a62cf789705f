"""The world the competition set-up tests share (no tests here): two regions, three
enterprises, their staff, admins of every level, judges, a final and region A's preliminary.
"""

from datetime import date

from app.auth.models import Role
from app.extensions import db
from app.orgs.rules.posts import Post
from app.orgs.services import mark_left
from competitions import services

RUBRIC = [
    {
        "code": "A1",
        "title": "安全防护",
        "kind": "measurement",
        "max_points": "10",
        "aggregation": "single",
    },
    {"code": "A2", "title": "线路接线", "kind": "measurement", "max_points": "30.5"},
    {
        "code": "B1",
        "title": "工艺美观",
        "kind": "judgement",
        "max_points": "9.75",
        "aggregation": "trimmed_mean",
    },
]


def event_data(name: str = "电工", **changes) -> dict:
    """An event as the API and the services read it."""
    return {
        "name": name,
        "occupation": "电工",
        "theory_weight": 0,
        "rubric": list(RUBRIC),
    } | changes


def build(make) -> dict:
    """The world: returns a dict of its regions, enterprises, employees, users and competitions."""
    region_a, region_b = make.region("甲市"), make.region("乙市")
    ent_a, ent_a2 = make.enterprise(region_a, "甲物业"), make.enterprise(region_a, "甲二物业")
    ent_b = make.enterprise(region_b, "乙物业")
    w = {
        "region_a": region_a,
        "region_b": region_b,
        "ent_a": ent_a,
        "ent_a2": ent_a2,
        "ent_b": ent_b,
    }
    w["emp_a"] = make.employee(ent_a, name="张电工", post=Post.MAINTENANCE)
    w["emp_a_guard"] = make.employee(ent_a, name="李保安", post=Post.SECURITY)
    w["emp_a2"] = make.employee(ent_a2, name="王电工", post=Post.MAINTENANCE)
    w["emp_b"] = make.employee(ent_b, name="赵电工", post=Post.MAINTENANCE)
    w["emp_gone"] = make.employee(
        ent_a, name="钱离职", post=Post.MAINTENANCE, hired_on=date(2020, 1, 1)
    )
    mark_left(w["emp_gone"], date(2024, 1, 1))
    db.session.commit()
    w["province"] = make.user(Role.PROVINCE_ADMIN, "province")
    w["city_a"] = make.user(Role.CITY_ADMIN, "city_a", region=region_a)
    w["city_b"] = make.user(Role.CITY_ADMIN, "city_b", region=region_b)
    w["ent_a_admin"] = make.user(Role.ENTERPRISE_ADMIN, "ent_a_admin", enterprise=ent_a)
    w["ent_b_admin"] = make.user(Role.ENTERPRISE_ADMIN, "ent_b_admin", enterprise=ent_b)
    w["trainee"] = make.user(Role.TRAINEE, "trainee_a", employee=w["emp_a"])
    w["judge_a"] = make.user(Role.JUDGE, "judge_a", enterprise=ent_a)  # works for enterprise A
    w["judge_free"] = make.user(Role.JUDGE, "judge_free")
    w["judge_region_a"] = make.user(Role.JUDGE, "judge_region_a", region=region_a)
    w["chief"] = make.user(Role.CHIEF_JUDGE, "chief")
    w["final"] = services.create_competition(
        {"title": "全省决赛", "stage": "final", "events": [event_data()]}, by=w["province"]
    )
    w["preliminary"] = services.create_competition(
        {
            "title": "甲市预赛",
            "stage": "preliminary",
            "region_id": region_a.id,
            "final_id": w["final"].id,
            "quota": 2,
            "events": [event_data()],
        },
        by=w["city_a"],
    )
    db.session.commit()
    w["final_event"] = w["final"].events[0]
    w["prelim_event"] = w["preliminary"].events[0]
    return w
