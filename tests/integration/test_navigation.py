"""The menu: each package adds its own entries, and together they keep one order."""

import re

from app.auth.models import Role
from app.web import nav_items

# The menu of each role, in order (the entries whose pages exist).
MENUS = {
    Role.PROVINCE_ADMIN: [
        "reports.dashboard",
        "orgs.regions",
        "orgs.enterprises",
        "rates.report",
        "course_admin.index",
        "plans.index",
        "law_trainings.index",
        "question_bank.index",
        "exam_admin.index",
        "competitions.index",
        "certificates.index",
        "certification.index",
        "report_charts.index",
        "auth.accounts",
        "orgs.pii_exports",
    ],
    Role.CITY_ADMIN: [
        "reports.dashboard",
        "orgs.regions",
        "orgs.enterprises",
        "rates.report",
        "plans.index",
        "law_trainings.index",
        "question_bank.index",
        "exam_results.index",
        "competitions.index",
        "certificates.index",
        "certification.index",
        "report_charts.index",
        "auth.accounts",
        "orgs.pii_exports",
    ],
    Role.ENTERPRISE_ADMIN: [
        "reports.dashboard",
        "orgs.my_roster",
        "rates.report",
        "plans.index",
        "question_bank.index",
        "exam_admin.index",
        "competitions.index",
        "certificates.index",
        "certification.index",
        "report_charts.index",
        "auth.accounts",
        "orgs.pii_exports",
    ],
    Role.TRAINEE: [
        "reports.dashboard",
        "courses.index",
        "exams.my_exams",
        "certificates.mine",
        "certification.mine",
    ],
    Role.JUDGE: ["reports.dashboard", "judging.index", "certification.assess_index"],
    Role.CHIEF_JUDGE: [
        "reports.dashboard",
        "judging.index",
        "certification.assess_index",
        "competitions.index",
    ],
}


def test_each_role_sees_its_menu_in_order(app):
    for role, endpoints in MENUS.items():
        menu = [item.endpoint for item in nav_items(app) if role in item.roles]
        assert menu == endpoints, role
        assert all(endpoint in app.view_functions for endpoint in menu)


def test_the_menu_is_shown_on_pages(client, login, make):
    user = make.user(Role.TRAINEE, employee=make.employee(make.enterprise()))
    login(user.username)
    page = client.get("/").get_data(as_text=True)
    menu = page[page.index('id="mainNav"') :]
    labels = re.findall(r'class="nav-link[^"]*" href="[^"]*">([^<]+)</a>', menu)
    assert labels == ["首页", "学习", "我的考试", "我的证书", "我的认定"]
