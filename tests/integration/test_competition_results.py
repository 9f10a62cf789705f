"""Results after sign-off: publication, appeals, the fixed results, awards and rankings.

The event and its hand-computed standings are described in `competition_results_helpers`.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.errors import Conflict, Invalid, NotFound, Refused
from app.extensions import db
from app.timeutil import utcnow
from competitions import results
from competitions.models import (
    DRAWN,
    FINAL,
    PUBLISHED,
    EventResult,
    ScoreDecision,
)
from competitions.signals import standings_changed
from tests.integration.competition_results_helpers import build

D = Decimal


@pytest.fixture
def world(app):
    return build()


def _published(world, at=None):
    at = at or utcnow()
    results.publish(world.event, world.chief, at)
    db.session.commit()
    return at


def _table(rows):
    return [(r.number, r.rank, r.total, r.award, r.title, r.promoted) for r in rows]


# --- publication -------------------------------------------------------------------------


def test_publishing_needs_the_chief_judges_sign_off(world):
    world.event.status = DRAWN
    db.session.commit()
    with pytest.raises(Conflict, match="裁判长签字确认后"):
        results.publish(world.event, world.chief, utcnow())


def test_publishing_opens_the_notice_period_and_reveals_the_board(world):
    sent = []

    def heard(sender, **kwargs):
        sent.append(kwargs["event_id"])

    now = utcnow()
    with standings_changed.connected_to(heard):
        results.publish(world.event, world.chief, now)
    db.session.commit()
    assert world.event.status == PUBLISHED
    assert world.event.published_at == now
    assert world.event.notice_ends_at == now + timedelta(days=5)
    assert sent == [world.event.id]
    names = [r.name for r in results.results(world.event)]
    assert names == ["钱二", "赵一", "孙三", "李四", "周五"]


def test_only_the_chief_judge_or_the_organiser_publishes(world):
    for outsider in (world.judges[0], world.city, world.ent_admins[0]):
        with pytest.raises(Refused):
            results.publish(world.event, outsider, utcnow())
    results.publish(world.event, world.province, utcnow())  # the final's organiser
    assert world.event.status == PUBLISHED


def test_publishing_twice_is_a_conflict(world):
    _published(world)
    with pytest.raises(Conflict):
        results.publish(world.event, world.chief, utcnow())


# --- the standings, awards, titles and promotion -------------------------------------------


def test_published_results_show_the_awards_they_would_give_with_the_tie(world):
    _published(world)
    assert _table(results.results(world.event)) == [
        (2, 1, D("89.00"), "first", "河北省技术能手", True),
        (1, 2, D("89.00"), "second", "河北省技术能手", True),
        # 3 and 4 share rank 3: both get the third prize and promotion; the excellence
        # prize covers rank 4, which nobody holds.
        (3, 3, D("85.00"), "third", "", True),
        (4, 3, D("85.00"), "third", "", True),
        (5, 5, D("60.00"), "", "", False),
    ]


def test_awards_by_share_round_down_the_running_share(app):
    # 5 ranked: 20% → the first place; 20%+20% → two places; 20%+20%+30% → 3.5 → 3.
    world = build(awards={"by": "share", "first": 20, "second": 20, "third": 30}, titles=[])
    _published(world)
    awards = [(r.number, r.award) for r in results.results(world.event)]
    assert awards == [(2, "first"), (1, "second"), (3, "third"), (4, "third"), (5, "")]


# --- appeals -------------------------------------------------------------------------------


def test_an_appeal_is_filed_only_during_the_notice_period(world):
    three = world.contestants[3]
    with pytest.raises(Conflict, match="公示期内"):
        results.file_appeal(
            world.event, three, "A1 测量有误，请复核", world.ent_admins[0], utcnow()
        )
    at = _published(world)
    late = at + timedelta(days=5)
    with pytest.raises(Conflict, match="公示期已于"):
        results.file_appeal(world.event, three, "A1 测量有误，请复核", world.ent_admins[0], late)
    appeal = results.file_appeal(
        world.event,
        three,
        "  A1 测量有误，请复核  ",
        world.ent_admins[0],
        late - timedelta(seconds=1),
    )
    assert (appeal.status, appeal.reason, appeal.filed_by_id) == (
        "pending",
        "A1 测量有误，请复核",
        world.ent_admins[0].id,
    )


def test_who_may_appeal_for_a_contestant(world):
    at = _published(world)
    three = world.contestants[3]  # of E1, in 石家庄
    for outsider in (world.ent_admins[1], world.other_city, world.judges[0], world.trainee):
        with pytest.raises(Refused):
            results.file_appeal(world.event, three, "请复核 A1 的测量", outsider, at)
    for speaker in (world.ent_admins[0], world.city, world.province):
        appeal = results.file_appeal(world.event, three, "请复核 A1 的测量", speaker, at)
        appeal.status = "rejected"  # one pending appeal per contestant at a time
        db.session.flush()


@pytest.mark.parametrize("reason", ["", "太短", "    四个字    ", "长" * 501, None])
def test_an_appeal_needs_a_reason_of_5_to_500_characters(world, reason):
    at = _published(world)
    with pytest.raises(Invalid, match="5 至 500"):
        results.file_appeal(world.event, world.contestants[3], reason, world.city, at)


def test_a_second_pending_appeal_for_one_contestant_is_refused(world):
    at = _published(world)
    results.file_appeal(world.event, world.contestants[3], "请复核 A1 的测量", world.city, at)
    with pytest.raises(Conflict, match="待处理"):
        results.file_appeal(world.event, world.contestants[3], "再次请复核 A1", world.city, at)


def test_an_upheld_appeal_changes_the_standing_and_is_recorded(world):
    at = _published(world)
    appeal = results.file_appeal(
        world.event, world.contestants[3], "A1 线路实测合格，应得 32 分", world.ent_admins[0], at
    )
    a1 = world.items["A1"]
    results.decide_appeal(
        appeal,
        world.chief,
        upheld=True,
        reason="复核录像，A1 应为 32 分",
        changes=[(a1.id, "32")],
        now=at + timedelta(hours=1),
    )
    db.session.commit()
    assert _table(results.results(world.event))[2:4] == [
        (3, 3, D("87.00"), "third", "", True),
        (4, 4, D("85.00"), "excellence", "", False),
    ]
    ruling = db.session.scalars(select(ScoreDecision)).one()
    assert (ruling.kind, ruling.appeal_id, ruling.item_id, ruling.points) == (
        "appeal",
        appeal.id,
        a1.id,
        3200,
    )
    assert (ruling.decided_by_id, ruling.reason) == (world.chief.id, "复核录像，A1 应为 32 分")
    assert (appeal.status, appeal.decided_by_id, appeal.decision_reason) == (
        "upheld",
        world.chief.id,
        "复核录像，A1 应为 32 分",
    )
    assert appeal.decided_at == at + timedelta(hours=1)


def test_a_rejected_appeal_changes_nothing_but_keeps_its_reason(world):
    at = _published(world)
    appeal = results.file_appeal(world.event, world.contestants[5], "B1 评分偏低", world.city, at)
    before = _table(results.results(world.event))
    results.decide_appeal(appeal, world.province, upheld=False, reason="评分符合细则")
    assert _table(results.results(world.event)) == before
    assert (appeal.status, appeal.decision_reason) == ("rejected", "评分符合细则")
    assert db.session.scalars(select(ScoreDecision)).all() == []
    with pytest.raises(Conflict, match="已处理"):
        results.decide_appeal(appeal, world.chief, upheld=False, reason="再次驳回")


def test_only_the_chief_judge_or_organiser_decides(world):
    at = _published(world)
    appeal = results.file_appeal(world.event, world.contestants[5], "B1 评分偏低", world.city, at)
    for outsider in (world.judges[0], world.city, world.ent_admins[2]):
        with pytest.raises(Refused):
            results.decide_appeal(appeal, outsider, upheld=False, reason="驳回")


@pytest.mark.parametrize(
    ("upheld", "changes", "message"),
    [
        (True, [], "须写明改动"),
        (False, [("A1", "30")], "驳回申诉时不能改动"),
        (True, [("A1", "40.01")], "0 至 40"),
        (True, [("A1", "-1")], "0 至 40"),
        (True, [("A1", "12.345")], "最多两位小数"),
        (True, [("A1", "abc")], "0 至 40"),
        (True, [("A1", "NaN")], "0 至 40"),
        (True, [("A1", "1" * 5000)], "0 至 40"),
        (True, [("A1", "30"), ("A1", "31")], "重复"),
        (True, [(999_999, "1")], "不属于本项目"),
    ],
)
def test_a_decision_checks_the_changed_marks(world, upheld, changes, message):
    at = _published(world)
    appeal = results.file_appeal(world.event, world.contestants[5], "B1 评分偏低", world.city, at)
    changes = [(world.items[i].id if isinstance(i, str) else i, p) for i, p in changes]
    with pytest.raises(Invalid, match=message):
        results.decide_appeal(appeal, world.chief, upheld=upheld, reason="复核", changes=changes)
    assert appeal.status == "pending"


# --- finalising ----------------------------------------------------------------------------


def test_finalise_waits_for_the_end_of_the_notice_period(world):
    at = _published(world)
    with pytest.raises(Conflict, match="公示期至"):
        results.finalise(world.event, at + timedelta(days=5) - timedelta(seconds=1))
    assert world.event.status == PUBLISHED


def test_finalise_is_blocked_by_a_pending_appeal(world):
    at = _published(world)
    appeal = results.file_appeal(world.event, world.contestants[5], "B1 评分偏低", world.city, at)
    after = at + timedelta(days=6)
    with pytest.raises(Conflict, match="1 件申诉未处理") as refused:
        results.finalise(world.event, after)
    assert refused.value.details == [
        {"appeal_id": appeal.id, "contestant_id": appeal.contestant_id}
    ]
    results.decide_appeal(appeal, world.chief, upheld=False, reason="评分符合细则", now=after)
    results.finalise(world.event, after)
    assert world.event.status == FINAL


def test_finalise_fixes_ranks_awards_titles_and_promotion(world):
    at = _published(world)
    appeal = results.file_appeal(
        world.event, world.contestants[3], "A1 应得 32 分", world.ent_admins[0], at
    )
    results.decide_appeal(
        appeal, world.chief, upheld=True, reason="复核", changes=[(world.items["A1"].id, "32.00")]
    )
    done = at + timedelta(days=5)
    written = results.finalise(world.event, done, by=world.chief)
    db.session.commit()
    assert len(written) == 5
    assert (world.event.status, world.event.finalised_at) == (FINAL, done)
    stored = db.session.scalars(select(EventResult).order_by(EventResult.rank)).all()
    assert [
        (
            r.contestant_id,
            r.rank,
            D(r.practical),
            r.theory,
            D(r.total),
            r.award,
            r.title,
            r.promoted,
        )
        for r in stored
    ] == [
        (world.contestants[2].id, 1, D("89.00"), None, D("89.00"), "first", "河北省技术能手", True),
        (
            world.contestants[1].id,
            2,
            D("89.00"),
            None,
            D("89.00"),
            "second",
            "河北省技术能手",
            True,
        ),
        (world.contestants[3].id, 3, D("87.00"), None, D("87.00"), "third", "", True),
        (world.contestants[4].id, 4, D("85.00"), None, D("85.00"), "excellence", "", False),
        (world.contestants[5].id, 5, D("60.00"), None, D("60.00"), "", "", False),
    ]
    assert [p.employee_id for p in results.promoted_contestants()] == [
        world.contestants[n].employee_id for n in (2, 1, 3)
    ]
    assert results.promoted_contestants(employee_id=world.contestants[4].employee_id) == []


def test_after_finalising_nothing_changes(world):
    at = _published(world)
    results.finalise(world.event, at + timedelta(days=5))
    db.session.commit()
    later = at + timedelta(days=6)
    with pytest.raises(Conflict, match="已确定"):
        results.finalise(world.event, later)
    with pytest.raises(Conflict):
        results.file_appeal(world.event, world.contestants[5], "B1 评分偏低", world.city, later)
    with pytest.raises(Conflict):
        results.publish(world.event, world.chief, later)
    # A mark sent afterwards does not move the fixed results.
    from tests.integration.competition_results_helpers import correct

    correct(world, 5, "A1", 0, 40, "late")
    assert [r.total for r in results.results(world.event)][-1] == D("60.00")


def test_a_finalised_appeal_cannot_be_decided(world):
    at = _published(world)
    appeal = results.file_appeal(world.event, world.contestants[5], "B1 评分偏低", world.city, at)
    world.event.status = FINAL  # as if fixed by another request meanwhile
    db.session.commit()
    with pytest.raises(Conflict):
        results.decide_appeal(appeal, world.chief, upheld=False, reason="驳回")


# --- team and enterprise rankings ------------------------------------------------------------


def test_team_ranking_sums_each_enterprises_members(world):
    _published(world)
    teams = [
        (t.rank, t.enterprise, t.score, [m.number for m in t.members])
        for t in results.team_ranking(world.event)
    ]
    assert teams == [
        # Equal sums share the rank; E2 is listed first, its best member ranking higher.
        (1, "石家庄第2物业服务有限公司", D("174.00"), [2, 4]),
        (1, "石家庄第1物业服务有限公司", D("174.00"), [1, 3]),
        (None, "石家庄第3物业服务有限公司", D("60.00"), [5]),
    ]


def test_enterprise_ranking_counts_fixed_awards_only(world):
    at = _published(world)
    assert results.enterprise_ranking(world.competition) == []
    results.finalise(world.event, at + timedelta(days=5))
    rows = [
        (r.rank, r.enterprise, r.first, r.second, r.third, r.excellence, r.contestants)
        for r in results.enterprise_ranking(world.competition)
    ]
    assert rows == [
        (1, "石家庄第2物业服务有限公司", 1, 0, 1, 0, 2),
        (2, "石家庄第1物业服务有限公司", 0, 1, 1, 0, 2),
        (3, "石家庄第3物业服务有限公司", 0, 0, 0, 0, 1),
    ]


# --- the API -------------------------------------------------------------------------------


def _post(client, url, token, body=None):
    return client.post(url, json=body or {}, headers={"X-CSRFToken": token})


def test_api_publish_appeal_decide_finalise(app, client, login, world):
    event_id = world.event.id
    token = login(world.ent_admins[0].username)
    refused = _post(client, f"/api/v1/competition-events/{event_id}/publish", token)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["message"] == "只有本项目的裁判长或主办方管理员可以公布成绩"

    token = login(world.chief.username)
    published = _post(client, f"/api/v1/competition-events/{event_id}/publish", token)
    assert published.status_code == 200, published.get_json()
    assert published.get_json()["status"] == "published"
    early = _post(client, f"/api/v1/competition-events/{event_id}/finalise", token)
    assert early.status_code == 409
    assert "公示期至" in early.get_json()["error"]["message"]

    token = login(world.ent_admins[0].username)
    url = f"/api/v1/competition-events/{event_id}/appeals"
    body = {"number": 3, "reason": "A1 实测合格，应得 32 分"}
    filed = _post(client, url, token, body)
    assert filed.status_code == 201, filed.get_json()
    appeal_id = filed.get_json()["id"]
    assert _post(client, url, token, {"number": 2, "reason": "不是本企业的选手"}).status_code == 403
    missing = _post(client, url, token, {"number": 99, "reason": "没有这个号"})
    assert missing.status_code == 404
    both = _post(client, url, token, {"number": 3, "contestant_id": 1, "reason": "两个都给了"})
    assert both.status_code == 422
    assert "其中之一" in both.get_json()["error"]["details"][0]["message"]
    long = _post(client, url, token, {"number": 3, "reason": "长" * 501})
    assert long.status_code == 422
    assert long.get_json()["error"]["details"][0]["message"] == "申诉理由不能超过 500 字"
    huge = _post(client, url, token, {"number": 2**40, "reason": "号码过大的申诉"})
    assert huge.status_code == 422

    # Only the chief judge (or the organiser) decides; the filer reads, but may not decide.
    decision = f"/api/v1/appeals/{appeal_id}/decision"
    decide = {
        "upheld": True,
        "reason": "复核录像",
        "changes": [{"item_id": world.items["A1"].id, "points": "32"}],
    }
    assert _post(client, decision, token, decide).status_code == 403
    token = login(world.other_city.username)
    assert _post(client, decision, token, decide).status_code == 404
    token = login(world.chief.username)
    bad = _post(
        client,
        decision,
        token,
        decide | {"changes": [{"item_id": world.items["A1"].id, "points": "41"}]},
    )
    assert bad.status_code == 422
    assert "0 至 40" in bad.get_json()["error"]["message"]
    done = _post(client, decision, token, decide)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "upheld"
    assert done.get_json()["changes"] == [{"item_id": world.items["A1"].id, "points": "32.00"}]

    shown = client.get(f"/api/v1/competition-events/{event_id}/results").get_json()
    assert shown["final"] is False
    assert [(r["number"], r["rank"], r["total"], r["award"]) for r in shown["rows"]][2:4] == [
        (3, 3, "87.00", "third"),
        (4, 4, "85.00", "excellence"),
    ]

    world.event.notice_ends_at = utcnow() - timedelta(seconds=1)  # the period has passed
    db.session.commit()
    fixed = _post(client, f"/api/v1/competition-events/{event_id}/finalise", token)
    assert fixed.status_code == 200, fixed.get_json()
    assert fixed.get_json()["results"] == 5
    again = _post(client, f"/api/v1/competition-events/{event_id}/finalise", token)
    assert again.status_code == 409


def test_api_results_are_open_once_published_and_hidden_before(app, client, login, world):
    url = f"/api/v1/competition-events/{world.event.id}/results"
    assert client.get(url).status_code == 401
    login(world.trainee.username)  # sees no competition before results are public
    assert client.get(url).status_code == 404
    login(world.other_city.username)  # sees the final, whose results are not out yet
    early = client.get(url)
    assert early.status_code == 409
    assert early.get_json()["error"]["message"] == "该项目的成绩尚未公布"
    _published(world)
    body = client.get(url).get_json()
    assert body["rows"][0] == {
        "rank": 1,
        "contestant_id": world.contestants[2].id,
        "number": 2,
        "name": "钱二",
        "enterprise": "石家庄第2物业服务有限公司",
        "region": "石家庄市",
        "practical": "89.00",
        "theory": None,
        "total": "89.00",
        "award": "first",
        "award_label": "一等奖",
        "title": "河北省技术能手",
        "promoted": True,
    }
    rankings = client.get(f"/api/v1/competitions/{world.competition.id}/rankings").get_json()
    assert [(t["rank"], t["score"]) for t in rankings["teams"][0]["teams"]] == [
        (1, "174.00"),
        (1, "174.00"),
        (None, "60.00"),
    ]
    assert rankings["enterprises"] == [] and rankings["events_counted"] == []


def test_api_an_appeal_outside_the_notice_period_is_a_conflict(app, client, login, world):
    _published(world)
    world.event.notice_ends_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    token = login(world.city.username)
    late = _post(
        client,
        f"/api/v1/competition-events/{world.event.id}/appeals",
        token,
        {"contestant_id": world.contestants[5].id, "reason": "B1 评分偏低"},
    )
    assert late.status_code == 409
    assert "公示期已于" in late.get_json()["error"]["message"]


def test_api_an_unpublished_event_is_out_of_scope_or_refused(app, client, login, world):
    url = f"/api/v1/competition-events/{world.event.id}/publish"
    # A trainee sees no competition before results are public.
    assert _post(client, url, login(world.trainee.username)).status_code == 404
    # A city admin sees the provincial final (the policy), but does not run it.
    assert _post(client, url, login(world.other_city.username)).status_code == 403
    assert world.event.status != PUBLISHED


def test_api_another_regions_preliminary_is_not_found(app, client, login):
    world = build(stage="preliminary")
    url = f"/api/v1/competition-events/{world.event.id}/publish"
    assert _post(client, url, login(world.other_city.username)).status_code == 404
    assert _post(client, url, login(world.city.username)).status_code == 200  # its organiser


def test_api_contestant_of_another_event_is_not_found(world):
    _published(world)
    with pytest.raises(NotFound):
        results.contestant_in(world.event, 2**31 - 1)


def test_a_contestant_who_did_not_check_in_is_not_ranked_nor_counted_in_shares(app):
    # 4 competed: 25% → one first prize, 25% + 25% → two places, 25% + 25% + 50% → 4.
    world = build(awards={"by": "share", "first": 25, "second": 25, "third": 50}, titles=[])
    for number in (1, 2, 3, 4):
        world.contestants[number].checked_in_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    at = _published(world)
    shown = [(r.number, r.rank, r.award) for r in results.results(world.event)]
    assert shown == [(2, 1, "first"), (1, 2, "second"), (3, 3, "third"), (4, 3, "third")]
    written = results.finalise(world.event, at + timedelta(days=5))
    assert world.contestants[5].id not in {r.contestant_id for r in written}
