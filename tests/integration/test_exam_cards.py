# ruff: noqa: F811 (the `world` fixture is imported, and named by the tests that use it)
"""Exam cards on the trainee's home page and on 我的考试 show the attempt's real state: never
「开始考试」 for an attempt already used."""

import re
from datetime import timedelta

from app.extensions import db
from app.timeutil import utcnow
from tests.integration.page_helpers import page
from tests.integration.test_exam_pages import make_exam, sit, world  # noqa: F401


def _home_card(body: str, exam_id: int) -> str:
    found = re.search(rf'<li class="mb-3 home-exam" data-exam-id="{exam_id}".*?</li>', body, re.S)
    assert found, f"no card of exam {exam_id} on the home page"
    return found.group(0)


def _my_card(body: str, exam_id: int) -> str:
    found = re.search(
        rf'<div class="card mb-2 exam-card" data-exam-id="{exam_id}".*?</div>\s*</div>', body, re.S
    )
    assert found, f"no card of exam {exam_id} on 我的考试"
    return found.group(0)


def _badge(card: str) -> str:
    return re.search(r'<span class="badge exam-status [^"]*">([^<]+)</span>', card).group(1)


def test_a_used_single_attempt_shows_its_score_and_no_start_button(client, login, world):
    exam = make_exam([world["first"]], title="保安员岗位考试", max_attempts=1)
    sit(exam, world["cand1"], right=5)
    login("cand1")
    for card in (
        _home_card(page(client.get("/")), exam.id),
        _my_card(page(client.get("/exams/")), exam.id),
    ):
        assert _badge(card) == "无剩余次数"
        assert "开始考试" not in card and "再考一次" not in card
        assert re.search(r"成绩 <strong[^>]*>50</strong> / 70 分", card)
        assert "不合格" not in card and "合格" in card
        assert "共 1 次机会，已用 1 次，无剩余次数" in card


def test_an_exam_with_attempts_left_offers_another_try_with_the_score_so_far(client, login, world):
    exam = make_exam([world["first"]], title="保洁员岗位考试", max_attempts=3)
    sit(exam, world["cand1"], right=1)
    login("cand1")
    for card in (
        _home_card(page(client.get("/")), exam.id),
        _my_card(page(client.get("/exams/")), exam.id),
    ):
        assert _badge(card) == "已交卷"
        assert "再考一次" in card and "开始考试" not in card
        assert "不合格" in card
        assert "已用 1 次，还可考 2 次" in card


def test_an_attempt_in_progress_and_a_fresh_exam(client, login, world):
    started = make_exam([world["first"]], title="作答中的考试")
    fresh = make_exam([world["first"]], title="新的考试")
    sit(started, world["cand1"], submit=False)
    login("cand1")
    home = page(client.get("/"))
    assert _badge(_home_card(home, started.id)) == "作答中"
    assert "继续考试" in _home_card(home, started.id)
    assert _badge(_home_card(home, fresh.id)) == "可参加"
    assert "开始考试" in _home_card(home, fresh.id)


def test_a_closed_window_says_closed_with_the_score_and_an_unsat_exam_says_so(client, login, world):
    sat = make_exam([world["first"]], title="已截止的考试", max_attempts=2)
    sit(sat, world["cand1"], right=7)
    missed = make_exam([world["first"]], title="错过的考试", opens_in=-7200, closes_in=-3600)
    sat.closes_at = utcnow() - timedelta(minutes=1)  # the window closed after the attempt
    db.session.commit()
    login("cand1")
    mine = page(client.get("/exams/"))
    assert _badge(_my_card(mine, sat.id)) == "已截止"
    assert "70</strong> / 70 分" in _my_card(mine, sat.id)
    assert _badge(_my_card(mine, missed.id)) == "已截止"
    assert "未参加" in _my_card(mine, missed.id)
    home = page(client.get("/"))
    assert _badge(_home_card(home, sat.id)) == "已截止"  # sat lately: stays on the home page
    assert f'data-exam-id="{missed.id}"' not in home  # never sat: not on the home page
