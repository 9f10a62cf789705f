"""The pages that set competitions up, posted as a browser posts them (with the CSRF token)."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.roles import Role
from competitions import services
from competitions.models import Competition, CompetitionEvent, Contestant, JudgeAssignment
from tests.integration import test_competition_setup_world as setup_world
from tests.integration.page_helpers import csrf_of, form_login, nav_labels, page, submit


@pytest.fixture
def world(make):
    return setup_world.build(make)


def _event_url(event) -> str:
    return f"/competitions/events/{event.id}"


def _post(client, url: str, data: dict, form_page: str):
    """POST `data` with the CSRF token of the page at `form_page`."""
    token = csrf_of(client.get(form_page))
    return client.post(url, data={"csrf_token": token, **data})


def _logout(client) -> None:
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/account/password"))})


def _no_inline_script(text: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)
    assert not re.search(r"\son[a-z]+=", text)


def test_the_list_follows_the_scope_and_the_menu_leads_there(client, world):
    form_login(client, "city_b")
    response = client.get("/competitions/")
    assert "技能竞赛" in nav_labels(response)
    text = page(response)
    assert "全省决赛" in text and "甲市预赛" not in text
    assert "新建竞赛" in text
    _no_inline_script(text)


def test_a_province_admin_creates_a_competition_then_its_event_and_items(client, world):
    form_login(client, "province")
    response = submit(
        client,
        "/competitions/new",
        {
            "title": "2026年全省物业服务行业职业技能竞赛",
            "stage": "final",
            "region_id": 0,
            "final_id": 0,
            "notice_days": 5,
        },
    )
    assert response.status_code == 302
    competition = db.session.scalar(select(Competition).where(Competition.title.startswith("2026")))
    new_event = f"/competitions/{competition.id}/events/new"
    response = submit(
        client,
        new_event,
        {
            "name": "客户服务",
            "occupation": "物业管理员",
            "posts": ["customer_service"],
            "theory_exam_id": 0,
            "theory_weight": 0,
            "disagreement_threshold": 15,
            "awards_by": "count",
            "first": 1,
            "second": 2,
            "third": 3,
            "title_name": "河北省技术能手",
            "title_top": 3,
        },
    )
    assert response.status_code == 302
    event = competition.events[0]
    assert (event.name, event.posts, event.disagreement_threshold) == (
        "客户服务",
        ["customer_service"],
        15,
    )
    assert event.awards == {"by": "count", "first": 1, "second": 2, "third": 3}
    assert event.titles == [{"title": "河北省技术能手", "top": 3}]
    url = _event_url(event)
    item = {
        "item-code": "J1",
        "item-title": "礼仪规范",
        "item-kind": "judgement",
        "item-max_points": "12.5",
    }
    response = _post(client, f"{url}/items", item | {"item-aggregation": "trimmed_mean"}, url)
    assert response.status_code == 302
    duplicate = _post(client, f"{url}/items", item | {"item-aggregation": "mean"}, url)
    assert duplicate.status_code == 422 and "评分项编号 J1 已存在" in page(duplicate)
    too_precise = _post(
        client,
        f"{url}/items",
        item | {"item-code": "J2", "item-max_points": "1.234", "item-aggregation": "mean"},
        url,
    )
    assert too_precise.status_code == 422 and "两位小数" in page(too_precise)
    db.session.refresh(event)
    (saved,) = event.items
    assert (saved.max_points, saved.aggregation) == (1250, "trimmed_mean")
    edited = submit(
        client,
        f"/competitions/items/{saved.id}/edit",
        {
            "code": "J1",
            "title": "礼仪与沟通",
            "kind": "judgement",
            "max_points": "15",
            "aggregation": "trimmed_mean",
        },
    )
    assert edited.status_code == 302
    db.session.refresh(saved)
    assert (saved.title, saved.max_points) == ("礼仪与沟通", 1500)
    text = page(client.get(url))
    assert "礼仪与沟通" in text and "实操满分 15.00" in text
    _no_inline_script(text)


def test_theory_weight_over_the_cap_is_explained_on_the_form(client, world, make):
    exam = make.exam()
    form_login(client, "province")
    data = {
        "name": "保安员",
        "theory_exam_id": exam.id,
        "theory_weight": 40,
        "disagreement_threshold": 20,
        "awards_by": "",
    }
    response = submit(client, f"/competitions/{world['final'].id}/events/new", data)
    assert response.status_code == 200 and "一般不超过 30%" in page(response)
    response = submit(
        client,
        f"/competitions/{world['final'].id}/events/new",
        data | {"theory_weight_over_cap": "y"},
    )
    assert response.status_code == 302


def test_a_city_admin_enters_contestants_from_the_roster(client, world):
    form_login(client, "city_a")
    url = _event_url(world["prelim_event"])
    text = page(client.get(url + "?q=电工"))
    assert "张电工" in text and "王电工" in text and "赵电工" not in text  # B is not theirs
    gone = page(client.get(url + "?q=钱离职"))
    assert "该人员不在职，不能报名" in gone
    response = _post(
        client, f"{url}/contestants", {"employee_id": world["emp_a"].id, "q": "电工"}, url
    )
    assert response.status_code == 302
    twice = _post(client, f"{url}/contestants", {"employee_id": world["emp_a"].id}, url)
    follow = page(client.get(twice.headers["Location"]))
    assert "该人员已报名本项目，不能重复报名" in follow
    assert db.session.scalar(select(db.func.count(Contestant.id))) == 1
    assert "该人员已报名本项目" in page(client.get(url + "?q=张电工"))


def test_check_in_the_draw_and_time_used(client, world):
    event = world["prelim_event"]
    entered = [
        services.register_contestant(event, world[e].id, by=world["city_a"])
        for e in ("emp_a", "emp_a2")
    ]
    db.session.commit()
    form_login(client, "city_a")
    url = _event_url(event)
    text = page(client.get(url))
    assert 'data-confirm="确定抽签吗' in text
    assert (
        _post(client, f"/competitions/contestants/{entered[0].id}/check-in", {}, url).status_code
        == 302
    )
    response = _post(client, f"{url}/draw", {}, url)
    db.session.refresh(event)
    assert event.status == "drawn"
    text = page(client.get(response.headers["Location"]))
    assert f"随机种子 {event.draw_seed}" in text and "已检录" in text
    response = _post(
        client,
        f"/competitions/contestants/{entered[1].id}/time",
        {"minutes": 12, "seconds": 30},
        url,
    )
    assert response.status_code == 302
    db.session.refresh(entered[1])
    assert entered[1].time_used_seconds == 750
    assert "12分30秒" in page(client.get(url))
    bad = _post(
        client,
        f"/competitions/contestants/{entered[1].id}/time",
        {"minutes": 5, "seconds": 75},
        url,
    )
    assert "用时应为" in page(client.get(bad.headers["Location"]))


def test_judges_and_the_chief_judge_are_assigned_with_conflicts_shown(client, world):
    event = world["prelim_event"]
    services.register_contestant(event, world["emp_a"].id, by=world["city_a"])
    db.session.commit()
    form_login(client, "city_a")
    url = _event_url(event)
    items = [i.id for i in event.items]
    response = _post(
        client, f"{url}/judges", {"judge-username": "judge_a", "judge-items": items[:1]}, url
    )
    assert response.status_code == 302
    response = _post(client, f"{url}/chief-judge", {"chief-username": "chief"}, url)
    assert response.status_code == 302
    text = page(client.get(url))
    assert "裁判与选手属于同一企业，须回避" in text and "张电工" in text
    assert db.session.scalar(select(JudgeAssignment.item_id)) == items[0]
    db.session.refresh(event)
    assert event.chief_judge_id == world["chief"].id


def test_a_judge_sees_numbers_only_and_the_chief_judge_has_a_list(client, world, make):
    event = world["prelim_event"]
    services.register_contestant(event, world["emp_a2"].id, by=world["city_a"])
    services.assign_judge(event, world["judge_free"], [], by=world["city_a"])
    event.chief_judge_id = world["chief"].id
    # The final has a chief judge of its own, so the chief leads the preliminary only.
    final_chief = make.user(Role.CHIEF_JUDGE, "final_chief")
    world["final_event"].chief_judge_id = final_chief.id
    services.draw(event, by=world["city_a"], seed=11)
    db.session.commit()
    form_login(client, "judge_free")
    text = page(client.get(_event_url(event)))
    assert "王电工" not in text and "甲二物业" not in text and "安全防护" in text
    assert client.get(_event_url(world["final_event"])).status_code == 404
    listed = page(client.get("/competitions/"))
    assert "甲市预赛" in listed and "全省决赛" not in listed
    _logout(client)
    form_login(client, "chief")
    text = page(client.get("/competitions/"))
    assert "甲市预赛" in text and "全省决赛" not in text
    assert "王电工" not in page(client.get(_event_url(event)))


def test_an_enterprise_admin_enters_staff_but_does_not_run_the_preliminary(client, world):
    form_login(client, "ent_a_admin")
    url = _event_url(world["prelim_event"])
    text = page(client.get(url + "?q=电工"))
    assert "张电工" in text and "王电工" not in text
    # Entering is theirs; the rubric, the judges and the draw are the organiser's.
    for action in ("/draw", "/items", "/judges", "/chief-judge"):
        assert f'action="{url}{action}"' not in text
    assert f'action="{url}/contestants"' in text
    assert client.get(f"/competitions/events/{world['prelim_event'].id}/edit").status_code == 403
    final_page = page(client.get(_event_url(world["final_event"]) + "?q=电工"))
    assert "按姓名或手机号搜索花名册" not in final_page  # finals are entered by sending on


def test_a_city_sends_its_picks_on_to_the_final(client, world):
    event = world["prelim_event"]
    entered = [
        services.register_contestant(event, world[e].id, by=world["city_a"])
        for e in ("emp_a", "emp_a2", "emp_a_guard")
    ]
    db.session.commit()
    form_login(client, "city_a")
    url = _event_url(event)
    assert "推荐参加决赛" in page(client.get(url))
    response = _post(
        client, f"{url}/send-on", {"send-contestant_ids": [c.id for c in entered]}, url
    )
    assert "超出晋级名额" in page(client.get(response.headers["Location"]))
    response = _post(
        client, f"{url}/send-on", {"send-contestant_ids": [entered[0].id, entered[1].id]}, url
    )
    assert "已推荐 2 名选手参加决赛" in page(client.get(response.headers["Location"]))
    final = db.session.get(CompetitionEvent, world["final_event"].id)
    assert len(services.contestants(final, world["province"])) == 2


def test_pages_out_of_scope_answer_404(client, world):
    form_login(client, "city_b")
    assert client.get(_event_url(world["prelim_event"])).status_code == 404
    assert client.get(f"/competitions/{world['preliminary'].id}").status_code == 404
    _logout(client)
    form_login(client, "trainee_a")
    assert client.get("/competitions/").status_code == 403


def test_a_city_adds_a_practical_only_event_without_naming_a_weight(client, world):
    form_login(client, "city_a")
    url = f"/competitions/{world['preliminary'].id}/events/new"
    data = {
        "name": "保安员",
        "theory_exam_id": 0,
        "theory_weight": "",
        "disagreement_threshold": 20,
    }
    response = submit(client, url, data | {"awards_by": ""})
    assert response.status_code == 302
    event = db.session.scalar(select(CompetitionEvent).where(CompetitionEvent.name == "保安员"))
    assert (event.theory_weight, event.theory_exam_id) == (0, None)
    # The province's final is not the city's to change.
    assert client.get(f"/competitions/{world['final'].id}/events/new").status_code == 403


def test_the_item_form_shows_the_items_points(client, world):
    form_login(client, "city_a")
    item = world["prelim_event"].items[1]
    text = page(client.get(f"/competitions/items/{item.id}/edit"))
    assert 'value="30.50"' in text and 'value="A2"' in text
    _logout(client)
    form_login(client, "city_b")
    assert client.get(f"/competitions/items/{item.id}/edit").status_code == 404


def test_a_judge_is_taken_off_from_the_event_page(client, world):
    event = world["prelim_event"]
    services.assign_judge(event, world["judge_free"], [], by=world["city_a"])
    db.session.commit()
    form_login(client, "city_a")
    url = _event_url(event)
    assert 'data-confirm="确定撤销该裁判的安排吗？"' in page(client.get(url))
    remove = f"{url}/judges/{world['judge_free'].id}/remove"
    assert _post(client, remove, {}, url).status_code == 302
    assert services.judges(event) == []
    assert _post(client, remove, {}, url).status_code == 404


def test_the_organiser_changes_a_preliminarys_settings(client, world):
    form_login(client, "city_a")
    url = f"/competitions/{world['preliminary'].id}/edit"
    assert "竞赛设置" in page(client.get(f"/competitions/{world['preliminary'].id}"))
    data = {
        "title": "甲市预赛（第二届）",
        "notice_days": 7,
        "final_id": world["final"].id,
        "quota": 3,
    }
    assert submit(client, url, data).status_code == 302
    competition = db.session.get(Competition, world["preliminary"].id)
    assert (competition.title, competition.notice_days, competition.quota) == (
        "甲市预赛（第二届）",
        7,
        3,
    )
    bad = submit(client, url, data | {"notice_days": 99})
    assert bad.status_code == 200 and "公示期应为 1–30 天" in page(bad)
    assert client.get(f"/competitions/{world['final'].id}/edit").status_code == 403
