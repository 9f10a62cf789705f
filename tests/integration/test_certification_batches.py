"""Certification batches through the API: set-up, rubric, assessors, registration, tickets."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.extensions import db
from app.orgs.models import DutyPeriod, ExternalCertificate
from app.orgs.rules.posts import Post
from app.timeutil import local_today
from certificates.models import CertificationBatch, CertificationCandidate
from exams.models import ExamCandidate

TODAY = local_today()


@pytest.fixture
def world(make):
    region_a, region_b = make.region("甲市"), make.region("乙市")
    ent_a, ent_b = make.enterprise(region_a), make.enterprise(region_b)
    manager = make.employee(ent_a, name="张经理", post=Post.PROJECT_MANAGER)
    clerk = make.employee(ent_a, name="李客服", post=Post.CUSTOMER_SERVICE)
    guard = make.employee(ent_a, name="王保安", post=Post.SECURITY)
    other = make.employee(ent_b, name="赵乙", post=Post.PROJECT_MANAGER)
    users = {
        "province": make.user(Role.PROVINCE_ADMIN, username="prov"),
        "city_a": make.user(Role.CITY_ADMIN, username="city_a", region=region_a),
        "city_b": make.user(Role.CITY_ADMIN, username="city_b", region=region_b),
        "ent_a": make.user(Role.ENTERPRISE_ADMIN, username="ent_a", enterprise=ent_a),
        "ent_b": make.user(Role.ENTERPRISE_ADMIN, username="ent_b", enterprise=ent_b),
        "trainee": make.user(Role.TRAINEE, username="trainee", employee=manager),
        "judge": make.user(Role.JUDGE, username="judge1", display_name="裁判一"),
        "chief": make.user(Role.CHIEF_JUDGE, username="chief", display_name="裁判长"),
    }
    return {
        "users": users,
        "ent_a": ent_a,
        "ent_b": ent_b,
        "manager": manager,
        "clerk": clerk,
        "guard": guard,
        "other": other,
        "exam": make.exam(title="物业管理员四级理论考试"),
    }


def batch_body(**fields) -> dict:
    return {
        "title": "2026年第四期物业管理员四级认定",
        "occupation": "物业管理员",
        "occupation_code": "4-07-05-01",
        "level": 4,
        "registration_opens_on": (TODAY - timedelta(days=3)).isoformat(),
        "registration_closes_on": (TODAY + timedelta(days=10)).isoformat(),
        "fee_note": "鉴定费 260 元，由企业统一缴纳",
        "assessment_starts_at": f"{(TODAY + timedelta(days=20)).isoformat()}T09:00:00+08:00",
        "assessment_place": "石家庄市裕华区物业实训基地",
        **fields,
    }


def csrf(login, world, role) -> dict:
    """Headers of a session as `role` (logging in only when another role speaks now)."""
    if world.get("speaking") != role:
        world["token"] = login(world["users"][role].username)
        world["speaking"] = role
    return {"X-CSRFToken": world["token"]}


def as_(login, world, role):
    csrf(login, world, role)


def create(client, login, world, **fields) -> int:
    headers = csrf(login, world, "province")
    response = client.post(
        "/api/v1/certification/batches", json=batch_body(**fields), headers=headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def full_rubric(client, headers, batch_id, part="practical"):
    for code, points in (("A1", 40), ("A2", 60)):
        response = client.post(
            f"/api/v1/certification/batches/{batch_id}/items",
            json={"part": part, "code": f"{part[0]}{code}", "title": "操作", "max_points": points},
            headers=headers,
        )
        assert response.status_code == 201, response.get_json()


# Set-up ----------------------------------------------------------------------------------


def test_the_province_opens_a_batch_with_its_settings(client, login, world):
    batch_id = create(client, login, world, theory_exam_id=world["exam"].id, practical_pass="65.5")
    body = client.get(f"/api/v1/certification/batches/{batch_id}").get_json()
    assert body["status"] == "registration"
    assert body["level_name"] == "四级/中级工"
    assert body["practical_pass"] == "65.5" and body["theory_pass"] == "60"
    assert body["review_pass"] is None  # no review below 二级
    assert body["assessment_starts_at"].startswith(
        f"{(TODAY + timedelta(days=20)).isoformat()}T09:00"
    )
    assert body["eligibility"] == "在职人员均可报名"
    batch = db.session.get(CertificationBatch, batch_id)
    assert batch.practical_pass == 6550
    assert batch.assessment_starts_at.hour == 1  # stored in UTC


@pytest.mark.parametrize("role", ["city_a", "ent_a", "trainee"])
def test_only_the_province_opens_batches(client, login, world, role):
    headers = csrf(login, world, role)
    response = client.post("/api/v1/certification/batches", json=batch_body(), headers=headers)
    assert response.status_code == 403
    assert db.session.scalar(select(CertificationBatch.id)) is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"registration_closes_on": (TODAY - timedelta(days=9)).isoformat()},
            "registration_closes_on",
            "不能早于开始日期",
        ),
        ({"level": 5, "years_at_lower_level": 2}, "years_at_lower_level", "五级是最低等级"),
        ({"occupation_code": "4.07.05"}, "occupation_code", "职业编码只能由数字"),
        ({"theory_exam_id": 99999}, "theory_exam_id", "理论考试不存在"),
        (
            {"assessment_starts_at": "2019-01-01T09:00:00+08:00"},
            "assessment_starts_at",
            "不能早于报名开始日期",
        ),
    ],
)
def test_bad_settings_are_refused_with_the_field(client, login, world, fields, field, message):
    headers = csrf(login, world, "province")
    if field == "assessment_starts_at":
        fields = fields | {"registration_opens_on": "2020-01-01"}
    response = client.post(
        "/api/v1/certification/batches", json=batch_body(**fields), headers=headers
    )
    assert response.status_code == 422, response.get_json()
    details = response.get_json()["error"]["details"]
    assert any(d["field"] == field and message in d["message"] for d in details), details
    assert db.session.scalar(select(CertificationBatch.id)) is None


def test_dates_outside_the_sane_range_are_refused(client, login, world):
    headers = csrf(login, world, "province")
    response = client.post(
        "/api/v1/certification/batches",
        json=batch_body(registration_closes_on="9999-12-31"),
        headers=headers,
    )
    assert response.status_code == 422


def test_items_of_a_part_may_not_exceed_100_points(client, login, world):
    headers = csrf(login, world, "province")
    batch_id = create(client, login, world)
    url = f"/api/v1/certification/batches/{batch_id}/items"
    first = client.post(
        url, json={"code": "A1", "title": "设备巡检", "max_points": 70}, headers=headers
    )
    assert first.status_code == 201
    assert first.get_json()["rubric_warnings"] == ["实操考核各评分项合计 70 分，应为 100 分"]
    over = client.post(
        url, json={"code": "A2", "title": "投诉处理", "max_points": 40}, headers=headers
    )
    assert over.status_code == 422
    assert "本项最多 30 分" in over.get_json()["error"]["message"]
    twice = client.post(url, json={"code": "A1", "title": "重复", "max_points": 1}, headers=headers)
    assert twice.status_code == 422 and "已存在" in twice.get_json()["error"]["message"]
    fill = client.post(
        url, json={"code": "A2", "title": "投诉处理", "max_points": 30}, headers=headers
    )
    assert fill.get_json()["rubric_warnings"] == []


def test_a_review_part_only_for_levels_2_and_1(client, login, world):
    headers = csrf(login, world, "province")
    fourth = create(client, login, world)
    refused = client.post(
        f"/api/v1/certification/batches/{fourth}/items",
        json={"part": "review", "code": "R1", "title": "论文", "max_points": 100},
        headers=headers,
    )
    assert refused.status_code == 422
    assert "只有二级、一级设综合评审" in refused.get_json()["error"]["message"]
    second = create(client, login, world, level=2, title="物业管理员二级（技师）认定")
    body = client.get(f"/api/v1/certification/batches/{second}").get_json()
    assert body["rubric_warnings"] == [
        "实操考核各评分项合计 0 分，应为 100 分",
        "综合评审各评分项合计 0 分，应为 100 分",
    ]


def test_assessors_are_judges_with_one_chief_per_part(client, login, world):
    headers = csrf(login, world, "province")
    batch_id = create(client, login, world)
    url = f"/api/v1/certification/batches/{batch_id}/assessors"
    assert client.post(url, json={"username": "judge1"}, headers=headers).status_code == 201
    chief = client.post(url, json={"username": "chief", "chief": True}, headers=headers)
    assert chief.status_code == 201
    again = client.post(url, json={"username": "judge1", "chief": True}, headers=headers)
    assert again.status_code == 201
    refused = client.post(url, json={"username": "ent_a"}, headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["message"] == "该用户不是裁判或裁判长账号"
    body = client.get(f"/api/v1/certification/batches/{batch_id}").get_json()
    assert body["assessors"] == [
        {"username": "judge1", "part": "practical", "chief": True},
        {"username": "chief", "part": "practical", "chief": False},
    ]


# Registration ------------------------------------------------------------------------------


def register(client, headers, batch_id, *employees):
    return client.post(
        f"/api/v1/certification/batches/{batch_id}/candidates",
        json={"employee_ids": [e.id for e in employees]},
        headers=headers,
    )


def test_an_enterprise_registers_its_staff_and_they_are_admitted_to_the_exam(client, login, world):
    batch_id = create(client, login, world, theory_exam_id=world["exam"].id)
    headers = csrf(login, world, "ent_a")
    response = register(client, headers, batch_id, world["manager"], world["clerk"])
    assert response.status_code == 201, response.get_json()
    assert len(response.get_json()["items"]) == 2
    admitted = set(
        db.session.scalars(
            select(ExamCandidate.employee_id).where(ExamCandidate.exam_id == world["exam"].id)
        )
    )
    assert admitted == {world["manager"].id, world["clerk"].id}
    again = register(client, headers, batch_id, world["manager"])
    assert again.status_code == 422
    assert "张经理：该人员已报名本批次，不能重复报名" in again.get_json()["error"]["message"]


def test_another_enterprises_employee_is_refused_and_nobody_goes_in(client, login, world):
    batch_id = create(client, login, world)
    headers = csrf(login, world, "ent_a")
    response = register(client, headers, batch_id, world["manager"], world["other"])
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert details == [
        {
            "field": "employee_ids",
            "employee_id": world["other"].id,
            "message": f"编号 {world['other'].id}：该人员不存在或不在您的管理范围内",
        }
    ]
    assert db.session.scalar(select(CertificationCandidate.id)) is None  # all or nothing


def test_ineligible_people_are_refused_each_with_the_reason(client, login, world, make):
    batch_id = create(
        client,
        login,
        world,
        level=3,
        title="物业管理员三级认定",
        years_at_lower_level=2,
        years_in_post=5,
    )
    # The manager holds our 四级 certificate for three years: eligible.
    make.certificate(world["manager"], level=4, issued_on=TODAY - timedelta(days=3 * 366))
    # The clerk holds another issuer's 中级工 for one year and was hired two years ago.
    db.session.add(
        ExternalCertificate(
            employee_id=world["clerk"].id,
            name="物业管理员（中级工）",
            issuer="人社部门",
            issued_on=TODAY - timedelta(days=365),
        )
    )
    clerk = db.session.scalar(select(DutyPeriod).where(DutyPeriod.employee_id == world["clerk"].id))
    clerk.started_on = world["clerk"].hired_on = TODAY - timedelta(days=730)
    # The guard has been on duty since 2020, but as a guard: not a post of 物业管理员.
    db.session.commit()
    headers = csrf(login, world, "ent_a")
    response = register(client, headers, batch_id, world["manager"], world["clerk"], world["guard"])
    assert response.status_code == 422
    body = response.get_json()["error"]
    assert body["message"].startswith("2 人不能报名，均未报名")
    by_person = {d["employee_id"]: d["message"] for d in body["details"]}
    assert set(by_person) == {world["clerk"].id, world["guard"].id}
    assert "李客服：不符合报考条件" in by_person[world["clerk"].id]
    assert "四级证书取得于" in by_person[world["clerk"].id]
    assert "现岗位与本职业不对应" in by_person[world["guard"].id]
    assert register(client, headers, batch_id, world["manager"]).status_code == 201


def test_years_on_duty_count_the_persons_other_rosters(client, login, world, make):
    """The same identity number on another enterprise's roster adds its duty periods."""
    batch_id = create(client, login, world, level=3, years_in_post=5)
    from app.pii import vault

    number = vault().decrypt(world["clerk"].id_number_cipher)
    earlier = make.employee(
        world["ent_b"],
        name="李客服",
        post=Post.CUSTOMER_SERVICE,
        hired_on=date(TODAY.year - 8, 1, 1),
        id_number_=number,
    )
    from app.orgs.services import mark_left

    mark_left(earlier, date(TODAY.year - 2, 1, 1))
    db.session.commit()
    headers = csrf(login, world, "ent_a")
    assert register(client, headers, batch_id, world["clerk"]).status_code == 201


def test_a_person_who_left_cannot_be_registered(client, login, world):
    from app.orgs.services import mark_left

    mark_left(world["clerk"], TODAY - timedelta(days=1))
    db.session.commit()
    batch_id = create(client, login, world)
    response = register(client, csrf(login, world, "ent_a"), batch_id, world["clerk"])
    assert response.status_code == 422
    assert "该人员不在职" in response.get_json()["error"]["message"]


def test_outside_the_window_enterprises_cannot_register_but_the_province_can(client, login, world):
    batch_id = create(
        client,
        login,
        world,
        registration_opens_on=(TODAY + timedelta(days=1)).isoformat(),
        registration_closes_on=(TODAY + timedelta(days=5)).isoformat(),
        assessment_starts_at=None,
    )
    early = register(client, csrf(login, world, "ent_a"), batch_id, world["manager"])
    assert early.status_code == 409
    assert "报名尚未开始" in early.get_json()["error"]["message"]
    late = register(
        client, csrf(login, world, "province"), batch_id, world["manager"], world["other"]
    )
    assert late.status_code == 201


def test_city_admins_and_trainees_do_not_register(client, login, world):
    batch_id = create(client, login, world)
    for role in ("city_a", "trainee"):
        response = register(client, csrf(login, world, role), batch_id, world["manager"])
        assert response.status_code in (403, 404), role


def test_withdrawal_before_the_window_closes_and_registering_again(client, login, world):
    batch_id = create(client, login, world)
    headers = csrf(login, world, "ent_a")
    candidate_id = register(client, headers, batch_id, world["clerk"]).get_json()["items"][0]["id"]
    out = client.post(f"/api/v1/certification/candidates/{candidate_id}/withdraw", headers=headers)
    assert out.status_code == 200 and out.get_json()["status"] == "withdrawn"
    twice = client.post(
        f"/api/v1/certification/candidates/{candidate_id}/withdraw", headers=headers
    )
    assert twice.status_code == 409
    listed = client.get(f"/api/v1/certification/batches/{batch_id}/candidates").get_json()
    assert listed["total"] == 0
    back = register(client, headers, batch_id, world["clerk"])
    assert back.status_code == 201 and back.get_json()["items"][0]["id"] == candidate_id
    # Another enterprise's admin cannot even see the candidate.
    other = client.post(
        f"/api/v1/certification/candidates/{candidate_id}/withdraw",
        headers=csrf(login, world, "ent_b"),
    )
    assert other.status_code == 404


def test_city_admins_see_their_regions_candidates_read_only(client, login, world):
    batch_id = create(client, login, world)
    register(client, csrf(login, world, "province"), batch_id, world["manager"], world["other"])
    as_(login, world, "city_a")
    names = [
        c["name"]
        for c in client.get(f"/api/v1/certification/batches/{batch_id}/candidates").get_json()[
            "items"
        ]
    ]
    assert names == ["张经理"]
    as_(login, world, "city_b")
    names = [
        c["name"]
        for c in client.get(f"/api/v1/certification/batches/{batch_id}/candidates").get_json()[
            "items"
        ]
    ]
    assert names == ["赵乙"]
    listed = client.get("/api/v1/certification/batches").get_json()
    assert listed["total"] == 1 and listed["items"][0]["candidates"] == 1


# Assessing ---------------------------------------------------------------------------------


def test_starting_the_assessment_needs_candidates_and_a_full_rubric(client, login, world):
    batch_id = create(client, login, world)
    headers = csrf(login, world, "province")
    url = f"/api/v1/certification/batches/{batch_id}/start-assessment"
    refused = client.post(url, headers=headers)
    assert refused.status_code == 409
    messages = [d["message"] for d in refused.get_json()["error"]["details"]]
    assert messages == ["还没有考生报名，不能开始考核", "实操考核各评分项合计 0 分，应为 100 分"]
    assert db.session.get(CertificationBatch, batch_id).status == "registration"


def test_tickets_are_given_when_the_assessment_starts(client, login, world):
    batch_id = create(client, login, world)
    headers = csrf(login, world, "province")
    full_rubric(client, headers, batch_id)
    register(client, headers, batch_id, world["manager"], world["clerk"], world["other"])
    client.post(
        f"/api/v1/certification/batches/{batch_id}/assessors",
        json={"username": "judge1"},
        headers=headers,
    )
    started = client.post(
        f"/api/v1/certification/batches/{batch_id}/start-assessment", headers=headers
    )
    assert started.status_code == 200, started.get_json()
    tickets = [c["ticket_number"] for c in started.get_json()["candidates"]]
    assert tickets == [f"{batch_id:04d}{n:04d}" for n in (1, 2, 3)]
    assert db.session.get(CertificationBatch, batch_id).status == "assessing"
    # Registration is over, for enterprises and the province alike.
    late = register(client, headers, batch_id, world["guard"])
    assert late.status_code == 409 and late.get_json()["error"]["message"] == "本批次已停止报名"
    again = client.post(
        f"/api/v1/certification/batches/{batch_id}/start-assessment", headers=headers
    )
    assert again.status_code == 409
    # The assessor sees ticket numbers only.
    as_(login, world, "judge")
    rows = client.get(f"/api/v1/certification/batches/{batch_id}/candidates").get_json()["items"]
    assert sorted(r["ticket_number"] for r in rows) == tickets
    assert all(set(r) == {"id", "ticket_number"} for r in rows)


def test_occupation_and_level_are_fixed_once_someone_registered(client, login, world):
    batch_id = create(client, login, world)
    headers = csrf(login, world, "province")
    register(client, headers, batch_id, world["manager"])
    changed = client.put(
        f"/api/v1/certification/batches/{batch_id}",
        json=batch_body(level=3),
        headers=headers,
    )
    assert changed.status_code == 422
    assert changed.get_json()["error"]["details"][0]["field"] == "level"
    renamed = client.put(
        f"/api/v1/certification/batches/{batch_id}",
        json=batch_body(title="改名后的批次", theory_exam_id=world["exam"].id),
        headers=headers,
    )
    assert renamed.status_code == 200 and renamed.get_json()["title"] == "改名后的批次"
    # A theory exam set later admits those already registered.
    assert db.session.scalar(
        select(ExamCandidate.id).where(
            ExamCandidate.exam_id == world["exam"].id,
            ExamCandidate.employee_id == world["manager"].id,
        )
    )


# The candidate's view ------------------------------------------------------------------------


def test_a_trainee_sees_their_batches_ticket_exam_and_place(client, login, world):
    batch_id = create(client, login, world, theory_exam_id=world["exam"].id)
    headers = csrf(login, world, "province")
    full_rubric(client, headers, batch_id)
    register(client, headers, batch_id, world["manager"], world["clerk"])
    client.post(f"/api/v1/certification/batches/{batch_id}/start-assessment", headers=headers)
    as_(login, world, "trainee")
    body = client.get("/api/v1/certification/mine").get_json()
    assert body["total"] == 1
    (mine,) = body["items"]
    assert mine["ticket_number"].startswith(f"{batch_id:04d}")
    assert mine["theory_exam_id"] == world["exam"].id
    assert mine["batch"]["assessment_place"] == "石家庄市裕华区物业实训基地"
    assert mine["results"] is None  # not published yet
    # The trainee sees the batch, and only their own candidacy in it.
    assert client.get(f"/api/v1/certification/batches/{batch_id}").status_code == 200
    rows = client.get(f"/api/v1/certification/batches/{batch_id}/candidates").get_json()["items"]
    assert [r["name"] for r in rows] == ["张经理"]


def test_a_batch_out_of_scope_answers_404(client, login, world):
    batch_id = create(client, login, world)
    for role in ("trainee", "judge"):
        as_(login, world, role)
        assert client.get(f"/api/v1/certification/batches/{batch_id}").status_code == 404
