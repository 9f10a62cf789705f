"""The pages whose scripts moved out of the templates still work under the policy.

Chromium enforces the Content-Security-Policy: an inline script or handler left behind
would be refused and reported on the console, which the browser fixtures record as a
script error. Each page is used as a person would: the question form's type switch, the
exam form's rule rows, the live board's polling, a filter that submits itself, a
confirmation before cancelling, a lesson's embedded PDF.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.auth.models import Role
from app.extensions import db
from app.law_trainings.models import LawTraining
from app.timeutil import local_today
from tests import factories
from tests.integration.test_exam_pages import make_exam, seed_bank

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(),
    reason="Debian chromium is not installed (apt-get install chromium); .ci/run installs it",
)


@pytest.fixture
def world(app):
    with app.app_context():
        seed_bank()
        region = factories.region("甲市")
        enterprise = factories.enterprise(name="石家庄市安泰物业服务有限公司")
        employee = factories.employee(enterprise, name="王秀英")
        factories.user(Role.PROVINCE_ADMIN, username="csp_admin")
        exam = make_exam([employee], title="物业服务安全知识考试")
        training = LawTraining(
            region_id=region.id,
            topic="《民法典》物业服务合同",
            held_on=local_today() + timedelta(days=5),
            starts_at="09:00",
            place="甲市会议中心",
            speakers="王律师",
            capacity=30,
            audience_types=["practitioner", "owner"],
        )
        db.session.add(training)
        db.session.commit()
        return {"exam_id": exam.id, "training_id": training.id}


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/")


def _policy_of(page: Page, url: str) -> str:
    response = page.goto(url)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy, policy  # the browser enforces it on this page
    return policy


def test_moved_scripts_work_under_the_policy(app, live_server_url, desktop, world):
    context, traffic = desktop
    page = context.new_page()
    base = live_server_url
    _log_in(page, base, "csp_admin")

    # The question form shows only the answer fields of the chosen type.
    _policy_of(page, f"{base}/question-bank/questions/new")
    page.select_option("#type", "true_false")
    expect(page.locator("fieldset[data-for='true_false']")).to_be_visible()
    expect(page.locator("fieldset[data-for='fill']")).to_be_hidden()
    page.select_option("#type", "fill")
    expect(page.locator("fieldset[data-for='fill']")).to_be_visible()

    # The exam form adds rule rows.
    _policy_of(page, f"{base}/exams/manage/new")
    rows = page.locator("#rule-rows .rule-row")
    before = rows.count()
    page.locator("#rule-add").click()
    expect(rows).to_have_count(before + 1)

    # The live board polls the API.
    _policy_of(page, f"{base}/exams/manage/{world['exam_id']}/board")
    expect(page.locator("#board-status")).to_contain_text("每 5 秒自动刷新", timeout=8000)

    # A filter submits itself when its value changes.
    _policy_of(page, f"{base}/law-trainings/coverage")
    year = str(local_today().year - 1)
    page.select_option("select[name='year']", year)
    page.wait_for_url(f"**/law-trainings/coverage?year={year}")

    # A confirmation comes before cancelling; dismissed, nothing happens.
    show = f"{base}/law-trainings/{world['training_id']}"
    _policy_of(page, show)
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="取消培训").click()
    page.wait_for_timeout(300)
    assert asked and "确定取消这场培训吗" in asked[0]
    assert page.url == show
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="取消培训").click()
    page.wait_for_load_state("load")
    with app.app_context():
        assert db.session.get(LawTraining, world["training_id"]).status == "cancelled"

    # The scanner page may use the camera; other pages may not.
    response = page.goto(f"{show}/scan")
    assert "camera=(self)" in response.headers["permissions-policy"]
    assert "camera=()" in page.goto(show).headers["permissions-policy"]

    assert traffic.script_errors == []
    assert [p for p in traffic.problems() if "script" in p or "Refused" in p] == []


def test_a_lesson_embeds_its_pdf_under_the_policy(app, live_server_url, desktop):
    from app.courses.files import store_course_file
    from tests.integration.study_helpers import lesson_ids
    from tests.integration.test_course_files import PDF, course_with_file, upload

    with app.app_context():
        factories.user(Role.PROVINCE_ADMIN, username="csp_author")
        stored = store_course_file(upload(PDF, "讲义.pdf"), kind="pdf", user_id=None)
        course = course_with_file(stored)
        [lesson_id] = lesson_ids(course)
        stored_id = stored.id
    context, traffic = desktop
    page = context.new_page()
    _log_in(page, live_server_url, "csp_author")

    policy = _policy_of(page, f"{live_server_url}/courses/manage/lessons/{lesson_id}/preview")
    assert "object-src 'self'" in policy
    page.wait_for_timeout(500)
    # The PDF was fetched and handed to Chromium's viewer (whose own extension pages the
    # fixture keeps from loading); nothing was refused by the policy.
    assert any(url.endswith(f"/courses/files/{stored_id}") for url in traffic.requests)
    refused = [e for e in traffic.script_errors if "Content Security Policy" in e]
    assert refused == []
