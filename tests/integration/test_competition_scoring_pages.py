"""The judges' and the chief judge's pages: numbers only, rulings with reasons, sign-off."""

import html
import json
import re

from sqlalchemy import select

from app.extensions import db
from competitions.models import CompetitionEvent, ScoreDecision
from tests.integration import test_competition_scoring as scoring_tests
from tests.integration.test_competition_scoring import _mark_everything, put_score

# The scoring tests' world and helpers, as fixtures of this module too.
world = scoring_tests.world
as_user = scoring_tests.as_user

SECRETS = ("赵一", "钱二", "孙三", "甲物业", "乙物业")


def form_token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    return match.group(1)


def sheet_of(page: str) -> dict:
    raw = re.search(r'data-sheet="([^"]*)"', page).group(1)
    return json.loads(html.unescape(raw))


def no_inline_scripts(page: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "inline script"
    assert not re.search(r"\son[a-z]+=", page), "inline handler"


def test_a_judge_sees_their_events_and_the_menu_entry(client, as_user, world):
    as_user("judge_b")
    page = client.get("/competitions/judge/").get_data(as_text=True)
    assert "2026年石家庄市物业服务行业职业技能竞赛" in page
    assert "电工" in page and "进入评分" in page and "已评 <strong>0</strong> / 6 项" in page
    assert "裁判长工作台" not in page
    assert 'href="/competitions/judge/"' in page  # the menu's 评分
    no_inline_scripts(page)


def test_the_scoring_page_hands_numbers_and_items_never_names(client, as_user, world):
    headers = as_user("judge_b")
    event_id, m1, j1 = world["event"].id, world["m1"], world["j1"]
    put_score(client, headers, event_id, number=3, item_id=m1.id, points="8.5", key="x1")
    response = client.get(f"/competitions/judge/events/{event_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for secret in SECRETS:
        assert secret not in page
    no_inline_scripts(page)
    assert "judge.js" in page and "待发送 0" in page
    sheet = sheet_of(page)
    assert [(i["code"], i["kind"], i["max"]) for i in sheet["items"]] == [
        ("M1", "measurement", "10.00"),
        ("J1", "judgement", "6.00"),
    ]
    assert [g["points"] for g in sheet["items"][1]["grades"]] == ["0.00", "2.00", "4.00", "6.00"]
    assert {q["number"] for q in sheet["queue"]} == {1, 2, 3}
    assert sheet["mine"][f"3:{m1.id}"]["points"] == "8.50"
    assert f"3:{j1.id}" not in sheet["mine"]


def test_the_scoring_page_of_a_judge_with_a_conflict_leaves_those_numbers_out(
    client, as_user, world
):
    as_user("judge_a")
    page = client.get(f"/competitions/judge/events/{world['event'].id}").get_data(as_text=True)
    assert {q["number"] for q in sheet_of(page)["queue"]} == {3}


def test_pages_of_an_event_the_user_does_not_judge_are_not_found(client, as_user, world, make):
    from app.auth.models import Role

    make.user(Role.JUDGE, username="stranger")
    as_user("stranger")
    event_id = world["event"].id
    assert client.get(f"/competitions/judge/events/{event_id}").status_code == 404
    assert client.get(f"/competitions/judge/events/{event_id}/chief").status_code == 404
    as_user("judge_b")
    assert client.get(f"/competitions/judge/events/{event_id}/chief").status_code == 403


def test_a_signed_off_event_is_shown_read_only(client, as_user, world):
    event = world["event"]
    event.status = "signed_off"
    db.session.commit()
    as_user("judge_b")
    page = client.get(f"/competitions/judge/events/{event.id}").get_data(as_text=True)
    assert 'data-open="0"' in page and "评分已锁定" in page


def test_the_chief_judge_rules_on_a_disagreement_and_signs_off(client, as_user, world):
    event_id, j1 = world["event"].id, world["j1"]
    _mark_everything(client, as_user, world, j1_b="6", j1_c="0")
    as_user("chief")
    response = client.get(f"/competitions/judge/events/{event_id}/chief")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    no_inline_scripts(page)
    for secret in SECRETS:
        assert secret not in page
    card = re.search(r'<div class="card mb-3 chief-disagreement".*?</form>', page, re.S).group(0)
    assert "2 号 · J1 安全文明操作" in card
    assert "裁判乙" in card and "6.00" in card and "裁判丙" in card and "0.00" in card
    assert "data-confirm=" in page  # the sign-off asks first
    token = form_token(page)

    # A ruling without a reason is refused with a message; nothing is recorded.
    url = f"/competitions/judge/events/{event_id}/decisions"
    ruling = {"csrf_token": token, "number": 2, "item_id": j1.id, "kind": "decide", "points": "4"}
    response = client.post(url, data={**ruling, "reason": ""}, follow_redirects=True)
    assert "请填写理由" in response.get_data(as_text=True)
    assert db.session.scalar(select(ScoreDecision.id)) is None

    # Signing off now is refused, listing what stops it.
    sign = {"csrf_token": token}
    response = client.post(
        f"/competitions/judge/events/{event_id}/sign-off", data=sign, follow_redirects=True
    )
    assert "还不能签字确认" in response.get_data(as_text=True)
    assert "2 号 J1：评分分歧未处理" in response.get_data(as_text=True)
    assert db.session.get(CompetitionEvent, event_id).status == "drawn"

    response = client.post(url, data={**ruling, "reason": "复看录像"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "已记录：2 号裁定分数。" in page
    assert "暂无未处理的分歧" in page
    decision = db.session.scalar(select(ScoreDecision))
    assert (decision.kind, decision.points, decision.reason) == ("decide", 400, "复看录像")

    response = client.post(
        f"/competitions/judge/events/{event_id}/sign-off", data=sign, follow_redirects=True
    )
    assert "已签字确认，本项目评分已锁定。" in response.get_data(as_text=True)
    assert db.session.get(CompetitionEvent, event_id).status == "signed_off"


def test_a_sign_off_without_its_csrf_token_is_refused(client, as_user, world):
    _mark_everything(client, as_user, world)
    as_user("chief")
    response = client.post(f"/competitions/judge/events/{world['event'].id}/sign-off", data={})
    assert response.status_code in (400, 403)
    assert db.session.get(CompetitionEvent, world["event"].id).status == "drawn"
