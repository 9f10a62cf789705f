"""Training on demo data at phone size (390×844): a trainee studies a course to completion,
passes its final test and downloads the proof; an enterprise admin plans training for a
post and sees who is late. Screenshots land in /tmp/wuye-shots/training-*.png.

Study hours accrue only while a lesson is open (a heartbeat at a time, at most 30 seconds
each). A test cannot sit for the course's four hours, so the hours are earned beforehand
through the real heartbeat service with the clock set to yesterday morning: the same rule,
the same caps, only the time is passed in.
"""

import io
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from app.auth.models import User
from app.courses import progress
from app.courses.models import Course, CourseProgress, TrainingPlan
from app.courses.rules.study import HEARTBEAT_MAX_CREDIT
from app.demo import DEMO_PASSWORD, load_demo_data
from app.demo.plans import PAST_TITLE
from app.extensions import db
from app.orgs.models import Employee
from app.timeutil import LOCAL_TZ, local_today
from exams.models import Attempt, AttemptQuestion
from question_bank.models import QuestionVersion

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(),
    reason="Debian chromium is not installed (apt-get install chromium); .ci/run installs it",
)

COURSE = "项目经理岗位培训"  # trainee1 is a project manager; the course has a final test


@pytest.fixture
def demo(app):
    """The demo data, as `flask demo-data` loads it."""
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"  # 30 accounts, quickly
    with app.app_context():
        load_demo_data()
        db.session.commit()


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/")


def _fits_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal scrolling on a phone: {width}px"


def _study_yesterday(employee_id: int, lessons) -> None:
    """Sit each lesson for its time yesterday from 08:00, one heartbeat every 30 seconds."""
    day = local_today() - timedelta(days=1)
    now = datetime.combine(day, time(8), LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)
    for lesson in lessons:
        progress.heartbeat(employee_id, lesson, position=0, visible=True, mode="start", now=now)
        for _ in range(lesson.min_seconds // HEARTBEAT_MAX_CREDIT):
            now += timedelta(seconds=HEARTBEAT_MAX_CREDIT)
            progress.heartbeat(employee_id, lesson, position=500, visible=True, now=now)
        progress.heartbeat(employee_id, lesson, position=1000, visible=True, mode="final", now=now)
        db.session.commit()


def _right_answers(attempt_id: int) -> dict[str, object]:
    """Question id → the right response, from the attempt's own copy of each question."""
    rows = db.session.execute(
        select(AttemptQuestion.question_id, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
        .where(AttemptQuestion.attempt_id == attempt_id)
    ).all()
    out = {}
    for qid, version in rows:
        if version.type == "fill":
            out[str(qid)] = [accepted[0] for accepted in version.blanks]
        else:
            out[str(qid)] = version.answer
    return out


def _answer(card, right) -> None:
    qid = card.get_attribute("data-qid")
    answer = right[qid]
    if isinstance(answer, list) and card.locator("input[type=text]").count():
        for i, text in enumerate(answer):
            card.locator(f"input[data-blank='{i}']").fill(text)
        card.locator(f"input[data-blank='{len(answer) - 1}']").blur()
    elif isinstance(answer, bool):
        card.locator(f"input[value='{str(answer).lower()}']").check()
    else:
        for key in answer if isinstance(answer, list) else [answer]:
            card.locator(f"input[value='{key}']").check()


def test_a_trainee_studies_a_course_to_completion_passes_and_downloads_the_proof(
    app, demo, live_server_url, phone, shots
):
    context, traffic = phone
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "trainee1"))
        employee = db.session.get(Employee, user.employee_id)
        course = db.session.scalar(select(Course).where(Course.title == COURSE))
        lessons = progress.lessons_of(course)
        assert employee.post == "project_manager" and course.exam_id is not None
        assert sum(x.min_seconds for x in lessons) >= course.required_seconds
        course_id, employee_id, name = course.id, employee.id, employee.name
        lesson_ids = [x.id for x in lessons]

    page = context.new_page()
    _log_in(page, live_server_url, "trainee1")

    # The catalogue lists the course as the trainee's plan's, due in time.
    page.goto(f"{live_server_url}/courses/")
    card = page.locator(".course-card", has_text=COURSE)
    expect(card.locator(".course-deadline")).to_contain_text("前完成")

    # The course page says how hours count, how many remain and what to do next.
    card.locator("a", has_text=COURSE).tap()
    page.wait_for_url(f"**/courses/{course_id}")
    expect(page.locator("#hours-rule")).to_contain_text("每 60 分钟计 1 学时，每天最多计 8.0 学时")
    expect(page.locator("#next-step")).to_contain_text(f"「{lessons[0].title}」")
    expect(page.locator("#next-step")).to_contain_text("还差 4.0 学时")
    expect(page.locator("#final-test")).to_contain_text("完成全部课时并达到 4.0 学时后可参加考试")
    _fits_phone(page)
    page.screenshot(path=shots / "training-phone-course-start.png", full_page=True)

    with app.app_context():
        _study_yesterday(employee_id, [db.session.get(type(lessons[0]), i) for i in lesson_ids])

    # Each lesson: the time is reached, so it is marked done; then on to the next.
    page.goto(f"{live_server_url}/courses/lessons/{lesson_ids[0]}?beat=1")
    expect(page.locator("#hours-rule")).to_contain_text("本课至少学习 60 分钟后可标记完成")
    expect(page.locator("#done-hint")).to_have_text("学习时间已够，可以标记完成")
    page.screenshot(path=shots / "training-phone-lesson.png", full_page=True)
    for i, _lesson_id in enumerate(lesson_ids):
        page.locator("#mark-done").tap()
        expect(page.locator("#mark-done")).to_have_text("已完成")
        if i + 1 < len(lesson_ids):
            page.get_by_role("link", name="下一课 →").tap()
            page.wait_for_url(f"**/courses/lessons/{lesson_ids[i + 1]}")
    expect(page.locator("#last-lesson")).to_contain_text("学满 4.0 学时即可参加课程考试")
    page.get_by_role("link", name="返回课程").tap()
    page.wait_for_url(f"**/courses/{course_id}")
    expect(page.locator("#course-hours strong")).to_have_text("4.0")
    expect(page.locator("#next-step")).to_contain_text("请参加课程考试")
    page.screenshot(path=shots / "training-phone-course-exam-open.png", full_page=True)

    # The final test: start it, answer every question, hand it in.
    page.get_by_role("button", name="参加考试").tap()
    page.wait_for_url(re.compile(r"/exams/\d+/take$"))
    page.locator("#exam-start").tap()
    expect(page.locator("#exam-paper")).to_be_visible()
    page.wait_for_function("document.getElementById('exam-app').dataset.attemptId")
    attempt_id = int(page.locator("#exam-app").get_attribute("data-attempt-id"))
    with app.app_context():
        right = _right_answers(attempt_id)
    for n in range(len(right)):
        current = page.locator(".exam-q:visible")
        expect(current).to_have_count(1)
        _answer(current, right)
        if n + 1 < len(right):
            page.locator("#exam-next").tap()
    expect(page.locator("#exam-progress")).to_have_text(f"已答 {len(right)}/{len(right)}")
    page.locator("#exam-submit").tap()
    page.locator("#exam-submit-confirm").tap()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+/result$"), timeout=20_000)
    page.screenshot(path=shots / "training-phone-exam-result.png", full_page=True)
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.passed, (attempt.status, attempt.score)

    # The course is complete; the proof downloads, named after the person and the date.
    page.goto(f"{live_server_url}/courses/{course_id}")
    expect(page.locator("#course-status")).to_have_text("已完成")
    expect(page.get_by_text("完成本课程")).to_contain_text("下载培训证明")
    _fits_phone(page)
    page.screenshot(path=shots / "training-phone-course-done.png", full_page=True)
    with app.app_context():
        cp = db.session.scalar(
            select(CourseProgress).where(
                CourseProgress.employee_id == employee_id, CourseProgress.course_id == course_id
            )
        )
        assert cp.completed_at is not None and cp.seconds >= 4 * 3600
    href = page.get_by_role("link", name="下载培训证明").first.get_attribute("href")
    response = page.request.get(f"{live_server_url}{href}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    today = local_today().isoformat()
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == f"培训证明-{name}-{today}.pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(body)).pages[0].extract_text()
    assert COURSE in text and name in text and "4.0" in text
    assert not any(line.startswith(("，", "。", "、")) for line in text.splitlines())
    assert traffic.problems() == []


def test_an_enterprise_admin_plans_training_for_a_post_and_sees_who_is_late(
    app, demo, live_server_url, phone, shots
):
    context, traffic = phone
    page = context.new_page()
    _log_in(page, live_server_url, "ent1_admin")

    # A new plan for the 保安 post, with the security course, due in a month.
    page.goto(f"{live_server_url}/plans/new")
    page.get_by_label("计划名称").fill("秩序维护员消防专项培训")
    page.get_by_label("截止日期").fill((local_today() + timedelta(days=30)).isoformat())
    page.get_by_label("保安", exact=True).check()
    page.get_by_label("秩序维护员（保安）岗位培训", exact=True).check()
    page.get_by_role("button", name="保存").tap()
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("秩序维护员消防专项培训")
    expect(page.locator(".plan-status").first).to_have_text("进行中")
    expect(page.locator("#by-post-cards")).to_contain_text("保安")
    _fits_phone(page)
    page.screenshot(path=shots / "training-phone-plan-new.png", full_page=True)

    # The plans: the past one is 已过期 alone (never 进行中 too).
    page.goto(f"{live_server_url}/plans/")
    row = page.locator("tr", has_text=PAST_TITLE)
    expect(row.locator(".plan-status:visible")).to_have_text("已过期")
    expect(row).not_to_contain_text("进行中")
    _fits_phone(page)
    page.screenshot(path=shots / "training-phone-plans.png", full_page=True)

    # Who is late: the past plan's people marked 已逾期, readable on a phone.
    row.get_by_role("link", name=PAST_TITLE).tap()
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    expect(page.locator("[data-k=late]")).not_to_have_text("0")
    page.locator("select[name=state]").select_option("late")
    page.get_by_role("button", name="筛选").tap()
    late = page.locator("#people tbody tr")
    expect(late.first).to_contain_text("已逾期")
    expect(page.locator("#by-post-cards")).to_be_visible()
    expect(page.locator("#by-post")).to_be_hidden()
    _fits_phone(page)
    page.screenshot(path=shots / "training-phone-plan-late.png", full_page=True)
    with app.app_context():
        plan = db.session.scalar(select(TrainingPlan).where(TrainingPlan.title == PAST_TITLE))
        assert plan.due_on < local_today()
    assert traffic.problems() == []
