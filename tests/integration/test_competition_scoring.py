"""Judges scoring on their phones, through the API: who may mark what, exact points, one
entry per idempotency key, corrections kept with their reasons, and nothing after sign-off.

The world: a 石家庄 preliminary, one event (电工) with a measured item M1 (max 10) marked by
every judge and a judged item J1 (max 6); contestants No. 1 and 2 of 甲物业, No. 3 of 乙物业.
`judge_a` works for 甲物业 (a conflict with Nos. 1 and 2), `judge_b` marks every item, `judge_c`
only J1.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.extensions import db
from app.timeutil import utcnow
from competitions import scoring
from competitions.models import (
    DRAWN,
    Competition,
    CompetitionEvent,
    Contestant,
    JudgeAssignment,
    RubricItem,
    ScoreDecision,
    ScoreEntry,
)
from competitions.signals import standings_changed
from tests import factories

API = "/api/v1/competition-events"


# -- The world -----------------------------------------------------------------------------


def make_world(*, stage: str = "preliminary", status: str = DRAWN) -> dict:
    """The event described in the module's docstring, drawn (numbers 1–3) unless told."""
    shijiazhuang = factories.region("石家庄市", "130100")
    jia = factories.enterprise(shijiazhuang, name="石家庄甲物业服务有限公司")
    yi = factories.enterprise(shijiazhuang, name="石家庄乙物业服务有限公司")
    competition = Competition(
        title="2026年石家庄市物业服务行业职业技能竞赛",
        stage=stage,
        region_id=shijiazhuang.id,
    )
    event = CompetitionEvent(
        competition=competition, name="电工", occupation="电工", status=status, drawn_at=utcnow()
    )
    m1 = RubricItem(
        event=event, position=1, code="M1", title="线路接线", kind="measurement", max_points=1000
    )
    j1 = RubricItem(
        event=event,
        position=2,
        code="J1",
        title="安全文明操作",
        kind="judgement",
        max_points=600,
        aggregation="mean",
    )
    db.session.add_all([competition, event, m1, j1])
    db.session.flush()
    people = [
        (factories.employee(jia, name="赵一"), jia, 1),
        (factories.employee(jia, name="钱二"), jia, 2),
        (factories.employee(yi, name="孙三"), yi, 3),
    ]
    contestants = {}
    for employee, enterprise, number in people:
        contestant = Contestant(
            event_id=event.id,
            employee_id=employee.id,
            enterprise_id=enterprise.id,
            region_id=shijiazhuang.id,
            number=number if status != "registration" else None,
        )
        db.session.add(contestant)
        contestants[number] = contestant
    judges = {
        "judge_a": factories.user(Role.JUDGE, username="judge_a", enterprise=jia),
        "judge_b": factories.user(Role.JUDGE, username="judge_b", display_name="裁判乙"),
        "judge_c": factories.user(Role.JUDGE, username="judge_c", display_name="裁判丙"),
    }
    chief = factories.user(Role.CHIEF_JUDGE, username="chief", display_name="裁判长")
    event.chief_judge_id = chief.id
    db.session.add_all(
        [
            JudgeAssignment(event_id=event.id, user_id=judges["judge_a"].id, item_id=None),
            JudgeAssignment(event_id=event.id, user_id=judges["judge_b"].id, item_id=None),
            JudgeAssignment(event_id=event.id, user_id=judges["judge_c"].id, item_id=j1.id),
        ]
    )
    db.session.commit()
    return {
        "event": event,
        "m1": m1,
        "j1": j1,
        "contestants": contestants,
        "judges": judges,
        "chief": chief,
        "enterprises": (jia, yi),
    }


@pytest.fixture
def world(app, make):
    return make_world()


@pytest.fixture
def as_user(client, login):
    """Log in as `username`; answers the headers of unsafe requests."""

    def _as(username: str) -> dict:
        client.post("/api/v1/auth/logout", headers=getattr(_as, "headers", {}))
        token = login(username)
        _as.headers = {"X-CSRFToken": token}
        return _as.headers

    return _as


def put_score(client, headers, event_id, **body):
    body.setdefault("key", f"k-{body['number']}-{body['item_id']}-{body.get('points')}")
    return client.put(f"{API}/{event_id}/scores", json=body, headers=headers)


def entries(**where) -> list[ScoreEntry]:
    stmt = select(ScoreEntry).order_by(ScoreEntry.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(ScoreEntry, name) == value)
    return list(db.session.scalars(stmt))


def error(response) -> dict:
    return response.get_json()["error"]


# -- Who may mark what ---------------------------------------------------------------------


def test_a_judge_marks_an_assigned_item_in_exact_points(client, as_user, world):
    headers = as_user("judge_b")
    event, m1 = world["event"], world["m1"]
    response = put_score(client, headers, event.id, number=3, item_id=m1.id, points="8.5", key="a1")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["points"] == "8.50"
    assert (body["number"], body["item_id"], body["key"]) == (3, m1.id, "a1")
    assert body["replayed"] is False and body["correction"] is False
    [entry] = entries()
    assert (entry.points, entry.judge_id) == (850, world["judges"]["judge_b"].id)
    assert entry.contestant_id == world["contestants"][3].id


def test_a_judge_not_assigned_to_the_item_is_refused(client, as_user, world):
    headers = as_user("judge_c")  # J1 only
    response = put_score(
        client, headers, world["event"].id, number=3, item_id=world["m1"].id, points=5
    )
    assert response.status_code == 403
    assert error(response)["code"] == "not_assigned"
    assert "M1" in error(response)["message"]
    assert entries() == []


def test_a_judge_of_another_event_does_not_see_this_one(client, as_user, world, make):
    make.user(Role.JUDGE, username="stranger")
    headers = as_user("stranger")
    event_id = world["event"].id
    assert (
        put_score(client, headers, event_id, number=3, item_id=world["m1"].id, points=5).status_code
        == 404
    )
    assert client.get(f"{API}/{event_id}/queue").status_code == 404
    assert client.get(f"{API}/{event_id}/my-scores").status_code == 404


def test_a_judge_with_a_conflict_is_refused_with_the_reason(client, as_user, world):
    headers = as_user("judge_a")  # 甲物业, as Nos. 1 and 2
    event_id, m1 = world["event"].id, world["m1"]
    response = put_score(client, headers, event_id, number=1, item_id=m1.id, points=5)
    assert response.status_code == 403
    assert error(response)["code"] == "conflict_of_interest"
    assert error(response)["message"] == "裁判与选手属于同一企业，须回避"
    # No. 3 is of another enterprise: no conflict.
    assert (
        put_score(client, headers, event_id, number=3, item_id=m1.id, points=5).status_code == 200
    )
    assert [e.contestant_id for e in entries()] == [world["contestants"][3].id]


def test_in_a_final_a_judge_of_the_same_region_is_refused(app, client, as_user, make):
    world = make_world(stage="final")
    region_judge = make.user(
        Role.JUDGE, username="sjz_judge", region=world["enterprises"][0].region
    )
    db.session.add(JudgeAssignment(event_id=world["event"].id, user_id=region_judge.id))
    db.session.commit()
    headers = as_user("sjz_judge")
    response = put_score(
        client, headers, world["event"].id, number=3, item_id=world["m1"].id, points=5
    )
    assert response.status_code == 403
    assert error(response)["message"] == "决赛中裁判与选手属于同一地区，须回避"


def test_an_unknown_number_or_item_is_a_clear_422(client, as_user, world):
    headers = as_user("judge_b")
    event_id = world["event"].id
    response = put_score(client, headers, event_id, number=9, item_id=world["m1"].id, points=5)
    assert response.status_code == 422
    assert error(response)["details"] == [{"field": "number", "message": "本项目没有 9 号选手"}]
    other = world["j1"].id + 100
    response = put_score(client, headers, event_id, number=3, item_id=other, points=5)
    assert response.status_code == 422
    assert error(response)["details"][0]["field"] == "item_id"


# -- Points --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "stored"),
    [(0, 0), ("10", 1000), (10.0, 1000), ("9.99", 999), (7.25, 725), ("0.01", 1), ("8.50", 850)],
)
def test_points_from_zero_to_the_maximum_with_two_decimals(client, as_user, world, points, stored):
    headers = as_user("judge_b")
    response = put_score(
        client, headers, world["event"].id, number=3, item_id=world["m1"].id, points=points, key="p"
    )
    assert response.status_code == 200, response.get_json()
    assert [e.points for e in entries()] == [stored]


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("10.01", "分数超出范围：应在 0 至 10.00 之间"),
        (11, "分数超出范围：应在 0 至 10.00 之间"),
        (-1, "分数超出范围：应在 0 至 10.00 之间"),
        ("-0.01", "分数超出范围：应在 0 至 10.00 之间"),
        ("7.125", "分数最多两位小数"),
        (7.001, "分数最多两位小数"),
        ("abc", "分数应为 0 至 10.00 之间的数，最多两位小数"),
        ("NaN", "分数超出范围：应在 0 至 10.00 之间"),
        ("1e999999", "分数超出范围：应在 0 至 10.00 之间"),
    ],
)
def test_points_outside_the_range_or_finer_than_a_cent_are_refused(
    client, as_user, world, points, message
):
    headers = as_user("judge_b")
    response = put_score(
        client, headers, world["event"].id, number=3, item_id=world["m1"].id, points=points, key="p"
    )
    assert response.status_code == 422
    assert error(response)["message"] == message
    assert error(response)["details"][0]["field"] == "points"
    assert entries() == []


@pytest.mark.parametrize(
    "body",
    [
        {"number": 3, "points": 5, "key": "x"},  # no item
        {"number": "3", "item_id": 1, "points": 5, "key": "x"},  # a number as text
        {"number": 3, "item_id": 1, "points": True, "key": "x"},
        {"number": 3, "item_id": 1, "points": [5], "key": "x"},
        {"number": 3, "item_id": 1, "points": 5, "key": ""},
        {"number": 3, "item_id": 1, "points": 5, "key": "k" * 65},
        {"number": 3, "item_id": 1, "points": 5, "key": "has space"},
        {"number": 3, "item_id": 1, "points": 5, "key": "x", "reason": "理" * 201},
        {"number": 0, "item_id": 1, "points": 5, "key": "x"},
        {"number": 2**40, "item_id": 1, "points": 5, "key": "x"},
    ],
)
def test_malformed_marks_get_a_chinese_422(client, as_user, world, body):
    headers = as_user("judge_b")
    response = client.put(f"{API}/{world['event'].id}/scores", json=body, headers=headers)
    assert response.status_code == 422
    assert error(response)["details"], error(response)
    assert entries() == []


# -- One entry per key ---------------------------------------------------------------------


def test_the_same_key_twice_is_one_entry(client, as_user, world):
    headers = as_user("judge_b")
    event_id, m1 = world["event"].id, world["m1"]
    sent = []
    with standings_changed.connected_to(lambda sender, **kw: sent.append(kw["event_id"])):
        first = put_score(client, headers, event_id, number=3, item_id=m1.id, points=6, key="K1")
        again = put_score(
            client, headers, event_id, number=3, item_id=m1.id, points="6.00", key="K1"
        )
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["replayed"] is True
    assert len(entries()) == 1
    assert sent == [event_id]  # the repeat changed nothing, so told nobody


def test_a_used_key_with_another_mark_is_refused(client, as_user, world):
    headers = as_user("judge_b")
    event_id, m1 = world["event"].id, world["m1"]
    put_score(client, headers, event_id, number=3, item_id=m1.id, points=6, key="K1")
    response = put_score(client, headers, event_id, number=3, item_id=m1.id, points=7, key="K1")
    assert response.status_code == 409
    assert error(response)["code"] == "key_reused"
    assert [e.points for e in entries()] == [600]


def test_keys_belong_to_their_judge(client, as_user, world):
    event_id, j1 = world["event"].id, world["j1"]
    put_score(client, as_user("judge_b"), event_id, number=3, item_id=j1.id, points=4, key="same")
    response = put_score(
        client, as_user("judge_c"), event_id, number=3, item_id=j1.id, points=2, key="same"
    )
    assert response.status_code == 200
    assert [(e.judge_id, e.points) for e in entries()] == [
        (world["judges"]["judge_b"].id, 400),
        (world["judges"]["judge_c"].id, 200),
    ]


def test_a_repeat_that_arrives_after_sign_off_answers_the_stored_mark(client, as_user, world):
    headers = as_user("judge_b")
    event = world["event"]
    first = put_score(
        client, headers, event.id, number=3, item_id=world["m1"].id, points=6, key="late"
    )
    event.status = "signed_off"
    db.session.commit()
    again = put_score(
        client, headers, event.id, number=3, item_id=world["m1"].id, points=6, key="late"
    )
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert len(entries()) == 1


def test_a_lost_race_on_the_same_key_answers_the_stored_entry(app, world, monkeypatch):
    """Two requests with one key at once: the loser's insert breaks the unique key, and it
    answers what the winner stored (the savepoint keeps the request's transaction usable)."""
    event, m1 = world["event"], world["m1"]
    judge = world["judges"]["judge_b"]
    winner = ScoreEntry(
        event_id=event.id,
        contestant_id=world["contestants"][3].id,
        item_id=m1.id,
        judge_id=judge.id,
        points=600,
        key="race",
    )
    db.session.add(winner)
    db.session.commit()
    # The loser looked before the winner's commit and saw nothing, neither the key nor a mark.
    stored, latest = scoring._stored, scoring._latest_entry
    misses = {"stored": 1, "latest": 1}

    def miss_once(name, real):
        def lookup(*args):
            if misses[name]:
                misses[name] -= 1
                return None
            return real(*args)

        return lookup

    monkeypatch.setattr(scoring, "_stored", miss_once("stored", stored))
    monkeypatch.setattr(scoring, "_latest_entry", miss_once("latest", latest))
    recorded = scoring.record_score(
        event, judge, number=3, item_id=m1.id, points=Decimal(6), key="race", now=utcnow()
    )
    assert recorded.replayed and recorded.entry.id == winner.id
    db.session.commit()  # the transaction survived the refused insert
    assert len(entries()) == 1


# -- Corrections ---------------------------------------------------------------------------


def test_a_correction_needs_a_reason_and_keeps_the_history(client, as_user, world):
    headers = as_user("judge_b")
    event_id, m1 = world["event"].id, world["m1"]
    put_score(client, headers, event_id, number=3, item_id=m1.id, points=6, key="c1")
    response = put_score(client, headers, event_id, number=3, item_id=m1.id, points=8, key="c2")
    assert response.status_code == 422
    assert error(response)["details"] == [
        {"field": "reason", "message": "修改已提交的评分须填写理由"}
    ]
    response = put_score(
        client,
        headers,
        event_id,
        number=3,
        item_id=m1.id,
        points=8,
        key="c2",
        reason="  看错了接线位置  ",
    )
    assert response.status_code == 200
    assert response.get_json()["correction"] is True
    assert [(e.points, e.reason, e.key) for e in entries()] == [
        (600, "", "c1"),
        (800, "看错了接线位置", "c2"),
    ]
    mine = client.get(f"{API}/{event_id}/my-scores").get_json()
    assert mine["total"] == 1
    [mark] = mine["items"]
    assert (mark["number"], mark["item_id"], mark["points"]) == (3, m1.id, "8.00")
    assert [(h["points"], h["reason"]) for h in mark["history"]] == [
        ("6.00", ""),
        ("8.00", "看错了接线位置"),
    ]
    assert "name" not in str(mine) and "enterprise" not in str(mine)


def test_my_scores_are_only_my_own(client, as_user, world):
    event_id, j1 = world["event"].id, world["j1"]
    put_score(client, as_user("judge_b"), event_id, number=3, item_id=j1.id, points=4, key="b")
    as_user("judge_c")
    assert client.get(f"{API}/{event_id}/my-scores").get_json()["items"] == []


# -- The event's state ---------------------------------------------------------------------


def test_after_sign_off_no_mark_is_taken(client, as_user, world):
    headers = as_user("judge_b")
    event = world["event"]
    event.status = "signed_off"
    db.session.commit()
    response = put_score(client, headers, event.id, number=3, item_id=world["m1"].id, points=6)
    assert response.status_code == 409
    assert error(response)["code"] == "signed_off"
    assert error(response)["message"] == "本项目已由裁判长签字确认，评分不能再提交或修改"
    assert entries() == []


def test_before_the_draw_no_mark_is_taken(app, client, as_user):
    world = make_world(status="registration")
    world["contestants"][3].number = 3  # even with a number written by hand
    db.session.commit()
    headers = as_user("judge_b")
    response = put_score(
        client, headers, world["event"].id, number=3, item_id=world["m1"].id, points=6
    )
    assert response.status_code == 409
    assert error(response)["code"] == "not_drawn"


# -- The queue -----------------------------------------------------------------------------


def test_the_queue_has_numbers_only_and_marks_what_is_scored(client, as_user, world):
    headers = as_user("judge_b")
    event_id, m1, j1 = world["event"].id, world["m1"], world["j1"]
    put_score(client, headers, event_id, number=2, item_id=j1.id, points=4, key="q")
    response = client.get(f"{API}/{event_id}/queue")
    assert response.status_code == 200
    body = response.get_json()
    assert body["items"] == [
        {"number": n, "item_id": i, "scored": (n, i) == (2, j1.id), "rescore": False}
        for n in (1, 2, 3)
        for i in (m1.id, j1.id)
    ]
    text = response.get_data(as_text=True)
    for secret in ("赵一", "钱二", "孙三", "甲物业", "乙物业", "name", "enterprise"):
        assert secret not in text


def test_the_queue_never_holds_a_contestant_the_judge_must_not_mark(client, as_user, world):
    as_user("judge_a")  # 甲物业: Nos. 1 and 2 are colleagues
    body = client.get(f"{API}/{world['event'].id}/queue").get_json()
    assert {item["number"] for item in body["items"]} == {3}
    as_user("judge_c")  # J1 only
    body = client.get(f"{API}/{world['event'].id}/queue").get_json()
    assert {item["item_id"] for item in body["items"]} == {world["j1"].id}


# -- The chief judge -----------------------------------------------------------------------


def _mark_everything(client, as_user, world, *, j1_b="4", j1_c="4") -> None:
    """Every item of every contestant marked: judge_b all, judge_c J1, judge_a (a conflict
    with Nos. 1 and 2) J1 of No. 3 — J1 is a mean, so every judge who may mark it must."""
    event_id, m1, j1 = world["event"].id, world["m1"], world["j1"]
    headers = as_user("judge_a")
    assert (
        put_score(client, headers, event_id, number=3, item_id=j1.id, points="4").status_code == 200
    )
    headers = as_user("judge_b")
    for number in (1, 2, 3):
        assert (
            put_score(client, headers, event_id, number=number, item_id=m1.id, points=8).status_code
            == 200
        )
        assert (
            put_score(
                client,
                headers,
                event_id,
                number=number,
                item_id=j1.id,
                points=j1_b if number == 2 else "4",
            ).status_code
            == 200
        )
    headers = as_user("judge_c")
    for number in (1, 2, 3):
        assert (
            put_score(
                client,
                headers,
                event_id,
                number=number,
                item_id=j1.id,
                points=j1_c if number == 2 else "4",
            ).status_code
            == 200
        )


def test_sign_off_is_blocked_by_missing_marks(client, as_user, world):
    event_id, m1 = world["event"].id, world["m1"]
    put_score(client, as_user("judge_b"), event_id, number=3, item_id=m1.id, points=8)
    headers = as_user("chief")
    response = client.post(f"{API}/{event_id}/sign-off", headers=headers)
    assert response.status_code == 409
    assert error(response)["code"] == "sign_off_blocked"
    listed = {(d["number"], d["item_code"], d["problem"]) for d in error(response)["details"]}
    assert listed == {
        (1, "M1", "missing"),
        (1, "J1", "missing"),
        (2, "M1", "missing"),
        (2, "J1", "missing"),
        (3, "J1", "missing"),
    }
    assert "5 项缺少评分" in error(response)["message"]
    assert db.session.get(CompetitionEvent, event_id).status == DRAWN


def test_sign_off_is_blocked_by_an_open_disagreement_until_the_chief_decides(
    client, as_user, world
):
    event_id, j1 = world["event"].id, world["j1"]
    _mark_everything(client, as_user, world, j1_b="6", j1_c="0")  # No. 2: 6 against 0 of 6
    headers = as_user("chief")
    response = client.post(f"{API}/{event_id}/sign-off", headers=headers)
    assert response.status_code == 409
    assert [(d["number"], d["item_code"], d["problem"]) for d in error(response)["details"]] == [
        (2, "J1", "disagreement")
    ]
    listing = client.get(f"{API}/{event_id}/disagreements").get_json()
    assert listing["items"] == [
        {
            "number": 2,
            "item_id": j1.id,
            "item_code": "J1",
            "max_points": "6.00",
            "marks": [{"judge": "裁判乙", "points": "6.00"}, {"judge": "裁判丙", "points": "0.00"}],
            "spread": "6.00",
        }
    ]
    ruling = client.post(
        f"{API}/{event_id}/decisions",
        json={
            "number": 2,
            "item_id": j1.id,
            "kind": "decide",
            "points": "4.5",
            "reason": "复看录像，操作基本规范",
        },
        headers=headers,
    )
    assert ruling.status_code == 201, ruling.get_json()
    assert ruling.get_json()["points"] == "4.50"
    assert client.get(f"{API}/{event_id}/disagreements").get_json()["items"] == []
    response = client.post(f"{API}/{event_id}/sign-off", headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "signed_off"
    event = db.session.get(CompetitionEvent, event_id)
    assert (event.status, event.signed_off_by_id) == ("signed_off", world["chief"].id)
    # Signing off again changes nothing; marking and ruling now answer 409.
    assert client.post(f"{API}/{event_id}/sign-off", headers=headers).status_code == 200
    again = client.post(
        f"{API}/{event_id}/decisions",
        json={"number": 2, "item_id": j1.id, "kind": "decide", "points": 5, "reason": "再议"},
        headers=headers,
    )
    assert again.status_code == 409


def test_a_rescore_request_waits_for_the_judges_new_mark(client, as_user, world):
    event_id, j1 = world["event"].id, world["j1"]
    _mark_everything(client, as_user, world, j1_b="6", j1_c="0")
    headers = as_user("chief")
    ruling = client.post(
        f"{API}/{event_id}/decisions",
        json={"number": 2, "item_id": j1.id, "kind": "rescore", "reason": "分差过大，请复评"},
        headers=headers,
    )
    assert ruling.status_code == 201
    assert ruling.get_json()["points"] is None
    blocked = client.post(f"{API}/{event_id}/sign-off", headers=headers)
    assert blocked.status_code == 409
    assert {(d["number"], d["problem"]) for d in error(blocked)["details"]} >= {(2, "rescore")}
    # The judge sees the request in the queue and re-scores without typing a reason.
    headers = as_user("judge_c")
    queue = client.get(f"{API}/{event_id}/queue").get_json()["items"]
    assert [q for q in queue if q["rescore"]] == [
        {"number": 2, "item_id": j1.id, "scored": True, "rescore": True}
    ]
    response = put_score(client, headers, event_id, number=2, item_id=j1.id, points="5", key="r")
    assert response.status_code == 200, response.get_json()
    assert entries(key="r")[0].reason == scoring.RESCORE_REASON
    assert not any(q["rescore"] for q in client.get(f"{API}/{event_id}/queue").get_json()["items"])
    headers = as_user("chief")
    assert client.post(f"{API}/{event_id}/sign-off", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"kind": "decide", "points": "4", "reason": ""}, 422, "reason"),
        ({"kind": "decide", "points": "4", "reason": "   "}, 422, "reason"),
        ({"kind": "decide", "reason": "无分数"}, 422, "points"),
        ({"kind": "decide", "points": "6.01", "reason": "超出"}, 422, "points"),
        ({"kind": "rescore", "points": "4", "reason": "复评"}, 422, "points"),
        ({"kind": "appeal", "points": "4", "reason": "申诉"}, 422, "kind"),
    ],
)
def test_a_ruling_needs_a_reason_and_valid_points(client, as_user, world, body, status, field):
    _mark_everything(client, as_user, world)
    headers = as_user("chief")
    response = client.post(
        f"{API}/{world['event'].id}/decisions",
        json={"number": 2, "item_id": world["j1"].id, **body},
        headers=headers,
    )
    assert response.status_code == status
    assert error(response)["details"][0]["field"] == field
    assert db.session.scalar(select(func.count(ScoreDecision.id))) == 0


def test_only_the_events_chief_judge_rules_and_signs_off(client, as_user, world, make):
    _mark_everything(client, as_user, world)
    event_id = world["event"].id
    headers = as_user("judge_b")  # a judge of the event: in scope, refused
    ruling = {
        "number": 2,
        "item_id": world["j1"].id,
        "kind": "decide",
        "points": 4,
        "reason": "理由",
    }
    assert (
        client.post(f"{API}/{event_id}/decisions", json=ruling, headers=headers).status_code == 403
    )
    assert client.post(f"{API}/{event_id}/sign-off", headers=headers).status_code == 403
    assert client.get(f"{API}/{event_id}/disagreements").status_code == 403
    make.user(Role.CHIEF_JUDGE, username="other_chief")
    headers = as_user("other_chief")  # another event's chief judge: out of scope
    assert client.post(f"{API}/{event_id}/sign-off", headers=headers).status_code == 404
    assert db.session.get(CompetitionEvent, event_id).status == DRAWN


def test_every_change_tells_the_board(world):
    event, m1, j1 = world["event"], world["m1"], world["j1"]
    sent = []
    with standings_changed.connected_to(lambda sender, **kw: sent.append(kw["event_id"])):
        now = utcnow()
        scoring.record_score(
            event, world["judges"]["judge_b"], number=3, item_id=m1.id, points=5, key="s1", now=now
        )
        scoring.record_score(
            event, world["judges"]["judge_c"], number=3, item_id=j1.id, points=2, key="s2", now=now
        )
        scoring.decide(
            event,
            world["chief"],
            number=3,
            item_id=j1.id,
            kind="rescore",
            reason="复评",
            now=now + timedelta(seconds=1),
        )
    assert sent == [event.id] * 3


def test_judgement_grades_are_thirds_of_the_maximum():
    assert [scoring.grade_points(600, g) for g in scoring.GRADES] == [0, 200, 400, 600]
    # 10 points: 3.33, 6.67 (rounded half up to the cent), 10.
    assert [scoring.grade_points(1000, g) for g in scoring.GRADES] == [0, 333, 667, 1000]
    assert scoring.grade_points(50, 1) == 17  # 0.1666… → 0.17
