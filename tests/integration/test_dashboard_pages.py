"""The dashboard ("/") of each role: its heading, its navigation and its figures."""

import pytest

from app.auth.models import Role
from app.extensions import db
from app.orgs import services
from app.orgs.rules.posts import Post
from app.timeutil import local_today
from tests.integration.page_helpers import kpi, nav_labels, page, post_count

ADMIN_ONLY_NAV = {"地区", "企业", "花名册", "账号", "导出记录"}


@pytest.fixture
def orgs(make):
    """Two regions; 一市 has an enterprise of 3 people (one of them left today), 二市 one of 2."""
    one, two = make.region("测试一市"), make.region("测试二市")
    e1 = make.enterprise(one, name="一市物业有限公司")
    e2 = make.enterprise(two, name="二市物业有限公司")
    zhang = make.employee(e1, name="张三", post=Post.SECURITY)
    li = make.employee(e1, name="李四", post=Post.SECURITY)
    make.employee(e1, name="王五", post=Post.CLEANING)
    make.employee(e2, name="赵六", post=Post.SECURITY)
    make.employee(e2, name="钱七", post=Post.GREENING)
    services.mark_left(li, local_today())
    db.session.commit()
    return {"one": one, "two": two, "e1": e1, "e2": e2, "zhang": zhang}


def test_anonymous_dashboard_redirects_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_province_admin_sees_the_province_dashboard(client, make, login, orgs):
    make.user(Role.PROVINCE_ADMIN, username="padmin")
    login("padmin")
    response = client.get("/")
    assert response.status_code == 200
    body = page(response)
    assert "省协会工作台" in body
    assert "市协会工作台" not in body and "企业工作台" not in body
    assert {"首页", "地区", "企业", "账号", "导出记录"} <= set(nav_labels(response))
    assert "花名册" not in nav_labels(response)


def test_province_figures_count_on_duty_staff_of_every_region(client, make, login, orgs):
    make.user(Role.PROVINCE_ADMIN, username="padmin")
    login("padmin")
    response = client.get("/")
    assert kpi(response, "正常经营企业") == 2
    assert kpi(response, "在岗从业人员") == 4
    assert kpi(response, "今年离职") == 1
    assert post_count(response, "保安") == 2  # 李四 has left
    assert post_count(response, "保洁") == 1
    assert post_count(response, "绿化") == 1
    assert post_count(response, "项目经理") == 0
    body = page(response)
    assert "测试一市" in body and "测试二市" in body


def test_city_admin_sees_the_city_dashboard(client, make, login, orgs):
    make.user(Role.CITY_ADMIN, username="cadmin", region=orgs["one"])
    login("cadmin")
    response = client.get("/")
    assert response.status_code == 200
    body = page(response)
    assert "市协会工作台" in body and "省协会工作台" not in body
    assert "测试一市" in body
    assert {"首页", "地区", "企业", "账号", "导出记录"} <= set(nav_labels(response))
    assert "花名册" not in nav_labels(response)


def test_city_admin_figures_count_only_their_own_region(client, make, login, orgs):
    make.user(Role.CITY_ADMIN, username="cadmin", region=orgs["one"])
    login("cadmin")
    response = client.get("/")
    assert kpi(response, "正常经营企业") == 1
    assert kpi(response, "在岗从业人员") == 2
    assert kpi(response, "今年离职") == 1
    assert post_count(response, "保安") == 1
    assert post_count(response, "保洁") == 1
    assert post_count(response, "绿化") == 0  # 钱七 works in 二市
    assert "测试二市" not in page(response)


def test_enterprise_admin_sees_the_enterprise_dashboard(client, make, login, orgs):
    make.user(Role.ENTERPRISE_ADMIN, username="eadmin", enterprise=orgs["e1"])
    login("eadmin")
    response = client.get("/")
    assert response.status_code == 200
    body = page(response)
    assert "企业工作台" in body and "一市物业有限公司" in body
    labels = set(nav_labels(response))
    assert {"首页", "花名册", "账号"} <= labels
    assert not {"企业", "地区"} & labels


def test_enterprise_admin_figures_count_only_their_enterprise(client, make, login, orgs):
    make.user(Role.ENTERPRISE_ADMIN, username="eadmin", enterprise=orgs["e1"])
    login("eadmin")
    response = client.get("/")
    assert kpi(response, "所属企业") == 1
    assert kpi(response, "在岗从业人员") == 2
    assert post_count(response, "保安") == 1
    assert post_count(response, "绿化") == 0
    assert "二市物业有限公司" not in page(response)


def test_trainee_sees_a_greeting_and_no_admin_navigation(client, make, login, orgs):
    make.user(Role.TRAINEE, username="trainee1", employee=orgs["zhang"])
    login("trainee1")
    response = client.get("/")
    assert response.status_code == 200
    body = page(response)
    assert "你好，张三" in body
    assert "一市物业有限公司 · 保安" in body
    assert "工作台" not in body
    assert not ADMIN_ONLY_NAV & set(nav_labels(response))
    assert "首页" in nav_labels(response)


def test_trainee_dashboard_lists_their_external_certificates(client, make, login, orgs):
    services.add_external_certificate(
        orgs["zhang"], name="电工作业操作证", issuer="河北省应急管理厅", issued_on=local_today()
    )
    db.session.commit()
    make.user(Role.TRAINEE, username="trainee1", employee=orgs["zhang"])
    login("trainee1")
    assert "电工作业操作证" in page(client.get("/"))


@pytest.mark.parametrize("role", [Role.JUDGE, Role.CHIEF_JUDGE])
def test_judge_sees_the_scoring_dashboard(client, make, login, role):
    make.user(role, username="judge1", display_name="裁判甲")
    login("judge1")
    response = client.get("/")
    assert response.status_code == 200
    body = page(response)
    assert "评分工作台" in body
    assert "你好，裁判甲" in body
    assert not ADMIN_ONLY_NAV & set(nav_labels(response))
