"""The report charts in a real browser: ECharts draws them under the page's CSP, and the
「表格」 button shows the figures behind each chart. Screenshots land in /tmp/wuye-shots/."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.auth.models import Role
from app.orgs.rules.posts import Post
from tests import factories

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(),
    reason="Debian chromium is not installed (apt-get install chromium); .ci/run installs it",
)


@pytest.fixture
def world(app):
    with app.app_context():
        region = factories.region("甲市")
        enterprise = factories.enterprise(region, "甲物业")
        for i in range(3):
            factories.employee(enterprise, name=f"保安{i}")
        factories.employee(enterprise, name="保洁", post=Post.CLEANING)
        factories.user(Role.PROVINCE_ADMIN, username="charts_admin")


def _log_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("用户名").fill("charts_admin")
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_charts_draw_and_show_their_figures(world, live_server_url, request, shots, size):
    context, traffic = request.getfixturevalue(size)
    page = context.new_page()
    _log_in(page, live_server_url)
    # The dashboard's trend chart is drawn (ECharts renders SVG into the figure).
    expect(page.locator("figure.report-chart svg").first).to_be_visible()

    page.goto(f"{live_server_url}/reports/certified-on-duty/charts")
    figures = page.locator("figure.report-chart")
    expect(figures).to_have_count(3)
    for i in range(3):
        expect(figures.nth(i).locator(".chart-canvas svg")).to_be_visible()
    page.screenshot(path=shots / f"report-charts-{size}.png", full_page=True)

    posts = figures.filter(has_text="按岗位")
    posts.get_by_role("button", name="表格").click()
    table = posts.locator(".chart-table table")
    expect(table).to_be_visible()
    expect(posts.locator(".chart-canvas")).to_be_hidden()
    expect(table.locator("tbody tr", has_text="保安")).to_contain_text(re.compile(r"\d+\.\d\d%"))
    posts.get_by_role("button", name="图表").click()
    expect(posts.locator(".chart-canvas svg")).to_be_visible()

    page.goto(f"{live_server_url}/reports/stats/training-coverage")
    expect(page.locator("figure.report-chart .chart-canvas svg")).to_be_visible()
    page.screenshot(path=shots / f"report-training-{size}.png", full_page=True)
    assert traffic.problems() == []
