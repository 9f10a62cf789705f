"""The dashboards in a real browser: a trainee on a phone, a provincial admin on a desktop.

Screenshots land in /tmp/wuye-shots/ for a human to look at.
"""

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.auth.models import Role
from app.extensions import db
from app.orgs import services
from app.orgs.rules.posts import Post
from tests import factories

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(),
    reason="Debian chromium is not installed (apt-get install chromium); .ci/run installs it",
)

# Bootstrap 5's --bs-primary (#0d6efd) and app.css's page background (#f6f7f9).
BOOTSTRAP_PRIMARY = "rgb(13, 110, 253)"
APP_BACKGROUND = "rgb(246, 247, 249)"

SMALLEST_TEXT_JS = """() => {
  let smallest = Infinity, where = "";
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < smallest) { smallest = size; where = el.outerHTML.slice(0, 80); }
  }
  return [smallest, where];
}"""


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/")
    expect(page).to_have_url(re.compile(r"/login\b"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/")


def _assert_styled(page: Page) -> None:
    """Bootstrap (served locally) and app.css are applied."""
    navbar = page.locator("nav.navbar")
    expect(navbar).to_have_css("background-color", BOOTSTRAP_PRIMARY)
    expect(page.locator("body")).to_have_css("background-color", APP_BACKGROUND)


def _assert_fits_width(page: Page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url}: horizontal scrolling ({scroll_width}px > {width}px)"


def _assert_readable(page: Page, minimum: float = 12) -> None:
    smallest, where = page.evaluate(SMALLEST_TEXT_JS)
    assert smallest >= minimum, f"{page.url}: text of {smallest}px is too small: {where}"


def _assert_clean_traffic(traffic, base_url: str) -> None:
    assert traffic.problems() == []
    assert all(
        url.startswith(f"{base_url}/") or url.startswith("data:") for url in traffic.requests
    ), traffic.requests
    assert any(re.search(r"/bootstrap/.*\.css$", url) for url in traffic.requests), (
        "Bootstrap's CSS was not requested from the app"
    )
    assert any(re.search(r"/bootstrap/.*\.js$", url) for url in traffic.requests), (
        "Bootstrap's JS was not requested from the app"
    )
    assert f"{base_url}/static/app.css" in traffic.requests


def test_trainee_logs_in_on_a_phone_and_sees_the_dashboard(app, live_server_url, phone, shots):
    context, traffic = phone
    with app.app_context():
        enterprise = factories.enterprise(name="石家庄市安泰物业服务有限公司")
        employee = factories.employee(enterprise, name="王秀英", post=Post.CLEANING)
        factories.user(
            Role.TRAINEE, username="trainee_phone", display_name="王秀英", employee=employee
        )

    page = context.new_page()
    _log_in(page, live_server_url, "trainee_phone")

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("你好")
    expect(heading).to_contain_text("王秀英")
    expect(page.get_by_text("石家庄市安泰物业服务有限公司 · 保洁")).to_be_visible()
    for section in ("我的课程", "我的考试", "我的证书"):
        expect(page.get_by_role("heading", name=section)).to_be_visible()
    _assert_styled(page)
    _assert_fits_width(page, 390)
    _assert_readable(page)
    page.screenshot(path=shots / "trainee-phone-dashboard.png", full_page=True)

    # The menu is folded away behind the toggler at this width, and opens on a tap.
    menu = page.locator("#mainNav")
    toggler = page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    expect(menu).to_be_hidden()
    toggler.tap()
    expect(menu).to_have_class(re.compile(r"\bshow\b"))
    expect(menu.get_by_role("link", name="首页")).to_be_visible()
    expect(menu.get_by_text("王秀英")).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    _assert_fits_width(page, 390)
    page.screenshot(path=shots / "trainee-phone-menu-open.png", full_page=True)

    _assert_clean_traffic(traffic, live_server_url)


def test_login_page_fits_a_phone(app, live_server_url, phone, shots):
    context, traffic = phone
    page = context.new_page()
    page.goto(f"{live_server_url}/login")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    _assert_styled(page)
    _assert_fits_width(page, 390)
    _assert_readable(page)
    page.screenshot(path=shots / "login-phone.png", full_page=True)
    _assert_clean_traffic(traffic, live_server_url)


def _province_data(app) -> dict:
    """Three regions, five enterprises (one deactivated), staff of every post, one leaver."""
    with app.app_context():
        sjz = factories.region(name="石家庄")
        ts = factories.region(name="唐山")
        bd = factories.region(name="保定")
        ent_a = factories.enterprise(sjz, name="石家庄市安泰物业服务有限公司")
        ent_b = factories.enterprise(sjz, name="石家庄市恒信物业服务有限公司")
        ent_c = factories.enterprise(ts, name="唐山市嘉和物业服务有限公司")
        factories.enterprise(bd, name="保定市瑞祥物业服务有限公司")
        factories.enterprise(bd, name="保定市宏远物业服务有限公司", active=False)
        posts = list(Post)
        names = ["张伟", "李娜", "王芳", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰"]
        first_id_number = factories.id_number()
        staff = []
        for index, name in enumerate(names):
            enterprise = (ent_a, ent_a, ent_a, ent_a, ent_b, ent_b, ent_c, ent_c, ent_c)[index]
            staff.append(
                factories.employee(
                    enterprise,
                    name=name,
                    post=posts[index % len(posts)],
                    id_number_=first_id_number if index == 0 else None,
                )
            )
        services.mark_left(staff[3], date(2021, 6, 30))
        db.session.commit()
        factories.user(Role.PROVINCE_ADMIN, username="province", display_name="省协会管理员")
        return {
            "enterprise_id": ent_a.id,
            "enterprise_name": ent_a.name,
            "masked": staff[0].id_number_masked,
            "first_id_number": first_id_number,
            "on_duty": len(names) - 1,
            "on_duty_by_region": {"石家庄": 5, "唐山": 3, "保定": 0},
            "active_enterprises": 4,
        }


def test_province_admin_sees_the_workbench_on_a_desktop(app, live_server_url, desktop, shots):
    context, traffic = desktop
    data = _province_data(app)

    page = context.new_page()
    _log_in(page, live_server_url, "province")
    expect(page.get_by_role("heading", level=1)).to_have_text("省协会工作台")
    _assert_styled(page)

    kpis = page.locator(".card-kpi")
    expect(kpis).to_have_count(8)  # four headcounts and four of 学习与考试
    expect(page.locator("#learning-figures .card-kpi")).to_have_count(4)
    expect(kpis.filter(has_text="正常经营企业").locator(".kpi")).to_have_text(
        str(data["active_enterprises"])
    )
    expect(kpis.filter(has_text="在岗从业人员").locator(".kpi")).to_have_text(str(data["on_duty"]))
    expect(kpis.filter(has_text="有效账号").locator(".kpi")).to_have_text("1")

    region_table = page.locator(".card", has=page.get_by_role("heading", name="各地区")).locator(
        "table"
    )
    expect(region_table).to_be_visible()
    expect(region_table.locator("thead th")).to_have_text(["地区", "企业", "在岗人员"])
    for region, on_duty in data["on_duty_by_region"].items():
        row = region_table.locator("tr", has=page.get_by_role("link", name=region, exact=True))
        expect(row.locator("td").nth(2)).to_have_text(str(on_duty))
    _assert_fits_width(page, 1366)
    page.screenshot(path=shots / "province-desktop-dashboard.png", full_page=True)

    # The enterprise list, through the navbar.
    page.locator("#mainNav").get_by_role("link", name="企业", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("物业服务企业")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(data["active_enterprises"])
    expect(rows.filter(has_text=data["enterprise_name"]).locator("td").nth(3)).to_have_text("3")
    page.screenshot(path=shots / "province-desktop-enterprises.png", full_page=True)

    # The enterprise, then its roster.
    page.get_by_role("link", name=data["enterprise_name"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(data["enterprise_name"])
    page.get_by_role("link", name="花名册", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/enterprises/{data['enterprise_id']}/employees(\?.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("花名册")
    roster_rows = page.locator("table tbody tr")
    expect(roster_rows).to_have_count(3)  # on duty only, by default
    expect(roster_rows.filter(has_text="张伟").locator("code")).to_have_text(data["masked"])
    assert re.fullmatch(r"\d{6}\*{8}\d{3}[\dX]", data["masked"])
    assert data["first_id_number"] not in page.content()  # never the full identity number
    page.screenshot(path=shots / "province-desktop-roster.png", full_page=True)

    _assert_clean_traffic(traffic, live_server_url)


def test_province_admin_pages_fit_a_phone(app, live_server_url, phone, shots):
    context, traffic = phone
    data = _province_data(app)

    page = context.new_page()
    _log_in(page, live_server_url, "province")
    expect(page.get_by_role("heading", level=1)).to_have_text("省协会工作台")
    pages = {
        "province-phone-dashboard": "/",
        "province-phone-enterprises": "/enterprises",
        "province-phone-roster": f"/enterprises/{data['enterprise_id']}/employees",
    }
    for shot, path in pages.items():
        page.goto(f"{live_server_url}{path}")
        expect(page.locator("main h1")).to_be_visible()
        _assert_styled(page)
        _assert_fits_width(page, 390)
        _assert_readable(page)
        page.screenshot(path=shots / f"{shot}.png", full_page=True)

    _assert_clean_traffic(traffic, live_server_url)
