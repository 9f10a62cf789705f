"""Setting a competition up through the API: who may create which stage, the event and rubric
checks, entering contestants, judges, the draw, and what each caller may read."""

import pytest
from sqlalchemy import select

from app.extensions import db
from competitions import services
from competitions.models import Competition, Contestant, JudgeAssignment, ScoreEntry
from competitions.rules.draw import draw_numbers
from exams.models import ExamCandidate
from tests.integration import test_competition_setup_world as setup_world


@pytest.fixture
def world(make):
    return setup_world.build(make)


def _as(client, login, user):
    token = login(user.username)

    def call(method, url, **kwargs):
        return client.open(url, method=method, headers={"X-CSRFToken": token}, **kwargs)

    return call


def _error(response):
    return response.get_json()["error"]


# Creating competitions -----------------------------------------------------------------------


def test_the_province_creates_a_final_with_events_and_rubrics(client, login, world):
    call = _as(client, login, world["province"])
    body = {
        "title": "2026年全省物业服务行业职业技能竞赛",
        "stage": "final",
        "events": [
            setup_world.event_data("电工"),
            setup_world.event_data(
                "客户服务", posts=["customer_service"], disagreement_threshold=15
            ),
        ],
    }
    response = call("POST", "/api/v1/competitions", json=body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert [[i["code"] for i in e["rubric"]] for e in created["events"]] == [["A1", "A2", "B1"]] * 2
    competition = db.session.get(Competition, created["id"])
    assert competition.stage == "final" and competition.region_id is None
    service = competition.events[1]
    assert service.posts == ["customer_service"] and service.disagreement_threshold == 15
    assert [i.max_points for i in competition.events[0].items] == [1000, 3050, 975]
    assert competition.events[0].items[2].aggregation == "trimmed_mean"


@pytest.mark.parametrize(
    ("who", "stage", "region", "status"),
    [
        ("city_a", "preliminary", "region_a", 201),
        ("city_a", "preliminary", None, 201),  # their own region by default
        ("city_a", "preliminary", "region_b", 422),
        ("city_a", "final", None, 403),
        ("ent_a_admin", "in_house", None, 201),
        ("ent_a_admin", "preliminary", "region_a", 403),
        ("province", "in_house", None, 403),
        ("province", "preliminary", None, 422),  # a preliminary needs its region
        ("judge_free", "final", None, 403),
        ("trainee", "in_house", None, 403),
    ],
)
def test_who_may_run_which_stage(client, login, world, who, stage, region, status):
    call = _as(client, login, world[who])
    body = {"title": "技能比武", "stage": stage, "events": [setup_world.event_data()]}
    if region:
        body["region_id"] = world[region].id
    response = call("POST", "/api/v1/competitions", json=body)
    assert response.status_code == status, response.get_json()
    if status == 201:
        competition = db.session.get(Competition, response.get_json()["id"])
        if who == "city_a":
            assert competition.region_id == world["region_a"].id
        if who == "ent_a_admin":
            assert competition.enterprise_id == world["ent_a"].id


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"theory_weight": 40}, "events[0].theory_weight", "一般不超过 30%"),
        ({"theory_weight": 20}, "events[0].theory_weight", "未设置理论考试"),
        ({"theory_weight": 101}, "events.0.theory_weight", None),
        (
            {"rubric": [setup_world.RUBRIC[0], setup_world.RUBRIC[0]]},
            "events[0].rubric[1].code",
            "重复",
        ),
        (
            {"rubric": [setup_world.RUBRIC[0] | {"max_points": "10.125"}]},
            "events[0].rubric[0].max_points",
            "两位小数",
        ),
        (
            {"rubric": [setup_world.RUBRIC[0] | {"max_points": "0"}]},
            "events.0.rubric.0.max_points",
            None,
        ),
        ({"rubric": [setup_world.RUBRIC[0] | {"kind": "vibes"}]}, "events.0.rubric.0.kind", None),
        ({"theory_exam_id": 999999}, "events[0].theory_exam_id", "理论考试不存在"),
        ({"tie_break": ["time", "time"]}, "events[0].tie_break", "不能重复"),
        (
            {"awards": {"by": "share", "first": 50, "second": 40, "third": 30}},
            "events[0].awards",
            "100%",
        ),
    ],
)
def test_bad_events_are_refused_with_a_reason(client, login, world, change, field, message):
    call = _as(client, login, world["province"])
    body = {"title": "决赛", "stage": "final", "events": [setup_world.event_data() | change]}
    response = call("POST", "/api/v1/competitions", json=body)
    assert response.status_code == 422
    details = _error(response)["details"]
    assert field in [d["field"] for d in details], details
    if message:
        assert message in _error(response)["message"]


def test_theory_weight_above_the_cap_needs_an_explicit_rule(client, login, world, make):
    exam = make.exam()
    call = _as(client, login, world["province"])
    event = setup_world.event_data(
        theory_exam_id=exam.id, theory_weight=40, theory_weight_over_cap=True
    )
    response = call(
        "POST", "/api/v1/competitions", json={"title": "决赛", "stage": "final", "events": [event]}
    )
    assert response.status_code == 201
    default = setup_world.event_data(theory_exam_id=exam.id)
    default.pop("theory_weight")
    response = call(
        "POST",
        "/api/v1/competitions",
        json={"title": "决赛二", "stage": "final", "events": [default]},
    )
    created = db.session.get(Competition, response.get_json()["id"])
    assert created.events[0].theory_weight == 30  # the default with a theory exam


def test_a_theory_exam_the_creator_cannot_see_is_refused(client, login, world, make):
    other = make.exam(bank=f"e{world['ent_b'].id}")
    call = _as(client, login, world["ent_a_admin"])
    event = setup_world.event_data(theory_exam_id=other.id, theory_weight=30)
    response = call(
        "POST",
        "/api/v1/competitions",
        json={"title": "比武", "stage": "in_house", "events": [event]},
    )
    assert response.status_code == 422
    assert "理论考试不存在" in _error(response)["message"]


def test_every_list_and_text_is_bounded(client, login, world):
    call = _as(client, login, world["province"])
    many = [setup_world.RUBRIC[0] | {"code": f"C{n}"} for n in range(101)]
    for body in (
        {"title": "决赛", "stage": "final", "events": [setup_world.event_data(rubric=many)]},
        {
            "title": "决赛",
            "stage": "final",
            "events": [setup_world.event_data(f"项目{n}") for n in range(21)],
        },
        {"title": "决" * 129, "stage": "final"},
        {"title": "决赛", "stage": "final", "region_id": 2**31},
        {"title": "决赛", "stage": "final", "events": [setup_world.event_data(name="电" * 65)]},
    ):
        response = call("POST", "/api/v1/competitions", json=body)
        assert response.status_code == 422, body
        assert _error(response)["details"]
    huge = {"title": "决赛", "stage": "final", "events": [], "pad": "x" * 600_000}
    assert call("POST", "/api/v1/competitions", json=huge).status_code == 413


# Contestants ----------------------------------------------------------------------------------


def test_an_enterprise_enters_its_staff_in_its_regions_preliminary(client, login, world, make):
    exam = make.exam()
    event = world["prelim_event"]
    event.theory_exam_id = exam.id
    db.session.commit()
    call = _as(client, login, world["ent_a_admin"])
    url = f"/api/v1/competition-events/{event.id}/contestants"
    response = call("POST", url, json={"employee_id": world["emp_a"].id})
    assert response.status_code == 201
    contestant = db.session.get(Contestant, response.get_json()["id"])
    assert (contestant.enterprise_id, contestant.region_id) == (
        world["ent_a"].id,
        world["region_a"].id,
    )
    # Admitted to the theory exam as well.
    candidates = db.session.scalars(
        select(ExamCandidate.employee_id).where(ExamCandidate.exam_id == exam.id)
    )
    assert list(candidates) == [world["emp_a"].id]


@pytest.mark.parametrize(
    ("who", "employee", "status", "reason"),
    [
        ("ent_a_admin", "emp_gone", 422, "不在职"),
        ("ent_a_admin", "emp_a2", 422, "不在您的管理范围内"),  # another enterprise's staff
        ("city_a", "emp_b", 422, "不在您的管理范围内"),
        ("province", "emp_b", 422, "不属于本预赛所在地区"),
        ("city_a", "emp_a2", 201, None),
        ("ent_b_admin", "emp_b", 404, None),  # region B's people never see A's preliminary
        ("judge_free", "emp_a", 404, None),
    ],
)
def test_entries_are_checked(client, login, world, who, employee, status, reason):
    call = _as(client, login, world[who])
    url = f"/api/v1/competition-events/{world['prelim_event'].id}/contestants"
    response = call("POST", url, json={"employee_id": world[employee].id})
    assert response.status_code == status, response.get_json()
    if reason:
        assert reason in _error(response)["message"]


def test_nobody_is_entered_twice_and_posts_are_respected(client, login, world):
    call = _as(client, login, world["city_a"])
    event = world["prelim_event"]
    event.posts = ["maintenance"]
    db.session.commit()
    url = f"/api/v1/competition-events/{event.id}/contestants"
    assert call("POST", url, json={"employee_id": world["emp_a"].id}).status_code == 201
    twice = call("POST", url, json={"employee_id": world["emp_a"].id})
    assert twice.status_code == 422 and "重复报名" in _error(twice)["message"]
    guard = call("POST", url, json={"employee_id": world["emp_a_guard"].id})
    assert guard.status_code == 422 and "维修" in _error(guard)["message"]
    assert db.session.scalar(select(db.func.count(Contestant.id))) == 1


def test_an_enterprise_cannot_enter_the_final_directly_but_sees_it(client, login, world):
    call = _as(client, login, world["ent_a_admin"])
    event = world["final_event"]
    assert call("GET", f"/api/v1/competition-events/{event.id}").status_code == 200
    response = call(
        "POST",
        f"/api/v1/competition-events/{event.id}/contestants",
        json={"employee_id": world["emp_a"].id},
    )
    assert response.status_code == 403


# Judges ---------------------------------------------------------------------------------------


def test_judges_are_given_items_or_the_whole_event(client, login, world):
    event = world["prelim_event"]
    items = [i.id for i in event.items]
    call = _as(client, login, world["city_a"])
    url = f"/api/v1/competition-events/{event.id}/judges"
    response = call("POST", url, json={"username": "judge_free", "items": items[:2]})
    assert response.status_code == 201
    assert response.get_json()["items"] == items[:2]
    assert call("POST", url, json={"username": "judge_free", "items": items[:2]}).status_code == 201
    assert call("POST", url, json={"username": "judge_region_a", "items": []}).status_code == 201
    assert [i.id for i in services.assigned_items(event, world["judge_region_a"])] == items
    assert db.session.scalar(select(db.func.count(JudgeAssignment.id))) == 3  # not twice
    not_judge = call("POST", url, json={"username": "chief", "items": []})
    assert not_judge.status_code == 422 and "不是裁判账号" in _error(not_judge)["message"]
    foreign = call(
        "POST", url, json={"username": "judge_free", "items": [world["final_event"].items[0].id]}
    )
    assert foreign.status_code == 422 and "不属于本项目" in _error(foreign)["message"]
    assert call("POST", url, json={"username": "judge_free", "items": [0]}).status_code == 422


def test_a_judges_conflicts_are_answered_and_found(client, login, world):
    event = world["prelim_event"]
    services.register_contestant(event, world["emp_a"].id, by=world["city_a"])
    services.register_contestant(event, world["emp_a2"].id, by=world["city_a"])
    db.session.commit()
    call = _as(client, login, world["city_a"])
    response = call(
        "POST",
        f"/api/v1/competition-events/{event.id}/judges",
        json={"username": "judge_a", "items": []},
    )
    conflicts = response.get_json()["conflicts"]
    assert [(c["name"], c["reason"]) for c in conflicts] == [
        ("张电工", "裁判与选手属于同一企业，须回避")
    ]


def test_conflict_rule_reads_the_judges_enterprise_and_the_stage(world):
    final, prelim = world["final_event"], world["prelim_event"]
    in_final = services.register_contestant(final, world["emp_a2"].id, by=world["province"])
    in_prelim = services.register_contestant(prelim, world["emp_a2"].id, by=world["city_a"])
    # Same region, different enterprise: only the final asks the judge to step aside.
    assert (
        services.judge_conflict(final, world["judge_a"], in_final)
        == "决赛中裁判与选手属于同一地区，须回避"
    )
    assert services.judge_conflict(prelim, world["judge_a"], in_prelim) is None
    assert services.judge_conflict(final, world["judge_free"], in_final) is None


def test_only_the_organiser_or_the_chief_judge_assigns_judges(client, login, world):
    event = world["final_event"]
    url = f"/api/v1/competition-events/{event.id}/judges"
    city = _as(client, login, world["city_a"])
    assert city("POST", url, json={"username": "judge_free", "items": []}).status_code == 403
    province = _as(client, login, world["province"])
    assert (
        province(
            "PUT", f"/api/v1/competition-events/{event.id}/chief-judge", json={"username": "chief"}
        ).status_code
        == 200
    )
    bad = province(
        "PUT", f"/api/v1/competition-events/{event.id}/chief-judge", json={"username": "judge_free"}
    )
    assert bad.status_code == 422 and "不是裁判长账号" in _error(bad)["message"]
    chief = _as(client, login, world["chief"])
    assert chief("POST", url, json={"username": "judge_free", "items": []}).status_code == 201
    # …but the chief judge does not choose a chief judge.
    assert (
        chief(
            "PUT", f"/api/v1/competition-events/{event.id}/chief-judge", json={"username": "chief"}
        ).status_code
        == 403
    )


# The draw -------------------------------------------------------------------------------------


def test_the_draw_records_its_seed_and_answers_the_same_numbers_again(client, login, world):
    event = world["prelim_event"]
    entered = [
        services.register_contestant(event, world[e].id, by=world["city_a"])
        for e in ("emp_a", "emp_a2", "emp_a_guard")
    ]
    db.session.commit()
    call = _as(client, login, world["city_a"])
    first = call("POST", f"/api/v1/competition-events/{event.id}/draw", json={})
    assert first.status_code == 200
    body = first.get_json()
    numbers = {c["id"]: c["number"] for c in body["contestants"]}
    assert sorted(numbers.values()) == [1, 2, 3]
    db.session.refresh(event)
    assert event.status == "drawn" and event.draw_seed is not None and event.drawn_at is not None
    assert numbers == draw_numbers([c.id for c in entered], event.draw_seed)  # anyone can check it
    assert body["seed"] == str(event.draw_seed)
    again = call("POST", f"/api/v1/competition-events/{event.id}/draw", json={})
    assert again.get_json() == body
    late = call(
        "POST",
        f"/api/v1/competition-events/{event.id}/contestants",
        json={"employee_id": world["emp_a"].id},
    )
    assert late.status_code == 409 and "报名已截止" in _error(late)["message"]


def test_nothing_to_draw_and_who_may_draw(client, login, world):
    event = world["prelim_event"]
    call = _as(client, login, world["city_a"])
    empty = call("POST", f"/api/v1/competition-events/{event.id}/draw", json={})
    assert empty.status_code == 409 and "还没有选手" in _error(empty)["message"]
    services.register_contestant(event, world["emp_a"].id, by=world["city_a"])
    db.session.commit()
    ent = _as(client, login, world["ent_a_admin"])
    assert ent("POST", f"/api/v1/competition-events/{event.id}/draw", json={}).status_code == 403
    other_city = _as(client, login, world["city_b"])
    assert (
        other_city("POST", f"/api/v1/competition-events/{event.id}/draw", json={}).status_code
        == 404
    )


# Reading -------------------------------------------------------------------------------------


def test_a_judge_reads_only_their_events_and_never_a_name(client, login, world):
    event = world["prelim_event"]
    services.register_contestant(event, world["emp_a2"].id, by=world["city_a"])
    services.assign_judge(event, world["judge_free"], [], by=world["city_a"])
    services.draw(event, by=world["city_a"], seed=7)
    db.session.commit()
    call = _as(client, login, world["judge_free"])
    response = call("GET", f"/api/v1/competition-events/{event.id}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "王电工" not in text and "甲二物业" not in text and "judges" not in response.get_json()
    assert [c["number"] for c in response.get_json()["contestants"]] == [1]
    assert call("GET", f"/api/v1/competition-events/{world['final_event'].id}").status_code == 404
    listed = call("GET", "/api/v1/competitions").get_json()["items"]
    assert [c["title"] for c in listed] == ["甲市预赛"]


def test_lists_follow_the_scope(client, login, world, make):
    other = services.create_competition(
        {"title": "乙市预赛", "stage": "preliminary", "events": []}, by=world["city_b"]
    )
    own = services.create_competition(
        {"title": "甲物业比武", "stage": "in_house"}, by=world["ent_a_admin"]
    )
    db.session.commit()
    seen = {}
    for who in ("province", "city_a", "city_b", "ent_a_admin", "ent_b_admin", "trainee", "chief"):
        call = _as(client, login, world[who])
        seen[who] = {c["title"] for c in call("GET", "/api/v1/competitions").get_json()["items"]}
    assert seen["province"] == {"全省决赛", "甲市预赛", "乙市预赛", "甲物业比武"}
    assert seen["city_a"] == {"全省决赛", "甲市预赛"}
    assert seen["city_b"] == {"全省决赛", "乙市预赛"}
    assert seen["ent_a_admin"] == {"全省决赛", "甲市预赛", "甲物业比武"}
    assert seen["ent_b_admin"] == {"全省决赛", "乙市预赛"}
    assert seen["trainee"] == set()
    # A chief judge of no region leads every event with no chief judge named yet.
    assert seen["chief"] == {"全省决赛", "甲市预赛"}
    call = _as(client, login, world["city_a"])
    assert call("GET", f"/api/v1/competitions/{other.id}").status_code == 404
    assert call("GET", f"/api/v1/competitions/{own.id}").status_code == 404


def test_an_enterprise_sees_only_its_own_contestants_of_the_final(client, login, world):
    final = world["final_event"]
    services.register_contestant(final, world["emp_a"].id, by=world["province"])
    services.register_contestant(final, world["emp_b"].id, by=world["province"])
    db.session.commit()
    call = _as(client, login, world["ent_a_admin"])
    names = [
        c["name"]
        for c in call("GET", f"/api/v1/competition-events/{final.id}").get_json()["contestants"]
    ]
    assert names == ["张电工"]
    city_b = _as(client, login, world["city_b"])
    names = [
        c["name"]
        for c in city_b("GET", f"/api/v1/competition-events/{final.id}").get_json()["contestants"]
    ]
    assert names == ["赵电工"]


# Changing a rubric, check-in, time, sending on -------------------------------------------------


def test_the_rubric_is_locked_once_a_score_exists(world):
    event = world["prelim_event"]
    contestant = services.register_contestant(event, world["emp_a"].id, by=world["city_a"])
    services.draw(event, by=world["city_a"], seed=1)
    item = services.add_rubric_item(
        event,
        {"code": "C1", "title": "文明操作", "kind": "judgement", "max_points": "5"},
        by=world["city_a"],
    )
    assert not services.rubric_locked(event)
    db.session.add(
        ScoreEntry(
            event_id=event.id,
            contestant_id=contestant.id,
            item_id=item.id,
            judge_id=world["judge_free"].id,
            points=300,
            key="k1",
        )
    )
    db.session.flush()
    assert services.rubric_locked(event)
    with pytest.raises(services.Conflict):
        services.update_rubric_item(
            item,
            {"code": "C1", "title": "x", "kind": "judgement", "max_points": "6"},
            by=world["city_a"],
        )
    with pytest.raises(services.Conflict):
        services.update_event(event, setup_world.event_data(), by=world["city_a"])


def test_check_in_and_time_used(client, login, world):
    event = world["prelim_event"]
    contestant = services.register_contestant(event, world["emp_a"].id, by=world["city_a"])
    db.session.commit()
    call = _as(client, login, world["city_a"])
    assert call("POST", f"/api/v1/contestants/{contestant.id}/check-in").status_code == 200
    early = call("PUT", f"/api/v1/contestants/{contestant.id}/time", json={"seconds": 600})
    assert early.status_code == 409
    services.draw(event, by=world["city_a"], seed=3)
    db.session.commit()
    assert (
        call("PUT", f"/api/v1/contestants/{contestant.id}/time", json={"seconds": 600}).status_code
        == 200
    )
    assert (
        call(
            "PUT", f"/api/v1/contestants/{contestant.id}/time", json={"seconds": 10**9}
        ).status_code
        == 422
    )
    db.session.refresh(contestant)
    assert contestant.time_used_seconds == 600 and contestant.checked_in_at is not None
    enterprise = _as(client, login, world["ent_a_admin"])
    assert enterprise("POST", f"/api/v1/contestants/{contestant.id}/check-in").status_code == 403


def test_a_city_sends_its_picks_on_within_the_quota(client, login, world):
    prelim = world["prelim_event"]
    picks = [
        services.register_contestant(prelim, world[e].id, by=world["city_a"])
        for e in ("emp_a", "emp_a2", "emp_a_guard")
    ]
    db.session.commit()
    call = _as(client, login, world["city_a"])
    url = f"/api/v1/competition-events/{prelim.id}/send-on"
    too_many = call("POST", url, json={"contestant_ids": [c.id for c in picks]})
    assert too_many.status_code == 422 and "超出晋级名额" in _error(too_many)["message"]
    response = call("POST", url, json={"contestant_ids": [picks[0].id]})
    assert response.status_code == 201
    assert response.get_json()["final_event_id"] == world["final_event"].id
    again = call("POST", url, json={"contestant_ids": [picks[0].id, picks[1].id]})
    assert len(again.get_json()["contestants"]) == 1  # the first one is not sent twice
    sent = services.sent_on(prelim, world["final_event"])
    assert {c.employee_id for c in sent} == {world["emp_a"].id, world["emp_a2"].id}
    assert {c.source_id for c in sent} == {picks[0].id, picks[1].id}
    assert call("POST", url, json={"contestant_ids": [picks[2].id]}).status_code == 422
    assert call("POST", url, json={}).status_code == 422


def test_fixed_results_send_the_top_of_the_ranking(world):
    from competitions.models import EventResult

    prelim = world["prelim_event"]
    picks = [
        services.register_contestant(prelim, world[e].id, by=world["city_a"])
        for e in ("emp_a", "emp_a2", "emp_a_guard")
    ]
    for rank, contestant in zip((3, 1, 2), picks, strict=True):
        db.session.add(
            EventResult(
                event_id=prelim.id, contestant_id=contestant.id, rank=rank, practical=0, total=0
            )
        )
    prelim.status = "final"
    db.session.flush()
    sent = services.send_on(prelim, world["final_event"], by=world["city_a"])
    assert [c.source_id for c in sent] == [picks[1].id, picks[2].id]


def test_the_draw_needs_no_body(client, login, world):
    event = world["prelim_event"]
    services.register_contestant(event, world["emp_a"].id, by=world["city_a"])
    db.session.commit()
    token = login("city_a")
    response = client.post(
        f"/api/v1/competition-events/{event.id}/draw", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200
    assert response.get_json()["contestants"][0]["number"] == 1


def test_a_judge_is_taken_off_until_they_have_scored(client, login, world):
    event = world["prelim_event"]
    contestant = services.register_contestant(event, world["emp_a2"].id, by=world["city_a"])
    services.assign_judge(event, world["judge_free"], [], by=world["city_a"])
    services.assign_judge(event, world["judge_region_a"], [], by=world["city_a"])
    services.draw(event, by=world["city_a"], seed=5)
    db.session.add(
        ScoreEntry(
            event_id=event.id,
            contestant_id=contestant.id,
            item_id=event.items[0].id,
            judge_id=world["judge_region_a"].id,
            points=500,
            key="k",
        )
    )
    db.session.commit()
    call = _as(client, login, world["city_a"])
    url = f"/api/v1/competition-events/{event.id}/judges"
    assert call("DELETE", f"{url}/judge_free").status_code == 204
    assert call("DELETE", f"{url}/judge_free").status_code == 404
    scored = call("DELETE", f"{url}/judge_region_a")
    assert scored.status_code == 409 and "已在本项目评分" in _error(scored)["message"]
    assert [u.username for u, _ in services.judges(event)] == ["judge_region_a"]
