"""A judge scoring on a phone in a real browser while the network drops and returns.
Screenshots land in /tmp/wuye-shots/judge-*.png.
"""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.timeutil import utcnow
from competitions import scoring
from competitions.models import CompetitionEvent, ScoreEntry
from tests import factories
from tests.integration.test_competition_scoring import make_world

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(),
    reason="Debian chromium is not installed (apt-get install chromium); .ci/run installs it",
)


def _world(app) -> dict:
    with app.app_context():
        world = make_world()
        return {
            "event_id": world["event"].id,
            "m1": world["m1"].id,
            "j1": world["j1"].id,
            "judge_id": world["judges"]["judge_b"].id,
        }


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/")


def _marks(app, item_id: int) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.scalars(
            select(ScoreEntry).where(ScoreEntry.item_id == item_id).order_by(ScoreEntry.id)
        ).all()
        return [(row.points, row.reason) for row in rows]


def _outbox(page: Page, world: dict) -> list:
    key = f"wuye-judge-outbox-{world['judge_id']}-{world['event_id']}"
    raw = page.evaluate(f"localStorage.getItem('{key}')")
    return json.loads(raw) if raw else []


def _assert_fits_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal scrolling on a phone: {width}px"


def _small_tap_targets(page: Page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll('#judge-app button, #judge-app input')]
            .filter(e => e.getClientRects().length && !e.closest('.alert'))
            .filter(e => { const r = e.getBoundingClientRect();
                           return r.height < 44 || r.width < 44; })
            .map(e => e.outerHTML.slice(0, 80))"""
    )


def _unexpected(traffic) -> list[str]:
    """What went wrong beyond what the test caused: requests cut off by going offline."""
    caused = [
        r"request failed: \w+ \S+/api/v1/competition-events/\d+/(scores|queue)",
        r"script error: Failed to load resource: "
        r"net::ERR_(INTERNET_DISCONNECTED|FAILED|CONNECTION_RESET)",
        r"error response: 409 PUT \S+/api/v1/competition-events/\d+/scores",
        r"script error: Failed to load resource: the server responded with a status of 409",
    ]
    return [p for p in traffic.problems() if not any(re.match(c, p) for c in caused)]


def test_a_judge_scores_on_a_phone_while_the_network_drops_and_every_mark_lands_once(
    app, live_server_url, phone, shots
):
    context, traffic = phone
    world = _world(app)
    page = context.new_page()
    _log_in(page, live_server_url, "judge_b")

    # The menu leads to the judge's events, and the event to its queue of numbers.
    page.goto(f"{live_server_url}/competitions/judge/")
    expect(page.get_by_role("heading", name="电工")).to_be_visible()
    _assert_fits_phone(page)
    page.get_by_role("link", name="进入评分").tap()
    numbers = page.locator(".judge-number")
    expect(numbers).to_have_count(3)
    expect(page.locator("#judge-pending")).to_have_text("待发送 0")
    for secret in ("赵一", "钱二", "孙三", "甲物业", "乙物业"):
        assert secret not in page.content()
    _assert_fits_phone(page)
    assert _small_tap_targets(page) == []
    page.screenshot(path=shots / "judge-phone-queue.png", full_page=True)

    # No. 3, M1 at full marks, online: a confirmation first, then sent.
    page.locator(".judge-number", has_text="3").tap()
    expect(page.get_by_role("heading", name="3 号选手")).to_be_visible()
    m1 = page.locator(f'.judge-item[data-item-id="{world["m1"]}"]')
    j1 = page.locator(f'.judge-item[data-item-id="{world["j1"]}"]')
    m1.get_by_role("button", name="满分 10.00").tap()
    expect(m1.locator(".judge-chosen")).to_have_text("本次评分：10.00 分")
    _assert_fits_phone(page)
    assert _small_tap_targets(page) == []
    page.screenshot(path=shots / "judge-phone-sheet.png", full_page=True)
    page.get_by_role("button", name="提交评分（1 项）").tap()
    dialog = page.get_by_role("dialog", name="确认发送评分")
    expect(dialog).to_contain_text("M1 线路接线")
    expect(dialog).to_contain_text("10.00 分")
    page.screenshot(path=shots / "judge-phone-confirm.png", full_page=False)
    dialog.get_by_role("button", name="确认发送").tap()
    expect(m1.locator(".judge-current-points")).to_have_text("10.00 分")
    expect(page.locator("#judge-pending")).to_have_text("待发送 0")
    assert _marks(app, world["m1"]) == [(1000, "")]

    # The network drops: J1 at grade 2 (4.00 of 6) waits on the phone, visibly.
    context.set_offline(True)
    j1.get_by_role("button", name="2 档").tap()
    page.get_by_role("button", name="提交评分（1 项）").tap()
    send = dialog.get_by_role("button", name="确认发送")
    send.tap()
    expect(dialog).to_be_hidden()
    expect(page.locator("#judge-pending")).to_have_text("待发送 1")
    expect(j1.locator(".judge-waiting")).to_have_text("待发送：4.00 分")
    expect(page.locator("#judge-net")).to_contain_text("网络已断开：1 条评分已保存在本机")
    page.screenshot(path=shots / "judge-phone-offline.png", full_page=False)
    [waiting] = _outbox(page, world)
    assert (waiting["number"], waiting["item_id"], waiting["points"]) == (3, world["j1"], "4.00")
    assert _marks(app, world["j1"]) == []
    # Back in the queue, No. 3 shows as waiting.
    page.get_by_role("button", name="← 返回").tap()
    expect(page.locator(".judge-number", has_text="3")).to_contain_text("待发送")

    # The network returns: the mark is sent by itself, once.
    context.set_offline(False)
    expect(page.locator("#judge-pending")).to_have_text("待发送 0", timeout=15_000)
    expect(page.locator(".judge-number", has_text="3")).to_contain_text("已评")
    assert _marks(app, world["j1"]) == [(400, "")]
    assert _outbox(page, world) == []
    page.screenshot(path=shots / "judge-phone-sent.png", full_page=True)
    assert _unexpected(traffic) == []


def test_a_mark_whose_answer_is_lost_is_sent_again_and_recorded_once(app, live_server_url, phone):
    context, traffic = phone
    world = _world(app)
    page = context.new_page()
    _log_in(page, live_server_url, "judge_b")
    # The first PUT reaches the server, which stores the mark, but its answer never arrives.
    lost = []

    def lose_first_answer(route):
        if not lost:
            lost.append(route.fetch().status)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/competition-events/*/scores", lose_first_answer)
    page.goto(f"{live_server_url}/competitions/judge/events/{world['event_id']}#n2")
    expect(page.get_by_role("heading", name="2 号选手")).to_be_visible()
    m1 = page.locator(f'.judge-item[data-item-id="{world["m1"]}"]')
    m1.get_by_label("或扣分（分）").fill("1.5")
    expect(m1.locator(".judge-chosen")).to_have_text("本次评分：8.50 分")
    page.get_by_role("button", name="提交评分（1 项）").tap()
    page.get_by_role("dialog").get_by_role("button", name="确认发送").tap()
    # The phone retries on its own (every 5 seconds) and hears back the stored mark.
    expect(page.locator("#judge-pending")).to_have_text("待发送 0", timeout=15_000)
    assert lost == [200]
    assert _marks(app, world["m1"]) == [(850, "")]

    # A correction needs a reason; after sign-off the phone says so in Chinese.
    m1.get_by_role("button", name="修改评分").tap()
    m1.get_by_label("或扣分（分）").fill("1")
    page.get_by_role("button", name="提交评分（1 项）").tap()
    expect(page.locator("#judge-messages")).to_contain_text("M1：修改评分须填写理由")
    m1.get_by_label("修改理由（必填）").fill("复核后少扣 0.5 分")
    with app.app_context():
        db.session.get(CompetitionEvent, world["event_id"]).status = "signed_off"
        db.session.commit()
    page.get_by_role("button", name="提交评分（1 项）").tap()
    page.get_by_role("dialog").get_by_role("button", name="确认发送").tap()
    expect(page.locator("#judge-messages")).to_contain_text(
        "评分未被接受（2 号 M1 9.00 分）：本项目已由裁判长签字确认，评分不能再提交或修改"
    )
    expect(page.locator("#judge-pending")).to_have_text("待发送 0")
    assert _marks(app, world["m1"]) == [(850, "")]
    assert _unexpected(traffic) == []


def test_the_chief_judge_settles_a_disagreement_and_signs_off_on_a_phone(
    app, live_server_url, phone, shots
):
    context, traffic = phone
    world = _world(app)
    with app.app_context():
        event = db.session.get(CompetitionEvent, world["event_id"])
        judges = {
            u: db.session.scalar(select(User).where(User.username == u))
            for u in ("judge_a", "judge_b", "judge_c")
        }
        now = utcnow()
        for number in (1, 2, 3):
            for username, item, points in (
                ("judge_b", world["m1"], "8"),
                ("judge_b", world["j1"], "6" if number == 2 else "4"),
                ("judge_c", world["j1"], "0" if number == 2 else "4"),
            ):
                scoring.record_score(
                    event,
                    judges[username],
                    number=number,
                    item_id=item,
                    points=points,
                    key=f"{username}-{number}-{item}",
                    now=now,
                )
        # judge_a (a conflict with Nos. 1 and 2) marks J1 of No. 3: a mean needs every judge.
        scoring.record_score(
            event, judges["judge_a"], number=3, item_id=world["j1"], points="4", key="a", now=now
        )
        db.session.commit()
    page = context.new_page()
    _log_in(page, live_server_url, "chief")
    page.goto(f"{live_server_url}/competitions/judge/")
    page.get_by_role("link", name="裁判长工作台").tap()
    card = page.locator(".chief-disagreement")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("2 号 · J1 安全文明操作")
    expect(card).to_contain_text("裁判乙")
    _assert_fits_phone(page)
    page.screenshot(path=shots / "judge-phone-chief.png", full_page=True)
    card.get_by_label("裁定分数（裁定时必填）").fill("4.5")
    card.get_by_label("理由（必填）").fill("复看录像，操作基本规范")
    card.get_by_role("button", name="裁定分数").tap()
    expect(page.locator(".alert-success")).to_contain_text("已记录：2 号裁定分数。")
    expect(page.locator(".chief-disagreement")).to_have_count(0)

    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="签字确认").tap()
    expect(page.locator(".alert-success")).to_contain_text("已签字确认，本项目评分已锁定。")
    assert asked == ["确认签字？签字后本项目的评分将锁定，裁判不能再提交或修改。"]
    with app.app_context():
        assert db.session.get(CompetitionEvent, world["event_id"]).status == "signed_off"
    page.screenshot(path=shots / "judge-phone-signed-off.png", full_page=True)
    assert traffic.problems() == []
