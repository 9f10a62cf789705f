"""The proctor's board and the candidate's open page: extra time and closing reach the phone
without a reload. Screenshots land in /tmp/wuye-shots/proctor-*.png.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.auth.models import Role
from app.extensions import db
from app.timeutil import utcnow
from exams import attempts
from exams.models import Attempt
from tests import factories
from tests.browser.test_exam_browser import RESULT_URL, _answer, _current, _log_in, _unexpected
from tests.integration.test_exam_pages import make_exam, seed_bank

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(),
    reason="Debian chromium is not installed (apt-get install chromium); .ci/run installs it",
)

PAPER = [
    {"type": "single", "count": 2, "points": 2000, "tags": [], "difficulty": None},
    {"type": "true_false", "count": 1, "points": 2000, "tags": [], "difficulty": None},
]


@pytest.fixture
def quick_sync(app):
    """An idle exam page asks for its clock every 2 seconds (30 in production)."""
    saved = app.config["EXAM_CLOCK_SYNC_SECONDS"]
    app.config["EXAM_CLOCK_SYNC_SECONDS"] = 2
    yield
    app.config["EXAM_CLOCK_SYNC_SECONDS"] = saved


def _world(app, username: str) -> dict:
    with app.app_context():
        seed_bank()
        enterprise = factories.enterprise(name="石家庄市安泰物业服务有限公司")
        employee = factories.employee(enterprise, name="李桂兰")
        factories.user(Role.TRAINEE, username=username, display_name="李桂兰", employee=employee)
        factories.user(Role.PROVINCE_ADMIN, username=f"{username}-proctor")
        exam = make_exam([employee], title="保洁员岗位考试", rules=PAPER, time_limit_seconds=1800)
        return {"exam_id": exam.id}


def _start(page, base_url, world):
    page.goto(f"{base_url}/exams/{world['exam_id']}/take")
    page.get_by_role("button", name="开始考试").tap()
    expect(page.locator("#exam-clock")).to_have_text(re.compile(r"^(30:00|29:[45]\d)$"))
    return int(page.locator("#exam-app").get_attribute("data-attempt-id"))


def test_the_proctor_extends_time_and_the_candidates_open_page_follows(
    app, live_server_url, phone, desktop, shots, quick_sync
):
    world = _world(app, "lgl")
    phone_context, phone_traffic = phone
    candidate = phone_context.new_page()
    _log_in(candidate, live_server_url, "lgl")
    _start(candidate, live_server_url, world)
    first = _current(candidate)
    _answer(first)
    expect(first.locator(".exam-save")).to_have_text("已保存 ✓")

    # The proctor gives 10 minutes from the board.
    board_context, board_traffic = desktop
    proctor = board_context.new_page()
    _log_in(proctor, live_server_url, "lgl-proctor")
    proctor.goto(f"{live_server_url}/exams/manage/{world['exam_id']}/board")
    row = proctor.locator("#board-table tbody tr", has_text="李桂兰")
    answering = proctor.locator(".tally", has_text="作答中")
    expect(answering).to_have_class(re.compile(r"\btext-bg-success\b"))
    row.get_by_role("button", name="延时").click()
    dialog = proctor.locator("#extend-modal")
    dialog.get_by_label("延长时间（分钟）").fill("10")
    dialog.get_by_label("原因").fill("手机网络故障")
    dialog.get_by_role("button", name="确认延时").click()
    expect(proctor.locator("#board-message")).to_contain_text("延时 10 分钟")
    expect(row.locator(".remaining")).to_have_text(re.compile(r"^(40:00|39:\d\d)$"))

    # The candidate's page, left alone, shows the new time without a reload.
    expect(candidate.locator("#exam-clock")).to_have_text(
        re.compile(r"^(40:00|39:\d\d)$"), timeout=8000
    )
    notice = candidate.locator("#exam-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("延长考试时间 10 分钟")
    candidate.screenshot(path=shots / "proctor-phone-extended.png", full_page=False)
    width = candidate.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal scrolling on a phone: {width}px"

    # The proctor ends the attempt: the page goes to the result by itself.
    row.get_by_role("button", name="结束作答").click()
    proctor.locator("#close-modal").get_by_label("原因").fill("考场纪律")
    proctor.locator("#close-modal").get_by_role("button", name="结束作答").click()
    expect(proctor.locator("#board-message")).to_contain_text("已结束")
    expect(answering).not_to_have_class(re.compile(r"\btext-bg-success\b"))  # 作答中 0
    proctor.screenshot(path=shots / "proctor-desktop-board.png", full_page=False)
    candidate.wait_for_url(RESULT_URL, timeout=8000)
    expect(candidate.locator("#exam-reason")).to_have_text("监考结束")
    expect(candidate.locator("#exam-score strong")).to_have_text("20")
    expect(candidate.locator("#exam-dropped")).to_be_hidden()  # the saved answer counted
    candidate.screenshot(path=shots / "proctor-phone-closed.png", full_page=False)
    assert _unexpected(phone_traffic) == []
    assert board_traffic.problems() == []


def test_a_save_brings_the_extended_deadline_to_the_page(app, live_server_url, phone, shots):
    world = _world(app, "lgl2")
    context, traffic = phone
    page = context.new_page()
    _log_in(page, live_server_url, "lgl2")
    attempt_id = _start(page, live_server_url, world)

    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        attempts.extend(attempt, 1200, "设备故障", by_user_id=None, now=utcnow())
        db.session.commit()

    # No clock request comes within the test's time (every 30 s): the answer's save brings it.
    card = _current(page)
    _answer(card)
    expect(card.locator(".exam-save")).to_have_text("已保存 ✓")
    expect(page.locator("#exam-clock")).to_have_text(re.compile(r"^(50:00|49:\d\d)$"))
    expect(page.locator("#exam-notice")).to_contain_text("延长考试时间 20 分钟")
    assert _unexpected(traffic) == []
