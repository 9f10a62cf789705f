"""Enterprise registration and account management pages."""

import pytest
from sqlalchemy import func, select

from app.auth.models import Role, User
from app.extensions import db
from app.orgs.models import Employee, Enterprise
from tests import factories
from tests.integration.page_helpers import bad_id_number, csrf_of, form_login, page, submit

SCOPE_REFUSED = "请选择您管辖范围内的地区或企业"
NOT_A_CHOICE = "不是有效的选择"


@pytest.fixture
def org(make):
    """Two regions, an enterprise in each (张三 works at 一市物业), and their admins."""
    one, two = make.region("测试一市"), make.region("测试二市")
    e1 = make.enterprise(one, name="一市物业有限公司")
    e2 = make.enterprise(two, name="二市物业有限公司")
    zhang = make.employee(e1, name="张三", phone="13800000001")
    make.user(Role.PROVINCE_ADMIN, username="padmin")
    make.user(Role.CITY_ADMIN, username="cadmin", region=one)
    make.user(Role.ENTERPRISE_ADMIN, username="eadmin", enterprise=e1)
    return {"one": one, "two": two, "e1": e1, "e2": e2, "zhang": zhang}


def enterprise_data(region, **overrides) -> dict:
    data = {
        "name": "新登记物业服务有限公司",
        "credit_code": factories.credit_code(region.code),
        "region_id": str(region.id),
        "address": "石家庄市长安区中山东路 1 号",
        "contact_name": "刘经理",
        "contact_phone": "0311-12345678",
    }
    return {**data, **overrides}


def enterprises_named(name: str) -> list[Enterprise]:
    return db.session.scalars(select(Enterprise).where(Enterprise.name == name)).all()


def user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def post_with_token(client, url: str, data: dict | None = None, token_page: str = "/"):
    return client.post(url, data={"csrf_token": csrf_of(client.get(token_page)), **(data or {})})


# --- enterprises ------------------------------------------------------------------------


def test_register_enterprise_with_bad_credit_code_shows_chinese_message(client, login, org):
    login("padmin")
    code = factories.credit_code()
    bad = code[:17] + ("0" if code[17] != "0" else "1")
    response = submit(client, "/enterprises/new", enterprise_data(org["one"], credit_code=bad))
    assert response.status_code == 200
    assert "统一社会信用代码校验位错误" in page(response)
    assert enterprises_named("新登记物业服务有限公司") == []


def test_register_enterprise_with_a_registered_credit_code_is_refused(client, login, org):
    login("padmin")
    data = enterprise_data(org["one"], credit_code=org["e2"].credit_code.lower())
    response = submit(client, "/enterprises/new", data)
    assert "该统一社会信用代码已登记为另一家企业" in page(response)
    assert enterprises_named("新登记物业服务有限公司") == []


def test_register_valid_enterprise(client, login, org):
    login("padmin")
    data = enterprise_data(org["two"])
    response = submit(client, "/enterprises/new", data)
    assert response.status_code == 302
    [saved] = enterprises_named("新登记物业服务有限公司")
    assert response.headers["Location"] == f"/enterprises/{saved.id}"
    assert (saved.credit_code, saved.region_id, saved.active) == (
        data["credit_code"],
        org["two"].id,
        True,
    )
    assert "新登记物业服务有限公司" in page(client.get("/enterprises"))


def test_edit_enterprise(client, login, org):
    login("padmin")
    e1 = org["e1"]
    data = enterprise_data(org["one"], name="一市物业服务集团", credit_code=e1.credit_code)
    response = submit(client, f"/enterprises/{e1.id}/edit", data)
    assert response.status_code == 302
    saved = db.session.get(Enterprise, e1.id)
    assert (saved.name, saved.contact_name) == ("一市物业服务集团", "刘经理")


def test_deactivated_enterprise_refuses_roster_changes(client, login, org):
    login("padmin")
    e1 = org["e1"]
    response = post_with_token(client, f"/enterprises/{e1.id}/active")
    assert response.status_code == 302
    assert db.session.get(Enterprise, e1.id).active is False
    assert "已停用" in page(client.get(f"/enterprises/{e1.id}"))

    other = client.application.test_client()
    form_login(other, "eadmin")
    token = csrf_of(other.get("/"))
    person = {
        "name": "孙八",
        "id_number": factories.id_number(),
        "post": "cleaning",
        "hired_on": "2023-05-01",
        "csrf_token": token,
    }
    assert other.post(f"/enterprises/{e1.id}/employees/new", data=person).status_code == 403
    assert other.get(f"/enterprises/{e1.id}/employees/import").status_code == 403
    zhang = org["zhang"]
    assert (
        other.post(
            f"/employees/{zhang.id}/leave", data={"csrf_token": token, "left_on": "2024-01-01"}
        ).status_code
        == 403
    )
    assert other.get(f"/employees/{zhang.id}/account").status_code == 403
    roster = page(other.get(f"/enterprises/{e1.id}/employees"))
    assert "添加人员" not in roster and "Excel 导入" not in roster
    assert (
        db.session.scalar(
            select(func.count()).select_from(Employee).where(Employee.enterprise_id == e1.id)
        )
        == 1
    )


def test_reactivated_enterprise_accepts_roster_changes_again(client, login, org):
    e1 = org["e1"]
    e1.active = False
    db.session.commit()
    login("padmin")
    post_with_token(client, f"/enterprises/{e1.id}/active")
    assert db.session.get(Enterprise, e1.id).active is True
    assert client.get(f"/enterprises/{e1.id}/employees/import").status_code == 200


def test_enterprise_admin_cannot_edit_or_deactivate_their_enterprise(client, login, org):
    token = login("eadmin")
    e1 = org["e1"]
    assert client.get(f"/enterprises/{e1.id}/edit").status_code == 403
    toggle = client.post(f"/enterprises/{e1.id}/active", data={"csrf_token": token})
    assert toggle.status_code == 403
    assert client.get("/enterprises").status_code == 403
    assert db.session.get(Enterprise, e1.id).active is True


def test_city_admin_can_pick_only_their_own_region(client, login, org):
    login("cadmin")
    form_page = page(client.get("/enterprises/new"))
    assert "测试一市" in form_page and "测试二市" not in form_page
    response = submit(client, "/enterprises/new", enterprise_data(org["two"]))
    assert response.status_code == 200
    assert NOT_A_CHOICE in page(response)
    assert enterprises_named("新登记物业服务有限公司") == []
    assert submit(client, "/enterprises/new", enterprise_data(org["one"])).status_code == 302
    assert enterprises_named("新登记物业服务有限公司")[0].region_id == org["one"].id


def test_city_admin_cannot_move_an_enterprise_to_another_region(client, login, org):
    login("cadmin")
    e1 = org["e1"]
    data = enterprise_data(org["two"], name=e1.name, credit_code=e1.credit_code)
    response = submit(client, f"/enterprises/{e1.id}/edit", data)
    assert response.status_code == 200
    assert db.session.get(Enterprise, e1.id).region_id == org["one"].id


def test_city_admin_cannot_see_other_regions_enterprises(client, login, org):
    token = login("cadmin")
    e2 = org["e2"]
    listing = page(client.get("/enterprises?status=all"))
    assert "一市物业有限公司" in listing and "二市物业有限公司" not in listing
    assert client.get(f"/enterprises/{e2.id}").status_code == 404
    assert client.get(f"/enterprises/{e2.id}/edit").status_code == 404
    assert client.get(f"/enterprises/{e2.id}/employees").status_code == 404
    toggle = client.post(f"/enterprises/{e2.id}/active", data={"csrf_token": token})
    assert toggle.status_code == 404
    assert db.session.get(Enterprise, e2.id).active is True


# --- admin accounts ---------------------------------------------------------------------


def account_data(**overrides) -> dict:
    data = {
        "username": "newadmin",
        "display_name": "新管理员",
        "password": "start-pass-1",
        "role": "city_admin",
        "region_id": "0",
        "enterprise_id": "0",
    }
    return {**data, **overrides}


def test_province_admin_must_pick_a_region_for_a_city_admin(client, login, org):
    login("padmin")
    response = submit(client, "/accounts/new", account_data())
    assert response.status_code == 200
    assert SCOPE_REFUSED in page(response)
    assert user("newadmin") is None


def test_province_admin_creates_a_city_admin(client, login, org):
    login("padmin")
    response = submit(client, "/accounts/new", account_data(region_id=str(org["two"].id)))
    assert response.status_code == 302
    created = user("newadmin")
    assert (created.role, created.region_id, created.enterprise_id) == (
        "city_admin",
        org["two"].id,
        None,
    )
    assert "newadmin" in page(client.get("/accounts"))


def test_province_admin_creates_an_enterprise_admin(client, login, org):
    login("padmin")
    data = account_data(role="enterprise_admin", enterprise_id=str(org["e2"].id))
    assert submit(client, "/accounts/new", data).status_code == 302
    created = user("newadmin")
    assert (created.role, created.enterprise_id, created.region_id) == (
        "enterprise_admin",
        org["e2"].id,
        org["two"].id,
    )


def test_new_account_with_weak_password_is_refused(client, login, org):
    login("padmin")
    data = account_data(region_id=str(org["one"].id), password="12345678")
    response = submit(client, "/accounts/new", data)
    assert "密码须同时包含字母和数字" in page(response)
    assert user("newadmin") is None


def test_new_account_with_taken_username_is_refused(client, login, org):
    login("padmin")
    response = submit(
        client, "/accounts/new", account_data(username="EAdmin", region_id=str(org["one"].id))
    )
    assert "该用户名已被使用" in page(response)


def test_city_admin_cannot_create_a_city_admin(client, login, org):
    login("cadmin")
    form_page = page(client.get("/accounts/new"))
    assert 'value="city_admin"' not in form_page
    response = submit(client, "/accounts/new", account_data(region_id=str(org["one"].id)))
    assert response.status_code == 200
    assert NOT_A_CHOICE in page(response)
    assert user("newadmin") is None


def test_city_admin_cannot_attach_an_enterprise_admin_to_another_region(client, login, org):
    login("cadmin")
    data = account_data(role="enterprise_admin", enterprise_id=str(org["e2"].id))
    response = submit(client, "/accounts/new", data)
    assert response.status_code == 200
    assert SCOPE_REFUSED in page(response)
    assert user("newadmin") is None


def test_city_admin_creates_an_enterprise_admin_in_their_region(client, login, org):
    login("cadmin")
    data = account_data(role="enterprise_admin", enterprise_id=str(org["e1"].id))
    assert submit(client, "/accounts/new", data).status_code == 302
    assert user("newadmin").enterprise_id == org["e1"].id


def test_trainee_accounts_are_not_made_on_the_admin_form(client, login, org):
    login("eadmin")
    data = account_data(role="trainee", enterprise_id=str(org["e1"].id))
    response = submit(client, "/accounts/new", data)
    assert "学员账号请在从业人员详情页中开通" in page(response)
    assert user("newadmin") is None


def test_trainee_cannot_open_the_accounts_pages(client, make, login, org):
    make.user(Role.TRAINEE, username="trainee1", employee=org["zhang"])
    login("trainee1")
    assert client.get("/accounts").status_code == 403
    assert client.get("/accounts/new").status_code == 403


# --- trainee accounts -------------------------------------------------------------------


def open_trainee_account(client, employee, username="zhangsan", password="start-pass-1"):
    return submit(
        client, f"/employees/{employee.id}/account", {"username": username, "password": password}
    )


def test_enterprise_admin_opens_a_trainee_account_that_can_log_in(client, login, org):
    login("eadmin")
    zhang = org["zhang"]
    assert f'href="/employees/{zhang.id}/account"' in page(client.get(f"/employees/{zhang.id}"))
    assert 'value="13800000001"' in page(client.get(f"/employees/{zhang.id}/account"))
    response = open_trainee_account(client, zhang)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/employees/{zhang.id}"
    created = user("zhangsan")
    assert (created.role, created.employee_id, created.enterprise_id) == (
        "trainee",
        zhang.id,
        org["e1"].id,
    )
    assert "zhangsan" in page(client.get(f"/employees/{zhang.id}"))

    phone = client.application.test_client()
    first = form_login(phone, "zhangsan", "start-pass-1")
    assert first.headers["Location"] == "/account/password"  # an admin chose the password
    changed = submit(
        phone,
        "/account/password",
        {
            "current_password": "start-pass-1",
            "new_password": "own-pass-77",
            "confirm": "own-pass-77",
        },
    )
    assert changed.status_code == 302
    assert "你好，张三" in page(phone.get("/"))


def test_second_account_for_the_same_employee_is_refused(client, login, org):
    login("eadmin")
    zhang = org["zhang"]
    open_trainee_account(client, zhang)
    response = open_trainee_account(client, zhang, username="zhangsan2")
    assert response.status_code == 200
    assert "该从业人员已有账号" in page(response)
    assert user("zhangsan2") is None
    assert "开通学员账号" not in page(client.get(f"/employees/{zhang.id}"))


def test_other_enterprise_admin_cannot_open_an_account_for_this_employee(client, make, login, org):
    make.user(Role.ENTERPRISE_ADMIN, username="other", enterprise=org["e2"])
    token = login("other")
    url = f"/employees/{org['zhang'].id}/account"
    data = {"csrf_token": token, "username": "zhangsan", "password": "start-pass-1"}
    assert client.post(url, data=data).status_code == 404
    assert user("zhangsan") is None


# --- deactivate, reset, unlock ----------------------------------------------------------


@pytest.fixture
def trainee(make, org):
    return make.user(Role.TRAINEE, username="trainee1", employee=org["zhang"])


def test_deactivating_an_account_ends_its_session_and_login(client, login, org, trainee):
    phone = client.application.test_client()
    form_login(phone, "trainee1")
    assert phone.get("/").status_code == 200

    login("eadmin")
    response = post_with_token(client, f"/accounts/{trainee.id}/active", token_page="/accounts")
    assert response.status_code == 302
    assert user("trainee1").active is False
    assert "已停用" in page(client.get("/accounts"))

    after = phone.get("/")
    assert after.status_code == 302
    assert after.headers["Location"].startswith("/login")
    assert "用户名或密码错误" in page(form_login(phone, "trainee1"))


def test_reactivated_account_can_log_in_again(client, login, org, trainee):
    trainee.active = False
    db.session.commit()
    login("eadmin")
    post_with_token(client, f"/accounts/{trainee.id}/active")
    assert user("trainee1").active is True
    assert form_login(client.application.test_client(), "trainee1").status_code == 302


def test_reset_password_replaces_the_old_one(client, login, org, trainee):
    login("eadmin")
    response = submit(client, f"/accounts/{trainee.id}/password", {"password": "reset-pass-9"})
    assert response.status_code == 302
    phone = client.application.test_client()
    assert "用户名或密码错误" in page(form_login(phone, "trainee1", factories.PASSWORD))
    assert form_login(phone, "trainee1", "reset-pass-9").status_code == 302


def test_reset_to_a_weak_password_is_refused(client, login, org, trainee):
    login("eadmin")
    before = trainee.password_hash
    response = submit(client, f"/accounts/{trainee.id}/password", {"password": "short"})
    assert "密码至少 8 位" in page(response)
    assert user("trainee1").password_hash == before


def test_reset_password_ends_the_accounts_sessions(client, login, org, trainee):
    phone = client.application.test_client()
    form_login(phone, "trainee1")
    login("eadmin")
    submit(client, f"/accounts/{trainee.id}/password", {"password": "reset-pass-9"})
    assert phone.get("/").status_code == 302


def test_unlock_lifts_the_lock_out(client, login, org, trainee):
    phone = client.application.test_client()
    for _ in range(5):
        form_login(phone, "trainee1", "wrong-pass-1")
    assert "尝试次数过多" in page(form_login(phone, "trainee1"))

    login("eadmin")
    assert "已锁定" in page(client.get("/accounts"))
    response = post_with_token(client, f"/accounts/{trainee.id}/unlock", token_page="/accounts")
    assert response.status_code == 302
    assert user("trainee1").locked_until is None
    assert form_login(phone, "trainee1").status_code == 302


def test_admin_cannot_deactivate_or_reset_themselves(client, login, org):
    token = login("padmin")
    me = user("padmin")
    response = client.post(f"/accounts/{me.id}/active", data={"csrf_token": token})
    assert response.status_code == 403
    assert client.get(f"/accounts/{me.id}/password").status_code == 403
    assert user("padmin").active is True
    assert f"/accounts/{me.id}/active" not in page(client.get("/accounts"))


def test_accounts_outside_scope_answer_404(client, make, login, org, trainee):
    make.user(Role.ENTERPRISE_ADMIN, username="other", enterprise=org["e2"])
    token = login("other")
    assert (
        client.post(f"/accounts/{trainee.id}/active", data={"csrf_token": token}).status_code == 404
    )
    assert client.get(f"/accounts/{trainee.id}/password").status_code == 404
    assert "trainee1" not in page(client.get("/accounts"))
    assert user("trainee1").active is True


def test_city_admin_cannot_deactivate_the_province_admin(client, login, org):
    token = login("cadmin")
    padmin = user("padmin")
    response = client.post(f"/accounts/{padmin.id}/active", data={"csrf_token": token})
    assert response.status_code == 404
    assert user("padmin").active is True


def test_add_employee_then_open_account_end_to_end(client, login, org):
    """An enterprise admin adds a person by form, then opens their account."""
    login("eadmin")
    bad = submit(
        client,
        f"/enterprises/{org['e1'].id}/employees/new",
        {
            "name": "孙八",
            "id_number": bad_id_number(factories.id_number()),
            "post": "cleaning",
            "hired_on": "2023-05-01",
        },
    )
    assert "身份证号校验位错误" in page(bad)
    submit(
        client,
        f"/enterprises/{org['e1'].id}/employees/new",
        {
            "name": "孙八",
            "id_number": factories.id_number(),
            "phone": "13900139000",
            "post": "cleaning",
            "hired_on": "2023-05-01",
        },
    )
    sun = db.session.scalar(select(Employee).where(Employee.name == "孙八"))
    assert open_trainee_account(client, sun, username="13900139000").status_code == 302
    assert (
        form_login(client.application.test_client(), "13900139000", "start-pass-1").status_code
        == 302
    )
