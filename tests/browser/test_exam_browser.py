"""Sitting an exam in a real browser: a phone on a bad network, the clock running out, and
a second device taking over. Screenshots land in /tmp/wuye-shots/exam-*.png.
"""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.auth.models import Role
from app.extensions import db
from app.timeutil import utcnow
from exams.models import Attempt, AttemptAnswer
from tests import factories
from tests.integration.test_exam_pages import make_exam, seed_bank

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(),
    reason="Debian chromium is not installed (apt-get install chromium); .ci/run installs it",
)

# One question of each kind, 20 points each (centipoints).
PAPER = [
    {"type": "single", "count": 2, "points": 2000, "tags": [], "difficulty": None},
    {"type": "multiple", "count": 1, "points": 2000, "tags": [], "difficulty": None},
    {"type": "true_false", "count": 1, "points": 2000, "tags": [], "difficulty": None},
    {"type": "fill", "count": 1, "points": 2000, "tags": [], "difficulty": None},
]
RIGHT = {"single": "A", "multiple": ["A", "C"], "true_false": True, "fill": ["业主委员会"]}
RESULT_URL = re.compile(r"/exams/attempts/\d+/result$")


def _world(app, *, time_limit: int, username: str = "kaosheng") -> dict:
    with app.app_context():
        seed_bank()
        enterprise = factories.enterprise(name="石家庄市安泰物业服务有限公司")
        employee = factories.employee(enterprise, name="王秀英")
        factories.user(Role.TRAINEE, username=username, display_name="王秀英", employee=employee)
        exam = make_exam(
            [employee],
            title="物业服务安全知识考试",
            rules=PAPER,
            time_limit_seconds=time_limit,
            pass_score=6000,
            leave_limit=3,
            review="answers",
        )
        return {"exam_id": exam.id, "employee_id": employee.id}


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/")


def _current(page: Page):
    return page.locator(".exam-q:visible")


def _kind(card) -> str:
    stem = card.locator(".exam-stem").inner_text()
    return {"单选": "single", "多选": "multiple", "判断": "true_false", "填空": "fill"}[stem[:2]]


def _answer(card, tap=True) -> str:
    """Answer the question shown in `card` rightly; answers its kind."""
    kind = _kind(card)
    press = (lambda locator: locator.tap()) if tap else (lambda locator: locator.click())
    if kind == "single":
        press(card.locator("label.exam-option", has_text="书面形式"))
    elif kind == "multiple":
        press(card.locator("label.exam-option", has_text="电梯"))
        press(card.locator("label.exam-option", has_text="消防设施"))
    elif kind == "true_false":
        press(card.locator("label.exam-option", has_text="对"))
    else:
        card.get_by_label("答案").fill("业主委员会")
    return kind


def _answer_wrongly(card) -> None:
    """Answer the question shown in `card` with a wrong answer (by mouse)."""
    kind = _kind(card)
    if kind == "fill":
        card.get_by_label("答案").fill("物业公司")
        return
    wrong = {"single": "口头形式", "multiple": "业主自家阳台", "true_false": "错"}[kind]
    card.locator("label.exam-option", has_text=wrong).click()


def _stored_answers(app, attempt_id: int) -> dict[int, object]:
    with app.app_context():
        rows = db.session.scalars(
            select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)
        ).all()
        return {row.question_id: row.response for row in rows if row.response is not None}


def _attempt_id(page: Page) -> int:
    return int(page.locator("#exam-app").get_attribute("data-attempt-id"))


def _outbox(page: Page, attempt_id: int) -> dict:
    raw = page.evaluate(f"localStorage.getItem('wuye-outbox-{attempt_id}')")
    return json.loads(raw) if raw else {"answers": {}, "flags": {}}


def _unexpected(traffic, refusals=False) -> list[str]:
    """What went wrong beyond what the test caused: requests cut off by going offline, and
    (with `refusals`) the 409 that tells a page it was taken over."""
    caused = [
        r"request failed: \w+ \S+/api/v1/",
        r"script error: Failed to load resource: net::ERR_INTERNET_DISCONNECTED",
    ]
    if refusals:
        caused += [
            r"error response: 409 PUT \S+/api/v1/attempts/\d+/(answers|flags)/\d+",
            r"script error: Failed to load resource: the server responded with a status of 409",
        ]
    return [p for p in traffic.problems() if not any(re.match(c, p) for c in caused)]


def _assert_fits_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal scrolling on a phone: {width}px"


def _small_tap_targets(page: Page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll(
              '#exam-paper button, #exam-paper label.exam-option, #exam-paper input[type=text]')]
            .filter(e => e.getClientRects().length)
            .filter(e => { const r = e.getBoundingClientRect();
                           return r.height < 44 || r.width < 44; })
            .map(e => e.outerHTML.slice(0, 80))"""
    )


def test_a_phone_on_a_bad_network_loses_no_answer_and_time_runs_out(
    app, live_server_url, phone, shots
):
    context, traffic = phone
    _world(app, time_limit=75)
    page = context.new_page()
    _log_in(page, live_server_url, "kaosheng")

    # The dashboard lists the exam; the exam page explains it before the clock starts.
    exam_card = page.locator(".card", has=page.get_by_role("heading", name="我的考试"))
    expect(exam_card).to_contain_text("物业服务安全知识考试")
    _assert_fits_phone(page)
    page.screenshot(path=shots / "exam-phone-dashboard.png", full_page=True)
    exam_card.get_by_role("link", name="开始考试").tap()
    expect(page.get_by_role("heading", name="物业服务安全知识考试")).to_be_visible()
    expect(page.locator("#exam-intro")).to_contain_text("5 题")
    _assert_fits_phone(page)
    page.screenshot(path=shots / "exam-phone-intro.png", full_page=True)
    page.get_by_role("button", name="开始考试").tap()

    expect(page.locator("#exam-paper")).to_be_visible()
    expect(page.locator("#exam-clock")).to_have_text(re.compile(r"^01:[01]\d$"))
    expect(page.locator("#exam-progress")).to_have_text("已答 0/5")
    expect(page.locator(".exam-q:visible")).to_have_count(1)  # one at a time on a phone
    expect(page.locator("#exam-leaves")).to_have_text("离开页面 0/3 次")
    attempt_id = _attempt_id(page)
    assert _small_tap_targets(page) == []
    _assert_fits_phone(page)

    kinds = []
    # Two answers online: each is marked saved.
    for _ in range(2):
        card = _current(page)
        kinds.append(_answer(card))
        expect(card.locator(".exam-save")).to_have_text("已保存 ✓")
        page.get_by_role("button", name="下一题").tap()
    page.screenshot(path=shots / "exam-phone-question.png", full_page=False)

    # Offline: the answers wait in the outbox, and the candidate is told so.
    context.set_offline(True)
    offline_cards = []
    for n in range(2):
        card = _current(page)
        kinds.append(_answer(card))
        expect(card.locator(".exam-save")).to_have_text("离线，已暂存，联网后自动提交")
        offline_cards.append(card.get_attribute("data-qid"))
        if n == 1:
            expect(page.locator("#exam-net")).to_have_text("离线：2 题已暂存在本机，联网后自动提交")
            expect(page.locator(".exam-nav-btn.is-pending")).to_have_count(2)
            page.screenshot(path=shots / "exam-phone-offline.png", full_page=False)
        page.get_by_role("button", name="下一题").tap()
    assert sorted(_outbox(page, attempt_id)["answers"]) == sorted(offline_cards)
    assert len(_stored_answers(app, attempt_id)) == 2

    # Back online: the outbox flushes by itself.
    context.set_offline(False)
    expect(page.locator("#exam-net")).to_have_text("答案已全部保存 ✓", timeout=15_000)
    assert _outbox(page, attempt_id)["answers"] == {}
    assert len(_stored_answers(app, attempt_id)) == 4

    # The last answer is typed while saves fail; a reload restores and resends it.
    page.route("**/api/v1/attempts/*/answers/*", lambda route: route.abort("internetdisconnected"))
    card = _current(page)
    kinds.append(_answer(card))
    expect(card.locator(".exam-save")).to_have_text(
        re.compile("离线，已暂存|暂未保存成功"), timeout=10_000
    )
    assert len(_outbox(page, attempt_id)["answers"]) == 1
    page.unroute("**/api/v1/attempts/*/answers/*")
    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" while unsent
    page.reload()
    expect(page.locator("#exam-paper")).to_be_visible()
    expect(page.locator("#exam-net")).to_have_text("答案已全部保存 ✓", timeout=15_000)
    expect(page.locator("#exam-progress")).to_have_text("已答 5/5")
    expect(page.locator(".exam-nav-btn.is-answered")).to_have_count(5)
    expect(page.locator("#exam-leaves")).to_have_text("离开页面 0/3 次")  # a reload is no leave
    assert set(kinds) == set(RIGHT)

    # Every answer is on the page after the reload: walk through the paper.
    page.get_by_role("button", name="整卷作答").tap()
    expect(page.locator(".exam-q:visible")).to_have_count(5)
    for card in page.locator(".exam-q").all():
        kind = _kind(card)
        if kind == "fill":
            expect(card.get_by_label("答案")).to_have_value("业主委员会")
        else:
            expect(card.locator(".exam-option.is-checked")).to_have_count(
                2 if kind == "multiple" else 1
            )
        expect(card.locator(".exam-save")).to_have_text("已保存 ✓")
    stored = _stored_answers(app, attempt_id)
    assert len(stored) == 5
    page.screenshot(path=shots / "exam-phone-all-answered.png", full_page=True)
    page.get_by_role("button", name="逐题作答").tap()
    page.get_by_role("button", name="答题卡").tap()
    page.screenshot(path=shots / "exam-phone-navigator.png", full_page=False)

    # Time runs out: the page stops taking answers, the server submits, the result shows.
    expect(page.get_by_text("已到时，正在交卷…")).to_be_visible(timeout=90_000)
    page.screenshot(path=shots / "exam-phone-time-up.png", full_page=False)
    page.wait_for_url(RESULT_URL, timeout=30_000)
    expect(page.locator("#exam-score strong")).to_have_text("100")
    expect(page.locator("#exam-passed")).to_have_text("合格")
    expect(page.locator("#exam-reason")).to_have_text("到时自动交卷")
    expect(page.locator("#exam-dropped")).to_be_hidden()
    expect(page.locator(".exam-review--right")).to_have_count(5)
    _assert_fits_phone(page)
    page.screenshot(path=shots / "exam-phone-result.png", full_page=True)

    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert (attempt.status, attempt.submit_reason, attempt.score) == (
            "submitted",
            "deadline",
            10000,
        )
        for item in attempt.questions:
            assert stored[item.question_id] == RIGHT[item.version.type]
    assert page.evaluate(f"localStorage.getItem('wuye-outbox-{attempt_id}')") is None

    # "My exams" now lists it as finished, with the score.
    page.get_by_role("link", name="返回我的考试").tap()
    finished = page.locator("section", has=page.get_by_role("heading", name=re.compile("已结束")))
    expect(finished.locator(".exam-card")).to_contain_text("100")
    _assert_fits_phone(page)
    page.screenshot(path=shots / "exam-phone-my-exams.png", full_page=True)

    assert _unexpected(traffic) == []


def test_a_second_device_takes_over_and_the_first_stops_saving(
    app, live_server_url, phone, desktop, shots
):
    world = _world(app, time_limit=1800, username="kaosheng2")
    phone_context, phone_traffic = phone
    laptop_context, laptop_traffic = desktop
    phone = phone_context.new_page()
    _log_in(phone, live_server_url, "kaosheng2")
    phone.goto(f"{live_server_url}/exams/{world['exam_id']}/take")
    phone.get_by_role("button", name="开始考试").tap()
    first = _current(phone)
    _answer(first)
    expect(first.locator(".exam-save")).to_have_text("已保存 ✓")
    first_qid = first.get_attribute("data-qid")
    phone.get_by_role("button", name="下一题").tap()

    # The same candidate opens the exam on a laptop: it resumes with the saved answer.
    laptop = laptop_context.new_page()
    _log_in(laptop, live_server_url, "kaosheng2")
    laptop.goto(f"{live_server_url}/exams/")
    laptop.get_by_role("link", name="继续考试").click()
    expect(laptop.locator("#exam-paper")).to_be_visible()
    expect(laptop.locator("#exam-progress")).to_have_text("已答 1/5")
    expect(laptop.locator(".exam-q:visible")).to_have_count(5)  # all at once on a desktop
    expect(laptop.locator(f"#q-{first_qid} .exam-save")).to_have_text("已保存 ✓")

    # The phone, left open, cannot hand in the paper the laptop is working on.
    phone.get_by_role("button", name="交卷", exact=True).tap()
    phone.locator("#exam-submit-modal").get_by_role("button", name="确认交卷").tap()
    blocker = phone.locator("#exam-blocker")
    expect(blocker).to_be_visible()
    expect(blocker).to_contain_text("本场考试已在另一台设备上继续作答，此页面已停止保存")
    expect(_current(phone).locator("input").first).to_be_disabled()
    phone.screenshot(path=shots / "exam-phone-taken-over.png", full_page=False)
    with app.app_context():
        attempt = db.session.scalar(
            select(Attempt).where(Attempt.employee_id == world["employee_id"])
        )
        assert attempt.status == "in_progress"

    # The candidate takes it back on the phone: now the laptop's next save is refused.
    blocker.get_by_role("button", name="在这台设备上继续作答").tap()
    expect(phone.locator("#exam-paper")).to_be_visible()
    expect(phone.locator("#exam-progress")).to_have_text("已答 1/5")
    _answer_wrongly(laptop.locator(".exam-q").nth(4))
    expect(laptop.locator("#exam-blocker")).to_contain_text("此页面已停止保存")
    expect(laptop.locator("#exam-net")).to_have_text("1 题的修改未能保存")

    # And back to the laptop, which resumes and sends the change it could not save (the
    # phone made none to that question since).
    laptop.locator("#exam-blocker").get_by_role("button", name="在这台设备上继续作答").click()
    expect(laptop.locator("#exam-paper")).to_be_visible()
    expect(laptop.locator("#exam-progress")).to_have_text("已答 2/5")
    expect(laptop.locator(".exam-q").nth(4).locator(".exam-save")).to_have_text("已保存 ✓")

    # A question flagged for review is counted in the submit dialog.
    fourth = laptop.locator(".exam-q").nth(3)
    fourth.get_by_role("button", name="标记").click()
    expect(fourth.get_by_role("button", name="已标记")).to_have_attribute("aria-pressed", "true")
    expect(laptop.locator(".exam-nav-btn.is-flagged")).to_have_count(1)
    flagged_qid = fourth.get_attribute("data-qid")

    # The laptop answers one more, then tries to hand in while offline: refused, honestly.
    second = laptop.locator(".exam-q").nth(1)
    _answer(second, tap=False)
    expect(second.locator(".exam-save")).to_have_text("已保存 ✓")
    laptop_context.set_offline(True)
    third = laptop.locator(".exam-q").nth(2)
    _answer(third, tap=False)
    expect(third.locator(".exam-save")).to_have_text("离线，已暂存，联网后自动提交")
    laptop.get_by_role("button", name="交卷", exact=True).click()
    dialog = laptop.locator("#exam-submit-modal")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("共 5 题，还有 1 题未作答，1 题标记了待检查")
    dialog.get_by_role("button", name="确认交卷").click()
    expect(dialog.locator("#exam-submit-problem")).to_contain_text("网络已断开")
    laptop.screenshot(path=shots / "exam-desktop-submit-offline.png", full_page=False)

    laptop_context.set_offline(False)
    expect(laptop.locator("#exam-net")).to_have_text("答案已全部保存 ✓", timeout=15_000)
    dialog.get_by_role("button", name="再试一次").click()
    laptop.wait_for_url(RESULT_URL)
    expect(laptop.locator("#exam-reason")).to_have_text("考生交卷")
    expect(laptop.locator("#exam-score strong")).to_have_text("60")
    laptop.screenshot(path=shots / "exam-desktop-result.png", full_page=True)

    with app.app_context():
        attempt = db.session.scalar(
            select(Attempt).where(Attempt.employee_id == world["employee_id"])
        )
        assert (attempt.status, attempt.submit_reason, attempt.takeovers) == (
            "submitted",
            "manual",
            3,
        )
        assert len(_stored_answers(app, attempt.id)) == 4
        flagged = db.session.scalars(
            select(AttemptAnswer.question_id).where(
                AttemptAnswer.attempt_id == attempt.id, AttemptAnswer.flagged
            )
        ).all()
        assert [str(q) for q in flagged] == [flagged_qid]
        assert attempt.submitted_at <= utcnow() + timedelta(seconds=1)
    assert _unexpected(phone_traffic, refusals=True) == []
    assert _unexpected(laptop_traffic, refusals=True) == []


def test_a_proctor_ends_the_attempt_and_the_page_tells_what_was_not_saved(
    app, live_server_url, phone, shots
):
    context, traffic = phone
    world = _world(app, time_limit=1800, username="kaosheng3")
    page = context.new_page()
    _log_in(page, live_server_url, "kaosheng3")
    page.goto(f"{live_server_url}/exams/{world['exam_id']}/take")
    page.get_by_role("button", name="开始考试").tap()
    first = _current(page)
    _answer(first)
    expect(first.locator(".exam-save")).to_have_text("已保存 ✓")
    page.get_by_role("button", name="下一题").tap()
    attempt_id = _attempt_id(page)

    with app.app_context():
        from exams import attempts

        attempt = db.session.get(Attempt, attempt_id)
        attempts.close_by_proctor(attempt, "考场纪律", by_user_id=None, now=utcnow())
        db.session.commit()

    # The next change is refused (the attempt is closed): the result page says so.
    second = _current(page)
    position = second.locator(".exam-q-title").inner_text().split(" ")[1]
    choice = second.locator("label.exam-option, input[type=text]").first
    if _kind(second) == "fill":
        choice.fill("业主委员会")
    else:
        choice.tap()
    page.wait_for_url(RESULT_URL)
    expect(page.locator("#exam-reason")).to_have_text("监考结束")
    expect(page.locator("#exam-score strong")).to_have_text("20")
    notice = page.locator("#exam-dropped")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(f"第 {position} 题的最后一次修改在考试结束前没有送达服务器")
    assert page.evaluate(f"localStorage.getItem('wuye-outbox-{attempt_id}')") is None
    _assert_fits_phone(page)
    page.screenshot(path=shots / "exam-phone-closed-by-proctor.png", full_page=False)

    page.reload()  # told once: the notice does not come back
    expect(page.locator("#exam-reason")).to_have_text("监考结束")
    expect(page.locator("#exam-dropped")).to_be_hidden()
    assert _unexpected(traffic, refusals=True) == []
