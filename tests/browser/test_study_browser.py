"""A trainee studies a lesson on a phone (375×812), leaves, comes back to the same place."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.auth.models import Role
from app.courses.models import LessonProgress
from app.extensions import db
from app.orgs.rules.posts import Post
from tests import factories
from tests.browser.conftest import _open_context
from tests.integration.study_helpers import course, lesson_ids

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(),
    reason="Debian chromium is not installed (apt-get install chromium); .ci/run installs it",
)

PHONE_375 = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def phone375(browser):
    context, traffic = _open_context(browser, PHONE_375)
    yield context, traffic
    context.close()


def test_study_leave_and_resume_at_the_same_place(app, live_server_url, phone375, shots):
    context, traffic = phone375
    with app.app_context():
        ent = factories.enterprise(name="保定市恒信物业服务有限公司")
        emp = factories.employee(ent, name="赵学员", post=Post.SECURITY)
        factories.user(Role.TRAINEE, username="study_phone", employee=emp)
        c = course("秩序维护员岗位培训", lessons=2, posts=[Post.SECURITY.value], required=3600)
        first, _second = lesson_ids(c)
        course_id, employee_id = c.id, emp.id

    page = context.new_page()
    page.goto(f"{live_server_url}/login")
    page.fill("input[name=username]", "study_phone")
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)

    # The beat interval is shortened for the test (?beat= works only in testing/debug).
    page.goto(f"{live_server_url}/courses/lessons/{first}?beat=1")
    expect(page.get_by_role("heading", name="第1课")).to_be_visible()
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
    page.wait_for_timeout(4500)  # a few beats while the lesson is visible
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 100
    page.screenshot(path=shots / "study-phone-lesson.png")

    # Leave the lesson for the course page (pagehide sends the position with a beacon) …
    page.goto(f"{live_server_url}/courses/{course_id}")
    expect(page.locator("#resume")).to_have_text("继续学习")
    page.screenshot(path=shots / "study-phone-course.png", full_page=True)
    with app.app_context():
        lp = db.session.scalar(
            db.select(LessonProgress).where(
                LessonProgress.employee_id == employee_id, LessonProgress.lesson_id == first
            )
        )
        assert lp.seconds >= 2, lp.seconds
        assert lp.position > 300, lp.position  # about half way down, in ‰
        seconds_before = lp.seconds

    # … and come back through 继续学习: the same lesson, the same place.
    page.locator("#resume").click()
    page.wait_for_url(f"**/courses/lessons/{first}")
    page.wait_for_function("window.scrollY > 0")
    assert abs(page.evaluate("window.scrollY") - scrolled) < 80
    expect(page.locator("#course-hours")).to_be_visible()

    # Reload (with the short beat) and study on: the time goes up again.
    page.goto(f"{live_server_url}/courses/lessons/{first}?beat=1")
    page.wait_for_function("window.scrollY > 0")
    assert abs(page.evaluate("window.scrollY") - scrolled) < 80
    page.wait_for_timeout(3500)
    page.goto(f"{live_server_url}/courses/")
    with app.app_context():
        db.session.expire_all()
        lp = db.session.scalar(
            db.select(LessonProgress).where(
                LessonProgress.employee_id == employee_id, LessonProgress.lesson_id == first
            )
        )
        assert lp.seconds > seconds_before
    expect(page.locator(".course-status").first).to_have_text("学习中")
    page.screenshot(path=shots / "study-phone-index.png", full_page=True)
