"""Admins see learning, on a phone, on the demo data: a city admin reads the region's learning
on the dashboard and the region's exam results; an enterprise admin adds a person and opens
(and prints) a learning record. Screenshots land in /tmp/wuye-shots/learning-*.png.
"""

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from app.auth.models import User
from app.demo import DEMO_PASSWORD, load_demo_data
from app.demo.exam_results import RESULTS_TITLE
from app.extensions import db
from tests import factories

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(),
    reason="Debian chromium is not installed (apt-get install chromium); .ci/run installs it",
)

FULL_ID_NUMBER = re.compile(r"\b\d{17}[\dX]\b")


@pytest.fixture
def demo(app):
    """The demo data; answers trainee1's employee id."""
    with app.app_context():
        load_demo_data()
        db.session.commit()
        return db.session.scalar(select(User.employee_id).where(User.username == "trainee1"))


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/")


def _fits(page: Page, width: int = 390) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url}: horizontal scrolling ({scroll_width}px)"


def _menu(page: Page, label: str) -> None:
    page.locator(".navbar-toggler").tap()
    page.locator("#mainNav").get_by_role("link", name=label, exact=True).tap()


def test_a_city_admin_sees_the_regions_learning_and_exam_results(
    app, live_server_url, phone, shots, demo
):
    context, traffic = phone
    page = context.new_page()
    _log_in(page, live_server_url, "sjz_admin")

    expect(page.get_by_role("heading", name="市协会工作台")).to_be_visible()
    figures = page.locator("#learning-figures")
    expect(figures).to_contain_text("学时合计")
    expect(figures).to_contain_text("培训计划完成率")
    expect(page.locator("#figure-exam_sittings .kpi")).not_to_have_text("0")
    expect(page.locator("#figure-exam_pass_rate .kpi")).to_have_text(re.compile(r"^\d+\.\d%$"))
    expect(page.locator("#rate-card")).to_be_visible()  # 持证上岗率, from the reports issue
    _fits(page)
    page.screenshot(path=shots / "learning-city-phone-dashboard.png", full_page=True)

    # Each figure leads to its page: the pass rate to the region's exam results.
    page.locator("#figure-exam_pass_rate").tap()
    page.wait_for_url(f"{live_server_url}/exam-results/")
    expect(page.get_by_role("heading", name="考试成绩")).to_be_visible()
    row = page.locator("#exam-results tr", has_text=RESULTS_TITLE)
    expect(row).to_be_visible()
    _fits(page)
    page.screenshot(path=shots / "learning-city-phone-results.png", full_page=True)

    # The same page is in the menu.
    page.goto(f"{live_server_url}/")
    _menu(page, "考试成绩")
    page.wait_for_url(f"{live_server_url}/exam-results/")

    page.locator("#exam-results tr", has_text=RESULTS_TITLE).get_by_role(
        "link", name="查看成绩"
    ).tap()
    expect(page.get_by_role("heading", name=RESULTS_TITLE)).to_be_visible()
    table = page.locator("#results-table")
    expect(table.locator(".badge", has_text=re.compile("^合格$")).first).to_be_visible()
    expect(table.locator(".badge", has_text="不合格").first).to_be_visible()
    text = table.inner_text()
    assert "未通过" not in text
    assert "唐山" not in text  # another region's people are not here
    assert re.search(r"\d{6}\*{8}\d{3}[\dX]", text), "identity numbers are shown masked"
    assert not FULL_ID_NUMBER.search(page.content())
    expect(page.get_by_role("link", name="答卷")).to_have_count(0)  # read-only
    summary = page.locator("#results-summary")
    expect(summary).to_contain_text("合格率")
    _fits(page)
    page.screenshot(path=shots / "learning-city-phone-exam.png")

    assert traffic.problems() == []


def test_an_enterprise_admin_adds_a_person_and_opens_a_learning_record(
    app, live_server_url, phone, shots, demo
):
    context, traffic = phone
    page = context.new_page()
    _log_in(page, live_server_url, "ent1_admin")

    _menu(page, "花名册")
    page.get_by_role("link", name="添加人员").tap()
    page.wait_for_url(re.compile(r"/employees/new$"))
    expect(page.get_by_role("heading", name="添加人员")).to_be_visible()
    post = page.get_by_label("岗位")
    expect(post).to_have_value("")  # no default post: 项目经理 is not chosen for anyone
    page.get_by_label("姓名").fill("周新来")
    page.get_by_label("身份证号").fill(factories.id_number("19950612", "130102"))
    page.get_by_label("手机号").fill("13912345678")
    page.get_by_label("入职日期").fill("2026-03-02")
    page.get_by_role("button", name="保存").tap()
    expect(page.locator(".invalid-feedback", has_text="请选择岗位")).to_be_visible()
    page.get_by_label("岗位").select_option(label="保安")
    page.get_by_role("button", name="保存").tap()
    expect(page.get_by_text("已添加：周新来")).to_be_visible()
    search = page.locator("input[name=q]")
    search.fill("周新来")
    search.press("Enter")
    page.wait_for_url(re.compile(r"[?&]q="))

    page.get_by_role("link", name="周新来").first.tap()
    expect(page.get_by_role("heading", name=re.compile("周新来"))).to_be_visible()
    record = page.locator("#learning-record")
    expect(record).to_contain_text("学习档案")
    # A new 保安 falls under the enterprise's plan at once: its courses, not started.
    expect(record.locator("#record-courses")).to_contain_text("未开始")
    expect(record).to_contain_text("没有安排过考试")
    _fits(page)
    page.screenshot(path=shots / "learning-enterprise-phone-new-person.png", full_page=True)

    # A person with a record: a course plan, the quarter's exam, a certificate.
    page.goto(f"{live_server_url}/employees/{demo}")
    record = page.locator("#learning-record")
    expect(record.locator("#record-exams")).to_contain_text(RESULTS_TITLE)
    expect(
        record.locator("#record-exams .badge", has_text=re.compile("合格")).first
    ).to_be_visible()
    expect(record.locator("#record-certificates")).to_contain_text("物业管理员")
    _fits(page)
    page.screenshot(path=shots / "learning-enterprise-phone-record.png", full_page=True)

    record.get_by_role("link", name="打印学习档案").tap()
    page.wait_for_url(re.compile(r"/record$"))
    expect(page.get_by_role("heading", name="从业人员学习档案")).to_be_visible()
    expect(page.get_by_role("button", name="打印学习档案")).to_be_visible()
    _fits(page)
    page.screenshot(path=shots / "learning-enterprise-phone-print-page.png", full_page=True)

    # Printed: no menu and no buttons, everything on one A4 page, the Chinese text intact.
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.get_by_role("button", name="打印学习档案")).to_be_hidden()
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    assert len(pdf.pages) == 1
    printed = pdf.pages[0].extract_text()
    for words in ("从业人员学习档案", "课程学习", "考试成绩", "本平台颁发的证书", RESULTS_TITLE):
        assert words.replace(" ", "") in printed.replace(" ", ""), words
    assert "退出登录" not in printed and "花名册" not in printed
    assert not FULL_ID_NUMBER.search(printed)

    assert traffic.problems() == []
