"""Pages of results: 公示, appeals and their decision, the fixed results and rankings."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.timeutil import utcnow
from competitions import results
from competitions.models import FINAL, PUBLISHED, Appeal
from tests.integration.competition_results_helpers import build
from tests.integration.page_helpers import csrf_of, page


@pytest.fixture
def world(app):
    return build()


def _publish(world):
    results.publish(world.event, world.chief, utcnow())
    db.session.commit()


def test_results_are_hidden_until_published_then_public(client, login, world):
    url = f"/competitions/events/{world.event.id}/results"
    assert client.get(url).status_code == 404
    login(world.chief.username)
    before = client.get(url)
    assert before.status_code == 200
    assert "成绩尚未公布" in page(before) and "钱二" not in page(before)
    answer = client.post(
        f"/competitions/events/{world.event.id}/publish", data={"csrf_token": csrf_of(before)}
    )
    assert answer.status_code == 302
    assert world.event.status == PUBLISHED
    client.post("/api/v1/auth/logout")
    shown = page(client.get(url))  # anyone, without an account
    assert "成绩公示" in shown and "公示期至" in shown and "奖项为拟定" in shown
    for name in ("钱二", "赵一", "孙三", "李四", "周五", "一等奖", "河北省技术能手"):
        assert name in shown
    assert "团体排名" in shown
    assert "确定最终成绩" not in shown and "公布成绩" not in shown


def test_an_outsider_cannot_publish(client, login, world):
    login(world.ent_admins[0].username)
    result = client.get(f"/competitions/events/{world.event.id}/results")
    assert result.status_code == 200  # their contestants are in it
    assert "公布成绩（开始公示）" not in page(result)
    client.post(
        f"/competitions/events/{world.event.id}/publish", data={"csrf_token": csrf_of(result)}
    )
    assert world.event.status != PUBLISHED


def test_an_enterprise_appeals_and_the_chief_judge_upholds_it(client, login, world):
    _publish(world)
    login(world.ent_admins[0].username)
    url = f"/competitions/events/{world.event.id}/appeals"
    form = client.get(url)
    text = page(form)
    # Only the enterprise's own contestants can be chosen.
    assert "1号 赵一" in text and "3号 孙三" in text and "2号 钱二" not in text
    short = client.post(
        url,
        data={
            "csrf_token": csrf_of(form),
            "contestant_id": world.contestants[3].id,
            "reason": "短",
        },
    )
    assert short.status_code == 422 and "申诉理由应为 5 至 500 个字" in page(short)
    other = client.post(
        url,
        data={
            "csrf_token": csrf_of(form),
            "contestant_id": world.contestants[2].id,
            "reason": "这不是本企业的选手",
        },
    )
    assert other.status_code == 422
    filed = client.post(
        url,
        data={
            "csrf_token": csrf_of(form),
            "contestant_id": world.contestants[3].id,
            "reason": "A1 线路实测合格，应得 32 分",
        },
    )
    assert filed.status_code == 302
    appeal = db.session.scalars(select(Appeal)).one()
    detail = page(client.get(f"/competitions/appeals/{appeal.id}"))
    assert "A1 线路实测合格" in detail and "提交处理结果" not in detail

    login(world.chief.username)
    decision_url = f"/competitions/appeals/{appeal.id}"
    decision = client.get(decision_url)
    assert "提交处理结果" in page(decision) and "30.00" in page(decision)  # A1 now
    a1 = world.items["A1"]
    bad = client.post(
        decision_url,
        data={
            "csrf_token": csrf_of(decision),
            "outcome": "upheld",
            "reason": "复核录像",
            f"item-{a1.id}": "45",
        },
    )
    assert bad.status_code == 422 and "0 至 40" in page(bad)
    done = client.post(
        decision_url,
        data={
            "csrf_token": csrf_of(decision),
            "outcome": "upheld",
            "reason": "复核录像，A1 应为 32 分",
            f"item-{a1.id}": "32",
        },
    )
    assert done.status_code == 302
    assert appeal.status == "upheld"
    shown = page(client.get(f"/competitions/appeals/{appeal.id}"))
    assert "申诉成立" in shown and "改为 32.00 分" in shown
    board = page(client.get(f"/competitions/events/{world.event.id}/results"))
    assert "87.00" in board


def test_a_city_admin_of_another_region_sees_no_appeals(client, login, world):
    _publish(world)
    login(world.other_city.username)
    assert client.get(f"/competitions/events/{world.event.id}/appeals").status_code == 404


def test_finalising_from_the_page_after_the_notice_period(client, login, world):
    _publish(world)
    login(world.chief.username)
    url = f"/competitions/events/{world.event.id}/results"
    assert "确定最终成绩" not in page(client.get(url))
    world.event.notice_ends_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    shown = client.get(url)
    assert "确定最终成绩" in page(shown)
    client.post(
        f"/competitions/events/{world.event.id}/finalise", data={"csrf_token": csrf_of(shown)}
    )
    assert world.event.status == FINAL
    final = page(client.get(url))
    assert "最终成绩" in final and "全部获奖证书" in final and "评分表" in final


def test_rankings_page_is_public_once_results_are(client, world):
    url = f"/competitions/{world.competition.id}/rankings"
    assert client.get(url).status_code == 404
    _publish(world)
    shown = page(client.get(url))
    assert "电工 团体排名" in shown and "174.00" in shown and "不足额" in shown
    assert "尚无成绩已确定的项目" in shown


def test_the_results_list_shows_published_events_and_those_waiting(client, login, world):
    login(world.chief.username)
    waiting = page(client.get("/competitions/results"))
    assert "待公布" in waiting and "电工" in waiting and "暂无公布的竞赛成绩" in waiting
    login(world.ent_admins[0].username)
    assert "待公布" not in page(client.get("/competitions/results"))
    _publish(world)
    client.post("/api/v1/auth/logout")
    shown = page(client.get("/competitions/results"))
    assert "电工" in shown and "公示期至" in shown
